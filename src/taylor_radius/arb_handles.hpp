// Owning wrappers for Arb's arb_t and acb_t (init in the constructor, clear in the
// destructor), convertible to the pointer types Arb's functions take.
#pragma once

#include <acb.h>
#include <arb.h>

#include <complex>

namespace softcheck::taylor_radius {

// Precision (bits) at which Arb subtracts two doubles exactly: their exponents lie within
// 2^11 + 53 bits of each other, so 2200 bits hold every difference without rounding.
inline constexpr slong kExactBits = 2200;

class Arb {
 public:
  Arb() { arb_init(x_); }
  explicit Arb(double v) : Arb() { arb_set_d(x_, v); }
  ~Arb() { arb_clear(x_); }
  Arb(const Arb& other) : Arb() { arb_set(x_, other.x_); }
  Arb& operator=(const Arb& other) {
    arb_set(x_, other.x_);
    return *this;
  }
  operator arb_ptr() { return x_; }
  operator arb_srcptr() const { return x_; }
  arb_ptr get() { return x_; }  // for Arb's macros (arb_midref, ...)
  arb_srcptr get() const { return x_; }
  double mid() const { return arf_get_d(arb_midref(x_), ARF_RND_NEAR); }
  // Outward-rounded doubles: lower() <= every point of the ball <= upper().
  double lower() const;
  double upper() const;

 private:
  arb_t x_;
};

class Acb {
 public:
  Acb() { acb_init(x_); }
  Acb(double re, double im) : Acb() { acb_set_d_d(x_, re, im); }
  ~Acb() { acb_clear(x_); }
  Acb(const Acb& other) : Acb() { acb_set(x_, other.x_); }
  Acb& operator=(const Acb& other) {
    acb_set(x_, other.x_);
    return *this;
  }
  operator acb_ptr() { return x_; }
  operator acb_srcptr() const { return x_; }
  acb_ptr get() { return x_; }  // for Arb's macros (acb_realref, ...)
  acb_srcptr get() const { return x_; }
  std::complex<double> mid() const {
    return {arf_get_d(arb_midref(acb_realref(x_)), ARF_RND_NEAR),
            arf_get_d(arb_midref(acb_imagref(x_)), ARF_RND_NEAR)};
  }

 private:
  acb_t x_;
};

inline double Arb::lower() const {
  arf_t b;
  arf_init(b);
  arb_get_lbound_arf(b, x_, 64);
  const double v = arf_get_d(b, ARF_RND_FLOOR);
  arf_clear(b);
  return v;
}

inline double Arb::upper() const {
  arf_t b;
  arf_init(b);
  arb_get_ubound_arf(b, x_, 64);
  const double v = arf_get_d(b, ARF_RND_CEIL);
  arf_clear(b);
  return v;
}

}  // namespace softcheck::taylor_radius
