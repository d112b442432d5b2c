// isolate(): outputs come back byte for byte; a kernel that crashes, aborts, exits, throws or
// hangs becomes a KernelFailure naming what happened, within the time limit; the worker is
// reused, replaced after a failure, reaped with the KernelFn, and dies with its parent.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "adapters/isolation.hpp"
#include "test_seed.hpp"

using namespace softcheck;
using namespace std::chrono_literals;

namespace {

constexpr auto kShortTimeout = 300ms;  // for the hanging kernel
constexpr auto kSlack = 2000ms;        // scheduling noise allowed on top of a time limit
constexpr std::size_t kPadding = 3;

// An f64 batch of rows x n at stride n + kPadding, with room for every op's outputs.
struct Buffers {
  std::size_t rows, n, stride;
  std::vector<double> x, out, loss;
  std::vector<std::int64_t> target;
  Buffers(std::size_t rows_, std::size_t n_)
      : rows(rows_),
        n(n_),
        stride(n_ + kPadding),
        x(rows * stride, 0.5),
        out(rows * stride, -7.0),
        loss(rows, -7.0),
        target(rows, 0) {}
  KernelCall call() { return {x.data(), out.data(), loss.data(), target.data(), rows, n, stride}; }
};

// Writes the worker's process id into out[0] (f64 softmax layout).
void write_pid(const KernelCall& call) {
  static_cast<double*>(call.out)[0] = static_cast<double>(::getpid());
}

double pid_of_worker(const KernelFn& fn) {
  Buffers b(1, 1);
  fn(b.call());
  return b.out[0];
}

std::string failure_of(const KernelFn& fn) {
  Buffers b(1, 4);
  try {
    fn(b.call());
  } catch (const KernelFailure& failure) {
    return failure.what();
  }
  return "no failure";
}

// A real SIGSEGV, also under the asan preset: UBSan would stop a null store with its own report
// before the fault, so it is not instrumented here.
__attribute__((no_sanitize("undefined"))) void segfault(const KernelCall&) {
  static int* volatile nowhere = nullptr;
  *nowhere = 1;
}

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

}  // namespace

TEST_CASE("outputs come back byte for byte, NaN payloads and untouched padding included") {
  std::mt19937_64 rng(softcheck::testing::seed());
  for (Op op : all_ops()) {
    if (!row_kernels(op.spec().outputs)) continue;  // attention kernels: not row calls
    INFO(name(op));
    // Copies the input's bytes (random, NaN payloads included) to every output element
    // the op has, through the raw byte layout, and leaves the padding alone.
    const KernelFn copy = [op](const KernelCall& call) {
      const auto* x = static_cast<const std::uint64_t*>(call.x);
      auto* out = static_cast<std::uint64_t*>(call.out);
      for (std::size_t r = 0; r < call.rows; ++r) {
        if (has_row_output(op)) {
          out[r] = x[r * call.stride];
          continue;
        }
        for (std::size_t i = 0; i < call.n; ++i) out[r * call.stride + i] = ~x[r * call.stride + i];
        if (has_loss(op))
          static_cast<std::uint64_t*>(call.loss)[r] = x[r * call.stride] ^ call.target[r];
      }
    };
    const KernelFn isolated = isolate(copy, op, Format::f64);
    Buffers direct(17, 33), through(17, 33);
    std::vector<std::uint64_t> bits(direct.x.size());
    for (auto& b : bits) b = rng() | 0x7FF0000000000000ull;  // NaNs and infinities, all payloads
    std::memcpy(direct.x.data(), bits.data(), bits.size() * 8);
    std::memcpy(through.x.data(), bits.data(), bits.size() * 8);
    for (std::size_t r = 0; r < direct.rows; ++r) direct.target[r] = through.target[r] = r % 33;
    copy(direct.call());
    isolated(through.call());
    CHECK(std::memcmp(direct.out.data(), through.out.data(), direct.out.size() * 8) == 0);
    CHECK(std::memcmp(direct.loss.data(), through.loss.data(), direct.loss.size() * 8) == 0);
  }
}

TEST_CASE("a batch larger than any before grows the shared region") {
  const KernelFn negate = [](const KernelCall& call) {
    const auto* x = static_cast<const float*>(call.x);
    auto* out = static_cast<float*>(call.out);
    for (std::size_t r = 0; r < call.rows; ++r)
      for (std::size_t i = 0; i < call.n; ++i) out[r * call.stride + i] = -x[r * call.stride + i];
  };
  const KernelFn isolated = isolate(negate, Op::softmax, Format::f32);
  for (std::size_t n :
       {std::size_t{5}, std::size_t{1} << 20, std::size_t{7}, std::size_t{3} << 20}) {
    INFO("n = " << n);
    std::vector<float> x(n), out(n, 0.0f);
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i);
    isolated({x.data(), out.data(), nullptr, nullptr, 1, n, n});
    CHECK(out[n - 1] == -static_cast<float>(n - 1));
    CHECK(out[n / 2] == -static_cast<float>(n / 2));
  }
}

TEST_CASE("a crashing, aborting or exiting kernel is a KernelFailure naming how it ended") {
  CHECK(failure_of(isolate(segfault, Op::softmax, Format::f64)) == "killed by signal 11 (SIGSEGV)");
  CHECK(failure_of(isolate([](const KernelCall&) { std::abort(); }, Op::softmax, Format::f64)) ==
        "killed by signal 6 (SIGABRT)");
  CHECK(failure_of(isolate([](const KernelCall&) { ::_exit(3); }, Op::softmax, Format::f64)) ==
        "exited with status 3");
}

TEST_CASE("a kernel that throws is a KernelFailure, and its worker lives on") {
  const KernelFn fn = isolate(
      [](const KernelCall& call) {
        write_pid(call);
        if (static_cast<const double*>(call.x)[0] < 0.0) throw std::runtime_error("negative logit");
      },
      Op::softmax, Format::f64);
  const double pid = pid_of_worker(fn);
  Buffers b(1, 1);
  b.x[0] = -1.0;
  CHECK_THROWS_WITH(fn(b.call()), "threw: negative logit");
  CHECK(pid_of_worker(fn) == pid);
}

TEST_CASE("a hanging kernel is killed at the time limit, and the next call gets a new worker") {
  const KernelFn fn = isolate(
      [](const KernelCall& call) {
        write_pid(call);
        if (static_cast<const double*>(call.x)[0] > 1.0)
          for (volatile bool spin = true; spin;) {
          }
      },
      Op::softmax, Format::f64, {kShortTimeout});
  const double before = pid_of_worker(fn);
  Buffers b(1, 1);
  b.x[0] = 2.0;
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(fn(b.call()), "timed out after 300 ms");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= kShortTimeout);
  CHECK(took < kShortTimeout + kSlack);
  CHECK_FALSE(process_exists(static_cast<pid_t>(before)));  // killed and reaped
  const double after = pid_of_worker(fn);
  CHECK(after != before);
}

TEST_CASE("the worker is forked once and reused, and forked again after a crash") {
  const KernelFn fn = isolate(
      [](const KernelCall& call) {
        write_pid(call);
        if (static_cast<const double*>(call.x)[0] < 0.0) segfault(call);
      },
      Op::softmax, Format::f64);
  const double first = pid_of_worker(fn);
  CHECK(first != static_cast<double>(::getpid()));
  for (int i = 0; i < 10; ++i) CHECK(pid_of_worker(fn) == first);

  Buffers crash(1, 1);
  crash.x[0] = -1.0;
  CHECK_THROWS_WITH(fn(crash.call()), "killed by signal 11 (SIGSEGV)");
  CHECK(crash.out[0] == -7.0);  // a failed call leaves the outputs alone
  const double second = pid_of_worker(fn);
  CHECK(second != first);
  CHECK(pid_of_worker(fn) == second);
}

TEST_CASE("the worker is reaped when the last copy of the KernelFn goes") {
  pid_t pid;
  {
    KernelFn fn = isolate(write_pid, Op::softmax, Format::f64);
    const KernelFn copy = fn;
    pid = static_cast<pid_t>(pid_of_worker(fn));
    fn = nullptr;
    CHECK(process_exists(pid));  // `copy` still holds it
    CHECK(static_cast<pid_t>(pid_of_worker(copy)) == pid);
  }
  CHECK_FALSE(process_exists(pid));  // neither running nor a zombie
}

TEST_CASE("the worker dies with its parent") {
  int channel[2];
  REQUIRE(::pipe(channel) == 0);
  const pid_t parent = ::fork();
  REQUIRE(parent >= 0);
  if (parent == 0) {  // a parent that starts a worker and dies without cleaning up
    const KernelFn fn = isolate(write_pid, Op::softmax, Format::f64);
    const pid_t worker = static_cast<pid_t>(pid_of_worker(fn));
    (void)!::write(channel[1], &worker, sizeof worker);
    ::_exit(0);
  }
  ::close(channel[1]);
  pid_t worker = 0;
  REQUIRE(::read(channel[0], &worker, sizeof worker) == sizeof worker);
  ::close(channel[0]);
  ::waitpid(parent, nullptr, 0);
  const auto give_up = std::chrono::steady_clock::now() + kSlack;
  while (process_exists(worker) && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(10ms);
  CHECK_FALSE(process_exists(worker));
}

TEST_CASE("isolation overhead per call", "[.][benchmark]") {
  constexpr int kCalls = 20000;
  const KernelFn scale = [](const KernelCall& call) {
    const auto* x = static_cast<const float*>(call.x);
    auto* out = static_cast<float*>(call.out);
    for (std::size_t r = 0; r < call.rows; ++r)
      for (std::size_t i = 0; i < call.n; ++i)
        out[r * call.stride + i] = 0.5f * x[r * call.stride + i];
  };
  const KernelFn isolated = isolate(scale, Op::softmax, Format::f32);
  for (auto [rows, n] : {std::pair<std::size_t, std::size_t>{1, 64}, {16, 1000}}) {
    const std::size_t stride = n + kPadding;
    std::vector<float> x(rows * stride, 1.0f), out(rows * stride);
    const KernelCall call{x.data(), out.data(), nullptr, nullptr, rows, n, stride};
    const auto time = [&](const KernelFn& fn) {
      fn(call);  // fork outside the measurement
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < kCalls; ++i) fn(call);
      return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                 .count() /
             kCalls;
    };
    const double direct = time(scale), through = time(isolated);
    WARN("rows " << rows << ", n " << n << " (f32): direct " << direct << " us, isolated "
                 << through << " us, overhead " << through - direct << " us per call");
  }
}
