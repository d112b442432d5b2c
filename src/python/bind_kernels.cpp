// softcheck.kernels(), softcheck.run_kernel() and softcheck.replay_row(): the registry's
// kernels (built-in, oneDNN, XNNPACK, libtorch where compiled in) called on numpy rows, and
// one row of a named input family regenerated exactly as the gate saw it (a reproducer).
#include "core/batch.hpp"
#include "core/families.hpp"
#include "kernels/attention_kernel.hpp"
#include "kernels/kernel_buffers.hpp"
#include "python/bindings.hpp"

namespace softcheck::python {
namespace {

py::list kernels(const std::string& glob) {
  ensure_registered();
  py::list out;
  for (const Kernel* k : Registry::instance().match(glob)) {
    py::dict d;
    d["name"] = k->name();
    d["op"] = std::string(name(k->op));
    d["format"] = std::string(name(k->format));
    d["algorithm"] = k->algorithm;
    d["provider"] = k->provider;
    out.append(d);
  }
  for (const AttentionKernel* k : AttentionRegistry::instance().match(glob)) {
    py::dict d;
    d["name"] = k->name();
    d["op"] = "attention";
    d["format"] = std::string(name(k->formats.storage));
    d["algorithm"] = k->algorithm;
    d["provider"] = k->provider;
    out.append(d);
  }
  return out;
}

// The kernel on a batch; returns the vector outputs (rows x n, or rows for logsumexp) and
// the losses (rows; NaN for ops without one).
std::pair<std::vector<double>, std::vector<double>> call_kernel(const Kernel& kernel,
                                                                const Batch& batch) {
  KernelBuffers buffers(kernel.op, batch, batch.n);
  {
    py::gil_scoped_release release;  // isolated kernels wait on a worker process
    kernel.run(buffers.call);        // KernelFailure: RuntimeError
  }
  const PackedBatch& out = buffers.out;
  const PackedBatch& loss = buffers.loss;
  const bool row_output = has_row_output(kernel.op);
  std::vector<double> vectors, losses;
  for (std::size_t r = 0; r < batch.rows; ++r) {
    if (row_output) {
      vectors.push_back(packed_value(out, r, 0));
    } else {
      for (std::size_t i = 0; i < batch.n; ++i) vectors.push_back(packed_value(out, r, i));
    }
    losses.push_back(has_loss(kernel.op) ? packed_value(loss, r, 0) : NAN);
  }
  return {vectors, losses};
}

py::object package(const Kernel& kernel, const std::vector<double>& vectors,
                   const std::vector<double>& losses, std::size_t rows, std::size_t n, bool one_row) {
  const auto scalar = [&](const std::vector<double>& v) -> py::object {
    if (one_row) return py::float_(v[0]);
    return shaped(v, 1, rows, true);
  };
  if (has_row_output(kernel.op)) return scalar(vectors);
  py::array_t<double> vector = shaped(vectors, rows, n, one_row);
  if (has_loss(kernel.op)) return py::make_tuple(scalar(losses), vector);
  return vector;
}

py::object run_kernel(const std::string& kernel_name,
                      const py::array_t<double, py::array::c_style | py::array::forcecast>& logits,
                      const py::object& target) {
  const Kernel& kernel = kernel_named(kernel_name);
  Rows rows = rows_of(logits);
  Batch batch;
  batch.format = kernel.format;
  batch.rows = rows.rows;
  batch.n = rows.n;
  batch.values = rows.values;
  for (double& v : batch.values) v = round_to_format(v, kernel.format);
  batch.targets = targets_of(target, rows.rows, rows.n);
  const auto [vectors, losses] = call_kernel(kernel, batch);
  return package(kernel, vectors, losses, rows.rows, rows.n, rows.one_row);
}

py::dict replay_row(const std::string& kernel_name, const std::string& family_name,
                    const std::string& suite_name, std::uint64_t seed, std::size_t batch_index,
                    std::size_t row) {
  const Kernel& kernel = kernel_named(kernel_name);
  const Family* family = find_family(family_name);
  if (family == nullptr) throw py::value_error("no input family named '" + family_name + "'");
  const auto suite = parse_suite(suite_name);
  if (!suite) throw py::value_error("unknown suite '" + suite_name + "' (expected quick, default or deep)");
  const std::vector<Batch> batches =
      family->generate(kernel.format, *suite, family_seed(seed, family_name));
  if (batch_index >= batches.size() || row >= batches[batch_index].rows)
    throw py::index_error("family " + family_name + " has no batch " + std::to_string(batch_index) +
                          " row " + std::to_string(row));
  const Batch& source = batches[batch_index];
  Batch one;
  one.format = source.format;
  one.rows = 1;
  one.n = source.n;
  one.values.assign(source.row(row).begin(), source.row(row).end());
  one.targets = {source.n > 0 ? source.targets[row] : 0};
  const auto [vectors, losses] = call_kernel(kernel, one);
  py::dict d;
  d["kernel"] = kernel_name;
  d["format"] = std::string(name(kernel.format));
  d["op"] = std::string(name(kernel.op));
  d["logits"] = shaped(one.values, 1, one.n, true);
  d["target"] = one.targets[0];
  d["output"] = package(kernel, vectors, losses, 1, one.n, true);
  const RowResult exact = reference_row(kernel.op, one.row(0), kernel.format,
                                        static_cast<std::size_t>(one.targets[0]), kernel.parameters);
  d["reference"] = package(kernel, has_row_output(kernel.op) ? std::vector<double>{exact.scalar} : exact.vector,
                           {exact.scalar}, 1, one.n, true);
  return d;
}

}  // namespace

void bind_kernels(py::module_& m) {
  m.def("kernels", &kernels, py::arg("glob") = "*");
  m.def("run_kernel", &run_kernel, py::arg("kernel"), py::arg("logits"), py::arg("target") = py::none());
  m.def("replay_row", &replay_row, py::arg("kernel"), py::arg("family"), py::arg("suite"),
        py::arg("seed"), py::arg("batch"), py::arg("row"));
  m.def("families", [] {
    py::list out;
    for (const Family& f : families()) out.append(py::make_tuple(f.name, f.description));
    return out;
  });
}

}  // namespace softcheck::python
