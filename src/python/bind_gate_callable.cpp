// softcheck.gate_callable(): the gate on a Python function. The function becomes one kernel
// per format ("python/<op>/<format>/<name>") whose calls go to an invoker from the package
// (softcheck/_invoke.py) with the call's inputs as numpy arrays in the storage format (bf16
// as uint16 bit patterns); the invoker calls the function (in process or in a worker
// process), validates what it returns and hands back numpy arrays of the outputs. A call the
// invoker refuses - the function raised, returned the wrong shape or dtype, wrote into its
// input, crashed or hung in its worker - is a KernelFailure: the gate records it as a crash of
// that batch, with the invoker's message, and goes on. The result is the JSON document
// `softcheck gate --json` writes.
#include <cstring>
#include <memory>
#include <sstream>

#include "checks/gate.hpp"
#include "python/bindings.hpp"
#include "report/gate_report.hpp"

namespace softcheck::python {
namespace {

// The numpy dtype of a format's storage (core/format.hpp: bf16 and f16 as 16-bit patterns;
// numpy has float16, and bf16 travels as uint16 as in the vector files).
py::dtype storage_dtype(Format format) {
  switch (format) {
    case Format::f64: return py::dtype("<f8");
    case Format::f32: return py::dtype("<f4");
    case Format::f16: return py::dtype("<f2");
    case Format::bf16: return py::dtype("<u2");
    default: break;
  }
  throw py::value_error("gate_callable: format " + std::string(name(format)) +
                        " has no numpy storage type (expected f64, f32, bf16 or f16)");
}

// A copy of rows x n values at the call's stride as a C-contiguous array of `dtype`.
py::array packed_rows(const void* base, const py::dtype& dtype, std::size_t rows, std::size_t n,
                      std::size_t stride) {
  py::array array(dtype, {static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(n)});
  const std::size_t size = dtype.itemsize();
  auto* to = static_cast<unsigned char*>(array.mutable_data());
  const auto* from = static_cast<const unsigned char*>(base);
  for (std::size_t r = 0; r < rows && n > 0; ++r)
    std::memcpy(to + r * n * size, from + r * stride * size, n * size);
  return array;
}

// The op's inputs of one call, in the op table's order: the value inputs as (rows, n) arrays
// of the storage type, the target as an int64 array of one class per row.
py::tuple call_inputs(const KernelCall& call, const OpSpec& spec, const py::dtype& dtype) {
  py::tuple inputs(spec.inputs.size());
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    const Input kind = spec.inputs[i];
    if (kind == Input::target) {
      py::array_t<std::int64_t> target(static_cast<py::ssize_t>(call.rows));
      if (call.rows > 0 && call.target) std::memcpy(target.mutable_data(), call.target, call.rows * sizeof(std::int64_t));
      inputs[i] = target;
    } else {
      inputs[i] = packed_rows(call.input(kind), dtype, call.rows, call.n, call.stride);
    }
  }
  return inputs;
}

// Copies one returned array into the call's output at the stride; `per_row`: one value per
// row. The invoker has checked shape and dtype; a mismatch here is a failure of that call.
void store_rows(const py::handle& returned, void* out, const py::dtype& dtype, std::size_t rows,
                std::size_t n, std::size_t stride, bool per_row) {
  const py::array array = py::array::ensure(returned, py::array::c_style);
  const std::size_t columns = per_row ? 1 : n;
  const std::size_t expected = rows * columns;
  if (!array || !array.dtype().equal(dtype) || static_cast<std::size_t>(array.size()) != expected)
    throw KernelFailure("the invoker returned an array that does not fit the call");
  const std::size_t size = dtype.itemsize();
  auto* to = static_cast<unsigned char*>(out);
  const auto* from = static_cast<const unsigned char*>(array.data());
  for (std::size_t r = 0; r < rows && columns > 0; ++r)
    std::memcpy(to + (per_row ? r : r * stride) * size, from + r * columns * size, columns * size);
}

// The one line a Python exception becomes in the gate's crash record.
std::string failure_message(const py::error_already_set& error) {
  const std::string type = py::str(error.type().attr("__name__"));
  const std::string text = py::str(error.value());
  return type == "CallFailure" ? text : "raised " + type + ": " + text;
}

// The invoker outlives the kernels only with the interpreter's lock: its last reference is
// dropped under the GIL, whichever thread releases the kernel.
using SharedObject = std::shared_ptr<py::object>;
SharedObject share(py::object object) {
  return SharedObject(new py::object(std::move(object)), [](py::object* o) {
    py::gil_scoped_acquire gil;
    delete o;
  });
}

KernelFn python_kernel(SharedObject invoker, Op op, Format format) {
  return [invoker, op, format](const KernelCall& call) {
    py::gil_scoped_acquire gil;
    const OpSpec& spec = op.spec();
    const py::dtype dtype = storage_dtype(format);
    try {
      const py::object returned = (*invoker)(call_inputs(call, spec, dtype));
      if (!py::isinstance<py::tuple>(returned))
        throw KernelFailure("the invoker returned no tuple of outputs");
      const py::tuple outputs = py::reinterpret_borrow<py::tuple>(returned);
      if (outputs.size() != (spec.has_loss() ? 2u : 1u))
        throw KernelFailure("the invoker returned the wrong number of outputs");
      if (spec.has_loss()) {
        store_rows(outputs[0], call.loss, dtype, call.rows, call.n, call.stride, true);
        store_rows(outputs[1], call.out, dtype, call.rows, call.n, call.stride, false);
      } else {
        store_rows(outputs[0], call.out, dtype, call.rows, call.n, call.stride,
                   spec.outputs == Outputs::per_row);
      }
    } catch (py::error_already_set& error) {
      throw KernelFailure(failure_message(error));
    }
  };
}

LossParameters loss_parameters(const py::dict& values) {
  LossParameters p;
  for (const auto& [key, value] : values) {
    const std::string name = py::str(key);
    const double x = value.cast<double>();
    if (name == "tau") p.tau = x;
    else if (name == "a") p.a = x;
    else if (name == "b") p.b = x;
    else if (name == "temperature") p.temperature = x;
    else throw py::value_error("unknown parameter '" + name + "' (expected tau, a, b or temperature)");
  }
  return p;
}

// invokers: one per format, by format name; rules: contract rules as a JSON document (the
// package turns `contract=` into it), applied after the built-in and provider contracts.
std::string gate_callable_json(const py::dict& invokers, const std::string& op_name,
                               const std::string& kernel_name, const std::string& suite_name,
                               std::uint64_t seed, bool strict, unsigned threads,
                               const std::vector<std::string>& contract_files,
                               const std::string& contract_rules, const py::dict& parameters,
                               const std::string& command) {
  ensure_registered();
  const Op op = op_of(op_name);
  if (op == Op::attention)
    throw py::value_error("gate_callable: attention is not supported yet; export vector files "
                          "(softcheck vectors export --op attention) and check them");
  const auto suite = parse_suite(suite_name);
  if (!suite) throw py::value_error("unknown suite '" + suite_name + "' (expected quick, default or deep)");
  if (invokers.empty()) throw py::value_error("gate_callable: no dtypes");
  std::vector<Kernel> kernels;
  for (const auto& [key, invoker] : invokers) {
    const Format format = format_of(py::str(key));
    storage_dtype(format);  // a format numpy cannot carry is refused before the run
    kernels.push_back({op, format, kernel_name, "python",
                       python_kernel(share(py::reinterpret_borrow<py::object>(invoker)), op, format),
                       loss_parameters(parameters)});
  }
  ContractSet contracts = strict ? ContractSet::strict() : ContractSet::builtin();
  for (const std::string& path : contract_files) contracts.add_file(path);  // ContractError: RuntimeError
  if (!contract_rules.empty()) contracts.add_rules(contract_rules, "contract=");
  std::vector<const Kernel*> selected;
  for (const Kernel& k : kernels) selected.push_back(&k);
  GateOptions options;
  options.suite = *suite;
  options.seed = seed;
  options.threads = std::max(1u, threads);
  GateResult result;
  {
    py::gil_scoped_release release;  // the references run on the gate's threads
    result = run_gate(selected, contracts, options);
  }
  std::ostringstream out;
  write_gate_json(out, result, {command, SOFTCHECK_VERSION}, nullptr);
  return out.str();
}

}  // namespace

void bind_gate_callable(py::module_& m) {
  m.def("gate_callable_json", &gate_callable_json, py::arg("invokers"), py::arg("op"),
        py::arg("name"), py::arg("suite"), py::arg("seed"), py::arg("strict"), py::arg("threads"),
        py::arg("contract_files"), py::arg("contract_rules"), py::arg("parameters"),
        py::arg("command"));
}

}  // namespace softcheck::python
