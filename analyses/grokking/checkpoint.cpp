#include "checkpoint.hpp"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace grokking {
namespace {

std::string weight_key(std::size_t i) { return "model/w" + std::to_string(i + 1); }

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& state, const Mlp& model,
                     const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  archive.write("key", c10::IValue(state.key));
  archive.write("step", c10::IValue(state.step));
  archive.write("seconds", c10::IValue(state.seconds));
  archive.write("csv", c10::IValue(state.csv));
  const std::vector<at::Tensor> weights = model.parameters();
  for (std::size_t i = 0; i < weights.size(); ++i) archive.write(weight_key(i), weights[i]);
  torch::serialize::OutputArchive adam;
  optimizer.save(adam);
  archive.write("optimizer", adam);
  const std::string temporary = path + ".tmp";
  archive.save_to(temporary);
  std::filesystem::rename(temporary, path);
}

std::optional<Checkpoint> load_checkpoint(const std::string& path, const std::string& key,
                                          Mlp& model, torch::optim::Optimizer& optimizer) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& error) {
    throw std::runtime_error("cannot read the checkpoint " + path + ": " + error.what_without_backtrace());
  }
  c10::IValue value;
  archive.read("key", value);
  Checkpoint state;
  state.key = value.toStringRef();
  if (state.key != key)
    throw std::runtime_error("the checkpoint " + path + " is of another run (" + state.key +
                             "; this one: " + key + ")");
  archive.read("step", value);
  state.step = value.toInt();
  archive.read("seconds", value);
  state.seconds = value.toDouble();
  archive.read("csv", value);
  state.csv = value.toStringRef();
  std::vector<at::Tensor> weights = model.parameters();
  for (std::size_t i = 0; i < weights.size(); ++i) archive.read(weight_key(i), weights[i]);
  torch::serialize::InputArchive adam;
  archive.read("optimizer", adam);
  optimizer.load(adam);
  return state;
}

}  // namespace grokking
