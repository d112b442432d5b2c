// softcheck._softcheck: the compiled part of the Python module `softcheck`.
#include "python/bindings.hpp"

PYBIND11_MODULE(_softcheck, m) {
  m.doc() = "softcheck's C++ core: correctly rounded references, kernels, the gate, the Taylor "
            "radius and the softmax-collapse sweep (use the package `softcheck`).";
  m.attr("__version__") = SOFTCHECK_VERSION;
  softcheck::python::bind_reference(m);
  softcheck::python::bind_kernels(m);
  softcheck::python::bind_gate(m);
  softcheck::python::bind_gate_callable(m);
  softcheck::python::bind_taylor_radius(m);
  softcheck::python::bind_collapse(m);
  softcheck::python::bind_ops(m);
}
