#include "reference/stablemax_exact.hpp"

#include <algorithm>

namespace softcheck::reference {

StableMaxExact::StableMaxExact(std::span<const double> x, std::span<const std::size_t> finite)
    : x_(x), finite_(finite) {}

Rational StableMaxExact::s(double x) {
  if (x >= 0) return Rational(x) + 1;
  return 1 / (1 - Rational(x));
}

Rational StableMaxExact::s_prime(double x) {
  if (x >= 0) return Rational(1);
  const Rational t = 1 - Rational(x);
  return 1 / (t * t);
}

const Rational& StableMaxExact::total() {
  if (total_) return *total_;
  // Pairwise: operands of similar size keep the cost of the common denominators near
  // linear in the total size, where a running sum would be quadratic.
  std::vector<Rational> terms;
  terms.reserve(finite_.size());
  for (std::size_t i : finite_) terms.push_back(s(x_[i]));
  while (terms.size() > 1) {
    std::vector<Rational> next((terms.size() + 1) / 2);
    for (std::size_t k = 0; k < next.size(); ++k)
      next[k] = 2 * k + 1 < terms.size() ? terms[2 * k] + terms[2 * k + 1] : terms[2 * k];
    terms = std::move(next);
  }
  total_ = terms.empty() ? Rational(0) : terms[0];
  return *total_;
}

Rational StableMaxExact::stablemax(std::size_t i) { return s(x_[i]) / total(); }

Rational StableMaxExact::gradient(std::size_t i, std::size_t target) {
  Rational g = s_prime(x_[i]) / total();
  if (i == target) g -= s_prime(x_[i]) / s(x_[i]);
  return g;
}

bool enclose_if_dyadic(Interval& out, const Rational& q) {
  const auto denominator = boost::multiprecision::denominator(q);
  if (mpz_popcount(denominator.backend().data()) != 1) return false;
  const auto numerator = boost::multiprecision::numerator(q);
  const auto bits = static_cast<mpfr_prec_t>(mpz_sizeinbase(numerator.backend().data(), 2));
  out.set_precision(std::max<mpfr_prec_t>(bits, MPFR_PREC_MIN));
  mpfr_set_q(out.lo(), q.backend().data(), MPFR_RNDN);  // exact: numerator / 2^k in `bits` bits
  mpfr_set(out.hi(), out.lo(), MPFR_RNDN);
  out.lo_strict = out.hi_strict = false;
  return true;
}

}  // namespace softcheck::reference
