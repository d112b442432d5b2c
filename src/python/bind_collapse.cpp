// softcheck.collapse_sweep(): the softmax-collapse measurement of one cross-entropy kernel
// (checks/collapse.hpp) with its theory (checks/collapse_theory.hpp), as a dict.
#include "checks/collapse.hpp"
#include "python/bindings.hpp"

namespace softcheck::python {
namespace {

py::object optional(const std::optional<double>& v) {
  return v ? py::object(py::float_(*v)) : py::object(py::none());
}

py::dict onset(const collapse::Onset& o) {
  py::dict d;
  d["from"] = optional(o.from);
  d["first"] = optional(o.first);
  d["spacing"] = o.spacing;
  return d;
}

py::dict theory(const collapse::Theory& t) {
  py::dict d;
  d["model"] = std::string(collapse::name(t.model));
  d["accumulator_precision"] = t.accumulator_precision;
  d["ln_weight"] = t.ln_weight;
  d["plain_sum"] = t.plain_sum;
  d["max_first"] = t.max_first;
  d["output_underflow"] = t.output_underflow;
  d["gradient_underflow"] = t.gradient_underflow;
  d["onset"] = optional(t.onset);
  d["gradient_onset"] = optional(t.gradient_onset);
  d["formula"] = t.formula;
  return d;
}

py::dict collapse_sweep(const std::string& kernel_name, std::size_t classes,
                        const std::string& layout, const std::string& target, std::uint64_t seed) {
  const Kernel& kernel = kernel_named(kernel_name);
  if (!collapse::collapse_loss(kernel.op))
    throw py::value_error(kernel_name + " is not a cross_entropy or stablemax_cross_entropy kernel");
  if (classes < 2) throw py::value_error("classes must be >= 2");
  collapse::Options options;
  const auto l = collapse::parse_layout(layout);
  if (!l) throw py::value_error("unknown layout '" + layout + "' (expected zeros or spread)");
  const auto t = collapse::parse_target_position(target);
  if (!t) throw py::value_error("unknown target '" + target + "' (expected first or last)");
  options.layout = *l, options.target = *t, options.seed = seed;
  collapse::Result r;
  {
    py::gil_scoped_release release;
    r = collapse::measure(kernel, classes, options);
  }
  py::dict d;
  d["kernel"] = kernel_name;
  d["n"] = classes;
  d["layout"] = layout;
  d["target"] = r.target;
  d["competitors"] = shaped(r.competitors, 1, r.competitors.size(), true);
  d["loss"] = onset(r.loss);
  d["gradient"] = onset(r.gradient);
  d["loss_sign"] = onset(r.loss_sign);
  d["gradient_sign"] = onset(r.gradient_sign);
  d["reference_loss_zero"] = optional(r.reference_loss_zero);
  d["reference_gradient_zero"] = optional(r.reference_gradient_zero);
  d["theory"] = theory(r.theory);
  d["failure"] = r.failure;
  return d;
}

}  // namespace

void bind_collapse(py::module_& m) {
  m.def("collapse_sweep", &collapse_sweep, py::arg("kernel"), py::arg("classes") = 10,
        py::arg("layout") = "zeros", py::arg("target") = "first", py::arg("seed") = 1);
}

}  // namespace softcheck::python
