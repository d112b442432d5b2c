#include "metrics.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cstdio>
#include <string>

namespace grokking {
namespace {

double accuracy(const at::Tensor& logits, const at::Tensor& y) {
  return (logits.argmax(1) == y).to(at::kDouble).mean().item<double>();
}

double mean_of(const at::Tensor& t) { return t.to(at::kDouble).mean().item<double>(); }

}  // namespace

Metrics measure(const RunSpec& run, const Mlp& model, const ModularData& data) {
  c10::NoGradGuard no_grad;
  Metrics m;
  const at::Tensor train_logits = model.logits(data.train.a, data.train.b, run.f16_emulated);
  const at::Tensor test_logits = model.logits(data.test.a, data.test.b, run.f16_emulated);
  const at::Tensor train_loss = per_sample_loss(run, train_logits, data.train.y);
  m.train_acc = accuracy(train_logits, data.train.y);
  m.test_acc = accuracy(test_logits, data.test.y);
  m.train_loss = mean_of(train_loss);
  m.test_loss = mean_of(per_sample_loss(run, test_logits, data.test.y));
  m.sc_fraction = softmax_collapse_fraction(run, train_logits);
  m.zero_loss_fraction = mean_of(train_loss == 0);
  m.weight_norm = model.weight_norm();
  return m;
}

void write_csv_header(std::ostream& out) {
  out << "step,seconds,train_acc,test_acc,train_loss,test_loss,sc_fraction,zero_loss_fraction,"
         "weight_norm\n";
}

void write_csv_row(std::ostream& out, const Metrics& m) {
  char line[512];
  std::snprintf(line, sizeof line, "%lld,%.2f,%.6f,%.6f,%.9g,%.9g,%.6f,%.6f,%.6g\n",
                static_cast<long long>(m.step), m.seconds, m.train_acc, m.test_acc, m.train_loss,
                m.test_loss, m.sc_fraction, m.zero_loss_fraction, m.weight_norm);
  out << line;
}

}  // namespace grokking
