// The Taylor radius (src/ghosts): spread and rho_a (one row or a batch), the binary radius,
// the certified rho* with the nearest zeros, the ghosts within a radius, the Taylor
// coefficients of the line loss, and the controller's normalised step r = tau / rho_a.
#include <pybind11/complex.h>
#include <pybind11/stl.h>

#include "ghosts/batch.hpp"
#include "ghosts/binary.hpp"
#include "ghosts/line.hpp"
#include "ghosts/spread.hpp"
#include "python/bindings.hpp"
#ifdef SOFTCHECK_HAVE_ARB
#include "ghosts/certify.hpp"
#include "ghosts/ghosts.hpp"
#include "ghosts/taylor.hpp"
#endif

namespace softcheck::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> vector_of(const Array& x, const char* what) {
  if (x.ndim() != 1) throw py::value_error(std::string(what) + " must be a 1-D array");
  return {x.data(), x.data() + x.size()};
}

ghosts::Line line_of(const Array& logits, const Array& direction) {
  try {
    return ghosts::make_line(vector_of(logits, "logits"), vector_of(direction, "direction"));
  } catch (const ghosts::InvalidLine& error) {
    throw py::value_error(error.what());
  }
}

double batch_rho_a(const Array& a) {
  if (a.ndim() != 2) throw py::value_error("directions must be a 2-D (rows, n) array");
  return ghosts::batch_rho_a(std::span<const double>(a.data(), static_cast<std::size_t>(a.size())),
                             static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1)));
}

#ifdef SOFTCHECK_HAVE_ARB
py::dict certified_radius(const Array& logits, const Array& direction) {
  const ghosts::Line line = line_of(logits, direction);
  ghosts::CertifiedRadius r;
  {
    py::gil_scoped_release release;
    r = ghosts::certify_radius(line);
  }
  py::dict d;
  d["status"] = std::string(ghosts::name(r.status));
  d["lo"] = r.lo;
  d["hi"] = r.hi;
  d["rho_a"] = r.rho_a;
  d["method"] = r.method;
  py::list zeros;
  for (const ghosts::Ghost& g : r.nearest) zeros.append(g.t);
  d["ghosts"] = zeros;
  return d;
}

py::dict ghosts_within(const Array& logits, const Array& direction, double radius) {
  const ghosts::Line line = line_of(logits, direction);
  ghosts::GhostList list;
  {
    py::gil_scoped_release release;
    list = ghosts::find_ghosts(line, radius);
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
  const ghosts::Line line = line_of(logits, direction);
  const std::vector<double> a = vector_of(direction, "direction");
  if (target >= a.size()) throw py::value_error("target is out of range");
  const auto c = ghosts::line_loss_taylor(line, a[target], order, 256);
  py::array_t<double> out(static_cast<py::ssize_t>(c.size()));
  for (std::size_t k = 0; k < c.size(); ++k) out.mutable_data()[k] = c[k].mid();
  return out;
}
#endif

}  // namespace

void bind_ghosts(py::module_& m) {
  m.def("spread", [](const Array& a) { return ghosts::spread_up(std::span<const double>(vector_of(a, "direction"))); },
        py::arg("direction"));
  m.def("rho_a", [](const Array& a) { return ghosts::rho_a(std::span<const double>(vector_of(a, "direction"))); },
        py::arg("direction"));
  m.def("batch_rho_a", &batch_rho_a, py::arg("directions"));
  m.def("binary_radius", &ghosts::binary_radius, py::arg("z1"), py::arg("z2"), py::arg("a1"), py::arg("a2"));
  m.def("normalised_step", &ghosts::normalised_step, py::arg("tau"), py::arg("rho_a"));
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
