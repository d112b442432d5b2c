// isolate(): a kernel run in a reusable worker process (see isolation.hpp).
//
// Parent and worker share one memfd. Each call the parent grows it if needed, copies the
// inputs in, and sends a Request (the sizes and where each buffer lies in the region) over
// a SOCK_SEQPACKET socket pair; the worker maps the memfd at the requested size, runs the
// kernel, and answers with a one-byte status. The parent waits with poll() and the time
// limit. A closed socket means the worker died; waitpid() says how. Row kernels and attention
// kernels differ only in their Request and in how the worker builds the call from it.
#include "adapters/isolation.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/process_exit.hpp"

namespace softcheck {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kAlignment = 64;                // each buffer starts on a cache line
constexpr std::size_t kMessageBytes = 512;            // region head: a caught exception's what()
constexpr std::size_t kMinimumRegion = 4096;          // the first mapping: one page
constexpr std::uint64_t kAbsent = ~std::uint64_t{0};  // a null pointer in a Request
// An empty array of a row call (0 bytes, pointer not null) in a Request: kEmpty + i, i < kGuards,
// is the worker's guard page i (guard_page()), so the kernel faults on element 0 of it as it
// does in the caller's guarded buffers (checks/zero_size.hpp).
constexpr std::uint64_t kEmpty = kAbsent - 64;
constexpr std::size_t kGuards = 16;
constexpr auto kDeathPoll = std::chrono::milliseconds(1);      // waitpid polling after EOF
constexpr auto kDeathGrace = std::chrono::milliseconds(1000);  // then SIGKILL
constexpr int kOrphanExit = 125;    // worker found its parent gone before PDEATHSIG was set
constexpr int kProtocolExit = 126;  // worker got a malformed request

// Signals whose default action is to end the process with a core: a parent's handler for
// them (a crash reporter, say) must not run in the worker.
constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};

enum class Status : std::uint8_t { ok = 0, threw = 1 };

struct Request {
  std::uint64_t region_bytes;  // the worker maps the memfd at this size
  std::uint64_t rows, n, stride;
  std::uint64_t x, out, loss, target;  // byte offsets in the region, kAbsent or kEmpty + i
  std::array<std::uint64_t, kInputKinds> inputs;  // the op's other inputs (KernelCall::inputs)
};

// An attention call: its scalars by value, its arrays as byte offsets in the region.
struct AttentionRequest {
  std::uint64_t region_bytes;  // the worker maps the memfd at this size
  std::uint64_t lq, lk, d;
  std::uint64_t q, k, v, keep, bias, out, lse;  // byte offsets in the region, or kAbsent
  AttentionMask mask;
  double scale, softcap;
};
static_assert(std::is_trivially_copyable_v<AttentionRequest>, "sent as bytes");

[[noreturn]] void fail_system(const std::string& what) {
  throw KernelFailure("isolation: " + what + ": " + std::strerror(errno));
}

// --- file descriptors ---------------------------------------------------------------------

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Descriptors that belong to the parent's side of some isolated kernel: every newly forked
// worker closes them, so no worker holds another worker's socket or region.
class ParentFds {
 public:
  // Never destroyed: isolated kernels held by static objects (the Registry) close their
  // descriptors during static destruction, possibly after a static ParentFds would be gone.
  static ParentFds& instance() {
    static ParentFds* fds = new ParentFds;
    return *fds;
  }
  void add(int fd) {
    std::lock_guard lock(mutex_);
    fds_.insert(fd);
  }
  void remove(int fd) {
    std::lock_guard lock(mutex_);
    fds_.erase(fd);
  }
  std::vector<int> snapshot() const {
    std::lock_guard lock(mutex_);
    return {fds_.begin(), fds_.end()};
  }

 private:
  mutable std::mutex mutex_;
  std::set<int> fds_;
};

// A descriptor listed in ParentFds for its lifetime.
class ParentFd {
 public:
  explicit ParentFd(UniqueFd fd) : fd_(std::move(fd)) {
    if (fd_.get() >= 0) ParentFds::instance().add(fd_.get());
  }
  ParentFd(ParentFd&&) = delete;
  ~ParentFd() {
    if (fd_.get() >= 0) ParentFds::instance().remove(fd_.get());
  }
  int get() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

// --- the shared region ----------------------------------------------------------------------

class Mapping {
 public:
  Mapping() = default;
  Mapping(int fd, std::size_t bytes) : bytes_(bytes) {
    void* address = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) fail_system("mmap of " + std::to_string(bytes) + " bytes");
    data_ = static_cast<std::byte*>(address);
  }
  Mapping(Mapping&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  Mapping& operator=(Mapping&& other) noexcept {
    if (this != &other) {
      unmap();
      data_ = std::exchange(other.data_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  ~Mapping() { unmap(); }
  std::byte* data() const { return data_; }
  std::size_t size() const { return bytes_; }

 private:
  void unmap() {
    if (data_) ::munmap(data_, bytes_);
  }
  std::byte* data_ = nullptr;
  std::size_t bytes_ = 0;
};

// A memfd and the parent's mapping of it. It only grows: a worker may still map the old size.
class SharedRegion {
 public:
  SharedRegion() : fd_(UniqueFd(::memfd_create("softcheck-isolation", MFD_CLOEXEC))) {
    if (fd_.get() < 0) fail_system("memfd_create");
    reserve(kMinimumRegion);
  }
  void reserve(std::size_t bytes) {
    if (bytes <= mapping_.size()) return;
    bytes = std::max(bytes, 2 * mapping_.size());  // grow geometrically
    if (::ftruncate(fd_.get(), static_cast<off_t>(bytes)) != 0)
      fail_system("ftruncate to " + std::to_string(bytes) + " bytes");
    mapping_ = Mapping(fd_.get(), bytes);
  }
  int fd() const { return fd_.get(); }
  std::byte* data() const { return mapping_.data(); }
  std::size_t size() const { return mapping_.size(); }

 private:
  ParentFd fd_;
  Mapping mapping_;
};

// --- where each buffer of a call lies in the region ------------------------------------------

std::size_t align_up(std::size_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

struct Extent {
  std::uint64_t offset = kAbsent;
  std::size_t bytes = 0;
};

// Places arrays one after another (aligned) after the message header.
struct Placement {
  std::size_t total = kMessageBytes;
  Extent place(const void* pointer, std::size_t bytes) {
    if (!pointer) return {};
    const Extent extent{total, bytes};
    total = align_up(total + bytes);
    return extent;
  }
};

// A row call's arrays. An empty one (rows = 0, or n = 0 at stride 0) becomes a guard page of
// the worker (kEmpty + i); out == x (an in-place call) stays one buffer.
struct Layout : Placement {
  Extent x, out, loss, target;
  std::array<Extent, kInputKinds> inputs;  // the op's other inputs, as the op table lists them
  std::uint64_t empties = 0;

  Extent place_array(const void* pointer, std::size_t bytes) {
    if (pointer && bytes == 0 && empties < kGuards) return {kEmpty + empties++, 0};
    return place(pointer, bytes);
  }

  static Layout of(Op op, Format format, const KernelCall& call) {
    const std::size_t width = traits(format).storage_bytes;
    const OpSpec& spec = op.spec();
    Layout layout;
    layout.x = layout.place_array(call.x, call.rows * call.stride * width);
    const std::size_t out_bytes =
        (spec.has_element_output() ? call.rows * call.stride : call.rows) * width;
    if (call.out && call.out == call.x && out_bytes <= layout.x.bytes)
      layout.out = {layout.x.offset, out_bytes};
    else
      layout.out = layout.place_array(call.out, out_bytes);
    layout.loss = layout.place_array(spec.has_loss() ? call.loss : nullptr, call.rows * width);
    layout.target = layout.place_array(spec.takes(Input::target) ? call.target : nullptr,
                                       call.rows * sizeof(std::int64_t));
    for (Input input : spec.inputs)
      if (per_element(input) && input != Input::logits) {
        const auto i = static_cast<std::size_t>(input);
        layout.inputs[i] = layout.place_array(call.inputs[i], call.rows * call.stride * width);
      }
    return layout;
  }

};

// Where each array of an attention call lies in the region.
struct AttentionLayout : Placement {
  Extent q, k, v, keep, bias, out, lse;

  static AttentionLayout of(Format format, const AttentionCall& call) {
    const std::size_t width = traits(format).storage_bytes;
    const AttentionShape& s = call.shape;
    AttentionLayout layout;
    layout.q = layout.place(call.q, s.lq * s.d * width);
    layout.k = layout.place(call.k, s.lk * s.d * width);
    layout.v = layout.place(call.v, s.lk * s.d * width);
    layout.keep = layout.place(call.keep, s.lq * s.lk);
    layout.bias = layout.place(call.bias, s.lq * s.lk * width);
    layout.out = layout.place(call.out, s.lq * s.d * width);
    layout.lse = layout.place(call.lse, s.lq * sizeof(double));
    return layout;
  }

};

void copy_in(std::byte* region, const Extent& extent, const void* source) {
  if (extent.offset < kEmpty) std::memcpy(region + extent.offset, source, extent.bytes);
}
void copy_out(void* destination, const std::byte* region, const Extent& extent) {
  if (extent.offset < kEmpty) std::memcpy(destination, region + extent.offset, extent.bytes);
}

// --- the worker process ----------------------------------------------------------------------

void reset_signals_for_worker() {
  for (int signal : kCrashSignals) ::signal(signal, SIG_DFL);
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
}

// The worker's guard pages: kGuards pages, each after an inaccessible page of its own, all
// PROT_NONE (address space only), mapped on first use.
std::byte* guard_page(std::uint64_t index) {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  static std::byte* const base = [] {
    void* p = ::mmap(nullptr, 2 * kGuards * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ::_exit(kProtocolExit);
    return static_cast<std::byte*>(p);
  }();
  return base + (2 * index + 1) * page;
}

std::byte* at(const Mapping& mapping, std::uint64_t offset) {
  if (offset == kAbsent) return nullptr;
  if (offset >= kEmpty) return guard_page(offset - kEmpty);
  return mapping.data() + offset;
}

// What a worker process runs: given its socket and the memfd, it serves requests until the
// socket closes, and never returns.
using WorkerBody = std::function<void(int socket, int memfd)>;

// Serves each RequestT by run(mapping, request) until the socket closes. Never returns.
template <class RequestT, class Run>
[[noreturn]] void serve(int socket, int memfd, const Run& run) {
  Mapping mapping;  // the worker's own view, re-made whenever the parent grew the region
  for (;;) {
    RequestT request;
    const ssize_t got = ::recv(socket, &request, sizeof request, 0);
    if (got == 0) ::_exit(0);
    if (got < 0 && errno == EINTR) continue;
    if (got != static_cast<ssize_t>(sizeof request)) ::_exit(kProtocolExit);
    if (request.region_bytes != mapping.size()) mapping = Mapping(memfd, request.region_bytes);

    Status status = Status::ok;
    try {
      run(mapping, request);
    } catch (const std::exception& error) {
      status = Status::threw;
      std::snprintf(reinterpret_cast<char*>(mapping.data()), kMessageBytes, "%s", error.what());
    } catch (...) {
      status = Status::threw;
      std::snprintf(reinterpret_cast<char*>(mapping.data()), kMessageBytes, "%s",
                    "a non-standard exception");
    }
    while (::send(socket, &status, sizeof status, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
  }
}

// Runs the row kernel on each request.
WorkerBody row_worker(KernelFn kernel) {
  return [kernel = std::move(kernel)](int socket, int memfd) {
    serve<Request>(socket, memfd, [&](const Mapping& mapping, const Request& request) {
      KernelCall call{at(mapping, request.x),
                      at(mapping, request.out),
                      at(mapping, request.loss),
                      reinterpret_cast<const std::int64_t*>(at(mapping, request.target)),
                      request.rows,
                      request.n,
                      request.stride};
      for (std::size_t i = 0; i < kInputKinds; ++i) call.inputs[i] = at(mapping, request.inputs[i]);
      kernel(call);
    });
  };
}

// Runs the attention kernel on each request.
WorkerBody attention_worker(AttentionFn kernel) {
  return [kernel = std::move(kernel)](int socket, int memfd) {
    serve<AttentionRequest>(
        socket, memfd, [&](const Mapping& mapping, const AttentionRequest& request) {
          AttentionCall call;
          call.shape = {request.lq, request.lk, request.d};
          call.q = at(mapping, request.q);
          call.k = at(mapping, request.k);
          call.v = at(mapping, request.v);
          call.keep = reinterpret_cast<const std::uint8_t*>(at(mapping, request.keep));
          call.bias = at(mapping, request.bias);
          call.mask = request.mask;
          call.scale = request.scale;
          call.softcap = request.softcap;
          call.out = at(mapping, request.out);
          call.lse = reinterpret_cast<double*>(at(mapping, request.lse));
          kernel(call);
        });
  };
}

// One forked worker: its pid and the parent's end of the socket pair. Destroying it kills
// and reaps the process.
class Worker {
 public:
  Worker(const WorkerBody& body, const SharedRegion& region) {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0)
      fail_system("socketpair");
    UniqueFd parent_end(ends[0]), worker_end(ends[1]);
    const std::vector<int> inherited =
        ParentFds::instance().snapshot();  // before fork: no locks in the child
    const pid_t parent = ::getpid();
    std::fflush(nullptr);  // nothing buffered is written twice
    pid_ = ::fork();
    if (pid_ < 0) fail_system("fork");
    if (pid_ == 0) {
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(kOrphanExit);
      ::prctl(PR_SET_DUMPABLE,
              0);  // a crashing kernel writes no core file (the gate may crash it often)
      for (int fd : inherited)
        if (fd != region.fd()) ::close(fd);
      ::close(parent_end.get());
      reset_signals_for_worker();
      body(worker_end.get(), region.fd());
      ::_exit(0);  // a body serves until its socket closes and exits itself
    }
    socket_ = std::make_unique<ParentFd>(std::move(parent_end));
    owner_ = parent;
  }
  Worker(const Worker&) = delete;
  ~Worker() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    wait_blocking();
  }

  int socket() const { return socket_->get(); }
  // Whether this process forked the worker (a child forked from the parent - the zero-size
  // probe's, checks/zero_size.hpp - inherits the object but must not use or kill the worker).
  bool owned() const { return owner_ == ::getpid(); }

  // After the worker's socket closed: how it ended. It is given kDeathGrace to finish dying.
  std::string collect_death() {
    const auto give_up = Clock::now() + kDeathGrace;
    for (;;) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        return describe_exit(status);
      }
      if (done < 0 && errno != EINTR) {
        pid_ = -1;
        return "ended (wait status unavailable)";
      }
      if (Clock::now() >= give_up) {
        ::kill(pid_, SIGKILL);
        return "closed its socket and was killed: " + describe_exit(wait_blocking());
      }
      std::this_thread::sleep_for(kDeathPoll);
    }
  }

  void kill_and_reap() {
    ::kill(pid_, SIGKILL);
    wait_blocking();
  }

 private:
  int wait_blocking() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

  pid_t pid_ = -1;
  pid_t owner_ = -1;
  std::unique_ptr<ParentFd> socket_;
};

// --- the wrapped kernels ---------------------------------------------------------------------

// The parent's side of one worker: the shared region, the worker (forked on the first call and
// after a failure) and the time limit. Callers hold mutex() while they use the region.
class WorkerChannel {
 public:
  WorkerChannel(WorkerBody body, IsolationOptions options)
      : body_(std::move(body)), options_(options) {}

  std::mutex& mutex() { return mutex_; }
  SharedRegion& region() { return region_; }

  // Sends the request (whose region_bytes is region().size()) to the worker, starting one if
  // needed, and waits for it; a kernel that threw, a dead worker or a late one throws
  // KernelFailure.
  template <class RequestT>
  void run(const RequestT& request) {
    // A process forked from the worker's owner starts its own worker and leaves the owner's
    // alone (never destroyed here: that would kill it).
    if (worker_ && !worker_->owned()) (void)worker_.release();
    if (!worker_) worker_ = std::make_unique<Worker>(body_, region_);
    if (exchange(&request, sizeof request) == Status::threw) {
      const char* message = reinterpret_cast<const char*>(region_.data());
      throw KernelFailure("threw: " + std::string(message, strnlen(message, kMessageBytes)));
    }
  }

 private:
  // Sends the request and waits for the status; on a dead or late worker, reaps it and throws.
  Status exchange(const void* request, std::size_t bytes) {
    ssize_t sent;
    while ((sent = ::send(worker_->socket(), request, bytes, MSG_NOSIGNAL)) < 0 &&
           errno == EINTR) {
    }
    if (sent < 0) fail_dead();  // EPIPE / ECONNRESET: it is gone

    const bool limited = options_.timeout.count() > 0;
    const auto deadline = Clock::now() + options_.timeout;
    for (;;) {
      int wait_ms = -1;
      if (limited) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) fail_timeout();
        wait_ms = static_cast<int>(std::min<long long>(left.count(), 1 << 30));
      }
      pollfd watch{worker_->socket(), POLLIN, 0};
      const int ready = ::poll(&watch, 1, wait_ms);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) fail_system("poll");
      if (ready == 0) continue;  // the deadline check above decides
      Status status;
      const ssize_t got = ::recv(worker_->socket(), &status, sizeof status, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got == static_cast<ssize_t>(sizeof status)) return status;
      fail_dead();  // EOF or error: the worker died
    }
  }

  [[noreturn]] void fail_dead() {
    const std::string what = worker_->collect_death();
    worker_.reset();
    throw KernelFailure(what);
  }

  [[noreturn]] void fail_timeout() {
    worker_->kill_and_reap();
    worker_.reset();
    throw KernelFailure("timed out after " + std::to_string(options_.timeout.count()) + " ms");
  }

  WorkerBody body_;
  IsolationOptions options_;
  std::mutex mutex_;
  SharedRegion region_;
  std::unique_ptr<Worker> worker_;  // null until the first call and after a failure
};

class IsolatedKernel {
 public:
  IsolatedKernel(KernelFn kernel, Op op, Format format, IsolationOptions options)
      : channel_(row_worker(std::move(kernel)), options), op_(op), format_(format) {}

  void operator()(const KernelCall& call) {
    std::lock_guard lock(channel_.mutex());
    const Layout layout = Layout::of(op_, format_, call);
    SharedRegion& shared = channel_.region();
    shared.reserve(layout.total);
    std::byte* region = shared.data();
    copy_in(region, layout.x, call.x);
    copy_in(region, layout.out, call.out);
    copy_in(region, layout.loss, call.loss);
    copy_in(region, layout.target, call.target);
    for (std::size_t i = 0; i < kInputKinds; ++i) copy_in(region, layout.inputs[i], call.inputs[i]);

    Request request{shared.size(),      call.rows,           call.n,
                    call.stride,        layout.x.offset,     layout.out.offset,
                    layout.loss.offset, layout.target.offset, {}};
    for (std::size_t i = 0; i < kInputKinds; ++i) request.inputs[i] = layout.inputs[i].offset;
    channel_.run(request);
    copy_out(call.out, region, layout.out);
    copy_out(call.loss, region, layout.loss);
  }

 private:
  WorkerChannel channel_;
  Op op_;
  Format format_;
};

class IsolatedAttentionKernel {
 public:
  IsolatedAttentionKernel(AttentionFn kernel, Format format, IsolationOptions options)
      : channel_(attention_worker(std::move(kernel)), options), format_(format) {}

  void operator()(const AttentionCall& call) {
    std::lock_guard lock(channel_.mutex());
    const AttentionLayout layout = AttentionLayout::of(format_, call);
    SharedRegion& shared = channel_.region();
    shared.reserve(layout.total);
    std::byte* region = shared.data();
    copy_in(region, layout.q, call.q);
    copy_in(region, layout.k, call.k);
    copy_in(region, layout.v, call.v);
    copy_in(region, layout.keep, call.keep);
    copy_in(region, layout.bias, call.bias);
    copy_in(region, layout.out, call.out);
    copy_in(region, layout.lse, call.lse);

    const AttentionRequest request{shared.size(),     call.shape.lq,      call.shape.lk,
                                   call.shape.d,      layout.q.offset,    layout.k.offset,
                                   layout.v.offset,   layout.keep.offset, layout.bias.offset,
                                   layout.out.offset, layout.lse.offset,  call.mask,
                                   call.scale,        call.softcap};
    channel_.run(request);
    copy_out(call.out, region, layout.out);
    copy_out(call.lse, region, layout.lse);
  }

 private:
  WorkerChannel channel_;
  Format format_;
};

}  // namespace

KernelFn isolate(KernelFn kernel, Op op, Format format, IsolationOptions options) {
  auto isolated = std::make_shared<IsolatedKernel>(std::move(kernel), op, format, options);
  return [isolated](const KernelCall& call) { (*isolated)(call); };
}

AttentionFn isolate_attention(AttentionFn kernel, Format format, IsolationOptions options) {
  auto isolated = std::make_shared<IsolatedAttentionKernel>(std::move(kernel), format, options);
  return [isolated](const AttentionCall& call) { (*isolated)(call); };
}

}  // namespace softcheck
