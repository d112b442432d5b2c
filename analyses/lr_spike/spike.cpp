// controller_study spike: learning-rate spikes (analyses/lr_spike, analyses/spike_clipping).
// For every architecture x base lr x seed x method, trains with the optimizer's learning rate
// multiplied by --factor for --spike-length steps from --spike-step (0: to the end; --factor 1
// is the no-spike baseline), and records every step (loss, τ = ‖p‖, ρa along p, r, the scale
// applied, test accuracy every --eval-every steps) and the final accuracies. Methods: plain
// (the optimizer alone), clip (‖g‖ ≤ --clip first), controller (p̃ = min(1, ρa/‖p‖) p),
// rho_set (p̃ = r ρa p/‖p‖), norm_cap (p̃ = min(1, cap/‖p‖) p with a fixed cap: --cap, or by
// default the median ρa of the controller's run of the same data, architecture, lr and seed,
// which --methods must then list before norm_cap). plain and clip still measure ρa along their
// steps (it changes nothing they do). --loss softcheck trains with softcheck's fused
// cross-entropy kernel instead of libtorch's.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>

#include "common/csv.hpp"
#include "common/training.hpp"
#include "subcommands.hpp"

namespace controller {
namespace {

struct SpikeOptions {
  std::string data = "digits";
  std::vector<std::string> archs{"mlp"};
  std::vector<double> lrs{1e-4, 1e-3, 1e-2};
  std::vector<std::string> methods{"plain", "controller"};
  std::string optimizer = "adam", loss = "torch",
              kernel = softcheck::training::kDefaultCrossEntropyKernel;
  int seeds = 5, steps = 200, spike_step = 50, spike_length = 1, batch = 128, eval_every = 10;
  std::uint64_t first_seed = 1;
  double factor = 1000, clip = 1.0, r_set = 1.0;
  double cap = 0;  // norm_cap's cap; 0: the controller's median ρa
  bool full = false;
  std::string out_steps = "spike_steps.csv", out_final = "spike_final.csv";
};

// The median of the finite ρa the controller measured over a run: norm_cap's default cap.
double median_rho_a(const TrainResult& controller) {
  std::vector<double> values;
  for (const StepLog& s : controller.log)
    if (std::isfinite(s.rho_a)) values.push_back(s.rho_a);
  if (values.empty()) throw std::runtime_error("norm_cap: the controller measured no finite rho_a");
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

// norm_cap's default cap comes from the controller's run, which must come first.
void check_norm_cap(const SpikeOptions& o) {
  const auto at = [&](const std::string& m) {
    return std::find(o.methods.begin(), o.methods.end(), m) - o.methods.begin();
  };
  if (at("norm_cap") < static_cast<long>(o.methods.size()) && !(o.cap > 0) &&
      at("controller") > at("norm_cap"))
    throw std::invalid_argument(
        "norm_cap without --cap takes the controller's median rho_a: list controller before "
        "norm_cap in --methods");
}

void run_spike(const SpikeOptions& o) {
  for (const std::string& method : o.methods) parse_method(method);  // unknown names: exit 2
  check_norm_cap(o);
  std::ofstream steps = open_csv(o.out_steps), finals = open_csv(o.out_final);
  steps << "data,arch,base_lr,seed,method,step,lr,loss,tau,rho_a,r,scale,applied,test_acc\n";
  finals << "data,arch,base_lr,seed,method,factor,test_acc,train_acc,test_loss,"
            "pre_spike_test_acc,seconds,control_seconds,steps,spike_length,cap\n";
  for (std::uint64_t seed = o.first_seed; seed < o.first_seed + static_cast<std::uint64_t>(o.seeds); ++seed) {
    const Data data = to_tensors(load_named(o.data, seed));
    for (Arch arch : parse_archs(o.archs)) {
      for (double lr : o.lrs) {
        double controller_median = kNaN;  // of this (data, arch, lr, seed)'s controller run
        for (const std::string& method_name : o.methods) {
          TrainConfig c;
          c.arch = arch;
          c.optimizer = parse_optimizer(o.optimizer);
          c.method = parse_method(method_name);
          c.lr = lr;
          c.steps = o.steps;
          c.batch = o.batch;
          c.seed = seed;
          c.spike_step = o.spike_step;
          c.spike_factor = o.factor;
          c.spike_length = o.spike_length;
          c.clip_norm = o.clip;
          c.r_set = o.r_set;
          if (c.method == Method::norm_cap) c.cap = o.cap > 0 ? o.cap : controller_median;
          c.sample_full = o.full;
          c.measure = true;
          c.loss = parse_loss(o.loss);
          c.kernel = o.kernel;
          c.eval_every = o.eval_every;
          auto model = seeded_model(arch, data.side, seed);
          const TrainResult result = train(*model, data, c);
          if (c.method == Method::controller) controller_median = median_rho_a(result);
          double pre_spike = kNaN;
          for (const StepLog& s : result.log) {
            if (s.step < o.spike_step && !std::isnan(s.test_acc)) pre_spike = s.test_acc;
            steps << data.name << ',' << name(arch) << ',' << lr << ',' << seed << ','
                  << method_name << ',' << s.step << ',' << s.lr << ',' << s.loss << ',' << s.tau
                  << ',' << s.rho_a << ',' << s.r << ',' << s.scale << ',' << s.applied << ','
                  << s.test_acc << '\n';
          }
          finals << data.name << ',' << name(arch) << ',' << lr << ',' << seed << ','
                 << method_name << ',' << o.factor << ',' << result.test.accuracy << ','
                 << result.train.accuracy << ',' << result.test.loss << ',' << pre_spike << ','
                 << result.seconds << ',' << result.control_seconds << ',' << o.steps << ','
                 << o.spike_length << ',' << (c.method == Method::norm_cap ? c.cap : kNaN) << '\n';
          finals.flush();
          std::cerr << "spike " << data.name << ' ' << name(arch) << " lr " << lr << " seed "
                    << seed << ' ' << method_name << ": test acc " << result.test.accuracy
                    << " (" << result.seconds << " s)\n";
        }
      }
    }
  }
}

}  // namespace

void add_spike_command(CLI::App& app) {
  auto o = std::make_shared<SpikeOptions>();
  CLI::App* sub = app.add_subcommand("spike", "training through a learning-rate spike");
  sub->add_option("--data", o->data, "digits or fashion");
  sub->add_option("--archs", o->archs, "architectures, or all")->delimiter(',');
  sub->add_option("--lrs", o->lrs, "base learning rates")->delimiter(',');
  sub->add_option("--methods", o->methods, "plain, clip, controller, rho_set, norm_cap")
      ->delimiter(',');
  sub->add_option("--optimizer", o->optimizer, "sgd, momentum or adam");
  sub->add_option("--loss", o->loss, "cross-entropy kernel: torch (libtorch) or softcheck");
  sub->add_option("--kernel", o->kernel, "softcheck: the registry kernel's name");
  sub->add_option("--seeds", o->seeds, "seeds first-seed .. first-seed + seeds - 1");
  sub->add_option("--first-seed", o->first_seed);
  sub->add_option("--steps", o->steps);
  sub->add_option("--spike-step", o->spike_step, "0-based step whose lr is multiplied");
  sub->add_option("--factor", o->factor, "spike factor (1: no spike, the baseline)");
  sub->add_option("--spike-length", o->spike_length,
                  "steps the spike lasts from --spike-step (0: to the end of training)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--cap", o->cap,
                  "norm_cap: the longest update (default: the controller's median rho_a)");
  sub->add_option("--batch", o->batch, "mini-batch (0: full batch)");
  sub->add_option("--eval-every", o->eval_every, "test accuracy every so many steps");
  sub->add_option("--clip", o->clip, "clip: max gradient norm");
  sub->add_option("--r-set", o->r_set, "rho_set: the normalised step");
  sub->add_flag("--full-sample", o->full, "controller samples the full training set");
  sub->add_option("--out-steps", o->out_steps);
  sub->add_option("--out-final", o->out_final);
  sub->callback([o] { run_spike(*o); });
}

}  // namespace controller
