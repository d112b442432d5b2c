// softcheck.reference(op, logits, dtype, target, ...): the correctly rounded reference of any
// op (src/reference), one row or a batch of rows.
#include <cmath>

#include "python/bindings.hpp"
#include "reference/op_reference.hpp"

namespace softcheck::python {
namespace {

std::vector<double> rounded(const std::vector<reference::Exact>& values) {
  std::vector<double> out;
  for (const auto& e : values) out.push_back(e.rounded);
  return out;
}

// The op's inputs besides the logits and the target, from `inputs` (name -> array shaped like
// the logits), rounded to the format; ValueError for a missing, unknown or misshapen one.
std::vector<std::pair<Input, Rows>> other_inputs(Op op, const py::dict& inputs, const Rows& logits,
                                                 Format format) {
  std::vector<std::pair<Input, Rows>> found;
  std::size_t used = 0;
  for (Input input : op.spec().inputs) {
    if (!per_element(input) || input == Input::logits) continue;
    const std::string key(name(input));
    if (!inputs.contains(key))
      throw py::value_error(std::string(name(op)) + " needs inputs={'" + key + "': ...}");
    Rows values = rows_of(inputs[key.c_str()].cast<py::array_t<double, py::array::c_style |
                                                                      py::array::forcecast>>());
    if (values.rows != logits.rows || values.n != logits.n)
      throw py::value_error("input '" + key + "' is not shaped like the logits");
    for (double& v : values.values) v = round_to_format(v, format);
    found.emplace_back(input, std::move(values));
    ++used;
  }
  if (used != inputs.size())
    throw py::value_error(std::string(name(op)) + " takes no other input than those of softcheck.ops()");
  return found;
}

py::object reference(const std::string& op_name,
                     const py::array_t<double, py::array::c_style | py::array::forcecast>& logits,
                     const std::string& dtype, const py::object& target, double tau,
                     double temperature, double a, double b, const py::dict& inputs) {
  const Op op = op_of(op_name);
  const Format format = format_of(dtype);
  Rows rows = rows_of(logits);
  for (double& v : rows.values) v = round_to_format(v, format);
  const auto targets = targets_of(target, rows.rows, rows.n);
  LossParameters parameters;
  parameters.tau = tau, parameters.temperature = temperature, parameters.a = a, parameters.b = b;
  const std::vector<std::pair<Input, Rows>> others = other_inputs(op, inputs, rows, format);
  std::vector<double> vectors, scalars;
  // std::invalid_argument (a parameter outside its domain) becomes ValueError.
  for (std::size_t r = 0; r < rows.rows; ++r) {
    reference::RowInputs in{{rows.values.data() + r * rows.n, rows.n},
                            static_cast<std::size_t>(targets[r]), {}};
    for (const auto& [input, values] : others)
      in.elements[static_cast<std::size_t>(input)] = {values.values.data() + r * rows.n, rows.n};
    const reference::OpRow exact = reference::evaluate_op_row(op, in, format, parameters);
    const RowResult row{rounded(exact.elements), exact.value.rounded};
    vectors.insert(vectors.end(), row.vector.begin(), row.vector.end());
    scalars.push_back(row.scalar);
  }
  const auto scalar = [&]() -> py::object {
    if (rows.one_row) return py::float_(scalars[0]);
    return shaped(scalars, 1, rows.rows, true);
  };
  if (has_row_output(op)) return scalar();
  py::array_t<double> vector = shaped(vectors, rows.rows, rows.n, rows.one_row);
  if (has_loss(op)) return py::make_tuple(scalar(), vector);
  return vector;
}

}  // namespace

RowResult reference_row(Op op, std::span<const double> x, Format format, std::size_t target,
                        const LossParameters& parameters) {
  const reference::OpRow r = reference::evaluate_op_row(op, {x, target, {}}, format, parameters);
  return {rounded(r.elements), r.value.rounded};
}

void bind_reference(py::module_& m) {
  m.def("reference", &reference, py::arg("op"), py::arg("logits"), py::arg("dtype") = "f64",
        py::arg("target") = py::none(), py::arg("tau") = 1.0, py::arg("temperature") = 1.0,
        py::arg("a") = 1.0, py::arg("b") = 1.0, py::arg("inputs") = py::dict());
  m.def("round_to_format", [](const py::array_t<double, py::array::c_style | py::array::forcecast>& x,
                              const std::string& dtype) {
    const Format format = format_of(dtype);
    py::array_t<double> out(x.request().shape);
    for (py::ssize_t i = 0; i < x.size(); ++i) out.mutable_data()[i] = round_to_format(x.data()[i], format);
    return out;
  }, py::arg("x"), py::arg("dtype"));
  m.def("format_info", [](const std::string& dtype) {
    const Format f = format_of(dtype);
    py::dict d;
    d["precision"] = traits(f).precision;
    d["epsilon"] = epsilon(f);
    d["max_finite"] = max_finite(f);
    d["min_normal"] = min_normal(f);
    d["denorm_min"] = denorm_min(f);
    return d;
  }, py::arg("dtype"));
}

}  // namespace softcheck::python
