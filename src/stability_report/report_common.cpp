#include "stability_report/report_common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace softcheck::stability {

VerdictCounts count_verdicts(const GateResult& gate) {
  VerdictCounts c;
  for (const KernelResult& k : gate.kernels) switch (k.verdict) {
      case Verdict::pass: ++c.pass; break;
      case Verdict::fail: ++c.fail; break;
      case Verdict::expected_fail: ++c.expected_fail; break;
      case Verdict::unexpected_pass: ++c.unexpected_pass; break;
    }
  return c;
}

std::vector<Group> groups_of(const std::vector<const Kernel*>& kernels) {
  std::vector<Group> groups;
  for (const Kernel* k : kernels) {
    const std::string key = std::string(name(k->op)) + "/" + std::string(name(k->format));
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.first == key; });
    if (it == groups.end()) groups.push_back({key, {k}});
    else it->second.push_back(k);
  }
  return groups;
}

std::vector<std::string> globs_for(const std::vector<const Kernel*>& kernels) {
  std::vector<std::string> globs;
  for (const Group& g : groups_of(kernels)) {
    // Every kernel of the op and format, or every one of a provider's, or the names.
    const std::string all = "*/" + g.first + "/*";
    if (Registry::instance().match(all).size() == g.second.size()) {
      globs.push_back(all);
      continue;
    }
    std::vector<std::string> providers;
    for (const Kernel* k : g.second)
      if (std::find(providers.begin(), providers.end(), k->provider) == providers.end())
        providers.push_back(k->provider);
    for (const std::string& provider : providers) {
      const std::string glob = provider + "/" + g.first + "/*";
      const auto count = std::count_if(g.second.begin(), g.second.end(),
                                       [&](const Kernel* k) { return k->provider == provider; });
      if (Registry::instance().match(glob).size() == static_cast<std::size_t>(count)) {
        globs.push_back(glob);
      } else {
        for (const Kernel* k : g.second)
          if (k->provider == provider) globs.push_back(k->name());
      }
    }
  }
  return globs;
}

std::string short_number(double value) {
  if (std::isnan(value)) return "-";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[32];
  const double m = std::fabs(value);
  std::snprintf(text, sizeof text, m != 0 && (m >= 1e5 || m < 1e-3) ? "%.2g" : m >= 100 ? "%.0f" : "%.3g", value);
  return text;
}

std::string anchor(const std::string& name) {
  std::string id = "k-";
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return id;
}

double worst_accuracy(const KernelResult& kernel) {
  const auto it = kernel.checks.find(Check::accuracy);
  return it == kernel.checks.end() ? NAN : it->second.worst_error;
}

std::vector<std::string> selection_globs(const StabilityReport& report) { return report.options.globs; }

}  // namespace softcheck::stability
