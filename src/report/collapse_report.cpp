#include <cmath>
#include <cstdio>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "report/collapse_report.hpp"

namespace softcheck {

std::string gap_text(const std::optional<double>& gap) {
  if (!gap) return "none";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", *gap);
  return text;
}

namespace {

using collapse::Result;

struct Column {
  const char* title;
  int width;
};

// kernel, format, n, layout, measured onsets, theory, the reference's own zero.
constexpr Column kColumns[] = {
    {"kernel", 0},       {"format", 6},     {"n", 5},            {"layout", 6},
    {"loss=0 from", 11}, {"first", 8},      {"loss<=0 from", 12}, {"grad=0 from", 11},
    {"first", 8},        {"grad>=0 from", 12}, {"step", 6},       {"plain sum", 9},
    {"model", 10},       {"model onset", 11}, {"ref=0 loss", 10}, {"ref=0 grad", 10},
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
         "plain sum: p ln 2 + ln S, S = sum of exp(competitors); model onset: the formula for the\n"
         "  kernel's model (proofs/softmax-collapse.md); ref=0: first grid gap where the correctly\n"
         "  rounded reference is 0\n";
}

namespace {

using nlohmann::json;

json optional_gap(const std::optional<double>& gap) {
  return gap ? json(*gap) : json(nullptr);
}

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
          {"plain_sum", t.plain_sum},
          {"max_first", t.max_first},
          {"output_underflow", t.output_underflow},
          {"onset", optional_gap(t.onset)},
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
                 {"step", r.options.step},
                 {"grid_points", r.grid_points},
                 {"calls", r.calls},
                 {"reference_loss_zero_from", r.reference_loss_zero},
                 {"reference_gradient_zero_from", r.reference_gradient_zero},
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
