#include "stability_report/figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "hconsistency/bound.hpp"
#include "stability_report/report_common.hpp"

namespace softcheck::stability {
namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

// "provider/algorithm" of a kernel (its op and format are the figure's).
std::string short_name(const Kernel& k) { return k.provider + "/" + k.algorithm; }

std::string number_text(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

std::string list_text(const std::vector<double>& values) {
  std::string text;
  for (double v : values) {
    if (!text.empty()) text += ',';
    text += number_text(v);
  }
  return text;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

std::vector<AccuracyFigure> accuracy_figures(const StabilityReport& r) {
  std::vector<const Kernel*> kernels;
  for (const AccuracyCurve& c : r.accuracy) kernels.push_back(c.kernel);
  std::vector<AccuracyFigure> figures;
  for (const Group& group : groups_of(kernels)) {
    AccuracyFigure f;
    f.plot.title = group.first + ": worst error against logit scale";
    f.plot.x = {"logit scale sigma", true, {}, {}};
    f.plot.y = {"worst error (ulps of the exact value)", true, 0.1, {}};
    for (const AccuracyCurve& c : r.accuracy) {
      if (std::find(group.second.begin(), group.second.end(), c.kernel) == group.second.end()) continue;
      svg::Series s;
      std::size_t beyond = 0;
      for (const ScalePoint& p : c.points) {
        s.x.push_back(p.scale);
        s.y.push_back(p.failure.empty() ? std::max(p.worst_ulps, 0.1) : NAN);
        beyond += p.beyond_contract;
      }
      s.label = short_name(*c.kernel) + (beyond ? " (" + std::to_string(beyond) + " beyond)" : "");
      f.plot.series.push_back(std::move(s));
    }
    f.command = report_command(r, globs_for(group.second));
    figures.push_back(std::move(f));
  }
  return figures;
}

std::vector<CollapseFigure> collapse_figures(const StabilityReport& r) {
  std::vector<const Kernel*> kernels;
  for (const collapse::Result& c : r.collapse)
    if (std::find(kernels.begin(), kernels.end(), c.kernel) == kernels.end()) kernels.push_back(c.kernel);
  std::vector<CollapseFigure> figures;
  const collapse::Layout layout = r.collapse_settings.layouts.front();  // the figures show zeros
  for (const Group& group : groups_of(kernels)) {
    CollapseFigure f;
    const bool geometric = collapse::collapse_loss(group.second.front()->op)->geometric;
    f.plot.title = group.first + ": loss = 0 from gap g";
    f.plot.x = {"classes n", true, {}, {}};
    f.plot.y = {"logit gap g", geometric, {}, {}};
    // Theory: one plain-sum line per accumulator precision, and the reference's zero.
    std::map<int, svg::Series> plain;
    svg::Series underflow{"reference = 0 (output underflow)", {}, {}, svg::Style::line_markers, true, "#555555"};
    std::set<std::size_t> underflow_n;
    for (const collapse::Result& c : r.collapse) {
      if (c.options.layout != layout ||
          std::find(group.second.begin(), group.second.end(), c.kernel) == group.second.end())
        continue;
      const int p = c.theory.accumulator_precision;
      auto& line = plain[p];
      if (line.label.empty()) {
        line.label = geometric ? "plain sum absorbs (p = " + std::to_string(p) + ")"
                               : "plain sum p ln 2 + ln(n-1), p = " + std::to_string(p);
        line.style = svg::Style::line_markers;
        line.dashed = true;
        line.color = kColors[plain.size() % std::size(kColors)];
      }
      if (std::find(line.x.begin(), line.x.end(), double(c.n)) == line.x.end())
        line.x.push_back(double(c.n)), line.y.push_back(c.theory.plain_sum);
      if (underflow_n.insert(c.n).second && c.reference_loss_zero)
        underflow.x.push_back(double(c.n)), underflow.y.push_back(*c.reference_loss_zero);
    }
    for (auto& [p, line] : plain) f.plot.series.push_back(std::move(line));
    if (!underflow.x.empty()) f.plot.series.push_back(std::move(underflow));
    for (const Kernel* k : group.second) {
      svg::Series s{short_name(*k), {}, {}, svg::Style::markers, false, ""};
      for (const collapse::Result& c : r.collapse)
        if (c.kernel == k && c.options.layout == layout && c.loss.from)
          s.x.push_back(double(c.n)), s.y.push_back(*c.loss.from);
      if (s.x.empty()) s.label += " (no collapse)";
      f.plot.series.push_back(std::move(s));
    }
    f.command = collapse_command(r, globs_for(group.second)) + " --json collapse.json";
    figures.push_back(std::move(f));
  }
  return figures;
}

std::vector<RadiusSummary> radius_summaries(const RadiusStats& stats) {
  std::vector<RadiusSummary> out;
  for (std::size_t n : stats.options.classes) {
    RadiusSummary s;
    s.n = n;
    s.all_certified = true;
    std::vector<double> ratios;
    for (const RadiusSample& x : stats.samples) {
      if (x.n != n) continue;
      ++s.rows;
      s.all_certified = s.all_certified && x.status == "certified";
      s.slowest_seconds = std::max(s.slowest_seconds, x.seconds);
      if (std::isfinite(x.lo)) ratios.push_back(x.lo / x.rho_a);
    }
    s.median_ratio = median(ratios);
    if (!ratios.empty()) s.max_ratio = *std::max_element(ratios.begin(), ratios.end());
    out.push_back(s);
  }
  return out;
}

std::vector<RadiusFigure> radius_figures(const StabilityReport& r) {
  const RadiusStats& stats = r.radius;
  std::vector<RadiusFigure> figures;
  const std::string all = report_command(r, selection_globs(r));
  if (stats.certified_available) {
    RadiusFigure ratio;
    ratio.plot.title = "How much step rho_a gives away: rho* / rho_a against logit scale";
    ratio.plot.x = {"logit scale sigma (logits sigma N(0,1), directions N(0,1))", true, {}, {}};
    ratio.plot.y = {"rho* / rho_a", true, {}, {}};
    ratio.plot.lines.push_back({1.0, false, "rho* = rho_a (bound tight)", "#555555"});
    std::size_t color = 0;
    for (std::size_t n : stats.options.classes) {
      const std::string c = kColors[color++ % std::size(kColors)];
      svg::Series rows{"n = " + std::to_string(n) + ", each row", {}, {}, svg::Style::markers, false, c};
      svg::Series medians{"n = " + std::to_string(n) + ", median", {}, {}, svg::Style::line, false, c};
      for (double sigma : stats.options.scales) {
        std::vector<double> cell;
        for (const RadiusSample& x : stats.samples)
          if (x.n == n && x.logit_scale == sigma && std::isfinite(x.lo)) {
            rows.x.push_back(sigma), rows.y.push_back(x.lo / x.rho_a);
            cell.push_back(x.lo / x.rho_a);
          }
        if (!cell.empty()) medians.x.push_back(sigma), medians.y.push_back(median(cell));
      }
      ratio.plot.series.push_back(std::move(rows));
      ratio.plot.series.push_back(std::move(medians));
    }
    ratio.data = "<code>report.json</code> &rarr; <code>radius.samples</code> (certified lower end of &rho;*)";
    ratio.command = all;
    figures.push_back(std::move(ratio));

    const TaylorGrowth& g = stats.growth;
    RadiusFigure growth;
    growth.plot.title = "Cauchy-Hadamard: |c_k|^(1/k) of the line loss tends to 1/rho*";
    growth.plot.x = {"order k", false, 0.0, {}};
    growth.plot.y = {"|c_k|^(1/k)", false, 0.0, {}};
    growth.plot.series.push_back({"|c_k|^(1/k)", g.order, g.root, svg::Style::line_markers, false, kColors[0]});
    growth.plot.lines.push_back({1 / g.rho_lo, false, "1/rho*", kColors[1]});
    growth.plot.lines.push_back({1 / g.rho_a, false, "1/rho_a", "#555555"});
    growth.data = "<code>report.json</code> &rarr; <code>radius.taylor</code> (one row, n = 10, "
                  "logits 3 N(0,1))";
    growth.command = "softcheck radius --logits \"" + list_text(g.logits) + "\" --direction \"" +
                     list_text(g.direction) + "\" --target 0 --exact";
    figures.push_back(std::move(growth));
  }
  return figures;
}

std::vector<HconsistencyFigure> hconsistency_figures(const StabilityReport& r) {
  std::vector<HconsistencyFigure> figures;
  std::vector<double> taus;
  for (const HconsistencyRun& h : r.hconsistency)
    if (std::find(taus.begin(), taus.end(), h.options.tau) == taus.end()) taus.push_back(h.options.tau);
  for (double tau : taus) {
    HconsistencyFigure f;
    char title[96];
    std::snprintf(title, sizeof title, "comp-sum tau = %g: regrets against T_tau", tau);
    f.plot.title = title;
    f.plot.x = {"zero-one regret dC01", false, 0.0, 1.0};
    f.plot.y = {"surrogate regret dC_tau (log; 0 at the bottom edge)", true, 1e-3, {}};
    std::size_t color = 0;
    for (const HconsistencyRun& h : r.hconsistency) {
      if (h.options.tau != tau) continue;
      const std::string c = kColors[color++ % std::size(kColors)];
      const std::string n = std::to_string(h.options.classes);
      svg::Series cloud{"samples, n = " + n, {}, {}, svg::Style::markers, false, c};
      for (const auto& [x, y] : h.result.cloud) cloud.x.push_back(x), cloud.y.push_back(y);
      svg::Series curve{"T_tau, n = " + n, {}, {}, svg::Style::line, true, c};
      for (int i = 0; i <= 100; ++i) {
        const double t = i / 100.0;
        curve.x.push_back(t);
        curve.y.push_back(hconsistency::bound_curve<double>(t, tau, h.options.classes));
      }
      f.plot.series.push_back(std::move(cloud));
      f.plot.series.push_back(std::move(curve));
      if (!f.command.empty()) f.command += "; ";
      f.command += hconsistency_command(h.options) + " --json tau.json";
    }
    figures.push_back(std::move(f));
  }
  return figures;
}

}  // namespace softcheck::stability
