// controller_study temperature: the temperature fingerprint (analyses/temperature/README.md).
// For each temperature T, architecture and seed: train with CE(z / T) (Adam), then step from
// the trained model along the full-training-set descent direction of CE(z / T) at log-spaced
// absolute lengths τ (the grid does not depend on ρa), and record the losses and accuracies;
// ρ_T = πT/Δa (the fast bound of CE(z / T) along that direction) is written beside them.
// plot.py finds the collapse onset τ* of each curve and compares the spread of τ* with the
// spread of r_T = τ*/ρ_T.
#include <iostream>

#include "common/csv.hpp"
#include "common/line_scan.hpp"
#include "common/training.hpp"
#include "subcommands.hpp"

namespace controller {
namespace {

struct TemperatureOptions {
  std::string data = "digits";
  std::vector<std::string> archs{"mlp"};
  std::vector<double> temperatures{0.25, 0.5, 1, 2, 4};
  int seeds = 3, steps = 400, batch = 128, points = 81;
  std::uint64_t first_seed = 1;
  double lr = 1e-3, tau_min = 1e-3, tau_max = 1e3;
  std::string out = "temperature.csv";
};

void run_temperature(const TemperatureOptions& o) {
  std::ofstream csv = open_csv(o.out);
  csv << "data,arch,temperature,seed,tau,rho_t,test_acc,test_loss,train_acc,train_loss,"
         "base_test_acc,base_test_loss,base_train_loss\n";
  const std::vector<double> taus = log_space(o.tau_min, o.tau_max, o.points);
  for (std::uint64_t seed = o.first_seed; seed < o.first_seed + static_cast<std::uint64_t>(o.seeds); ++seed) {
    const Data data = to_tensors(load_named(o.data, seed));
    for (Arch arch : parse_archs(o.archs)) {
      for (double t : o.temperatures) {
        TrainConfig c;
        c.arch = arch;
        c.lr = o.lr;
        c.steps = o.steps;
        c.batch = o.batch;
        c.seed = seed;
        c.temperature = t;
        auto model = seeded_model(arch, data.side, seed);
        const TrainResult trained = train(*model, data, c);
        const Direction v = descent_direction(*model, data.x_train, data.y_train, t);
        const double rho = rho_a_along(*model, data.x_train, v, t);
        const std::vector<StepPoint> points = scan_steps(*model, data, v, taus, t);
        for (std::size_t i = 0; i < taus.size(); ++i)
          csv << data.name << ',' << name(arch) << ',' << t << ',' << seed << ',' << taus[i]
              << ',' << rho << ',' << points[i].test.accuracy << ',' << points[i].test.loss << ','
              << points[i].train.accuracy << ',' << points[i].train.loss << ','
              << trained.test.accuracy << ',' << trained.test.loss << ',' << trained.train.loss
              << '\n';
        csv.flush();
        std::cerr << "temperature " << name(arch) << " T " << t << " seed " << seed
                  << ": test acc " << trained.test.accuracy << ", rho_T " << rho << "\n";
      }
    }
  }
}

}  // namespace

void add_temperature_command(CLI::App& app) {
  auto o = std::make_shared<TemperatureOptions>();
  CLI::App* sub = app.add_subcommand("temperature", "collapse onsets at several temperatures");
  sub->add_option("--data", o->data, "digits or fashion");
  sub->add_option("--archs", o->archs, "architectures, or all")->delimiter(',');
  sub->add_option("--temperatures", o->temperatures)->delimiter(',');
  sub->add_option("--seeds", o->seeds);
  sub->add_option("--first-seed", o->first_seed);
  sub->add_option("--steps", o->steps);
  sub->add_option("--batch", o->batch);
  sub->add_option("--lr", o->lr);
  sub->add_option("--points", o->points, "τ values, log-spaced");
  sub->add_option("--tau-min", o->tau_min);
  sub->add_option("--tau-max", o->tau_max);
  sub->add_option("--out", o->out);
  sub->callback([o] { run_temperature(*o); });
}

}  // namespace controller
