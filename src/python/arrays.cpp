// Conversions between numpy arrays and softcheck's rows, and name lookups, for the bindings.
#include <mutex>
#include <stdexcept>

#include "adapters/adapters.hpp"
#include "python/bindings.hpp"

namespace softcheck::python {

Rows rows_of(const py::array_t<double, py::array::c_style | py::array::forcecast>& x) {
  Rows r;
  if (x.ndim() == 1) {
    r.rows = 1, r.n = static_cast<std::size_t>(x.shape(0)), r.one_row = true;
  } else if (x.ndim() == 2) {
    r.rows = static_cast<std::size_t>(x.shape(0)), r.n = static_cast<std::size_t>(x.shape(1));
  } else {
    throw py::value_error("logits must be a 1-D row or a 2-D (rows, n) array");
  }
  r.values.assign(x.data(), x.data() + r.rows * r.n);
  return r;
}

std::vector<std::int64_t> targets_of(const py::object& target, std::size_t rows, std::size_t n) {
  std::vector<std::int64_t> targets(rows, 0);
  if (!target.is_none()) {
    if (py::isinstance<py::int_>(target)) {
      std::fill(targets.begin(), targets.end(), target.cast<std::int64_t>());
    } else {
      const auto t = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(target);
      if (!t || t.ndim() != 1 || static_cast<std::size_t>(t.shape(0)) != rows)
        throw py::value_error("target must be an int or a 1-D array with one entry per row");
      targets.assign(t.data(), t.data() + rows);
    }
  }
  for (std::int64_t t : targets)
    if (n > 0 && (t < 0 || static_cast<std::size_t>(t) >= n))
      throw py::value_error("target " + std::to_string(t) + " is out of range for " +
                            std::to_string(n) + " classes");
  return targets;
}

Format format_of(const std::string& dtype) {
  const auto f = parse_format(dtype);
  if (!f) throw py::value_error("unknown dtype '" + dtype + "' (expected f64, f32, bf16 or f16)");
  return *f;
}

Op op_of(const std::string& op) {
  const auto o = parse_op(op);
  if (!o) throw py::value_error("unknown op '" + op + "' (expected " + op_names() + ")");
  return *o;
}

void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] { register_all_kernels(Registry::instance()); });
}

const Kernel& kernel_named(const std::string& name) {
  ensure_registered();
  for (const Kernel& k : Registry::instance().all())
    if (k.name() == name) return k;
  throw py::value_error("no kernel named '" + name + "' (see softcheck.kernels())");
}

py::array_t<double> shaped(const std::vector<double>& values, std::size_t rows, std::size_t n,
                           bool one_row) {
  py::array_t<double> out = one_row ? py::array_t<double>({static_cast<py::ssize_t>(n)})
                                    : py::array_t<double>({static_cast<py::ssize_t>(rows),
                                                           static_cast<py::ssize_t>(n)});
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

}  // namespace softcheck::python
