#include "core/attention.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace softcheck {

std::string_view name(MaskKind kind) {
  switch (kind) {
    case MaskKind::none: return "none";
    case MaskKind::causal: return "causal";
    case MaskKind::sliding_window: return "sliding-window";
    case MaskKind::key_padding: return "key-padding";
    case MaskKind::explicit_keep: return "explicit";
  }
  return "?";
}

bool AttentionMask::keeps(std::size_t i, std::size_t k) const {
  const std::int64_t position = static_cast<std::int64_t>(i) + query_offset;
  const std::int64_t key = static_cast<std::int64_t>(k);
  switch (kind) {
    case MaskKind::none:
    case MaskKind::explicit_keep: return true;
    case MaskKind::causal: return key <= position;
    case MaskKind::sliding_window:
      return key <= position && key > position - static_cast<std::int64_t>(window);
    case MaskKind::key_padding: return k < valid_keys;
  }
  return true;
}

double default_scale(std::size_t d) { return 1.0 / std::sqrt(static_cast<double>(d)); }

double AttentionCase::scale() const {
  return parameters.scale != 0.0 ? parameters.scale : default_scale(shape.d);
}

bool AttentionCase::fully_masked(std::size_t i) const {
  for (std::size_t k = 0; k < shape.lk; ++k)
    if (attended(i, k) && (bias.empty() || std::isfinite(bias[i * shape.lk + k]))) return false;
  return true;
}

void AttentionCase::apply_mask() {
  const std::size_t cells = shape.lq * shape.lk;
  if (mask.kind != MaskKind::explicit_keep || keep.size() != cells) {
    keep.assign(cells, 1);
    for (std::size_t i = 0; i < shape.lq; ++i)
      for (std::size_t k = 0; k < shape.lk; ++k) keep[i * shape.lk + k] = mask.keeps(i, k) ? 1 : 0;
  }
  bias.clear();
  if (!mask.additive) return;
  // An additive mask attends everywhere through keep; the bias carries the mask.
  const double sentinel = round_to_format(mask.sentinel, format);
  bias.assign(cells, 0.0);
  for (std::size_t c = 0; c < cells; ++c)
    if (keep[c] == 0) bias[c] = sentinel;
  keep.assign(cells, 1);
}

namespace {

void check_values(const std::vector<double>& values, std::size_t expected, const char* what,
                  Format format, bool allow_negative_infinity) {
  if (values.size() != expected)
    throw std::invalid_argument(std::string("attention case: ") + what + " has " +
                                std::to_string(values.size()) + " values, expected " +
                                std::to_string(expected));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double x = values[i];
    const bool allowed_infinity = allow_negative_infinity && x == -HUGE_VAL;
    if (std::isnan(x) || (std::isinf(x) && !allowed_infinity))
      throw std::invalid_argument(std::string("attention case: ") + what + "[" + std::to_string(i) +
                                  "] is " + std::to_string(x) + " (not allowed)");
    if (!allowed_infinity && !is_representable(x, format))
      throw std::invalid_argument(std::string("attention case: ") + what + "[" + std::to_string(i) +
                                  "] = " + std::to_string(x) + " is not representable in " +
                                  std::string(name(format)));
  }
}

}  // namespace

void validate(const AttentionCase& c) {
  const AttentionShape& s = c.shape;
  if (s.d == 0) throw std::invalid_argument("attention case: head dimension d is 0");
  check_values(c.q, s.lq * s.d, "Q", c.format, false);
  check_values(c.k, s.lk * s.d, "K", c.format, false);
  check_values(c.v, s.lk * s.d, "V", c.format, false);
  if (c.keep.size() != s.lq * s.lk)
    throw std::invalid_argument("attention case: the mask has " + std::to_string(c.keep.size()) +
                                " cells, expected lq * lk = " + std::to_string(s.lq * s.lk));
  if (!c.bias.empty()) check_values(c.bias, s.lq * s.lk, "mask bias", c.format, true);
  if (!std::isfinite(c.parameters.scale))
    throw std::invalid_argument("attention case: scale is not finite");
  if (!(c.parameters.softcap >= 0.0) || !std::isfinite(c.parameters.softcap))
    throw std::invalid_argument("attention case: softcap must be finite and >= 0 (0 = none)");
}

}  // namespace softcheck
