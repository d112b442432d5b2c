// grokking: modular addition mod p with an MLP, full-batch Adam without weight decay, in one
// of the runs of run_spec.hpp; logs Metrics (metrics.hpp) as CSV every --log-every steps.
// Reproduces the claims of Prieto et al. 2025, "Grokking at the edge of numerical stability":
// see analyses/grokking/README.md. libtorch on the CPU, --threads intra-op threads (default 1).
#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <torch/optim/adam.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>

#include "training/perp_grad.hpp"
#include "metrics.hpp"
#include "mlp.hpp"
#include "modular_data.hpp"
#include "provenance/loaded_blas.hpp"
#include "run_spec.hpp"

namespace {

struct Options {
  std::string run;
  std::int64_t steps = 2000;
  std::uint64_t seed = 1;
  std::int64_t log_every = 50;
  std::string out;
  double lr = 1e-2;
  double beta2 = 0.99;
  double eps = 1e-25;
  double train_fraction = 0.4;
  std::int64_t modulus = 113;
  std::int64_t hidden = 200;
  int threads = 1;
};

std::string join_arguments(int argc, char** argv) {
  std::string line = "grokking";
  for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
  return line;
}

void write_preamble(std::ostream& out, const Options& o, const std::string& command,
                    const grokking::ModularData& data) {
  out << "# command: " << command << "\n"
      << "# commit: " << GROKKING_COMMIT << "\n"
      << "# blas: " << provenance::loaded_blas() << "\n"
      << "# run: " << o.run << "; seed " << o.seed << "; modulus " << o.modulus << "; train "
      << data.train.size() << " / test " << data.test.size() << " pairs; mlp "
      << 2 * o.modulus << "-" << o.hidden << "-" << o.hidden << "-" << o.modulus
      << " relu no bias; full-batch Adam lr " << o.lr << " betas (0.9, " << o.beta2 << ") eps "
      << o.eps << ", no weight decay; " << o.threads << " thread(s)\n";
}

int train(const Options& o, const std::string& command) {
  const grokking::RunSpec& run = grokking::find_run(o.run);
  at::set_num_threads(o.threads);
  torch::manual_seed(o.seed);
  const grokking::ModularData data =
      grokking::make_modular_addition(o.modulus, o.train_fraction, o.seed);
  grokking::Mlp model(o.modulus, o.hidden);
  torch::optim::Adam adam(model.parameters(), torch::optim::AdamOptions(o.lr)
                                                  .betas({0.9, o.beta2})
                                                  .eps(o.eps)
                                                  .weight_decay(0));
  softcheck::training::PerpGrad perp_grad(adam);

  std::ofstream out(o.out.empty() ? "grokking-" + o.run + ".csv" : o.out);
  if (!out) throw std::runtime_error("cannot write " + o.out);
  write_preamble(out, o, command, data);
  write_preamble(std::cerr, o, command, data);
  grokking::write_csv_header(out);

  const auto start = std::chrono::steady_clock::now();
  auto log = [&](std::int64_t step) {
    grokking::Metrics m = grokking::measure(run, model, data);
    m.step = step;
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    grokking::write_csv_row(out, m);
    out.flush();
    grokking::write_csv_row(std::cerr, m);
  };
  log(0);
  for (std::int64_t step = 1; step <= o.steps; ++step) {
    adam.zero_grad();
    grokking::per_sample_loss(run, model.logits(data.train.a, data.train.b), data.train.y)
        .mean()
        .backward();
    if (run.perp_grad) {
      perp_grad.step();
    } else {
      adam.step();
    }
    if (step % o.log_every == 0 || step == o.steps) log(step);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"grokking: modular addition, softmax collapse, StableMax and perpendicular gradients"};
  Options o;
  app.add_option("--run", o.run, "one of: " + grokking::run_names())->required();
  app.add_option("--steps", o.steps, "full-batch training steps")->check(CLI::NonNegativeNumber);
  app.add_option("--seed", o.seed, "seeds the train/test split and the initial weights");
  app.add_option("--log-every", o.log_every, "steps between CSV rows")->check(CLI::PositiveNumber);
  app.add_option("--out", o.out, "CSV file (default grokking-RUN.csv)");
  app.add_option("--lr", o.lr, "Adam learning rate");
  app.add_option("--beta2", o.beta2, "Adam beta2");
  app.add_option("--eps", o.eps, "Adam epsilon");
  app.add_option("--train-fraction", o.train_fraction, "fraction of the p^2 pairs trained on")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--modulus", o.modulus, "p")->check(CLI::PositiveNumber);
  app.add_option("--hidden", o.hidden, "width of both hidden layers")->check(CLI::PositiveNumber);
  app.add_option("--threads", o.threads, "libtorch intra-op threads")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    return train(o, join_arguments(argc, argv));
  } catch (const std::exception& error) {
    std::cerr << "grokking: error: " << error.what() << "\n";
    return 2;
  }
}
