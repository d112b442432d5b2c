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

#include "checks/attention_gate.hpp"
#include "checks/gate.hpp"
#include "kernels/attention_kernel.hpp"
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

// Ctrl-C and sys.exit() end the run instead of being recorded against a batch.
bool stops_the_run(const py::error_already_set& error) {
  return error.matches(PyExc_KeyboardInterrupt) || error.matches(PyExc_SystemExit);
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
      if (stops_the_run(error)) throw;
      throw KernelFailure(failure_message(error));
    }
  };
}

// One head: the invoker gets (q, k, v, mask, scale[, softcap]) - q (lq, d), k and v (lk, d)
// in the storage type; mask None, a bool (lq, lk) array (True = attended) or the additive bias
// (lq, lk) in the storage type - and returns O (lq, d).
AttentionFn python_attention(SharedObject invoker, Format format, bool takes_softcap) {
  return [invoker, format, takes_softcap](const AttentionCall& call) {
    py::gil_scoped_acquire gil;
    const py::dtype dtype = storage_dtype(format);
    const AttentionShape& shape = call.shape;
    try {
      py::object mask = py::none();
      if (call.keep) {
        py::array_t<bool> keep({static_cast<py::ssize_t>(shape.lq), static_cast<py::ssize_t>(shape.lk)});
        for (std::size_t i = 0; i < shape.lq * shape.lk; ++i) keep.mutable_data()[i] = call.keep[i] != 0;
        mask = keep;
      } else if (call.bias) {
        mask = packed_rows(call.bias, dtype, shape.lq, shape.lk, shape.lk);
      }
      py::list inputs;
      inputs.append(packed_rows(call.q, dtype, shape.lq, shape.d, shape.d));
      inputs.append(packed_rows(call.k, dtype, shape.lk, shape.d, shape.d));
      inputs.append(packed_rows(call.v, dtype, shape.lk, shape.d, shape.d));
      inputs.append(mask);
      inputs.append(call.scale);
      if (takes_softcap) inputs.append(call.softcap);
      const py::object returned = (*invoker)(py::tuple(inputs));
      if (!py::isinstance<py::tuple>(returned) || py::len(returned) != 1)
        throw KernelFailure("the invoker returned no tuple of one output");
      store_rows(py::reinterpret_borrow<py::tuple>(returned)[0], call.out, dtype, shape.lq,
                 shape.d, shape.d, false);
    } catch (py::error_already_set& error) {
      if (stops_the_run(error)) throw;
      throw KernelFailure(failure_message(error));
    }
  };
}

// attention: the kernel's declarations ({"accumulation", "p", "masked_row", "softcap"}).
AttentionKernel attention_kernel(const py::object& invoker, Format format, const std::string& name,
                                 const py::dict& declared) {
  AttentionKernel kernel;
  kernel.formats.storage = format;
  kernel.formats.accumulation = format == Format::f64 ? Format::f64 : Format::f32;
  kernel.algorithm = name;
  kernel.provider = "python";
  bool takes_softcap = false;
  for (const auto& [key, value] : declared) {
    const std::string field = py::str(key);
    if (field == "softcap") {
      takes_softcap = value.cast<bool>();
      continue;
    }
    const std::string text = py::str(value);
    if (field == "accumulation") {
      kernel.formats.accumulation = format_of(text);
    } else if (field == "p") {
      const auto p = parse_p_format(text);
      if (!p) throw py::value_error("attention: unknown p format '" + text + "' (none, bf16, f16, e4m3, e5m2)");
      kernel.formats.p = *p;
    } else if (field == "masked_row") {
      if (text == "nan") kernel.declared.masked_row = MaskedRowOutput::nan;
      else if (text == "zero") kernel.declared.masked_row = MaskedRowOutput::zero;
      else if (text == "uniform") kernel.declared.masked_row = MaskedRowOutput::uniform;
      else throw py::value_error("attention: masked_row must be nan, zero or uniform, not '" + text + "'");
    } else {
      throw py::value_error("attention: unknown declaration '" + field +
                            "' (accumulation, p, masked_row, softcap)");
    }
  }
  if (!takes_softcap)
    kernel.declared.refuses = [](const AttentionCase& c) -> std::string {
      return c.parameters.softcap != 0.0 ? "softcap (pass attention={\"softcap\": True} to take it)" : "";
    };
  kernel.run = python_attention(share(invoker), format, takes_softcap);
  return kernel;
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

// The attention gate (checks/attention_gate.hpp) on one kernel per format; its contract is
// derived from the declared formats, so `contract=` does not apply.
std::string attention_json(const py::dict& invokers, const std::string& kernel_name, Suite suite,
                           std::uint64_t seed, unsigned threads, const py::dict& declared,
                           const std::string& command) {
  std::vector<AttentionKernel> kernels;
  for (const auto& [key, invoker] : invokers)
    kernels.push_back(attention_kernel(py::reinterpret_borrow<py::object>(invoker),
                                       format_of(py::str(key)), kernel_name, declared));
  std::vector<const AttentionKernel*> selected;
  for (const AttentionKernel& k : kernels) selected.push_back(&k);
  AttentionGateOptions options;
  options.suite = suite;
  options.seed = seed;
  options.threads = std::max(1u, threads);
  GateResult rows;
  rows.seed = seed;
  rows.suite = suite;
  AttentionGateResult result;
  {
    py::gil_scoped_release release;
    result = run_attention_gate(selected, options);
  }
  std::ostringstream out;
  write_gate_json(out, rows, {command, SOFTCHECK_VERSION}, &result);
  return out.str();
}

// invokers: one per format, by format name; rules: contract rules as a JSON document (the
// package turns `contract=` into it), applied after the built-in and provider contracts.
std::string gate_callable_json(const py::dict& invokers, const std::string& op_name,
                               const std::string& kernel_name, const std::string& suite_name,
                               std::uint64_t seed, bool strict, unsigned threads,
                               const std::vector<std::string>& contract_files,
                               const std::string& contract_rules, const py::dict& parameters,
                               const py::dict& attention, const std::string& command) {
  ensure_registered();
  const Op op = op_of(op_name);
  const auto suite = parse_suite(suite_name);
  if (!suite) throw py::value_error("unknown suite '" + suite_name + "' (expected quick, default or deep)");
  if (invokers.empty()) throw py::value_error("gate_callable: no dtypes");
  if (op == Op::attention)
    return attention_json(invokers, kernel_name, *suite, seed, threads, attention, command);
  std::vector<Kernel> kernels;
  for (const auto& [key, invoker] : invokers) {
    const Format format = format_of(py::str(key));
    storage_dtype(format);  // a format numpy cannot carry is refused before the run
    // Zero-size calls in this process: a fork of the interpreter cannot run Python code
    // safely (CUDA, other threads), and the invoker touches no array of an empty call.
    kernels.push_back({op, format, kernel_name, "python",
                       python_kernel(share(py::reinterpret_borrow<py::object>(invoker)), op, format),
                       loss_parameters(parameters), /*probe_in_process=*/true});
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
        py::arg("attention"), py::arg("command"));
}

}  // namespace softcheck::python
