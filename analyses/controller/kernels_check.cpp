// controller_study kernels: libtorch's cross-entropy against softcheck's fused kernel
// (src/training/softcheck_cross_entropy.hpp) in the same controlled training runs, and the
// fast ρa against the certified exact radius on sampled steps (README.md here).
// For every seed x architecture x loss kernel: train with the controller (or --method),
// log every step's loss and the test accuracy, and every --crosscheck-every steps certify
// the exact Taylor radius of the sample set's rows (the --crosscheck-rows with the largest
// spread of a; 0: all) with Arb and check that the fast batch ρa is not above any of them.
// controller_study overhead (also here): the same run timed without and with the controller.
#include <iostream>

#include "common/csv.hpp"
#include "common/training.hpp"
#include "subcommands.hpp"

namespace controller {
namespace {

struct KernelsOptions {
  std::string data = "digits", method = "controller", kernel = softcheck::training::kDefaultCrossEntropyKernel;
  std::vector<std::string> archs{"all"};
  int seeds = 3, steps = 200, batch = 128, eval_every = 20, crosscheck_every = 20,
      crosscheck_rows = 0;
  std::uint64_t first_seed = 1;
  double lr = 1e-3;
  bool full = false;
  std::string out_steps = "kernels_steps.csv", out_checks = "kernels_checks.csv",
              out_final = "kernels_final.csv";
};

void run_kernels(const KernelsOptions& o) {
  std::ofstream steps = open_csv(o.out_steps), checks = open_csv(o.out_checks),
                finals = open_csv(o.out_final);
  steps << "data,arch,seed,loss_kernel,step,loss,tau,rho_a,test_acc\n";
  checks << "data,arch,seed,loss_kernel,step,rho_a_fast,exact_lo_min,exact_hi_min,rows,"
            "certified,ok\n";
  finals << "data,arch,seed,loss_kernel,test_acc,train_acc,test_loss,seconds\n";
  for (std::uint64_t seed = o.first_seed; seed < o.first_seed + static_cast<std::uint64_t>(o.seeds); ++seed) {
    const Data data = to_tensors(load_named(o.data, seed));
    for (Arch arch : parse_archs(o.archs)) {
      for (const std::string loss : {"torch", "softcheck"}) {
        TrainConfig c;
        c.arch = arch;
        c.method = parse_method(o.method);
        c.measure = true;
        c.lr = o.lr;
        c.steps = o.steps;
        c.batch = o.batch;
        c.seed = seed;
        c.sample_full = o.full;
        c.loss = parse_loss(loss);
        c.kernel = o.kernel;
        c.eval_every = o.eval_every;
        c.crosscheck_every = o.crosscheck_every;
        c.crosscheck_rows = o.crosscheck_rows;
        auto model = seeded_model(arch, data.side, seed);
        const TrainResult result = train(*model, data, c);
        for (const StepLog& s : result.log)
          steps << data.name << ',' << name(arch) << ',' << seed << ',' << loss << ',' << s.step
                << ',' << s.loss << ',' << s.tau << ',' << s.rho_a << ',' << s.test_acc << '\n';
        std::size_t violations = 0;
        for (const CrossCheck& k : result.checks) {
          violations += k.ok ? 0 : 1;
          checks << data.name << ',' << name(arch) << ',' << seed << ',' << loss << ',' << k.step
                 << ',' << k.rho_a_fast << ',' << k.exact_lo_min << ',' << k.exact_hi_min << ','
                 << k.rows << ',' << k.certified << ',' << (k.ok ? 1 : 0) << '\n';
        }
        finals << data.name << ',' << name(arch) << ',' << seed << ',' << loss << ','
               << result.test.accuracy << ',' << result.train.accuracy << ',' << result.test.loss
               << ',' << result.seconds << '\n';
        finals.flush();
        std::cerr << "kernels " << name(arch) << " seed " << seed << ' ' << loss << ": test acc "
                  << result.test.accuracy << ", " << result.checks.size() << " cross-checks, "
                  << violations << " violations (" << result.seconds << " s)\n";
      }
    }
  }
}

struct OverheadOptions {
  std::string data = "digits";
  std::vector<std::string> archs{"all"};
  int steps = 100, repeats = 3, batch = 128;
  std::uint64_t seed = 1;
  bool full = false;
  std::string out = "overhead.csv";
};

// The same training run (seed, batches, lr) without and with the controller, alternated.
void run_overhead(const OverheadOptions& o) {
  std::ofstream csv = open_csv(o.out);
  csv << "data,arch,sample,repeat,method,ms_per_step,control_ms_per_step\n";
  const Data data = to_tensors(load_named(o.data, o.seed));
  for (Arch arch : parse_archs(o.archs)) {
    for (int repeat = 0; repeat < o.repeats; ++repeat) {
      for (Method method : {Method::plain, Method::controller}) {
        TrainConfig c;
        c.arch = arch;
        c.method = method;
        c.steps = o.steps;
        c.batch = o.batch;
        c.seed = o.seed;
        c.sample_full = o.full;
        auto model = seeded_model(arch, data.side, o.seed);
        const TrainResult result = train(*model, data, c);
        const double per_step = 1e3 * result.seconds / o.steps;
        csv << data.name << ',' << name(arch) << ',' << (o.full ? "full" : "batch") << ','
            << repeat << ',' << name(method) << ',' << per_step << ','
            << 1e3 * result.control_seconds / o.steps << '\n';
        std::cerr << "overhead " << name(arch) << ' ' << name(method) << ": " << per_step
                  << " ms/step\n";
      }
    }
  }
}

}  // namespace

void add_kernels_command(CLI::App& app) {
  auto o = std::make_shared<KernelsOptions>();
  CLI::App* sub = app.add_subcommand("kernels", "libtorch CE vs softcheck CE; fast vs exact radius");
  sub->add_option("--data", o->data, "digits or fashion");
  sub->add_option("--archs", o->archs, "architectures, or all")->delimiter(',');
  sub->add_option("--method", o->method, "plain, clip, controller, rho_set");
  sub->add_option("--kernel", o->kernel, "softcheck registry kernel name");
  sub->add_option("--seeds", o->seeds);
  sub->add_option("--first-seed", o->first_seed);
  sub->add_option("--steps", o->steps);
  sub->add_option("--batch", o->batch);
  sub->add_option("--lr", o->lr);
  sub->add_option("--eval-every", o->eval_every);
  sub->add_option("--crosscheck-every", o->crosscheck_every);
  sub->add_option("--crosscheck-rows", o->crosscheck_rows, "rows certified (0: all)");
  sub->add_flag("--full-sample", o->full, "controller samples the full training set");
  sub->add_option("--out-steps", o->out_steps);
  sub->add_option("--out-checks", o->out_checks);
  sub->add_option("--out-final", o->out_final);
  sub->callback([o] { run_kernels(*o); });

  auto h = std::make_shared<OverheadOptions>();
  CLI::App* timing = app.add_subcommand("overhead", "time per step without and with the controller");
  timing->add_option("--data", h->data, "digits or fashion");
  timing->add_option("--archs", h->archs, "architectures, or all")->delimiter(',');
  timing->add_option("--steps", h->steps);
  timing->add_option("--repeats", h->repeats);
  timing->add_option("--batch", h->batch);
  timing->add_option("--seed", h->seed);
  timing->add_flag("--full-sample", h->full, "controller samples the full training set");
  timing->add_option("--out", h->out);
  timing->callback([h] { run_overhead(*h); });
}

}  // namespace controller
