#include "stability_report/radius_stats.hpp"

#include <chrono>
#include <cmath>

#include "core/rng.hpp"
#include "taylor_radius/binary.hpp"
#include "taylor_radius/line.hpp"
#include "taylor_radius/spread.hpp"
#ifdef SOFTCHECK_HAVE_ARB
#include "taylor_radius/certify.hpp"
#include "taylor_radius/taylor.hpp"
#endif

namespace softcheck::stability {
namespace {

void certify(RadiusSample& s) {
#ifdef SOFTCHECK_HAVE_ARB
  const auto start = std::chrono::steady_clock::now();
  const taylor_radius::CertifiedRadius r = taylor_radius::certify_radius(s.logits, s.direction);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  s.lo = r.lo, s.hi = r.hi;
  s.status = std::string(taylor_radius::name(r.status));
#else
  s.status = "unavailable";
#endif
}

TaylorGrowth taylor_growth(const RadiusOptions& options) {
  TaylorGrowth g;
  radius_row(options.seed, 10, 3.0, 0, 0, g.logits, g.direction);
  g.target = 0;
  g.rho_a = taylor_radius::rho_a(std::span<const double>(g.direction));
#ifdef SOFTCHECK_HAVE_ARB
  const taylor_radius::Line line = taylor_radius::make_line(g.logits, g.direction);
  const taylor_radius::CertifiedRadius r = taylor_radius::certify_radius(line);
  g.rho_lo = r.lo, g.rho_hi = r.hi;
  const auto c = taylor_radius::line_loss_taylor(line, g.direction[g.target], options.taylor_order, 256);
  for (std::size_t k = 1; k < c.size(); ++k) {
    g.order.push_back(static_cast<double>(k));
    g.root.push_back(std::pow(std::fabs(c[k].mid()), 1.0 / static_cast<double>(k)));
  }
#endif
  return g;
}

}  // namespace

RadiusOptions radius_options(Suite suite, std::uint64_t seed) {
  RadiusOptions options;
  options.seed = seed;
  options.rows_per_cell = suite == Suite::quick ? 1 : suite == Suite::deep ? 16 : 4;
  if (suite == Suite::quick) options.classes = {2, 10};
  return options;
}

void radius_row(std::uint64_t seed, std::size_t n, double scale, std::size_t scale_index,
                std::size_t index, std::vector<double>& logits, std::vector<double>& direction) {
  Rng rng(derive_seed(derive_seed(derive_seed(seed, 0x7ad10000 + n), scale_index), index));
  logits.resize(n);
  direction.resize(n);
  for (double& z : logits) z = scale * rng.normal();
  for (double& a : direction) a = rng.normal();
}

RadiusStats measure_radius_stats(const RadiusOptions& options) {
  RadiusStats stats;
  stats.options = options;
#ifdef SOFTCHECK_HAVE_ARB
  stats.certified_available = true;
#endif
  const std::size_t total =
      options.classes.size() * options.scales.size() * options.rows_per_cell + 1;
  std::size_t done = 0;
  for (std::size_t n : options.classes)
    for (std::size_t s = 0; s < options.scales.size(); ++s)
      for (std::size_t i = 0; i < options.rows_per_cell; ++i, ++done) {
        if (options.progress)
          options.progress(done, total, "radius: n=" + std::to_string(n) + " sigma " +
                                            std::to_string(options.scales[s]));
        RadiusSample sample;
        sample.n = n;
        sample.logit_scale = options.scales[s];
        sample.index = i;
        radius_row(options.seed, n, options.scales[s], s, i, sample.logits, sample.direction);
        sample.spread = taylor_radius::spread_up(std::span<const double>(sample.direction));
        sample.rho_a = taylor_radius::rho_a_from_spread(sample.spread);
        if (n == 2)
          sample.binary = taylor_radius::binary_radius(sample.logits[0], sample.logits[1],
                                                sample.direction[0], sample.direction[1]);
        certify(sample);
        stats.samples.push_back(std::move(sample));
      }
  if (options.progress) options.progress(done, total, "radius: Taylor coefficients");
  stats.growth = taylor_growth(options);
  if (options.progress) options.progress(total, total, "radius: done");
  return stats;
}

}  // namespace softcheck::stability
