// Running a kernel in a child process with a time limit.
//
// isolate() wraps a KernelFn: each call copies the input to shared memory, has a worker
// process (forked on first use, kept for later calls, re-forked after a failure) run the
// kernel there, and copies the outputs back. A worker that dies by a signal, exits, or runs
// past the time limit (then killed) makes the call throw KernelFailure naming what happened:
//   "killed by signal 11 (SIGSEGV)", "exited with status 3", "timed out after 2000 ms",
//   "threw: <what()>" (a C++ exception escaped the kernel; the worker survives it).
//
// Buffers: the wrapped call reads x (rows * stride elements) and, for cross_entropy,
// target (rows) and copies back out (rows * stride elements, or rows for logsumexp) and,
// for cross_entropy, loss (rows). out is copied in as well, so padding the kernel must not
// touch keeps its bytes, and every output byte (NaN payloads included) comes back unchanged.
// Pointers the op does not use are passed to the kernel as null. An empty array (rows = 0,
// or rows of n = 0 at stride 0) reaches the kernel as a pointer to the first byte of an
// inaccessible page of the worker, so a kernel that touches element 0 of it faults as it does
// in the caller's guarded buffers (checks/zero_size.hpp). A call with out == x (in place)
// reaches the kernel with out == x as well.
//
// Threads: fork() copies only the calling thread. A worker is forked on the first call and
// after each failure, so at those moments the process must have no other thread running
// (one could hold a lock the worker then needs). The gate joins its reference threads
// before it runs the kernels. Calls through one wrapped KernelFn are serialised. A worker
// belongs to the process that forked it: a process forked later from that one (the zero-size
// probe's child) that calls the wrapped KernelFn forks a worker of its own.
//
// Lifetime: the worker is killed and reaped when the last copy of the returned KernelFn is
// destroyed, and it dies with the parent (PR_SET_PDEATHSIG). A worker leaves by _exit, so
// it never runs the parent's atexit handlers or flushes the parent's stdio buffers. A worker
// is not dumpable: a crash writes no core file. Crash-signal handlers are reset to default.
//
// Attention kernels (kernels/attention_kernel.hpp): isolate_attention() does the same for an
// AttentionFn. The worker gets the call's shape, mask, scale and softcap, and Q (lq x d), K
// and V (lk x d), keep (lq x lk bytes) or bias (lq x lk) in the storage format; out (lq x d)
// and lse (lq doubles, when the call has it) are copied in and back. Null pointers stay null.
#pragma once

#include <chrono>

#include "kernels/attention_kernel.hpp"
#include "kernels/kernel.hpp"

namespace softcheck {

struct IsolationOptions {
  std::chrono::milliseconds timeout{10000};  // per call; zero or less: no limit
};

KernelFn isolate(KernelFn kernel, Op op, Format format, IsolationOptions options = {});

// `kernel` with storage format `format`, run in its own worker process as isolate() does.
AttentionFn isolate_attention(AttentionFn kernel, Format format, IsolationOptions options = {});

}  // namespace softcheck
