#include "report/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/xml_escape.hpp"

namespace softcheck::svg {
namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
constexpr int kLeft = 64, kRight = 12, kTop = 28, kBottom = 44;

std::string fixed(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

// Whether v can be placed on the axis (finite, and > 0 on a log axis).
bool placeable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

struct Range {
  double lo = 0, hi = 1;
};

// The data range of one axis (over placeable values and reference lines), padded.
Range axis_range(const Axis& axis, const std::vector<double>& values) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values)
    if (placeable(v, axis.log)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) lo = axis.log ? 1 : 0, hi = axis.log ? 10 : 1;
  if (axis.log) {
    lo = std::floor(std::log10(lo)), hi = std::ceil(std::log10(hi));
    if (hi <= lo) hi = lo + 1;
  } else {
    const double pad = hi > lo ? 0.05 * (hi - lo) : std::max(1.0, std::fabs(lo) * 0.1);
    lo -= pad, hi += pad;
  }
  if (axis.min) lo = axis.log ? std::log10(*axis.min) : *axis.min;
  if (axis.max) hi = axis.log ? std::log10(*axis.max) : *axis.max;
  if (!(hi > lo)) hi = lo + 1;
  return {lo, hi};
}

// Tick values in axis units (log axes: exponents of 10).
std::vector<double> ticks(const Range& r, bool log) {
  std::vector<double> out;
  if (log) {
    const double span = r.hi - r.lo;
    const double step = std::max(1.0, std::ceil(span / 8));
    for (double e = std::ceil(r.lo); e <= r.hi + 1e-9; e += step) out.push_back(e);
    return out;
  }
  const double raw = (r.hi - r.lo) / 6;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  for (double v = std::ceil(r.lo / step) * step; v <= r.hi + 1e-9 * step; v += step)
    out.push_back(std::fabs(v) < 1e-12 * step ? 0.0 : v);
  return out;
}

class Frame {
 public:
  Frame(const PlotSpec& spec, Range x, Range y)
      : spec_(spec), x_(x), y_(y), right_(spec.width - kRight), bottom_(spec.height - kBottom) {}

  double px(double v) const {  // v in data units, placeable
    const double u = spec_.x.log ? std::log10(v) : v;
    return kLeft + (u - x_.lo) / (x_.hi - x_.lo) * (right_ - kLeft);
  }
  double py(double v) const {
    const double u = spec_.y.log ? std::log10(v) : v;
    return bottom_ - (u - y_.lo) / (y_.hi - y_.lo) * (bottom_ - kTop);
  }
  // A y value pinned to the edge: +inf (or above the range) at the top, -inf or <= 0 on a
  // log axis at the bottom. Empty for NaN.
  std::optional<double> pinned_y(double v) const {
    if (std::isnan(v)) return std::nullopt;
    if (v == std::numeric_limits<double>::infinity()) return kTop;
    if (!placeable(v, spec_.y.log)) return bottom_;
    return std::clamp(py(v), double(kTop), double(bottom_));
  }
  bool pinned(double v) const { return !placeable(v, spec_.y.log) || inside_y(v) == false; }
  bool inside_y(double v) const {
    const double u = spec_.y.log ? std::log10(v) : v;
    return u >= y_.lo - 1e-12 && u <= y_.hi + 1e-12;
  }
  bool inside_x(double v) const {
    if (!placeable(v, spec_.x.log)) return false;
    const double u = spec_.x.log ? std::log10(v) : v;
    return u >= x_.lo - 1e-12 && u <= x_.hi + 1e-12;
  }
  int right() const { return right_; }
  int bottom() const { return bottom_; }
  const Range& x() const { return x_; }
  const Range& y() const { return y_; }

 private:
  const PlotSpec& spec_;
  Range x_, y_;
  int right_, bottom_;
};

void draw_axes(std::ostream& out, const PlotSpec& spec, const Frame& f) {
  out << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << f.right() - kLeft
      << "\" height=\"" << f.bottom() - kTop << "\" fill=\"#fff\" stroke=\"#888\"/>\n";
  for (double t : ticks(f.x(), spec.x.log)) {
    const double v = spec.x.log ? std::pow(10, t) : t;
    const std::string x = fixed(f.px(v));
    out << "<line x1=\"" << x << "\" y1=\"" << kTop << "\" x2=\"" << x << "\" y2=\"" << f.bottom()
        << "\" stroke=\"#eee\"/><text x=\"" << x << "\" y=\"" << f.bottom() + 14
        << "\" text-anchor=\"middle\">" << tick_text(v) << "</text>\n";
  }
  for (double t : ticks(f.y(), spec.y.log)) {
    const double v = spec.y.log ? std::pow(10, t) : t;
    const std::string y = fixed(f.py(v));
    out << "<line x1=\"" << kLeft << "\" y1=\"" << y << "\" x2=\"" << f.right() << "\" y2=\"" << y
        << "\" stroke=\"#eee\"/><text x=\"" << kLeft - 4 << "\" y=\"" << y
        << "\" dy=\"0.32em\" text-anchor=\"end\">" << tick_text(v) << "</text>\n";
  }
  out << "<text x=\"" << (kLeft + f.right()) / 2 << "\" y=\"" << spec.height - 8
      << "\" text-anchor=\"middle\">" << xml_escape(spec.x.label) << "</text>\n";
  out << "<text transform=\"translate(14," << (kTop + f.bottom()) / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << xml_escape(spec.y.label) << "</text>\n";
  out << "<text x=\"" << kLeft << "\" y=\"18\" font-weight=\"bold\">" << xml_escape(spec.title)
      << "</text>\n";
}

void draw_reference_lines(std::ostream& out, const PlotSpec& spec, const Frame& f) {
  for (const ReferenceLine& line : spec.lines) {
    if (line.vertical ? !f.inside_x(line.value) : !(placeable(line.value, spec.y.log) && f.inside_y(line.value)))
      continue;
    std::string x1, y1, x2, y2, tx, ty;
    if (line.vertical) {
      x1 = x2 = tx = fixed(f.px(line.value));
      y1 = std::to_string(kTop), y2 = std::to_string(f.bottom()), ty = std::to_string(kTop + 10);
    } else {
      y1 = y2 = fixed(f.py(line.value));
      ty = fixed(f.py(line.value) - 3);
      x1 = std::to_string(kLeft), x2 = std::to_string(f.right()), tx = std::to_string(f.right() - 2);
    }
    out << "<line class=\"ref\" x1=\"" << x1 << "\" y1=\"" << y1 << "\" x2=\"" << x2 << "\" y2=\""
        << y2 << "\" stroke=\"" << line.color << "\" stroke-dasharray=\"6 3\"/>";
    if (!line.label.empty())
      out << "<text x=\"" << tx << "\" y=\"" << ty << "\" fill=\"" << line.color << "\""
          << (line.vertical ? " dx=\"3\"" : " text-anchor=\"end\"") << ">"
          << xml_escape(line.label) << "</text>";
    out << "\n";
  }
}

void draw_series(std::ostream& out, const Frame& f, const Series& s,
                 const std::string& color) {
  const bool lines = s.style != Style::markers;
  const bool markers = s.style != Style::line;
  std::string path;
  bool pen_down = false;
  std::ostringstream points;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    const auto y = f.pinned_y(s.y[i]);
    if (!f.inside_x(s.x[i]) || !y) {
      pen_down = false;
      continue;
    }
    const std::string x = fixed(f.px(s.x[i])), yy = fixed(*y);
    path += (pen_down ? " L" : " M") + x + " " + yy;
    pen_down = true;
    if (markers && f.pinned(s.y[i]))  // off the axis: a hollow triangle at the edge
      points << "<path class=\"pinned\" d=\"M" << x << " " << fixed(*y - 5) << " l4 7 h-8 z\" fill=\"none\" stroke=\""
             << color << "\"/>";
    else if (markers)
      points << "<circle cx=\"" << x << "\" cy=\"" << yy << "\" r=\"2.6\" fill=\"" << color << "\"/>";
  }
  out << "<g class=\"series\" data-label=\"" << xml_escape(s.label) << "\">";
  if (lines && !path.empty())
    out << "<path d=\"" << path.substr(1) << "\" fill=\"none\" stroke=\"" << color
        << "\" stroke-width=\"1.6\"" << (s.dashed ? " stroke-dasharray=\"5 3\"" : "") << "/>";
  out << points.str() << "</g>\n";
}

void draw_legend(std::ostream& out, const PlotSpec& spec, const std::vector<std::string>& colors) {
  int y = kTop + 4;
  const int x = spec.width + 6;
  for (std::size_t i = 0; i < spec.series.size(); ++i, y += 15) {
    const Series& s = spec.series[i];
    out << "<line x1=\"" << x << "\" y1=\"" << y << "\" x2=\"" << x + 16 << "\" y2=\"" << y
        << "\" stroke=\"" << colors[i] << "\" stroke-width=\"2\""
        << (s.dashed ? " stroke-dasharray=\"5 3\"" : "") << "/><text x=\"" << x + 20 << "\" y=\""
        << y << "\" dy=\"0.32em\">" << xml_escape(s.label) << "</text>\n";
  }
}

}  // namespace

std::string tick_text(double value) {
  if (value == 0) return "0";
  char text[32];
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    std::snprintf(text, sizeof text, "%.0e", value);
    std::string s = text;  // "1e-06" -> "1e-6"
    const auto e = s.find('e');
    std::string exponent = s.substr(e + 1);
    const bool negative = exponent[0] == '-';
    exponent.erase(0, exponent[0] == '+' || negative ? 1 : 0);
    exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
    return s.substr(0, e) + "e" + (negative ? "-" : "") + exponent;
  }
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

std::string render(const PlotSpec& spec) {
  std::vector<double> xs, ys;
  for (const Series& s : spec.series) {
    if (s.x.size() != s.y.size())
      throw std::invalid_argument("svg::render: series '" + s.label + "' has x and y of different lengths");
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
  }
  for (const ReferenceLine& line : spec.lines) (line.vertical ? xs : ys).push_back(line.value);
  const Frame frame(spec, axis_range(spec.x, xs), axis_range(spec.y, ys));
  std::vector<std::string> colors;
  std::size_t next = 0;
  for (const Series& s : spec.series)
    colors.push_back(s.color.empty() ? kPalette[next++ % std::size(kPalette)] : s.color);

  std::ostringstream out;
  const int total_width = spec.width + (spec.series.empty() ? 0 : spec.legend_width);
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"plot\" width=\""
      << total_width << "\" height=\"" << spec.height << "\" viewBox=\"0 0 " << total_width << " "
      << spec.height << "\" font-family=\"sans-serif\" font-size=\"11\">\n<title>"
      << xml_escape(spec.title) << "</title>\n";
  draw_axes(out, spec, frame);
  draw_reference_lines(out, spec, frame);
  for (std::size_t i = 0; i < spec.series.size(); ++i)
    draw_series(out, frame, spec.series[i], colors[i]);
  draw_legend(out, spec, colors);
  out << "</svg>\n";
  return out.str();
}

}  // namespace softcheck::svg
