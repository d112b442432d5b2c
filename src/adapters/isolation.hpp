// Running a kernel in a child process with a time limit.
//
// isolate() wraps a KernelFn: each call copies the input to shared memory, has a worker
// process (forked on first use, kept for later calls, re-forked after a failure) run the
// kernel there, and copies the outputs back. A worker that dies by a signal, exits, or runs
// past the time limit (then killed) makes the call throw KernelFailure naming what happened.
#pragma once

#include <chrono>

#include "kernels/kernel.hpp"

namespace softcheck {

struct IsolationOptions {
  std::chrono::milliseconds timeout{10000};  // per call
};

KernelFn isolate(KernelFn kernel, Op op, Format format, IsolationOptions options = {});

}  // namespace softcheck
