// An independent, plain high-precision evaluation for the reference tests: the textbook
// max-shifted formulas in MPFR round-to-nearest at a very high precision (no intervals, no
// log1p forms, no Ziv loop), then rounded with the rounding helper (tested on its own).
// Valid for rows of finite values (and -inf) whose spread keeps every term far above
// 2^-bits relative to the largest; the tests only use it on such rows.
#pragma once

#include <mpfr.h>

#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "core/format.hpp"
#include "reference/mpfr_rounding.hpp"

namespace softcheck::testing {

struct OracleRow {
  std::vector<double> softmax, log_softmax, ce_gradient;
  double logsumexp = 0.0, ce_loss = 0.0;
};

class Oracle {
 public:
  explicit Oracle(long bits) : bits_(bits) {
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
  }

  // A fresh variable at the oracle's precision.
  boost::multiprecision::mpfr_float var() const {
    boost::multiprecision::mpfr_float v;
    mpfr_set_prec(v.backend().data(), bits_);
    return v;
  }

  // Rows with at least one finite entry, no NaN and no +inf.
  OracleRow evaluate(std::span<const double> x, Format f, std::size_t target) const {
    double m = -HUGE_VAL;
    for (double v : x) m = std::fmax(m, v);
    std::vector<boost::multiprecision::mpfr_float> d, e;
    auto sum = var();
    mpfr_set_zero(sum.backend().data(), 1);
    for (double v : x) {
      d.push_back(var());
      e.push_back(var());
      mpfr_set_d(d.back().backend().data(), v, MPFR_RNDN);
      mpfr_sub_d(d.back().backend().data(), d.back().backend().data(), m, MPFR_RNDN);
      mpfr_exp(e.back().backend().data(), d.back().backend().data(), MPFR_RNDN);
      mpfr_add(sum.backend().data(), sum.backend().data(), e.back().backend().data(), MPFR_RNDN);
    }
    auto log_sum = var(), t = var();
    mpfr_log(log_sum.backend().data(), sum.backend().data(), MPFR_RNDN);
    OracleRow row;
    for (std::size_t i = 0; i < x.size(); ++i) {
      mpfr_div(t.backend().data(), e[i].backend().data(), sum.backend().data(), MPFR_RNDN);
      row.softmax.push_back(round(t, f));
      if (i == target) mpfr_sub_ui(t.backend().data(), t.backend().data(), 1, MPFR_RNDN);
      row.ce_gradient.push_back(round(t, f));
      mpfr_sub(t.backend().data(), d[i].backend().data(), log_sum.backend().data(), MPFR_RNDN);
      row.log_softmax.push_back(round(t, f));
    }
    mpfr_add_d(t.backend().data(), log_sum.backend().data(), m, MPFR_RNDN);
    row.logsumexp = round(t, f);
    mpfr_sub_d(t.backend().data(), t.backend().data(), x[target], MPFR_RNDN);
    row.ce_loss = round(t, f);
    return row;
  }

 private:
  static double round(const boost::multiprecision::mpfr_float& v, Format f) {
    return reference::round_to_format(v, f);
  }
  long bits_;
};

}  // namespace softcheck::testing
