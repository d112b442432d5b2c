// Zero-size calls: every row kernel called with rows = 0 and with rows of n = 0, in forked
// child processes, with every empty array placed against inaccessible pages.
//
// Two calls per kernel (kZeroSizeShapes): rows = 0 (n = 4), and 3 rows of n = 0 (stride 0).
// Each array the op takes (core/op.hpp) lies in its own slot of a guarded mapping:
//   - an empty array (rows * stride elements, or rows for per-row outputs, equal to 0) points
//     at the first byte of a PROT_NONE page, with a PROT_NONE page before it as well, so a
//     kernel that reads or writes element 0 (x[r * stride] without checking n, out[0] with
//     rows = 0) or the element before faults;
//   - a non-empty array (the per-row outputs out[r] of per_row ops and loss[r] of loss ops,
//     and target[r], all with rows = 3) fills the end of a writable page, right before a
//     PROT_NONE page, so a write past its `rows` elements faults too. Output slots are
//     prefilled with kUnwritten; targets are 0.
// Arrays the op does not take are null (as isolation passes them).
//
// The calls run in forked child processes, never in the caller, so a built-in kernel that
// faults cannot take the caller down - except for a kernel that sets probe_in_process
// (kernels/kernel.hpp: a Python function, which cannot run in a fork of its interpreter and
// never touches the guard pages itself), whose calls are made in the caller, against the same
// guard pages. One child runs many calls in turn and reports each on
// a pipe; a child that dies in a call, or runs past the time limit there (then it is killed
// with SIGKILL), is replaced by a new one for the remaining calls, and each call that failed
// is run once more alone in a child of its own, whose outcome is the one reported. The call's
// outcome:
//   - it returned: its per-row outputs are checked against the reference of an empty row
//     (the special-value table, docs/contracts.md: logsumexp -inf; every loss NaN), as
//     `special` findings, unless the contract sets special_values false;
//   - it threw (a std::exception in the child, or an isolated kernel's "threw: ..."): a clean
//     error, a `crash` finding that passes only when the contract declares empty_error
//     (then `declared`); its outputs are not checked;
//   - it died by a signal (SIGSEGV on a guard page, SIGABRT), exited, or ran past the limit:
//     a `crash` finding that never passes.
//
// Isolated kernels (adapters: libraries, plugins) run from the child through their isolation
// wrapper: the child forks a worker of its own (a worker belongs to the process that forked
// it), and the wrapper hands empty arrays to the worker as guard-page pointers too
// (adapters/isolation.hpp), so the same faults show.
//
// Threads: the caller should have no other threads running while it probes (fork copies only
// the calling thread; a lock held elsewhere stays held in the child, which then hangs until
// the limit). The gate probes before its reference stage starts threads.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "checks/contract.hpp"
#include "checks/element_check.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

// One measured item of a probe: a call (did it complete cleanly?) or one value it wrote.
struct ProbeFinding {
  Check check = Check::crash;   // crash: the call; special: a value of an empty row (zero-size);
                                // in_place: a row of an in-place call (in_place.hpp)
  std::string call;             // "rows=0, n=4", "rows=3, n=0"; "in place"
  std::size_t rows = 0, n = 0;  // the call's shape
  std::size_t row = 0;          // values: the row; calls: 0
  std::size_t element = 0;      // in place: the first differing element; otherwise 0
  std::string output;           // "call", "out" (a per-row output), "loss"
  double got = NAN;             // values: what the kernel wrote; calls: NaN
  double expected = NAN;        // values: the reference (or the out-of-place value); calls: NaN
  double error = 0.0;           // in the check's unit: crash 1 for a failed call (as the gate's
                                // crashes); special +inf; in place: ulps between the two
                                // results at `element` (at least 1, +inf with a NaN or inf)
  double allowed = 0.0;         // the allowance in the same unit (0)
  std::string message;          // "killed by signal 11 (SIGSEGV)", "threw: ...", "timed out
                                // after 2000 ms", "left unwritten", ...; empty for a clean pass
  bool pass = false;
  bool declared = false;  // passes only because the contract declares empty_error
};

// What a probe measured: every item, pass or not (one CheckStats element each).
struct ProbeReport {
  std::size_t calls = 0;  // kernel calls made
  std::vector<ProbeFinding> findings;
  std::size_t violations() const;
};

struct ZeroSizeShape {
  std::size_t rows, n;
};
inline constexpr ZeroSizeShape kZeroSizeShapes[] = {{0, 4}, {3, 0}};
inline constexpr double kUnwritten = 1536.0;  // prefilled into output slots (exact in every format)
inline constexpr std::chrono::milliseconds kDefaultProbeLimit{5000};  // per call

// Calls each kernel at each of kZeroSizeShapes, isolated as above, and measures the outcomes
// under its contract (contracts[i] for kernels[i]: empty_error, special_values); one report
// per kernel, in order. Attention kernels are not row kernels: their reports are empty.
// `limit` bounds each call. Probing all kernels in one call is much cheaper than one at a
// time: fork's cost grows with the caller's memory, and an isolated library kernel pays its
// library's start-up (libtorch: about a second) once per child process.
// Throws std::system_error only when the probe itself cannot run (mmap, pipe or fork failed).
std::vector<ProbeReport> probe_zero_size(const std::vector<const Kernel*>& kernels,
                                         const std::vector<Contract>& contracts,
                                         std::chrono::milliseconds limit = kDefaultProbeLimit);
// One kernel.
ProbeReport probe_zero_size(const Kernel& kernel, const Contract& contract,
                            std::chrono::milliseconds limit = kDefaultProbeLimit);

}  // namespace softcheck
