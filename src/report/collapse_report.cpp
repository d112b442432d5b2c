#include <cmath>
#include <cstdio>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "report/collapse_report.hpp"

namespace softcheck {

// Gaps from here on are printed in scientific notation.
constexpr double kScientificFrom = 1e6;

std::string gap_text(const std::optional<double>& gap) {
  if (!gap) return "none";
  if (std::isinf(*gap)) return "never";
  char text[32];
  std::snprintf(text, sizeof text, *gap < kScientificFrom ? "%.3f" : "%.6e", *gap);
  return text;
}

namespace {

using collapse::Result;

struct Column {
  const char* title;
  int width;
};

// kernel, format, n, layout, measured onsets, theory, the reference's own zero. Gap
// columns are 8 wide (softmax's 123.456), StableMax's 1.234567e+22 overflow them.
constexpr Column kColumns[] = {
    {"kernel", 0},        {"format", 6},      {"n", 5},             {"layout", 6},
    {"loss=0 from", 11},  {"first", 8},       {"loss<=0 from", 12}, {"grad=0 from", 11},
    {"first", 8},         {"grad>=0 from", 12}, {"step", 6},        {"plain sum", 9},
    {"model", 10},        {"model onset", 11}, {"model grad", 10},  {"ref=0 loss", 10},
    {"ref=0 grad", 10},
};

std::vector<std::string> row_cells(const Result& r) {
  const std::string model(collapse::name(r.theory.model));
  const double step = std::max({r.loss.spacing, r.gradient.spacing, r.loss_sign.spacing,
                                 r.gradient_sign.spacing});
  if (!r.failure.empty())
    return {r.kernel->name(), std::string(name(r.kernel->format)), std::to_string(r.n),
            std::string(collapse::name(r.options.layout)), "failed: " + r.failure};
  return {r.kernel->name(),
          std::string(name(r.kernel->format)),
          std::to_string(r.n),
          std::string(collapse::name(r.options.layout)),
          gap_text(r.loss.from),
          gap_text(r.loss.first),
          gap_text(r.loss_sign.from),
          gap_text(r.gradient.from),
          gap_text(r.gradient.first),
          gap_text(r.gradient_sign.from),
          step > 0 ? gap_text(step) : "-",
          gap_text(r.theory.plain_sum),
          model,
          r.theory.onset ? gap_text(r.theory.onset) : "-",
          r.theory.gradient_onset ? gap_text(r.theory.gradient_onset) : "-",
          gap_text(r.reference_loss_zero),
          gap_text(r.reference_gradient_zero)};
}

}  // namespace

void print_collapse_table(std::ostream& out, const std::vector<Result>& results) {
  std::size_t kernel_width = 6;
  for (const Result& r : results) kernel_width = std::max(kernel_width, r.kernel->name().size());
  out << std::left;
  for (const Column& c : kColumns)
    out << (&c == kColumns ? "" : "  ")
        << std::setw(&c == std::end(kColumns) - 1 ? 0 : c.width ? c.width : static_cast<int>(kernel_width))
        << c.title;
  out << "\n";
  for (const Result& r : results) {
    const std::vector<std::string> cells = row_cells(r);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const int width = kColumns[i].width ? kColumns[i].width : static_cast<int>(kernel_width);
      out << std::setw(i + 1 < cells.size() ? width : 0) << cells[i]
          << (i + 1 < cells.size() ? "  " : "");
    }
    out << "\n";
  }
  out << "loss/grad=0 from: first grid gap from which the kernel's value is exactly 0 at every grid\n"
         "  gap up to the reference's own zero (none: never before it); first: the first grid gap\n"
         "  where it is 0; loss<=0, grad>=0: the same for a value of 0 or the wrong sign (the exact\n"
         "  loss is > 0, the exact target gradient < 0); step: grid spacing at the onset\n"
         "plain sum: p ln 2 + ln S, S = sum of exp(competitors); model onset, model grad: the\n"
         "  formula for the kernel's model for the loss and the target gradient\n"
         "  (proofs/softmax-collapse.md; -: none); ref=0: first grid gap where the correctly\n"
         "  rounded reference is 0 (none: never)\n"
         "stablemax_cross_entropy: geometric grid, every onset bisected to adjacent values of the\n"
         "  format (step: their spacing); plain sum: the least g with fl(g + 1) >= 2^K,\n"
         "  K = p + floor(log2 T) + 1 (p for T = 1), T = sum of s(competitors), from which on\n"
         "  fl(s_y + T) = s_y; model s+R (the built-ins): the loss never rounds to 0, the target\n"
         "  gradient does where the exact one is <= denorm_min / 2\n";
}

namespace {

using nlohmann::json;

json optional_gap(const std::optional<double>& gap) {
  return gap ? json(*gap) : json(nullptr);
}

// A gap, or null for none and for +infinity (never).
json gap_json(double gap) { return std::isfinite(gap) ? json(gap) : json(nullptr); }

json onset_json(const collapse::Onset& onset) {
  return {{"zero_from", optional_gap(onset.from)},
          {"first_zero", optional_gap(onset.first)},
          {"grid_spacing_at_onset", onset.spacing},
          {"reference_at_onset", onset.from ? json(decimal_and_hex(onset.reference_at_from))
                                            : json(nullptr)}};
}

json theory_json(const collapse::Theory& t) {
  return {{"model", std::string(collapse::name(t.model))},
          {"accumulator_precision", t.accumulator_precision},
          {"ln_weight", t.ln_weight},
          {"plain_sum", gap_json(t.plain_sum)},
          {"max_first", gap_json(t.max_first)},
          {"output_underflow", gap_json(t.output_underflow)},
          {"gradient_underflow", gap_json(t.gradient_underflow)},
          {"onset", optional_gap(t.onset)},
          {"gradient_onset", optional_gap(t.gradient_onset)},
          {"formula", t.formula}};
}

json result_json(const Result& r) {
  json result = {{"kernel", r.kernel->name()},
                 {"op", std::string(name(r.kernel->op))},
                 {"format", std::string(name(r.kernel->format))},
                 {"algorithm", r.kernel->algorithm},
                 {"provider", r.kernel->provider},
                 {"n", r.n},
                 {"layout", std::string(collapse::name(r.options.layout))},
                 {"target", r.target},
                 {"grid", r.geometric ? "geometric, bisected" : "linear"},
                 {"step", r.geometric ? json(nullptr) : json(r.options.step)},
                 {"octave_subdivisions",
                  r.geometric ? json(r.options.octave_subdivisions) : json(nullptr)},
                 {"grid_points", r.grid_points},
                 {"calls", r.calls},
                 {"reference_loss_zero_from", optional_gap(r.reference_loss_zero)},
                 {"reference_gradient_zero_from", optional_gap(r.reference_gradient_zero)},
                 {"loss", onset_json(r.loss)},
                 {"target_gradient", onset_json(r.gradient)},
                 {"loss_not_positive", onset_json(r.loss_sign)},
                 {"target_gradient_not_negative", onset_json(r.gradient_sign)},
                 {"theory", theory_json(r.theory)},
                 {"failure", r.failure}};
  if (r.options.layout == collapse::Layout::spread) {
    result["seed"] = r.options.seed;
    result["competitors"] = r.competitors;
  }
  return result;
}

}  // namespace

void write_collapse_json(std::ostream& out, const std::vector<Result>& results,
                         const RunInfo& info) {
  json measurements = json::array();
  for (const Result& r : results) measurements.push_back(result_json(r));
  const json document = {{"tool", "softcheck"},
                         {"version", info.version},
                         {"command", info.command},
                         {"measurement", "softmax collapse"},
                         {"results", measurements}};
  out << document.dump(2) << "\n";
}

}  // namespace softcheck
