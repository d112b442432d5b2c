// A grokking run's resumable state in one libtorch archive: the step reached, the training
// seconds so far, the model's weights, the optimizer's state (Adam's moments and step count)
// and the CSV text written up to that step, under a key of every option that shapes the
// training. Full-batch training draws no random numbers after the initial weights, so a run
// resumed from a checkpoint continues bit for bit as the uninterrupted run would
// (analyses/grokking/smoke_test.py checks it).
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <optional>
#include <string>

#include "mlp.hpp"

namespace grokking {

struct Checkpoint {
  std::string key;         // the options that must match to resume
  std::int64_t step = 0;   // training steps done
  double seconds = 0;      // training wall time so far, over every process of the run
  std::string csv;         // the CSV's comments and rows up to `step`
};

// Writes `path` whole or not at all (a temporary file renamed over it).
void save_checkpoint(const std::string& path, const Checkpoint& state, const Mlp& model,
                     const torch::optim::Optimizer& optimizer);

// Nothing when `path` does not exist; otherwise loads the weights into `model` and the state
// into `optimizer` (built over model.parameters()) and returns the rest. Throws
// std::runtime_error for an unreadable file or one whose key differs from `key`.
std::optional<Checkpoint> load_checkpoint(const std::string& path, const std::string& key,
                                          Mlp& model, torch::optim::Optimizer& optimizer);

}  // namespace grokking
