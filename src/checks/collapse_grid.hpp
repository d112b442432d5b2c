// The gaps g of the softmax-collapse sweep (collapse.hpp), and the bisection that refines an
// onset found on a grid down to adjacent values of the format.
//
// Two grids: a linear one for softmax cross-entropy, whose onsets lie at g of tens to
// hundreds (a bit of precision costs ln 2 in g), and a geometric one for StableMax
// cross-entropy, whose loss decays only like T / g and whose onsets lie at g of 2^24 to
// 2^540 (proofs/softmax-collapse.md, "StableMax").
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "core/format.hpp"

namespace softcheck::collapse {

// The gaps of the linear sweep: every multiple of `step` (a power of two) in [0, end] that is
// representable in `format`. Where the format's spacing exceeds `step` (bf16 above 2, f16
// above 32) the grid is the format's own values there.
std::vector<double> gap_grid(Format format, double step, double end);

// The gaps of the geometric sweep: 0, then 2^k (1 + i / subdivisions) for k = 0, 1, ... and
// i < subdivisions (a power of two, so every gap has few significand bits), up to the first
// gap >= end; only gaps representable in `format` and finite.
std::vector<double> geometric_gap_grid(Format format, int subdivisions, double end);

// The grid's spacing just below gaps[i] (its resolution there); 0 for i = 0.
double grid_spacing(std::span<const double> gaps, std::size_t i);

// Two values of a format: holds(below) is false, holds(at) is true.
struct Crossing {
  double below = 0;
  double at = 0;
};

// Narrows a crossing by bisection over the values of `format` until `below` and `at` are
// adjacent values of the format (or `max_steps` evaluations of `holds` are spent). Assumes
// holds is monotone between the two; otherwise it returns one crossing among several.
using Predicate = std::function<bool(double gap)>;
Crossing bisect_gap(Crossing crossing, Format format, const Predicate& holds, int max_steps);

}  // namespace softcheck::collapse
