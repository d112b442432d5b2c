// What the grokking analysis logs at a step: accuracies, losses, softmax collapse (SC) and
// exactly-zero losses on the training set, and the weight norm. One CSV row per log step.
#pragma once

#include <cstdint>
#include <ostream>

#include "mlp.hpp"
#include "modular_data.hpp"
#include "run_spec.hpp"

namespace grokking {

struct Metrics {
  std::int64_t step = 0;
  double seconds = 0;             // wall time since training started
  double train_acc = 0, test_acc = 0;
  double train_loss = 0, test_loss = 0;  // mean per-sample loss of the run's loss
  double sc_fraction = 0;         // training rows with Σ exp(z − max) == 1 in the loss precision
  double zero_loss_fraction = 0;  // training rows whose per-sample loss is exactly 0
  double weight_norm = 0;
};

Metrics measure(const RunSpec& run, const Mlp& model, const ModularData& data);

void write_csv_header(std::ostream& out);
void write_csv_row(std::ostream& out, const Metrics& m);

}  // namespace grokking
