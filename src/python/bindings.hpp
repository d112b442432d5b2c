// The Python module softcheck._softcheck (pybind11): each bind_* adds one area's functions.
// The pure-Python package softcheck/ (repository root) loads the module and re-exports it
// with documentation; softcheck/_softcheck.pyi types it.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/format.hpp"
#include "kernels/kernel.hpp"

namespace softcheck::python {

namespace py = pybind11;

void bind_reference(py::module_& m);
void bind_kernels(py::module_& m);
void bind_gate(py::module_& m);
void bind_gate_callable(py::module_& m);
void bind_taylor_radius(py::module_& m);
void bind_collapse(py::module_& m);
void bind_ops(py::module_& m);

// Rows of a 1-D (one row) or 2-D (rows x n) float64 array.
struct Rows {
  std::vector<double> values;
  std::size_t rows = 0, n = 0;
  bool one_row = false;  // the input was 1-D: results drop the row axis
};
Rows rows_of(const py::array_t<double, py::array::c_style | py::array::forcecast>& x);
// Targets of each row: None (0 for every row), an int, or a 1-D array of length rows.
std::vector<std::int64_t> targets_of(const py::object& target, std::size_t rows, std::size_t n);

Format format_of(const std::string& dtype);  // throws ValueError
Op op_of(const std::string& op);             // throws ValueError
// Registers every kernel (built-in and compiled-in libraries) once, then the kernel by name.
const Kernel& kernel_named(const std::string& name);
void ensure_registered();

// The correctly rounded reference of one row for `op`: its vector output (empty for
// logsumexp) and its scalar (logsumexp or the loss; NaN when the op has none).
struct RowResult {
  std::vector<double> vector;
  double scalar = NAN;
};
RowResult reference_row(Op op, std::span<const double> x, Format format, std::size_t target,
                        const LossParameters& parameters);

// An array of shape (rows, n), or (n,) when one_row.
py::array_t<double> shaped(const std::vector<double>& values, std::size_t rows, std::size_t n,
                           bool one_row);

}  // namespace softcheck::python
