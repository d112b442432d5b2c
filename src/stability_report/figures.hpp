// The report's figures as plot specifications (report/svg_plot.hpp), each with the command
// that reproduces its data: accuracy against input scale per (op, format), collapse onsets
// against theory per (op, format), the Taylor-radius figures and the H-consistency clouds.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "report/svg_plot.hpp"
#include "stability_report/stability_report.hpp"

namespace softcheck::stability {

struct AccuracyFigure {
  svg::PlotSpec plot;
  std::string command;
};
struct CollapseFigure {
  svg::PlotSpec plot;
  std::string command;
};
struct RadiusFigure {
  svg::PlotSpec plot;
  std::string data;     // HTML: where in report.json
  std::string command;
};
struct HconsistencyFigure {
  svg::PlotSpec plot;
  std::string command;
};

std::vector<AccuracyFigure> accuracy_figures(const StabilityReport& report);
std::vector<CollapseFigure> collapse_figures(const StabilityReport& report);
std::vector<RadiusFigure> radius_figures(const StabilityReport& report);
std::vector<HconsistencyFigure> hconsistency_figures(const StabilityReport& report);

struct RadiusSummary {
  std::size_t n = 0, rows = 0;
  double median_ratio = NAN, max_ratio = NAN;  // rho* (lower end) / rho_a
  bool all_certified = false;
  double slowest_seconds = 0;
};
std::vector<RadiusSummary> radius_summaries(const RadiusStats& stats);

}  // namespace softcheck::stability
