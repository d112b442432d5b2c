// controller_study phase: the phase transition at r = 1 (analyses/phase_transition/README.md).
// Each architecture is trained (Adam, mini-batches), then one step is taken from it along the
// full-training-set descent direction, and along `--random` Gaussian directions, at
// τ = r·ρa for log-spaced r; ρa is the fast batch bound over the whole training set along
// that direction (evaluation mode). Writes one CSV row per (architecture, direction, r); the
// training loss at each point is over the first --eval-train training rows.

#include <iostream>

#include "common/csv.hpp"
#include "common/line_scan.hpp"
#include "common/training.hpp"
#include "core/rng.hpp"
#include "subcommands.hpp"

namespace controller {
namespace {

struct PhaseOptions {
  std::string data = "digits";
  std::vector<std::string> archs{"all"};
  std::uint64_t seed = 1;
  int steps = 600, batch = 128, points = 25, random = 20;
  std::int64_t eval_train = 2000;  // training rows whose loss/accuracy is evaluated per point
  double lr = 1e-3, r_min = 0.01, r_max = 100;
  std::string out = "phase.csv";
};

void run_phase(const PhaseOptions& o) {
  std::cerr << "phase: data " << o.data << ", seed " << o.seed << "\n";
  const Data data = to_tensors(load_named(o.data, o.seed));
  const std::vector<double> rs = log_space(o.r_min, o.r_max, o.points);
  std::ofstream csv = open_csv(o.out);
  csv << "data,arch,seed,direction,index,r,tau,rho_a,test_acc,test_loss,train_acc,train_loss,"
         "base_test_acc,base_test_loss,base_train_loss\n";
  for (Arch arch : parse_archs(o.archs)) {
    auto model = seeded_model(arch, data.side, o.seed);
    TrainConfig config;
    config.arch = arch;
    config.lr = o.lr;
    config.steps = o.steps;
    config.batch = o.batch;
    config.seed = o.seed;
    const TrainResult trained = train(*model, data, config, "phase " + name(arch));
    std::cerr << "phase " << name(arch) << ": trained " << o.steps << " steps in "
              << trained.seconds << " s, test acc " << trained.test.accuracy << "\n";
    const Evaluation base_test = trained.test;
    // The scan evaluates the training loss on the first eval_train rows only (the direction
    // and ρa always use the whole training set).
    Data scan_data = data;
    const std::int64_t rows = std::min<std::int64_t>(o.eval_train, data.x_train.size(0));
    scan_data.x_train = data.x_train.narrow(0, 0, rows);
    scan_data.y_train = data.y_train.narrow(0, 0, rows);
    const Evaluation base_train = evaluate(*model, scan_data.x_train, scan_data.y_train);
    for (int d = 0; d <= o.random; ++d) {
      const bool gradient = d == 0;
      const Direction v = gradient ? descent_direction(*model, data.x_train, data.y_train)
                                   : random_direction(*model, softcheck::derive_seed(o.seed, 100 + d));
      const double rho = rho_a_along(*model, data.x_train, v);
      std::vector<double> taus;
      for (double r : rs) taus.push_back(r * rho);
      const std::vector<StepPoint> points = scan_steps(*model, scan_data, v, taus);
      for (std::size_t i = 0; i < rs.size(); ++i)
        csv << data.name << ',' << name(arch) << ',' << o.seed << ','
            << (gradient ? "gradient" : "random") << ',' << d << ',' << rs[i] << ',' << taus[i]
            << ',' << rho << ',' << points[i].test.accuracy << ',' << points[i].test.loss << ','
            << points[i].train.accuracy << ',' << points[i].train.loss << ','
            << base_test.accuracy << ',' << base_test.loss << ',' << base_train.loss << '\n';
    }
    csv.flush();
  }
}

}  // namespace

void add_phase_command(CLI::App& app) {
  auto o = std::make_shared<PhaseOptions>();
  CLI::App* sub = app.add_subcommand("phase", "single steps at r = τ/ρa from 0.01 to 100");
  sub->add_option("--data", o->data, "digits or fashion");
  sub->add_option("--archs", o->archs, "architectures, or all")->delimiter(',');
  sub->add_option("--seed", o->seed, "split, initial weights, batches, random directions");
  sub->add_option("--steps", o->steps, "Adam training steps before the scan");
  sub->add_option("--batch", o->batch, "training mini-batch");
  sub->add_option("--lr", o->lr, "Adam learning rate");
  sub->add_option("--points", o->points, "r values, log-spaced");
  sub->add_option("--r-min", o->r_min);
  sub->add_option("--r-max", o->r_max);
  sub->add_option("--random", o->random, "random directions besides the gradient");
  sub->add_option("--eval-train", o->eval_train, "training rows evaluated at each point");
  sub->add_option("--out", o->out, "CSV path");
  sub->callback([o] { run_phase(*o); });
}

}  // namespace controller
