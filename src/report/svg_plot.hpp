// A small line/scatter plot writer: one PlotSpec in, one self-contained inline <svg> element
// out (no scripts, no external fonts or styles), for the HTML stability report. Linear or
// log10 axes, series drawn as lines, markers or both, horizontal/vertical reference lines,
// and a legend to the right of the plot area.
//
// Values the axes cannot show are handled visibly, never silently: NaN breaks a line and is
// not drawn; +-inf (and, on a log axis, values <= 0) are pinned to the plot's edge and drawn
// as hollow triangles, so "the kernel returned inf" or "the error was 0" stays on the figure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace softcheck::svg {

enum class Style { line, markers, line_markers };

struct Series {
  std::string label;
  std::vector<double> x, y;
  Style style = Style::line_markers;
  bool dashed = false;
  std::string color;  // CSS colour; empty: the next of the palette
};

// A horizontal (y = value) or vertical (x = value) line across the plot area.
struct ReferenceLine {
  double value = 0;
  bool vertical = false;
  std::string label;
  std::string color = "#555555";
};

struct Axis {
  std::string label;
  bool log = false;
  std::optional<double> min, max;  // unset: from the data (with a margin on linear axes)
};

struct PlotSpec {
  std::string title;
  Axis x, y;
  std::vector<Series> series;
  std::vector<ReferenceLine> lines;
  int width = 560;   // the plot area plus axes; the legend adds legend_width
  int height = 300;
  int legend_width = 330;
};

// The <svg> element (with role="img" and a <title>). Throws std::invalid_argument when an
// x and y vector differ in length.
std::string render(const PlotSpec& spec);

// "1e-06", "0.25", "1024": compact tick text.
std::string tick_text(double value);

}  // namespace softcheck::svg
