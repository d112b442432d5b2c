// The zero-size probe (zero_size.hpp).
//
// One child process runs the calls one after another and reports each on a pipe: a begin
// record ("B", the call's index) before the kernel runs, an end record ("E": how it ended, its
// message, the per-row values it wrote) after. The parent reads them with the time limit
// running from each begin record. When the child dies or overruns during a call, that call
// failed: the parent kills and reaps the child, starts a new one at the next call, and at the
// end runs each failed call again alone in a child of its own, whose outcome is the one
// reported (so a failure is never blamed on state an earlier kernel left in the shared child).
// One child for many kernels keeps the cost of fork (which grows with the parent's memory)
// and of a library's start-up in an isolated kernel's worker (libtorch: about a second, paid
// once per child) off each kernel.
#include "checks/zero_size.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/process_exit.hpp"
#include "reference/op_reference.hpp"

namespace softcheck {
namespace {

using Clock = std::chrono::steady_clock;

// Signals whose default action ends the process with a core: a handler the caller installed
// (Catch2's, a crash reporter) must not run in the child.
constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
constexpr std::size_t kMessageBytes = 400;  // of a call's message, on the pipe
constexpr std::size_t kMaxValues = 8;       // per-row values of one call (out and loss, 3 rows)
constexpr int kOrphanExit = 125;            // the child found its parent gone
constexpr auto kDeathPoll = std::chrono::milliseconds(2);  // without a pidfd

[[noreturn]] void fail_system(const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string("zero-size probe: ") + what);
}

std::size_t page_bytes() {
  static const std::size_t bytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return bytes;
}

// Slots of one data page followed by one guard page, after a leading guard page.
class GuardedArena {
 public:
  static constexpr std::size_t kSlots = 4 + kInputKinds;  // x, out, loss, target, inputs

  GuardedArena() : bytes_((1 + 2 * kSlots) * page_bytes()) {
    void* base = ::mmap(nullptr, bytes_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) fail_system("mmap");
    base_ = static_cast<std::byte*>(base);
  }
  GuardedArena(const GuardedArena&) = delete;
  GuardedArena& operator=(const GuardedArena&) = delete;
  ~GuardedArena() { ::munmap(base_, bytes_); }

  // `bytes` (at most a page) ending right before the slot's guard page; for 0 bytes the
  // guard page's first byte, with the slot's data page left inaccessible as well.
  std::byte* place(std::size_t slot, std::size_t bytes) {
    std::byte* data_page = base_ + (1 + 2 * slot) * page_bytes();
    std::byte* guard = data_page + page_bytes();
    if (bytes == 0) return guard;
    if (bytes > page_bytes()) throw std::logic_error("zero-size probe: slot larger than a page");
    if (::mprotect(data_page, page_bytes(), PROT_READ | PROT_WRITE) != 0) fail_system("mprotect");
    return guard - bytes;
  }

 private:
  std::size_t bytes_;
  std::byte* base_ = nullptr;
};

// One call of the probe: a kernel at a shape.
struct Task {
  const Kernel* kernel;
  ZeroSizeShape shape;
};

enum class Outcome : char { returned = 'R', threw = 'T', failed = 'F' };

struct TaskResult {
  Outcome outcome = Outcome::failed;
  std::string message;
  std::vector<double> values;  // returned: out[r] (per-row ops), then loss[r] (loss ops)
};

// --- the child ---------------------------------------------------------------------------------

struct RecordHead {
  char kind;  // 'B' before the call, 'E' after it
  Outcome outcome;
  std::uint16_t message_bytes;
  std::uint16_t values;
  std::uint32_t task;
};

void write_all(int fd, const char* p, std::size_t left) {
  while (left > 0) {  // a record is below PIPE_BUF: one write, unless interrupted
    const ssize_t wrote = ::write(fd, p, left);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) ::_exit(kOrphanExit);  // the parent is gone
    p += wrote, left -= static_cast<std::size_t>(wrote);
  }
}

void write_record(int fd, char kind, std::uint32_t task, Outcome outcome,
                  std::string_view message = {}, const std::vector<double>& values = {}) {
  char record[sizeof(RecordHead) + kMessageBytes + kMaxValues * sizeof(double)];
  const RecordHead head{kind, outcome,
                        static_cast<std::uint16_t>(std::min(message.size(), kMessageBytes)),
                        static_cast<std::uint16_t>(std::min(values.size(), kMaxValues)), task};
  std::memcpy(record, &head, sizeof head);
  // Empty message or values: nothing to copy (their data() may be null, which memcpy forbids).
  if (head.message_bytes > 0) std::memcpy(record + sizeof head, message.data(), head.message_bytes);
  if (head.values > 0)
    std::memcpy(record + sizeof head + head.message_bytes, values.data(),
                head.values * sizeof(double));
  write_all(fd, record, sizeof head + head.message_bytes + head.values * sizeof(double));
}

// Makes one call against guard pages; how it ended.
TaskResult call_task(const Task& task) {
  const Kernel& kernel = *task.kernel;
  const OpSpec& spec = kernel.op.spec();
  const std::size_t width = traits(kernel.format).storage_bytes;
  const std::size_t rows = task.shape.rows, stride = task.shape.n;  // stride 0 with n = 0
  const std::size_t elements = rows * stride;
  const bool row_output = spec.outputs == Outputs::per_row;

  GuardedArena arena;
  KernelCall call;
  call.rows = rows, call.n = task.shape.n, call.stride = stride;
  call.x = arena.place(0, elements * width);
  std::byte* out = arena.place(1, (row_output ? rows : elements) * width);
  call.out = out;
  std::byte* loss = spec.has_loss() ? arena.place(2, rows * width) : nullptr;
  call.loss = loss;
  if (spec.takes(Input::target))
    call.target =
        reinterpret_cast<const std::int64_t*>(arena.place(3, rows * sizeof(std::int64_t)));
  for (Input input : spec.inputs)
    if (per_element(input) && input != Input::logits) {
      const auto i = static_cast<std::size_t>(input);
      call.inputs[i] = arena.place(4 + i, elements * width);
    }
  std::vector<std::byte*> written;  // per-row outputs, prefilled to tell "left unwritten"
  if (row_output) written.push_back(out);
  if (loss) written.push_back(loss);
  for (std::byte* base : written)
    for (std::size_t r = 0; r < rows; ++r) store(kernel.format, base, r, kUnwritten);

  try {
    kernel.run(call);
  } catch (const KernelFailure& failure) {
    // An isolated kernel: "threw: ..." is its clean error; anything else (a signal, an exit,
    // its own time limit) is a failure of its worker.
    const std::string what = failure.what();
    return {what.starts_with("threw: ") ? Outcome::threw : Outcome::failed, what, {}};
  } catch (const std::exception& error) {
    return {Outcome::threw, std::string("threw: ") + error.what(), {}};
  } catch (...) {
    return {Outcome::threw, "threw: a non-standard exception", {}};
  }
  TaskResult result{Outcome::returned, {}, {}};
  for (std::byte* base : written)
    for (std::size_t r = 0; r < rows; ++r) result.values.push_back(load(kernel.format, base, r));
  return result;
}

// In a child: reports the call's begin (so that a death names it) and its end on `fd`.
void run_task(const Task& task, std::uint32_t index, int fd) {
  write_record(fd, 'B', index, Outcome::failed);
  const TaskResult result = call_task(task);
  write_record(fd, 'E', index, result.outcome, result.message, result.values);
}

// The child: runs tasks [first, last) and leaves without running the parent's atexit
// handlers or flushing its stdio.
[[noreturn]] void child_main(const std::vector<Task>& tasks, std::size_t first, std::size_t last,
                             int fd, pid_t parent) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(kOrphanExit);
  ::prctl(PR_SET_DUMPABLE, 0);  // a fault on a guard page writes no core file
  for (int signal : kCrashSignals) ::signal(signal, SIG_DFL);
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
  for (std::size_t t = first; t < last; ++t) run_task(tasks[t], static_cast<std::uint32_t>(t), fd);
  ::_exit(0);
}

// --- the parent --------------------------------------------------------------------------------

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// A forked child running tasks [first, last), and the parent's end of its pipe.
class Child {
 public:
  Child(const std::vector<Task>& tasks, std::size_t first, std::size_t last) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) fail_system("pipe");
    UniqueFd write_end(ends[1]);
    read_end_.reset(ends[0]);
    const pid_t parent = ::getpid();
    std::fflush(nullptr);  // nothing buffered is written twice
    pid_ = ::fork();
    if (pid_ < 0) fail_system("fork");
    if (pid_ == 0) {
      read_end_.reset();
      child_main(tasks, first, last, write_end.get(), parent);
    }
    // Readable when the child ends (Linux 5.3); without it, waitpid is polled.
    pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    ::fcntl(read_end_.get(), F_SETFL, O_NONBLOCK);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) kill_and_reap();
  }

  // Waits until the pipe has data, the child has ended, or the deadline; appends what the
  // pipe holds to `buffer`. Returns the child's wait status once it has ended.
  std::optional<int> wait(Clock::time_point deadline, std::string& buffer) {
    for (;;) {
      const bool got_data = drain(buffer);
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        drain(buffer);  // written before it ended; a worker it forked may hold the write end
        return status;
      }
      if (done < 0 && errno != EINTR) fail_system("waitpid");
      if (got_data || Clock::now() >= deadline) return std::nullopt;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (pidfd_.get() < 0) left = std::min<std::chrono::milliseconds>(left, kDeathPoll);
      pollfd watch[2] = {{read_end_.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
      if (::poll(watch, pidfd_.get() >= 0 ? 2 : 1,
                 static_cast<int>(std::max<long long>(left.count(), 0))) < 0 &&
          errno != EINTR)
        fail_system("poll");
    }
  }

  void kill_and_reap() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

 private:
  bool drain(std::string& buffer) {
    bool any = false;
    char chunk[4096];
    for (;;) {
      const ssize_t got = ::read(read_end_.get(), chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return any;
      buffer.append(chunk, static_cast<std::size_t>(got));
      any = true;
    }
  }

  pid_t pid_ = -1;
  UniqueFd read_end_, pidfd_;
};

// Parses the complete records at the front of `buffer` (removing them) into `on_record`.
template <class OnRecord>
void parse_records(std::string& buffer, OnRecord&& on_record) {
  std::size_t at = 0;
  while (buffer.size() - at >= sizeof(RecordHead)) {
    RecordHead head;
    std::memcpy(&head, buffer.data() + at, sizeof head);
    const std::size_t bytes = sizeof head + head.message_bytes + head.values * sizeof(double);
    if (buffer.size() - at < bytes) break;
    TaskResult result{head.outcome, buffer.substr(at + sizeof head, head.message_bytes), {}};
    result.values.resize(head.values);
    if (head.values > 0)  // an empty vector's data() may be null, which memcpy forbids
      std::memcpy(result.values.data(), buffer.data() + at + sizeof head + head.message_bytes,
                  head.values * sizeof(double));
    on_record(head.kind, head.task, std::move(result));
    at += bytes;
  }
  buffer.erase(0, at);
}

// Runs tasks [first, last) in one child; returns the index after the last task it finished
// (its result stored), having stored a failure for the task it died or overran in.
std::size_t run_some(const std::vector<Task>& tasks, std::size_t first, std::size_t last,
                     std::chrono::milliseconds limit, std::vector<TaskResult>& results) {
  Child child(tasks, first, last);
  std::string buffer;
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t running = kNone;           // begun, not ended
  std::size_t next = first;              // the first task without a result
  auto deadline = Clock::now() + limit;  // for the first begin record, then per call
  for (;;) {
    const std::optional<int> ended = child.wait(deadline, buffer);
    parse_records(buffer, [&](char kind, std::size_t task, TaskResult result) {
      if (kind == 'B') {
        running = task;
        deadline = Clock::now() + limit;
      } else {
        results[task] = std::move(result);
        running = kNone;
        next = task + 1;
        deadline = Clock::now() + limit;  // for the next begin record
      }
    });
    if (next == last) return last;  // the child exits by itself
    const std::size_t culprit = running != kNone ? running : next;
    if (ended) {
      results[culprit] = {Outcome::failed, describe_exit(*ended), {}};
      return culprit + 1;
    }
    if (Clock::now() >= deadline) {
      child.kill_and_reap();
      results[culprit] = {
          Outcome::failed, "timed out after " + std::to_string(limit.count()) + " ms", {}};
      return culprit + 1;
    }
  }
}

// Runs tasks in shared children, then each failure again alone.
std::vector<TaskResult> run_in_children(const std::vector<Task>& tasks,
                                        std::chrono::milliseconds limit) {
  std::vector<TaskResult> results(tasks.size());
  std::vector<std::size_t> failed;
  for (std::size_t next = 0; next < tasks.size();) {
    const std::size_t first = next;
    next = run_some(tasks, first, tasks.size(), limit, results);
    for (std::size_t t = first; t < next; ++t)
      if (results[t].outcome == Outcome::failed) failed.push_back(t);
  }
  if (tasks.size() > 1)
    for (std::size_t t : failed) run_some(tasks, t, t + 1, limit, results);
  return results;
}

// Runs every task: those of kernels probed in process here, the others in children.
std::vector<TaskResult> run_tasks(const std::vector<Task>& tasks, std::chrono::milliseconds limit) {
  std::vector<TaskResult> results(tasks.size());
  std::vector<Task> forked;
  std::vector<std::size_t> forked_index;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    if (tasks[t].kernel->probe_in_process) {
      results[t] = call_task(tasks[t]);
    } else {
      forked.push_back(tasks[t]);
      forked_index.push_back(t);
    }
  }
  std::vector<TaskResult> forked_results = run_in_children(forked, limit);
  for (std::size_t i = 0; i < forked.size(); ++i) results[forked_index[i]] = std::move(forked_results[i]);
  return results;
}

std::string shape_label(const ZeroSizeShape& shape) {
  return "rows=" + std::to_string(shape.rows) + ", n=" + std::to_string(shape.n);
}

// The reference of an empty row for `kernel` (its per-row output or loss), if the op's
// reference defines one.
std::optional<reference::Exact> empty_row_value(const Kernel& kernel) {
  try {
    reference::RowInputs inputs;  // every span empty, target 0
    return reference::evaluate_op_row(kernel.op, inputs, kernel.format, kernel.parameters).value;
  } catch (const std::exception&) {
    return std::nullopt;  // no reference, or none for n = 0: nothing to check
  }
}

// The findings of one call.
void measure_call(const Task& task, const TaskResult& result, const Contract& contract,
                  ProbeReport& report) {
  const Kernel& kernel = *task.kernel;
  const std::string call = shape_label(task.shape);
  const std::size_t rows = task.shape.rows, n = task.shape.n;
  ProbeFinding finding;
  finding.check = Check::crash;
  finding.call = call;
  finding.rows = rows;
  finding.n = n;
  finding.output = "call";
  finding.message = result.message;
  if (result.outcome == Outcome::returned) {
    finding.pass = true;
  } else if (result.outcome == Outcome::threw && contract.empty_error) {
    finding.pass = finding.declared = true;
  } else {
    finding.error = 1.0;
  }
  ++report.calls;
  report.findings.push_back(std::move(finding));
  if (result.outcome != Outcome::returned || result.values.empty()) return;

  const std::optional<reference::Exact> expected = empty_row_value(kernel);
  if (!expected || (!contract.special_values && !std::isfinite(expected->rounded))) return;
  const ElementContext context = row_output_context(row_facts({}), 0);
  const bool row_output = kernel.op.spec().outputs == Outputs::per_row;
  for (std::size_t v = 0; v < result.values.size(); ++v) {
    const double got = result.values[v];
    const Measurement m = measure_element(got, *expected, kernel.format, contract, context);
    std::string message;
    if (!m.pass) message = got == kUnwritten ? "left unwritten" : "wrong value for an empty row";
    const bool loss = !row_output || v >= rows;
    ProbeFinding& f = report.findings.emplace_back();
    f.check = m.check;
    f.call = call;
    f.rows = rows;
    f.n = n;
    f.row = v % rows;
    f.output = loss ? "loss" : "out";
    f.got = got;
    f.expected = expected->rounded;
    f.error = m.error;
    f.allowed = m.allowed;
    f.message = std::move(message);
    f.pass = m.pass;
  }
}

}  // namespace

std::size_t ProbeReport::violations() const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                [](const ProbeFinding& f) { return !f.pass; }));
}

std::vector<ProbeReport> probe_zero_size(const std::vector<const Kernel*>& kernels,
                                         const std::vector<Contract>& contracts,
                                         std::chrono::milliseconds limit) {
  if (contracts.size() != kernels.size())
    throw std::invalid_argument("zero-size probe: one contract per kernel");
  std::vector<Task> tasks;
  std::vector<std::size_t> owner;  // the index in `kernels` of each task's kernel
  for (std::size_t k = 0; k < kernels.size(); ++k)
    if (row_kernels(kernels[k]->op.spec().outputs))
      for (const ZeroSizeShape& shape : kZeroSizeShapes) {
        tasks.push_back({kernels[k], shape});
        owner.push_back(k);
      }
  const std::vector<TaskResult> results = run_tasks(tasks, limit);

  std::vector<ProbeReport> reports(kernels.size());
  for (std::size_t t = 0; t < tasks.size(); ++t)
    measure_call(tasks[t], results[t], contracts[owner[t]], reports[owner[t]]);
  return reports;
}

ProbeReport probe_zero_size(const Kernel& kernel, const Contract& contract,
                            std::chrono::milliseconds limit) {
  return std::move(probe_zero_size({&kernel}, {contract}, limit).front());
}

}  // namespace softcheck
