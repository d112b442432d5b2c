// libtorch's attention kernels (torch/attention/..., docs/attention-torch.md) and its masked
// softmax row kernel (torch/softmax/.../masked-softmax): the registered (isolated) kernels on
// small cases - no mask, causal with a query offset (through the dense mask), key padding,
// sliding window, additive masks - against a long double model of the head; fully masked rows
// (NaN, as declared); the declared refusals; masked softmax on rows with -inf entries against
// softmax over the finite ones; and isolate_attention itself (outputs come back, null stays
// null, a crash or a throw is a KernelFailure). Without libtorch (SOFTCHECK_HAVE_TORCH unset)
// the program skips (exit 77, support/test_skip.hpp).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/adapters.hpp"
#include "adapters/isolation.hpp"
#include "core/attention.hpp"
#include "core/format.hpp"
#include "kernels/attention_kernel.hpp"
#include "test_seed.hpp"
#include "test_skip.hpp"
#include "test_values.hpp"

#ifndef SOFTCHECK_HAVE_TORCH
SOFTCHECK_SKIP_FILE("libtorch not compiled in (cmake/AdapterTorch.cmake did not find it)");
#endif

using namespace softcheck;

using softcheck::test::kInf;
using softcheck::test::kNaN;

namespace {

#ifdef SOFTCHECK_HAVE_TORCH
const AttentionRegistry& torch_attention() {
  static const AttentionRegistry registry = [] {
    AttentionRegistry r;
    adapters::register_torch_attention_kernels(r);
    return r;
  }();
  return registry;
}

const AttentionKernel& attention_kernel(const std::string& name) {
  const auto found = torch_attention().match(name);
  INFO("torch attention kernel " << name);
  REQUIRE(found.size() == 1);
  return *found.front();
}

const Registry& torch_rows() {
  static const Registry registry = [] {
    Registry r;
    adapters::register_torch_kernels(r);
    return r;
  }();
  return registry;
}

// A case with values k/16, |k| <= 24: exact in every format (bf16 included).
AttentionCase make_case(Format format, std::size_t lq, std::size_t lk, std::size_t d,
                        AttentionMask mask, std::uint64_t salt) {
  std::mt19937_64 rng(softcheck::testing::seed() + salt);
  std::uniform_int_distribution<int> value(-24, 24);
  AttentionCase c;
  c.format = format;
  c.shape = {lq, lk, d};
  c.mask = mask;
  const auto fill = [&](std::vector<double>& values, std::size_t count) {
    values.resize(count);
    for (double& x : values) x = value(rng) / 16.0;
  };
  fill(c.q, lq * d);
  fill(c.k, lk * d);
  fill(c.v, lk * d);
  c.apply_mask();
  validate(c);
  return c;
}

// The head in long double: NaN rows where no key is attended (or only -inf biases).
std::vector<long double> model(const AttentionCase& c) {
  const AttentionShape& s = c.shape;
  std::vector<long double> out(s.lq * s.d, 0.0L);
  for (std::size_t i = 0; i < s.lq; ++i) {
    std::vector<long double> scores(s.lk, -HUGE_VALL);
    long double max = -HUGE_VALL;
    for (std::size_t k = 0; k < s.lk; ++k) {
      if (!c.attended(i, k)) continue;
      long double dot = 0;
      for (std::size_t j = 0; j < s.d; ++j)
        dot += static_cast<long double>(c.q[i * s.d + j]) * c.k[k * s.d + j];
      long double score = static_cast<long double>(c.scale()) * dot;
      if (!c.bias.empty()) score += c.bias[i * s.lk + k];
      scores[k] = score;
      if (score > max) max = score;
    }
    if (max == -HUGE_VALL) {
      for (std::size_t j = 0; j < s.d; ++j) out[i * s.d + j] = std::nanl("");
      continue;
    }
    long double sum = 0;
    for (long double& score : scores) sum += (score = std::exp(score - max));
    for (std::size_t k = 0; k < s.lk; ++k)
      for (std::size_t j = 0; j < s.d; ++j) out[i * s.d + j] += scores[k] / sum * c.v[k * s.d + j];
  }
  return out;
}

// Runs the kernel with out and lse preset to NaN; lse must stay NaN (no LSE declared).
std::vector<double> run(const AttentionKernel& kernel, const AttentionCase& c) {
  AttentionBuffers buffers(c, true);
  buffers.clear_outputs(kNaN);
  kernel.run(buffers.call());
  for (double x : buffers.lse()) CHECK(std::isnan(x));
  return buffers.out();
}

double tolerance(Format format) {
  switch (format) {
    case Format::f64:
      return 1e-12;
    case Format::f32:
      return 1e-5;
    default:
      return 6e-2;  // bf16: Q', S and P are rounded to bf16
  }
}

void check_against_model(const AttentionKernel& kernel, const AttentionCase& c) {
  INFO(kernel.name() << " mask " << name(c.mask.kind) << " offset " << c.mask.query_offset
                     << (c.mask.additive ? " additive" : "") << " lq " << c.shape.lq << " lk "
                     << c.shape.lk << " d " << c.shape.d);
  REQUIRE(kernel.declared.refuses(c).empty());
  const std::vector<double> got = run(kernel, c);
  const std::vector<long double> expected = model(c);
  const double tol = tolerance(c.format);
  for (std::size_t e = 0; e < got.size(); ++e) {
    INFO("element " << e << " got " << got[e] << " expected " << static_cast<double>(expected[e]));
    if (std::isnan(expected[e])) {
      CHECK(std::isnan(got[e]));
      continue;
    }
    CHECK(std::fabs(got[e] - static_cast<double>(expected[e])) <=
          tol * std::max(1.0, std::fabs(static_cast<double>(expected[e]))));
  }
}

AttentionMask mask_of(MaskKind kind, std::int64_t offset = 0) {
  AttentionMask mask;
  mask.kind = kind;
  mask.query_offset = offset;
  return mask;
}

// The mask set every kernel is run on, for lq x lk.
std::vector<AttentionMask> masks(std::size_t lq, std::size_t lk) {
  const auto bottom_right = static_cast<std::int64_t>(lk) - static_cast<std::int64_t>(lq);
  std::vector<AttentionMask> all;
  all.push_back(mask_of(MaskKind::none));
  // query_offset != 0 (bottom-right, or one past the diagonal when lq = lk): passed densely.
  all.push_back(mask_of(MaskKind::causal, bottom_right != 0 ? bottom_right : 1));
  all.push_back(mask_of(MaskKind::causal, 0));
  AttentionMask padding = mask_of(MaskKind::key_padding);
  padding.valid_keys = lk - 2;
  all.push_back(padding);
  AttentionMask window = mask_of(MaskKind::sliding_window, bottom_right);
  window.window = 2;
  all.push_back(window);
  AttentionMask additive = mask_of(MaskKind::causal, bottom_right != 0 ? bottom_right : 1);
  additive.additive = true;  // -inf sentinel
  all.push_back(additive);
  AttentionMask additive_padding = padding;
  additive_padding.additive = true;
  all.push_back(additive_padding);
  return all;
}
#endif

}  // namespace

TEST_CASE("torch attention kernels: names, formats, no LSE, NaN for fully masked rows") {
#ifdef SOFTCHECK_HAVE_TORCH
  AttentionRegistry registry;
  adapters::register_torch_attention_kernels(registry);
  adapters::register_torch_attention_kernels(registry);  // idempotent
  std::set<std::string> names;
  for (const AttentionKernel& kernel : registry.all()) {
    names.insert(kernel.name());
    CHECK(kernel.provider == "torch");
    CHECK_FALSE(kernel.provides_lse);
    CHECK(kernel.declared.masked_row == MaskedRowOutput::nan);
    CHECK(static_cast<bool>(kernel.declared.refuses));
    CHECK(static_cast<bool>(kernel.run));
  }
  CHECK(names.size() == registry.all().size());
  const std::set<std::string> expected = {
      "torch/attention/f64/sdpa-math", "torch/attention/f32/sdpa-math",
      "torch/attention/bf16/sdpa-math", "torch/attention/f64/native-mha",
      "torch/attention/f32/native-mha"};
  CHECK(names == expected);
  CHECK(registry.match("torch/attention/f16/*").empty());
  CHECK(attention_kernel("torch/attention/bf16/sdpa-math").formats.p == PFormat::bf16);
  CHECK(attention_kernel("torch/attention/f32/sdpa-math").formats.accumulation == Format::f32);
#endif
}

TEST_CASE("register_all_kernels fills the attention registry with the torch kernels") {
#ifdef SOFTCHECK_HAVE_TORCH
  Registry rows;
  register_all_kernels(rows);
  CHECK(AttentionRegistry::instance().match("torch/attention/*").size() == 5);
  CHECK(rows.match("torch/softmax/*/masked-softmax").size() == 2);
#endif
}

TEST_CASE("sdpa-math matches the model: every mask kind, query offsets, additive masks") {
#ifdef SOFTCHECK_HAVE_TORCH
  std::uint64_t salt = 0;
  for (Format format : {Format::f64, Format::f32, Format::bf16}) {
    const AttentionKernel& kernel =
        attention_kernel("torch/attention/" + std::string(name(format)) + "/sdpa-math");
    for (auto [lq, lk, d] : {std::array<std::size_t, 3>{3, 5, 4}, {4, 4, 8}, {1, 7, 3}})
      for (const AttentionMask& mask : masks(lq, lk))
        check_against_model(kernel, make_case(format, lq, lk, d, mask, ++salt));
    // A finite sentinel is an ordinary large negative score, added as the math says.
    AttentionMask finite = mask_of(MaskKind::causal, 2);
    finite.additive = true;
    finite.sentinel = -3.0;
    check_against_model(kernel, make_case(format, 3, 5, 4, finite, ++salt));
  }
#endif
}

TEST_CASE("native-mha matches the model on self-attention shapes") {
#ifdef SOFTCHECK_HAVE_TORCH
  std::uint64_t salt = 100;
  for (Format format : {Format::f64, Format::f32}) {
    const AttentionKernel& kernel =
        attention_kernel("torch/attention/" + std::string(name(format)) + "/native-mha");
    for (auto [l, d] : {std::array<std::size_t, 2>{5, 4}, {8, 3}, {1, 6}}) {
      for (AttentionMask mask : masks(l, l)) {
        if (mask.kind == MaskKind::key_padding && l < 3) continue;  // valid_keys = l - 2
        check_against_model(kernel, make_case(format, l, l, d, mask, ++salt));
      }
    }
  }
#endif
}

TEST_CASE("fully masked rows are NaN, the other rows unaffected") {
#ifdef SOFTCHECK_HAVE_TORCH
  // Causal with query_offset -1: row 0 attends to no key.
  for (const AttentionKernel& kernel : torch_attention().all()) {
    if (kernel.formats.storage == Format::bf16) continue;
    for (bool additive : {false, true}) {
      AttentionMask mask = mask_of(MaskKind::causal, -1);
      mask.additive = additive;
      const AttentionCase c = make_case(kernel.formats.storage, 4, 4, 3, mask, 7);
      REQUIRE(c.fully_masked(0));
      check_against_model(kernel, c);  // the model's row 0 is NaN
      const std::vector<double> out = run(kernel, c);
      for (std::size_t j = 0; j < 3; ++j) CHECK(std::isnan(out[j]));
    }
  }
#endif
}

TEST_CASE("declared limits: softcap, Lq != Lk, finite sentinels; any scale is taken") {
#ifdef SOFTCHECK_HAVE_TORCH
  for (const AttentionKernel& kernel : torch_attention().all()) {
    INFO(kernel.name());
    const Format f = kernel.formats.storage;
    const auto& refuses = kernel.declared.refuses;
    AttentionCase c = make_case(f, 4, 4, 4, mask_of(MaskKind::none), 1);
    CHECK(refuses(c).empty());
    c.parameters.scale = default_scale(4);  // the default, given explicitly
    CHECK(refuses(c).empty());

    AttentionCase capped = c;
    capped.parameters.softcap = 30.0;
    CHECK_FALSE(refuses(capped).empty());
    CHECK(refuses(capped).find('\n') == std::string::npos);

    AttentionCase scaled = c;
    scaled.parameters.scale = 0.125;  // passed as Q * (scale * sqrt(d)) before the call
    CHECK(refuses(scaled).empty());
    check_against_model(kernel, scaled);

    const AttentionCase rectangular = make_case(f, 3, 5, 4, mask_of(MaskKind::none), 2);
    AttentionMask finite = mask_of(MaskKind::causal);
    finite.additive = true;
    finite.sentinel = -1e4;
    const AttentionCase sentinel = make_case(f, 4, 4, 4, finite, 3);
    if (kernel.algorithm == "native-mha") {
      CHECK_FALSE(refuses(rectangular).empty());
      CHECK_FALSE(refuses(sentinel).empty());
    } else {
      CHECK(refuses(rectangular).empty());
      CHECK(refuses(sentinel).empty());
    }
  }
#endif
}

TEST_CASE("a refused case run anyway is a KernelFailure from the module, not a wrong result") {
#ifdef SOFTCHECK_HAVE_TORCH
  for (const char* kernel_name :
       {"torch/attention/f32/sdpa-math", "torch/attention/f32/native-mha"}) {
    INFO(kernel_name);
    AttentionCase c = make_case(Format::f32, 4, 4, 4, mask_of(MaskKind::none), 5);
    c.parameters.softcap = 30.0;
    AttentionBuffers buffers(c, false);
    CHECK_THROWS_AS(attention_kernel(kernel_name).run(buffers.call()), KernelFailure);
  }
  AttentionCase c = make_case(Format::f64, 3, 5, 4, mask_of(MaskKind::none), 6);
  AttentionBuffers buffers(c, false);
  CHECK_THROWS_WITH(attention_kernel("torch/attention/f64/native-mha").run(buffers.call()),
                    Catch::Contains("torch:"));
#endif
}

TEST_CASE("masked-softmax: softmax over the finite entries, +0 where -inf, NaN for all -inf") {
#ifdef SOFTCHECK_HAVE_TORCH
  const std::vector<std::vector<double>> rows = {{1, -kInf, 3, 0.5, -2},
                                                 {-kInf, -kInf, -kInf, -kInf, -kInf},
                                                 {2, 2, -kInf, -kInf, 2},
                                                 {-1.5, 0, 2.25, 5, -3},
                                                 {-kInf, 100, 99.5, -kInf, 97}};
  constexpr std::size_t n = 5, stride = 7;
  constexpr double kPadding = -12288.0;
  for (Format f : {Format::f64, Format::f32}) {
    const auto found =
        torch_rows().match("torch/softmax/" + std::string(name(f)) + "/masked-softmax");
    REQUIRE(found.size() == 1);
    const Kernel& kernel = *found.front();
    const std::size_t width = traits(f).storage_bytes;
    std::vector<unsigned char> x(rows.size() * stride * width), out(rows.size() * stride * width);
    for (std::size_t i = 0; i < rows.size() * stride; ++i) {
      store(f, x.data(), i, kPadding);
      store(f, out.data(), i, kPadding);
    }
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (std::size_t i = 0; i < n; ++i) store(f, x.data(), r * stride + i, rows[r][i]);
    kernel.run(KernelCall{x.data(), out.data(), nullptr, nullptr, rows.size(), n, stride});
    const double tol = f == Format::f64 ? 1e-15 : 1e-6;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      long double max = -HUGE_VALL, sum = 0;
      for (double v : rows[r]) max = std::max<long double>(max, v);
      for (double v : rows[r])
        if (v != -kInf) sum += std::exp(static_cast<long double>(v) - max);
      for (std::size_t i = 0; i < n; ++i) {
        const double got = load(f, out.data(), r * stride + i);
        INFO(name(f) << " row " << r << " element " << i << " got " << got);
        if (max == -HUGE_VALL) {
          CHECK(std::isnan(got));  // all -inf: every entry masked, 0 / 0
        } else if (rows[r][i] == -kInf) {
          CHECK(got == 0.0);
          CHECK_FALSE(std::signbit(got));
        } else {
          const long double expected = std::exp(static_cast<long double>(rows[r][i]) - max) / sum;
          CHECK(std::fabs(got - static_cast<double>(expected)) <= tol * expected);
        }
      }
      for (std::size_t i = n; i < stride; ++i)
        CHECK(load(f, out.data(), r * stride + i) == kPadding);
    }
  }
#endif
}

#ifdef SOFTCHECK_HAVE_TORCH
namespace {

// An f64 head of 2 x 3 x 2 for the isolate_attention tests.
AttentionCase small_case(bool additive) {
  AttentionMask mask = mask_of(MaskKind::causal, 1);
  mask.additive = additive;
  return make_case(Format::f64, 2, 3, 2, mask, 9);
}

}  // namespace
#endif

TEST_CASE("isolate_attention: the call arrives whole, out and lse come back, null stays null") {
#ifdef SOFTCHECK_HAVE_TORCH
  const pid_t parent = ::getpid();
  // Writes out = q + (keep or bias)[0] and lse[i] = pid, after checking the call's scalars.
  const AttentionFn echo = [](const AttentionCall& call) {
    if (call.shape.lq != 2 || call.shape.lk != 3 || call.shape.d != 2 || call.scale != 0.5 ||
        call.softcap != 1.5 || call.mask.kind != MaskKind::causal || call.mask.query_offset != 1)
      throw std::runtime_error("call scalars differ");
    if ((call.keep == nullptr) == (call.bias == nullptr))
      throw std::runtime_error("exactly one of keep and bias expected");
    const auto* q = static_cast<const double*>(call.q);
    const auto* k = static_cast<const double*>(call.k);
    const auto* v = static_cast<const double*>(call.v);
    auto* out = static_cast<double*>(call.out);
    const double mark = call.keep ? call.keep[2] : static_cast<const double*>(call.bias)[2];
    for (std::size_t e = 0; e < 4; ++e) out[e] = q[e] + k[e] + v[e + 2] + mark;
    if (call.lse)
      for (std::size_t i = 0; i < 2; ++i) call.lse[i] = static_cast<double>(::getpid());
  };
  const AttentionFn isolated = isolate_attention(echo, Format::f64);
  for (bool additive : {false, true}) {
    for (bool with_lse : {false, true}) {
      AttentionCase c = small_case(additive);
      c.parameters.scale = 0.5;
      c.parameters.softcap = 1.5;
      AttentionBuffers buffers(c, with_lse);
      buffers.clear_outputs(-7.0);
      isolated(buffers.call());
      const std::vector<double> out = buffers.out();
      // keep[2] = keeps(0, 2) = 0 for causal offset 1; bias[2] = -inf when additive.
      const double mark = additive ? -kInf : 0.0;
      for (std::size_t e = 0; e < 4; ++e) CHECK(out[e] == c.q[e] + c.k[e] + c.v[e + 2] + mark);
      if (with_lse)
        for (double x : buffers.lse()) {
          CHECK(x > 0);
          CHECK(x != static_cast<double>(parent));
        }
    }
  }
#endif
}

TEST_CASE("isolate_attention: a throw and a crash are KernelFailures; the worker is replaced") {
#ifdef SOFTCHECK_HAVE_TORCH
  const AttentionFn throwing = isolate_attention(
      [](const AttentionCall&) { throw std::runtime_error("no such head"); }, Format::f64);
  const AttentionCase c = small_case(false);
  AttentionBuffers buffers(c, false);
  CHECK_THROWS_WITH(throwing(buffers.call()), Catch::Contains("threw: no such head"));

  const AttentionFn crashing = isolate_attention(
      [](const AttentionCall& call) {
        if (call.shape.d == 2) std::raise(SIGSEGV);
        static_cast<double*>(call.out)[0] = 1.0;
      },
      Format::f64);
  CHECK_THROWS_WITH(crashing(buffers.call()), Catch::Contains("SIGSEGV"));
  AttentionCase wide = make_case(Format::f64, 1, 1, 3, mask_of(MaskKind::none), 11);
  AttentionBuffers wide_buffers(wide, false);
  crashing(wide_buffers.call());  // a fresh worker
  CHECK(wide_buffers.out()[0] == 1.0);
#endif
}
