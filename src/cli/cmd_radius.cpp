// softcheck radius: the Taylor radius of the line loss along a step direction
// (src/taylor_radius). Prints the spread Delta_a, the safe bound rho_a = pi / Delta_a, the exact
// two-class radius, the normalised step r = tau / rho_a and, with --exact, the certified
// radius rho* with the nearest complex zeros of F (the "ghosts").
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/parse_logits.hpp"
#include "taylor_radius/batch.hpp"
#include "taylor_radius/binary.hpp"
#include "taylor_radius/line.hpp"
#include "taylor_radius/spread.hpp"
#ifdef SOFTCHECK_HAVE_ARB
#include "taylor_radius/certify.hpp"
#endif

namespace softcheck::cli {
namespace {

struct RadiusOptions {
  std::string logits, direction;
  long long target = -1;
  std::optional<double> step;
  bool exact = false, json = false;
};

struct ExactPart {  // what --exact adds
  std::string status, method;
  double lo = 0, hi = 0;
  struct Zero {
    double re, im, error;
  };
  std::vector<Zero> ghosts;
};

std::vector<double> parse_values(const std::string& text, const std::string& option) {
  try {
    return parse_logits(text, Format::f64).values;
  } catch (const UsageError& error) {  // its messages name --logits
    std::string message = error.what();
    const std::string from = "--logits";
    if (const auto at = message.find(from); at != std::string::npos)
      message.replace(at, from.size(), option);
    throw UsageError(message);
  }
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

nlohmann::json json_number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(number(v));  // "inf"
}

// L'(0) = -a_y + sum_k softmax(z)_k a_k: the slope of the loss along the step.
double loss_slope(const std::vector<double>& z, const std::vector<double>& a, std::size_t y) {
  double z_max = -INFINITY;
  for (double v : z) z_max = std::max(z_max, v);
  double total = 0, weighted = 0;
  for (std::size_t k = 0; k < z.size(); ++k) {
    const double w = std::exp(z[k] - z_max);
    total += w;
    weighted += w * a[k];
  }
  return weighted / total - a[y];
}

#ifdef SOFTCHECK_HAVE_ARB
ExactPart exact_part(const taylor_radius::Line& line) {
  taylor_radius::CertifyOptions options;
  options.closed_form_for_two = false;  // the general certification, also for two classes
  const taylor_radius::CertifiedRadius r = taylor_radius::certify_radius(line, options);
  ExactPart part{std::string(taylor_radius::name(r.status)), r.method, r.lo, r.hi, {}};
  for (const taylor_radius::Ghost& g : r.nearest) part.ghosts.push_back({g.t.real(), g.t.imag(), g.error});
  return part;
}
#else
ExactPart exact_part(const taylor_radius::Line&) {
  throw UsageError("--exact needs Arb (libflint-arb-dev), which this build was configured without");
}
#endif

int run_radius(const RadiusOptions& o) {
  const std::vector<double> z = parse_values(o.logits, "--logits");
  const std::vector<double> a = parse_values(o.direction, "--direction");
  taylor_radius::Line line;
  try {
    line = taylor_radius::make_line(z, a);
  } catch (const taylor_radius::InvalidLine& error) {
    throw UsageError(std::string("bad --logits/--direction: ") + error.what());
  }
  const auto n = static_cast<long long>(z.size());
  if (o.target >= n)
    throw UsageError("--target " + std::to_string(o.target) + " is out of range for " +
                     std::to_string(n) + " logits");
  if (o.step && !(*o.step >= 0 && std::isfinite(*o.step)))
    throw UsageError("--step must be finite and >= 0, got " + number(*o.step));

  const double spread = taylor_radius::spread_up(std::span<const double>(a));
  const double rho_a = taylor_radius::rho_a_from_spread(spread);
  // Absent values are NaN (std::optional<double> trips GCC's -Wmaybe-uninitialized here).
  constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
  const double binary = n == 2 ? taylor_radius::binary_radius(z[0], z[1], a[0], a[1]) : kAbsent;
  const double r = o.step ? taylor_radius::normalised_step(*o.step, rho_a) : kAbsent;
  const double slope =
      o.target >= 0 ? loss_slope(z, a, static_cast<std::size_t>(o.target)) : kAbsent;
  const std::optional<ExactPart> exact =
      o.exact ? std::optional<ExactPart>(exact_part(line)) : std::nullopt;

  if (o.json) {
    nlohmann::json out = {{"n", n}, {"spread", json_number(spread)}, {"rho_a", json_number(rho_a)}};
    out["binary_radius"] = n == 2 ? json_number(binary) : nlohmann::json(nullptr);
    if (o.step) out["step"] = *o.step, out["r"] = json_number(r);
    if (o.target >= 0) out["target"] = o.target, out["loss_slope"] = slope;
    if (exact) {
      nlohmann::json zeros = nlohmann::json::array();
      for (const auto& g : exact->ghosts)
        zeros.push_back({{"re", g.re}, {"im", g.im}, {"error", g.error}});
      out["exact"] = {{"status", exact->status}, {"lo", json_number(exact->lo)},
                      {"hi", json_number(exact->hi)}, {"method", exact->method},
                      {"ghosts", zeros}};
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "classes            " << n << "\n";
  std::cout << "spread Delta_a     " << number(spread) << "  (max a - min a, rounded up)\n";
  std::cout << "rho_a = pi/Delta_a " << number(rho_a) << "  (lower bound on rho*, rounded down)\n";
  if (n == 2)
    std::cout << "binary radius      " << number(binary) << "  (sqrt(delta^2 + pi^2) / Delta_a)\n";
  if (o.target >= 0)
    std::cout << "loss slope L'(0)   " << number(slope) << "  (target " << o.target << ")\n";
  if (o.step)
    std::cout << "step tau           " << number(*o.step) << "\nr = tau/rho_a      " << number(r)
              << (r < 1 ? "  (r < 1: inside the guaranteed radius)\n"
                         : "  (r >= 1: beyond the guaranteed radius)\n");
  if (exact) {
    std::cout << "exact rho*         [" << number(exact->lo) << ", " << number(exact->hi) << "]  ("
              << exact->status << ": " << exact->method << ")\n";
    for (const auto& g : exact->ghosts)
      std::cout << "ghost              " << number(g.re) << (g.im < 0 ? " - " : " + ")
                << number(std::fabs(g.im)) << "i  (+- " << number(g.error) << ")\n";
  }
  return 0;
}

}  // namespace

void add_radius_command(CLI::App& app, Action& run, const Context&) {
  auto options = std::make_shared<RadiusOptions>();
  CLI::App* command = app.add_subcommand(
      "radius", "Taylor radius of the line loss along a step: rho_a = pi/Delta_a, and rho* (--exact)");
  command->add_option("--logits", options->logits, "comma-separated logits z, e.g. \"1,2.5,-inf\"")
      ->required();
  command->add_option("--direction", options->direction,
                      "comma-separated directional derivatives a_k = grad z_k . v")
      ->required();
  command->add_option("--target", options->target, "true class y (prints the loss slope)");
  command->add_option("--step", options->step, "step length tau (prints r = tau / rho_a)");
  command->add_flag("--exact", options->exact,
                    "certify the exact radius rho* (Arb) and print the nearest zeros of F");
  command->add_flag("--json", options->json, "print JSON instead of text");
  command->callback([&run, options] { run = [options] { return run_radius(*options); }; });
}

}  // namespace softcheck::cli
