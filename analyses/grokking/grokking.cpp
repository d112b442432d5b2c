// grokking: modular addition mod p with an MLP, full-batch Adam without weight decay, in one
// of the runs of run_spec.hpp; logs Metrics (metrics.hpp) as CSV every --log-every steps.
// With --checkpoint FILE the run saves its state (checkpoint.hpp) every --checkpoint-every
// steps and at the end, and a run started with an existing FILE resumes from it, on any
// machine, with the same options (--steps may grow: a finished run goes on to the new count).
// The CSV is rewritten whole at each log step; until the last step its header says
// "# stopped at step N of M".
// Reproduces the claims of Prieto et al. 2025, "Grokking at the edge of numerical stability":
// see analyses/grokking/README.md. libtorch on the CPU, --threads intra-op threads (default 1).
#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <torch/optim/adam.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "training/perp_grad.hpp"
#include "checkpoint.hpp"
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
  std::string checkpoint;              // resumable state, saved and resumed from when set
  std::int64_t checkpoint_every = 1000;
};

// Every option that shapes the training, so a checkpoint resumes only the same run.
std::string run_key(const Options& o) {
  std::ostringstream key;
  key.precision(17);
  key << "run " << o.run << "; seed " << o.seed << "; log-every " << o.log_every << "; lr "
      << o.lr << "; beta2 " << o.beta2 << "; eps " << o.eps << "; train-fraction "
      << o.train_fraction << "; modulus " << o.modulus << "; hidden " << o.hidden << "; threads "
      << o.threads;
  return key.str();
}

// The CSV file, whole: the comments, the progress line and the rows (written to a temporary
// file renamed over `path`, so a killed run leaves the last complete version).
void write_csv_file(const std::string& path, const std::string& comments, std::int64_t step,
                    std::int64_t steps, const std::string& rows) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    if (!out) throw std::runtime_error("cannot write " + temporary);
    out << comments;
    if (step < steps) out << "# stopped at step " << step << " of " << steps << "\n";
    grokking::write_csv_header(out);
    out << rows;
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

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
  const std::string path = o.out.empty() ? "grokking-" + o.run + ".csv" : o.out;

  // The comments and rows so far: a resumed run's from its checkpoint, and a line naming the
  // command and commit that took it on.
  grokking::Checkpoint state;
  state.key = run_key(o);
  std::string comments, rows;
  if (const auto resumed = o.checkpoint.empty() ? std::nullopt
                               : grokking::load_checkpoint(o.checkpoint, state.key, model, adam)) {
    state = *resumed;
    if (state.step > o.steps)
      throw std::runtime_error("the checkpoint " + o.checkpoint + " is at step " +
                               std::to_string(state.step) + ", past --steps " +
                               std::to_string(o.steps));
    const std::size_t header = state.csv.find("\nstep,");
    comments = state.csv.substr(0, header + 1);
    rows = state.csv.substr(state.csv.find('\n', header + 1) + 1);
    if (state.step < o.steps)
      comments += "# resumed at step " + std::to_string(state.step) + ": " + command +
                  " (commit " + GROKKING_COMMIT + ")\n";
    std::cerr << "grokking: resumed " << o.checkpoint << " at step " << state.step << "\n";
  } else {
    std::ostringstream preamble;
    write_preamble(preamble, o, command, data);
    comments = preamble.str();
    std::cerr << comments;
  }
  const auto save = [&](std::int64_t step) {
    if (o.checkpoint.empty()) return;
    std::ostringstream csv;
    csv << comments;
    grokking::write_csv_header(csv);
    csv << rows;
    state.step = step;
    state.csv = csv.str();
    grokking::save_checkpoint(o.checkpoint, state, model, adam);
  };

  const auto start = std::chrono::steady_clock::now();
  const double seconds_before = state.seconds;
  const auto elapsed = [&] {
    return seconds_before +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto log = [&](std::int64_t step) {
    grokking::Metrics m = grokking::measure(run, model, data);
    m.step = step;
    m.seconds = elapsed();
    std::ostringstream row;
    grokking::write_csv_row(row, m);
    rows += row.str();
    write_csv_file(path, comments, step, o.steps, rows);
    std::cerr << row.str();
  };
  const std::int64_t first = state.step;
  if (first == 0) log(0);
  else write_csv_file(path, comments, first, o.steps, rows);
  for (std::int64_t step = first + 1; step <= o.steps; ++step) {
    adam.zero_grad();
    grokking::per_sample_loss(run, model.logits(data.train.a, data.train.b, run.f16_emulated),
                              data.train.y)
        .mean()
        .backward();
    if (run.perp_grad) {
      perp_grad.step();
    } else {
      adam.step();
    }
    if (step % o.log_every == 0 || step == o.steps) log(step);
    if (step % o.checkpoint_every == 0 || step == o.steps) {
      state.seconds = elapsed();
      save(step);
    }
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
  app.add_option("--checkpoint", o.checkpoint,
                 "state file: resumed from when it exists, saved every --checkpoint-every steps "
                 "and at the end");
  app.add_option("--checkpoint-every", o.checkpoint_every, "steps between checkpoints")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    return train(o, join_arguments(argc, argv));
  } catch (const std::exception& error) {
    std::cerr << "grokking: error: " << error.what() << "\n";
    return 2;
  }
}
