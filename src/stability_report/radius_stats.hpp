// Taylor-radius statistics for the report (src/taylor_radius): on seeded rows of n classes with
// logits sigma * N(0, 1) and directions N(0, 1), the fast bound rho_a = pi / Delta_a beside
// the certified exact radius rho* (Arb), so the report can show how much step the bound
// gives away as rows grow confident; and, for one row, the Cauchy-Hadamard picture: the
// Taylor coefficients c_k of the line loss with |c_k|^(1/k) -> 1/rho*.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/families.hpp"

namespace softcheck::stability {

struct RadiusSample {
  std::size_t n = 0;
  double logit_scale = 0;  // sigma of the logits
  std::size_t index = 0;   // row within its (n, sigma) cell
  std::vector<double> logits, direction;
  double spread = 0, rho_a = 0;
  double binary = NAN;            // n = 2: sqrt(delta^2 + pi^2) / Delta_a
  double lo = NAN, hi = NAN;      // certified rho* in [lo, hi] (NaN without Arb)
  std::string status;             // certify's status ("certified", ...), "unavailable" without Arb
  double seconds = 0;             // certification time
};

struct TaylorGrowth {
  std::vector<double> logits, direction;
  std::size_t target = 0;
  std::vector<double> order, root;  // k and |c_k|^(1/k), k >= 1
  double rho_lo = NAN, rho_hi = NAN, rho_a = NAN;
};

struct RadiusOptions {
  std::vector<std::size_t> classes = {2, 10, 100};
  std::vector<double> scales = {0.1, 0.3, 1, 3, 10, 30};
  std::size_t rows_per_cell = 4;
  std::size_t taylor_order = 48;
  std::uint64_t seed = 1;
  std::function<void(std::size_t done, std::size_t total, const std::string&)> progress;
};

struct RadiusStats {
  bool certified_available = false;  // built with Arb
  RadiusOptions options;
  std::vector<RadiusSample> samples;
  TaylorGrowth growth;
};

RadiusOptions radius_options(Suite suite, std::uint64_t seed);
// The row of cell (n, scale index) number `index`: deterministic in (seed, n, s, index).
void radius_row(std::uint64_t seed, std::size_t n, double scale, std::size_t scale_index,
                std::size_t index, std::vector<double>& logits, std::vector<double>& direction);
RadiusStats measure_radius_stats(const RadiusOptions& options);

}  // namespace softcheck::stability
