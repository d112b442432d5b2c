#include "checks/collapse_theory.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <stdexcept>

#include "checks/collapse_stablemax_theory.hpp"

namespace softcheck::collapse {

double competitor_weight(std::span<const double> competitors) {
  double weight = 0;
  for (double c : competitors) weight += std::exp(c);
  return weight;
}

double plain_sum_onset(int precision, double weight) {
  return precision * std::numbers::ln2 + std::log(weight);
}

double max_first_onset(int precision, double max_competitor) {
  return precision * std::numbers::ln2 + max_competitor;
}

double output_underflow_onset(Format output, double weight) {
  // -ln(denorm_min / 2) written as a sum: denorm_min(f64) / 2 is 0 in double.
  return std::log(weight) - std::log(denorm_min(output)) + std::numbers::ln2;
}

std::string_view name(Model model) {
  switch (model) {
    case Model::one_plus_s: return "1+s";
    case Model::log_of_sum: return "log-of-sum";
    case Model::naive: return "naive";
    case Model::unknown: return "unknown";
    case Model::s_plus_r: return "s+R";
  }
  return "?";
}

Model model_of(const Kernel& kernel) {
  const CollapseLoss* loss = collapse_loss(kernel.op);
  return loss ? loss->model(kernel) : Model::unknown;
}

Model softmax_model(const Kernel& kernel) {
  if (kernel.provider == "builtin") return kernel.algorithm == "naive" ? Model::naive : Model::one_plus_s;
  if (kernel.provider == "torch" || kernel.provider == "onednn") return Model::log_of_sum;
  return Model::unknown;
}

int accumulator_precision(const Kernel& kernel) {
  if (kernel.format == Format::f64) return traits(Format::f64).precision;
  if (kernel.provider == "torch" && kernel.format == Format::bf16) return traits(Format::bf16).precision;
  return traits(Format::f32).precision;
}

Theory theory_for(const Kernel& kernel, std::span<const double> competitors) {
  const CollapseLoss* loss = collapse_loss(kernel.op);
  if (!loss) throw std::invalid_argument("collapse: no collapse theory for " + kernel.name());
  return loss->theory(kernel, competitors);
}

const CollapseLoss* collapse_loss(Op op) {
  static const std::map<Op, CollapseLoss> registered{
      {Op::cross_entropy, {softmax_model, softmax_theory, false}},
      {Op::stablemax_cross_entropy, {stablemax_model, stablemax_theory, true}},
  };
  const auto it = registered.find(op);
  return it == registered.end() ? nullptr : &it->second;
}

Theory softmax_theory(const Kernel& kernel, std::span<const double> competitors) {
  Theory theory;
  theory.model = softmax_model(kernel);
  theory.accumulator_precision = accumulator_precision(kernel);
  const double weight = competitor_weight(competitors);
  const double max_competitor =
      competitors.empty() ? 0.0 : *std::max_element(competitors.begin(), competitors.end());
  theory.ln_weight = std::log(weight);
  theory.plain_sum = plain_sum_onset(theory.accumulator_precision, weight);
  theory.max_first = max_first_onset(theory.accumulator_precision, max_competitor);
  theory.output_underflow = output_underflow_onset(kernel.format, weight);
  // The target gradient -δ / (1 + δ) has the loss's magnitude to within δ.
  theory.gradient_underflow = theory.output_underflow;
  switch (theory.model) {
    case Model::one_plus_s:
      theory.onset = theory.output_underflow;
      theory.formula = "output underflow";
      break;
    case Model::log_of_sum:
    case Model::unknown:
      theory.onset = std::min(theory.plain_sum, theory.output_underflow);
      theory.formula = theory.plain_sum <= theory.output_underflow ? "plain sum" : "output underflow";
      break;
    case Model::naive:
      theory.formula = "none (not max-subtracted)";
      break;
    case Model::s_plus_r:  // StableMax only (stablemax_theory)
      break;
  }
  theory.gradient_onset = theory.onset;  // loss and gradient collapse at the same gap
  return theory;
}

}  // namespace softcheck::collapse
