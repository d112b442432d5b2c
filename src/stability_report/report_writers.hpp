// The three outputs of `softcheck report`: self-contained HTML (inline SVG plots, no scripts
// or network), a Markdown summary, and the raw JSON every figure is drawn from.
#pragma once

#include <ostream>

#include "stability_report/stability_report.hpp"

namespace softcheck::stability {

void write_report_html(std::ostream& out, const StabilityReport& report);
void write_report_markdown(std::ostream& out, const StabilityReport& report);
void write_report_json(std::ostream& out, const StabilityReport& report);

}  // namespace softcheck::stability
