// The loss-family reference: parameter checks, the special rows of README's table, and
// dispatch to the evaluators (softmax_loss_reference.cpp, sigmoid_bce_reference.cpp,
// z_loss_reference.cpp).
#include "reference/loss_family_reference.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "reference/decider.hpp"
#include "reference/exponent_range.hpp"
#include "reference/fast_row.hpp"
#include "reference/normaliser_reference.hpp"
#include "reference/softmax_loss_reference.hpp"
#include "reference/thread_caches.hpp"
#include "reference/ziv.hpp"
#include "fp/constants.hpp"

namespace softcheck::reference {
namespace {

// The comp-sum family's range of tau (Mao, Mohri, Zhong 2023).
constexpr double kMinTau = 0.0;
constexpr double kMaxTau = 2.0;

void check_parameters(LossKind kind, const LossParameters& p) {
  if (kind == LossKind::comp_sum && !(p.tau >= kMinTau && p.tau <= kMaxTau))
    throw std::invalid_argument("softcheck reference: comp-sum tau outside [0, 2]");
  const bool tempered =
      kind == LossKind::temperature_cross_entropy || kind == LossKind::temperature_softmax;
  if (tempered && !(p.temperature > 0 && std::isfinite(p.temperature)))
    throw std::invalid_argument("softcheck reference: temperature must be positive and finite");
  if (kind == LossKind::z_loss && !(p.a > 0 && std::isfinite(p.a) && std::isfinite(p.b)))
    throw std::invalid_argument("softcheck reference: Z-loss needs a > 0 and a finite b");
}

LossReference nan_row(std::size_t n) {
  return {exactly(fp::kNaN<double>), std::vector<Exact>(n, exactly(fp::kNaN<double>))};
}

}  // namespace

LossReference evaluate_loss_row(LossKind kind, const LossParameters& parameters,
                                std::span<const double> x, Format format, std::size_t target) {
  return evaluate_loss_row(kind, parameters, x, format, target, ReferenceOptions{});
}

LossReference evaluate_loss_row(LossKind kind, const LossParameters& parameters,
                                std::span<const double> x, Format format, std::size_t target,
                                const ReferenceOptions& options) {
  check_parameters(kind, parameters);
  const ReferenceOptions schedule = resolved_schedule(options, format);
  const std::size_t n = x.size();
  if (n == 0) return nan_row(0);
  // Every kind has a double-double fast path (fast_row.hpp, try_fast_loss_row); the rows it
  // cannot decide (special rows among them) go on to MPFR below.
  const bool target_needed = kind != LossKind::temperature_softmax &&
                             kind != LossKind::sigmoid_normaliser &&
                             kind != LossKind::softplus_normaliser;
  if (schedule.fast_path && !(target_needed && target >= n))
    if (auto row = try_fast_loss_row(kind, parameters, x, format, target))
      return std::move(*row);
  if (kind == LossKind::sigmoid_normaliser || kind == LossKind::softplus_normaliser ||
      kind == LossKind::temperature_softmax) {
    release_mpfr_caches_at_thread_exit();
    const WidestExponentRange range;
    if (kind == LossKind::temperature_softmax)
      return temperature_softmax_row(parameters.temperature, x, format, schedule);
    return kind == LossKind::sigmoid_normaliser ? sigmoid_normaliser_row(x, format, schedule)
                                                : softplus_normaliser_row(x, format, schedule);
  }
  if (target >= n) throw std::out_of_range("softcheck reference: target outside the row");

  release_mpfr_caches_at_thread_exit();
  const WidestExponentRange range;
  if (kind == LossKind::sigmoid_bce) return sigmoid_bce_row(x, format, target, schedule);
  if (kind == LossKind::z_loss) return z_loss_row(parameters, x, format, target, schedule);

  // Softmax-based losses: the cross-entropy table (a NaN, a +inf or every entry masked
  // makes every output NaN).
  bool special = false, all_masked = true;
  for (double v : x) {
    special |= std::isnan(v) || v == fp::kInf<double>;
    all_masked &= v == -fp::kInf<double>;
  }
  if (special || all_masked) return nan_row(n);
  return softmax_loss_row(kind, parameters, x, format, target, schedule);
}

}  // namespace softcheck::reference
