// The zero-size probe (checks/zero_size.hpp) and the in-place probe (checks/in_place.hpp).
// Every built-in row kernel survives rows = 0 and rows of n = 0 and writes the special-value
// table's empty-row values; local kernels with planted bugs - one that reads x[0] without
// checking n, one that writes past its per-row outputs, one that throws, one that hangs, one
// that leaves logsumexp unwritten - are each reported, and the test process survives them.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "checks/in_place.hpp"
#include "checks/zero_size.hpp"
#include "core/families.hpp"
#include "gate_test_support.hpp"
#include "kernels/kernel_buffers.hpp"

using namespace softcheck;
using namespace std::chrono_literals;

namespace {

constexpr auto kLimit = 2000ms;  // per call; generous for loaded CI machines

Kernel local_kernel(Op op, std::string algorithm, KernelFn run) {
  return Kernel{op, Format::f32, std::move(algorithm), "test", std::move(run), {}};
}

// Correct for every shape: nothing per element; logsumexp -inf per empty row.
void correct_logsumexp(const KernelCall& call) {
  auto* out = static_cast<float*>(call.out);
  const auto* x = static_cast<const float*>(call.x);
  for (std::size_t r = 0; r < call.rows; ++r) {
    float m = -INFINITY;
    for (std::size_t i = 0; i < call.n; ++i) m = std::fmax(m, x[r * call.stride + i]);
    double s = 0.0;
    for (std::size_t i = 0; i < call.n; ++i) s += std::exp(x[r * call.stride + i] - m);
    out[r] = call.n == 0 ? -INFINITY : static_cast<float>(m + std::log(s));
  }
}

// The planted bug: the row's first logit is read before the loop that checks n.
void reads_first_logit(const KernelCall& call) {
  const auto* x = static_cast<const volatile float*>(call.x);
  auto* out = static_cast<float*>(call.out);
  for (std::size_t r = 0; r < call.rows; ++r) {
    float m = x[r * call.stride];
    for (std::size_t i = 1; i < call.n; ++i) m = std::fmax(m, x[r * call.stride + i]);
    for (std::size_t i = 0; i < call.n; ++i) out[r * call.stride + i] = m;
  }
}

std::size_t failures(const ProbeReport& report, Check check) {
  std::size_t count = 0;
  for (const ProbeFinding& f : report.findings) count += !f.pass && f.check == check;
  return count;
}

const ProbeFinding* first_failure(const ProbeReport& report) {
  for (const ProbeFinding& f : report.findings)
    if (!f.pass) return &f;
  return nullptr;
}

std::string describe(const ProbeReport& report) {
  std::string text;
  for (const ProbeFinding& f : report.findings)
    if (!f.pass)
      text += std::string(name(f.check)) + " " + f.call + " " + f.output + " row " +
              std::to_string(f.row) + ": " + f.message + "; ";
  return text;
}

}  // namespace

TEST_CASE("every built-in row kernel passes the zero-size probes") {
  Registry& registry = Registry::instance();
  register_builtin_kernels(registry);
  const ContractSet contracts = ContractSet::builtin();
  std::vector<const Kernel*> kernels;
  std::vector<Contract> resolved;
  for (const Kernel& kernel : registry.all()) {
    kernels.push_back(&kernel);
    resolved.push_back(contracts.resolve(kernel.name()));
  }
  std::size_t probed = 0, with_values = 0;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<ProbeReport> reports = probe_zero_size(kernels, resolved, kLimit);
  REQUIRE(reports.size() == kernels.size());
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    const Kernel& kernel = *kernels[k];
    const ProbeReport& report = reports[k];
    INFO(kernel.name() << ": " << describe(report));
    CHECK(report.calls == std::size(kZeroSizeShapes));
    CHECK(report.violations() == 0);
    for (const ProbeFinding& f : report.findings) {
      CHECK_FALSE(f.declared);
      if (f.output != "call") {
        ++with_values;
        CHECK(f.check == Check::special);
      }
    }
    ++probed;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN(probed << " built-in kernels probed in " << seconds << " s");
  CHECK(probed > 100);
  CHECK(with_values > 0);  // logsumexp and the losses wrote values that were checked
}

TEST_CASE("the empty-row values are the special-value table's") {
  const ContractSet contracts = ContractSet::builtin();
  for (const char* glob : {"builtin/logsumexp/f32/two-pass", "builtin/cross_entropy/bf16/online",
                           "builtin/stablemax_cross_entropy/f64/two-pass"}) {
    const Kernel& kernel = testing::builtin_kernel(glob);
    const ProbeReport report = probe_zero_size(kernel, contracts.resolve(kernel.name()), kLimit);
    INFO(glob);
    std::size_t values = 0;
    for (const ProbeFinding& f : report.findings) {
      if (f.output == "call") continue;
      ++values;
      CHECK(f.call == "rows=3, n=0");
      CHECK(f.pass);
      if (kernel.op == Op::logsumexp) {
        CHECK(f.output == "out");
        CHECK(f.expected == -INFINITY);
        CHECK(f.got == -INFINITY);
      } else {
        CHECK(f.output == "loss");
        CHECK(std::isnan(f.expected));
        CHECK(std::isnan(f.got));
      }
    }
    CHECK(values == 3);  // one per row
  }
}

TEST_CASE("a kernel that reads a row's first logit without checking n crashes, reported") {
  const Kernel kernel = local_kernel(Op::softmax, "reads-x0", reads_first_logit);
  const ProbeReport report = probe_zero_size(kernel, Contract{}, kLimit);  // we survive it
  REQUIRE(report.calls == 2);
  CHECK(failures(report, Check::crash) == 1);
  const ProbeFinding* crash = first_failure(report);
  REQUIRE(crash != nullptr);
  CHECK(crash->call == "rows=3, n=0");
  CHECK(crash->output == "call");
  CHECK(crash->message == "killed by signal 11 (SIGSEGV)");
  SECTION("empty_error does not excuse a crash") {
    Contract lenient;
    lenient.empty_error = true;
    CHECK(probe_zero_size(kernel, lenient, kLimit).violations() == 1);
  }
}

TEST_CASE("writing past the per-row outputs, or to an empty output, faults") {
  SECTION("logsumexp writes rows + 1 values") {
    const Kernel kernel = local_kernel(Op::logsumexp, "overrun", [](const KernelCall& call) {
      correct_logsumexp(call);
      if (call.rows > 0) static_cast<volatile float*>(call.out)[call.rows] = 0.0f;
    });
    const ProbeReport report = probe_zero_size(kernel, Contract{}, kLimit);
    CHECK(failures(report, Check::crash) == 1);
    REQUIRE(first_failure(report) != nullptr);
    CHECK(first_failure(report)->call == "rows=3, n=0");
  }
  SECTION("logsumexp writes out[0] with rows = 0") {
    const Kernel kernel = local_kernel(Op::logsumexp, "rows0-write", [](const KernelCall& call) {
      static_cast<volatile float*>(call.out)[0] = -INFINITY;
      correct_logsumexp(call);
    });
    const ProbeReport report = probe_zero_size(kernel, Contract{}, kLimit);
    CHECK(failures(report, Check::crash) == 1);
    REQUIRE(first_failure(report) != nullptr);
    CHECK(first_failure(report)->call == "rows=0, n=4");
  }
}

TEST_CASE("an empty row's value left unwritten or wrong is a special violation") {
  const Kernel silent = local_kernel(Op::logsumexp, "silent", [](const KernelCall& call) {
    if (call.n > 0) correct_logsumexp(call);
  });
  const ProbeReport report = probe_zero_size(silent, Contract{}, kLimit);
  CHECK(failures(report, Check::crash) == 0);
  CHECK(failures(report, Check::special) == 3);
  REQUIRE(first_failure(report) != nullptr);
  CHECK(first_failure(report)->message == "left unwritten");
  CHECK(first_failure(report)->got == kUnwritten);

  const Kernel zero = local_kernel(Op::logsumexp, "zero", [](const KernelCall& call) {
    for (std::size_t r = 0; r < call.rows; ++r) static_cast<float*>(call.out)[r] = 0.0f;
  });
  const ProbeReport wrong = probe_zero_size(zero, Contract{}, kLimit);
  CHECK(failures(wrong, Check::special) == 3);
  Contract no_specials;
  no_specials.special_values = false;  // the table is not enforced: nothing to check
  CHECK(probe_zero_size(zero, no_specials, kLimit).violations() == 0);
}

TEST_CASE("a clean error is a violation unless the contract declares empty_error") {
  const Kernel kernel = local_kernel(Op::softmax, "refuses-empty", [](const KernelCall& call) {
    if (call.rows == 0 || call.n == 0) throw std::invalid_argument("empty tensor");
  });
  const ProbeReport strict = probe_zero_size(kernel, Contract{}, kLimit);
  CHECK(failures(strict, Check::crash) == 2);
  REQUIRE(first_failure(strict) != nullptr);
  CHECK(first_failure(strict)->message == "threw: empty tensor");

  Contract declared;
  declared.empty_error = true;
  const ProbeReport accepted = probe_zero_size(kernel, declared, kLimit);
  CHECK(accepted.violations() == 0);
  REQUIRE(accepted.findings.size() == 2);
  for (const ProbeFinding& f : accepted.findings) {
    CHECK(f.pass);
    CHECK(f.declared);
    CHECK(f.message == "threw: empty tensor");
  }
}

TEST_CASE("a kernel that hangs on an empty call is killed at the limit") {
  const Kernel kernel = local_kernel(Op::softmax, "hangs", [](const KernelCall& call) {
    if (call.n == 0)
      for (;;) std::this_thread::sleep_for(1s);
  });
  const auto start = std::chrono::steady_clock::now();
  const ProbeReport report = probe_zero_size(kernel, Contract{}, 200ms);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(failures(report, Check::crash) == 1);
  REQUIRE(first_failure(report) != nullptr);
  CHECK(first_failure(report)->message == "timed out after 200 ms");
  CHECK(first_failure(report)->call == "rows=3, n=0");
}

TEST_CASE("a kernel that aborts or exits is a crash with what happened") {
  const Kernel aborts = local_kernel(Op::softmax, "aborts", [](const KernelCall& call) {
    if (call.rows == 0) std::abort();
  });
  const ProbeReport aborted = probe_zero_size(aborts, Contract{}, kLimit);
  REQUIRE(first_failure(aborted) != nullptr);
  CHECK(first_failure(aborted)->message == "killed by signal 6 (SIGABRT)");
  CHECK(first_failure(aborted)->call == "rows=0, n=4");

  const Kernel exits = local_kernel(Op::softmax, "exits", [](const KernelCall& call) {
    if (call.n == 0) std::_Exit(3);
  });
  const ProbeReport exited = probe_zero_size(exits, Contract{}, kLimit);
  REQUIRE(first_failure(exited) != nullptr);
  CHECK(first_failure(exited)->message == "exited with status 3");
}

TEST_CASE("in place: a kernel that reads inputs it overwrote differs, a correct one does not") {
  const Batch batch = find_family("normal-s3")->generate(Format::f32, Suite::quick, 7).front();
  Contract contract;
  contract.in_place = true;

  const Kernel& builtin = testing::builtin_kernel("builtin/softmax/f32/two-pass");
  const ProbeReport same = probe_in_place(builtin, contract, batch);
  CHECK(same.calls == 2);
  CHECK(same.findings.size() == batch.rows);
  CHECK(same.violations() == 0);

  // out[i] = x[i] - x[0]: in place, x[0] is 0 once out[0] is written.
  const Kernel shifts = local_kernel(Op::softmax, "shift-by-first", [](const KernelCall& call) {
    for (std::size_t r = 0; r < call.rows; ++r) {
      const float* x = static_cast<const float*>(call.x) + r * call.stride;
      float* out = static_cast<float*>(call.out) + r * call.stride;
      for (std::size_t i = 0; i < call.n; ++i) out[i] = x[i] - x[0];
    }
  });
  const ProbeReport differs = probe_in_place(shifts, contract, batch);
  CHECK(failures(differs, Check::in_place) == batch.rows);
  REQUIRE(first_failure(differs) != nullptr);
  CHECK(first_failure(differs)->element == 1);
  CHECK(first_failure(differs)->got != first_failure(differs)->expected);

  KernelBuffers gate_call(shifts.op, batch, batch.n + 3);  // as the gate has it
  shifts.run(gate_call.call);
  const ProbeReport reused = probe_in_place(shifts, contract, batch, gate_call.out);
  CHECK(reused.calls == 1);
  CHECK(failures(reused, Check::in_place) == batch.rows);
  CHECK(probe_in_place(builtin, contract, batch, gate_call.out).violations() == batch.rows);

  CHECK(probe_in_place(shifts, Contract{}, batch).findings.empty());  // not declared: no probe
  const Kernel& lse = testing::builtin_kernel("builtin/logsumexp/f32/two-pass");
  CHECK(probe_in_place(lse, contract, batch).findings.empty());  // no per-element output
}

TEST_CASE("probing many kernels at once: each failure is its own kernel's, confirmed alone") {
  static bool poisoned = false;  // in a child: set by one kernel, fatal to the next
  const Kernel good = local_kernel(Op::logsumexp, "good", correct_logsumexp);
  const Kernel reads = local_kernel(Op::softmax, "reads-x0", reads_first_logit);
  const Kernel hangs = local_kernel(Op::softmax, "hangs", [](const KernelCall& call) {
    if (call.rows == 0)
      for (;;) std::this_thread::sleep_for(1s);
  });
  const Kernel poisons =
      local_kernel(Op::softmax, "poisons", [](const KernelCall&) { poisoned = true; });
  const Kernel victim = local_kernel(Op::softmax, "victim", [](const KernelCall&) {
    if (poisoned) std::abort();  // only after `poisons` ran in the same process
  });
  const std::vector<const Kernel*> kernels{&good, &reads, &hangs, &poisons, &victim, &good};
  const std::vector<Contract> contracts(kernels.size());
  const std::vector<ProbeReport> reports = probe_zero_size(kernels, contracts, 300ms);
  REQUIRE(reports.size() == kernels.size());
  for (const ProbeReport& report : reports) CHECK(report.calls == 2);
  CHECK(reports[0].violations() == 0);
  CHECK(reports[1].violations() == 1);
  REQUIRE(first_failure(reports[1]) != nullptr);
  CHECK(first_failure(reports[1])->message == "killed by signal 11 (SIGSEGV)");
  CHECK(reports[2].violations() == 1);
  REQUIRE(first_failure(reports[2]) != nullptr);
  CHECK(first_failure(reports[2])->message == "timed out after 300 ms");
  CHECK(first_failure(reports[2])->call == "rows=0, n=4");
  CHECK(reports[3].violations() == 0);
  CHECK(reports[4].violations() == 0);  // crashed after `poisons`, passes alone
  CHECK(reports[5].violations() == 0);
  CHECK_FALSE(poisoned);  // nothing ran here
}
