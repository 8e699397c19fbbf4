#include "core/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "core/error.hpp"

extern char** environ;

namespace ms::core {

namespace {
void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}
}  // namespace

std::vector<std::string> build_child_env(char* const* inherited,
                                         const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> out;
  auto overridden = [&](std::string_view entry) {
    const auto eq = entry.find('=');
    const std::string_view key = entry.substr(0, eq);
    for (const auto& [k, v] : overrides)
      if (k == key) return true;
    return false;
  };
  for (char* const* e = inherited; e && *e; ++e)
    if (!overridden(*e)) out.emplace_back(*e);
  // Later overrides of the same key win, as repeated setenv calls did.
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    bool later = false;
    for (std::size_t j = i + 1; j < overrides.size(); ++j) later = later || overrides[j].first == overrides[i].first;
    if (!later) out.push_back(overrides[i].first + "=" + overrides[i].second);
  }
  return out;
}

Process Process::spawn(const ProcessOptions& opts) {
  if (opts.argv.empty()) throw Error("spawn_failed", "spawn: empty argv");
  int out[2] = {-1, -1};
  if (opts.capture_output && ::pipe2(out, O_CLOEXEC) != 0)
    throw Error("spawn_failed", std::string("pipe: ") + std::strerror(errno));
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw Error("spawn_failed", std::string("pipe: ") + std::strerror(errno));

  // Prepare everything that allocates before fork.
  std::vector<char*> argv;
  for (const auto& a : opts.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::vector<std::string> env_strings = build_child_env(environ, opts.env_overrides);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw Error("spawn_failed", std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (opts.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
    }
    if (opts.new_process_group) ::setpgid(0, 0);
    if (opts.capture_output) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(out[1], STDERR_FILENO);
    }
    // The parent may block signals (a supervisor reads them from a signalfd) or ignore SIGPIPE;
    // neither should leak into a server it starts.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!opts.working_dir.empty() && ::chdir(opts.working_dir.c_str()) != 0) {
      int e = errno;
      (void)!::write(err_pipe[1], &e, sizeof e);
      ::_exit(127);
    }
    // Between fork and exec only async-signal-safe calls: the environment was built above.
    ::execve(argv[0], argv.data(), envp.data());
    int e = errno;
    (void)!::write(err_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (opts.capture_output) ::close(out[1]);
  Process p;
  p.pid_ = pid;
  p.out_fd_ = opts.capture_output ? out[0] : -1;
  if (n > 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    p.pid_ = -1;
    throw Error("spawn_failed", "cannot start " + opts.argv[0] + ": " + std::strerror(child_errno));
  }
  return p;
}

Process::Process(Process&& o) noexcept : pid_(o.pid_), out_fd_(o.out_fd_), status_(o.status_) {
  o.pid_ = -1;
  o.out_fd_ = -1;
}

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0 && !status_) terminate(std::chrono::milliseconds(2000));
    close_fd(out_fd_);
    pid_ = o.pid_;
    out_fd_ = o.out_fd_;
    status_ = o.status_;
    o.pid_ = -1;
    o.out_fd_ = -1;
  }
  return *this;
}

Process::~Process() {
  if (pid_ > 0 && !status_) terminate(std::chrono::milliseconds(2000));
  close_fd(out_fd_);
}

int Process::release_output_fd() noexcept {
  int fd = out_fd_;
  out_fd_ = -1;
  return fd;
}

bool Process::running() {
  if (pid_ <= 0 || status_) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto step = std::chrono::milliseconds(1);
  while (true) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = st;
      return status_;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, std::chrono::milliseconds(20));
  }
}

int Process::terminate(std::chrono::milliseconds grace) {
  if (status_) return *status_;
  if (pid_ <= 0) return 0;
  ::kill(pid_, SIGTERM);
  if (auto st = wait_for(grace)) return *st;
  ::kill(pid_, SIGKILL);
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
  status_ = st;
  return st;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
  return "stopped (status " + std::to_string(status) + ")";
}

}  // namespace ms::core
