// The Taylor radius (src/taylor_radius): spread and rho_a (one row or a batch), the binary radius,
// the certified rho* with the nearest zeros, the ghosts within a radius, the Taylor
// coefficients of the line loss, and the controller's normalised step r = tau / rho_a.
#include <pybind11/complex.h>
#include <pybind11/stl.h>

#include "taylor_radius/batch.hpp"
#include "taylor_radius/binary.hpp"
#include "taylor_radius/line.hpp"
#include "taylor_radius/spread.hpp"
#include "python/bindings.hpp"
#ifdef SOFTCHECK_HAVE_ARB
#include "taylor_radius/certify.hpp"
#include "taylor_radius/ghosts.hpp"
#include "taylor_radius/taylor.hpp"
#endif

namespace softcheck::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> vector_of(const Array& x, const char* what) {
  if (x.ndim() != 1) throw py::value_error(std::string(what) + " must be a 1-D array");
  return {x.data(), x.data() + x.size()};
}

taylor_radius::Line line_of(const Array& logits, const Array& direction) {
  try {
    return taylor_radius::make_line(vector_of(logits, "logits"), vector_of(direction, "direction"));
  } catch (const taylor_radius::InvalidLine& error) {
    throw py::value_error(error.what());
  }
}

double batch_rho_a(const Array& a) {
  if (a.ndim() != 2) throw py::value_error("directions must be a 2-D (rows, n) array");
  return taylor_radius::batch_rho_a(std::span<const double>(a.data(), static_cast<std::size_t>(a.size())),
                             static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1)));
}

#ifdef SOFTCHECK_HAVE_ARB
py::dict certified_radius(const Array& logits, const Array& direction) {
  const taylor_radius::Line line = line_of(logits, direction);
  taylor_radius::CertifiedRadius r;
  {
    py::gil_scoped_release release;
    r = taylor_radius::certify_radius(line);
  }
  py::dict d;
  d["status"] = std::string(taylor_radius::name(r.status));
  d["lo"] = r.lo;
  d["hi"] = r.hi;
  d["rho_a"] = r.rho_a;
  d["method"] = r.method;
  py::list zeros;
  for (const taylor_radius::Ghost& g : r.nearest) zeros.append(g.t);
  d["ghosts"] = zeros;
  return d;
}

py::dict ghosts_within(const Array& logits, const Array& direction, double radius) {
  const taylor_radius::Line line = line_of(logits, direction);
  taylor_radius::GhostList list;
  {
    py::gil_scoped_release release;
    list = taylor_radius::find_ghosts(line, radius);
  }
  py::array_t<std::complex<double>> zeros(static_cast<py::ssize_t>(list.zeros.size()));
  for (std::size_t i = 0; i < list.zeros.size(); ++i) zeros.mutable_data()[i] = list.zeros[i].t;
  py::dict d;
  d["zeros"] = zeros;
  d["complete"] = list.complete;
  return d;
}

py::array_t<double> taylor_coefficients(const Array& logits, const Array& direction,
                                        std::size_t target, std::size_t order) {
  const taylor_radius::Line line = line_of(logits, direction);
  const std::vector<double> a = vector_of(direction, "direction");
  if (target >= a.size()) throw py::value_error("target is out of range");
  const auto c = taylor_radius::line_loss_taylor(line, a[target], order, 256);
  py::array_t<double> out(static_cast<py::ssize_t>(c.size()));
  for (std::size_t k = 0; k < c.size(); ++k) out.mutable_data()[k] = c[k].mid();
  return out;
}
#endif

}  // namespace

void bind_taylor_radius(py::module_& m) {
  m.def("spread", [](const Array& a) { return taylor_radius::spread_up(std::span<const double>(vector_of(a, "direction"))); },
        py::arg("direction"));
  m.def("rho_a", [](const Array& a) { return taylor_radius::rho_a(std::span<const double>(vector_of(a, "direction"))); },
        py::arg("direction"));
  m.def("batch_rho_a", &batch_rho_a, py::arg("directions"));
  m.def("binary_radius", &taylor_radius::binary_radius, py::arg("z1"), py::arg("z2"), py::arg("a1"), py::arg("a2"));
  m.def("normalised_step", &taylor_radius::normalised_step, py::arg("tau"), py::arg("rho_a"));
  m.attr("has_arb") = py::bool_(
#ifdef SOFTCHECK_HAVE_ARB
      true
#else
      false
#endif
  );
#ifdef SOFTCHECK_HAVE_ARB
  m.def("certified_radius", &certified_radius, py::arg("logits"), py::arg("direction"));
  m.def("ghosts", &ghosts_within, py::arg("logits"), py::arg("direction"), py::arg("radius"));
  m.def("taylor_coefficients", &taylor_coefficients, py::arg("logits"), py::arg("direction"),
        py::arg("target"), py::arg("order"));
#endif
}

}  // namespace softcheck::python
