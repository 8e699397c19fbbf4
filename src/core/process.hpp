#pragma once
// A child process started with fork/exec. Used by the `up` supervisor and by tests that run
// real servers. Only processes started here are ever signalled, always by their own PID.
#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace ms::core {

struct ProcessOptions {
  std::vector<std::string> argv;                                    // argv[0] is the program path
  std::vector<std::pair<std::string, std::string>> env_overrides;   // added to the inherited environment
  std::string working_dir;                                          // empty: inherit
  bool capture_output = false;     // stdout+stderr into one pipe (output_fd()); else inherited
  bool die_with_parent = true;     // PR_SET_PDEATHSIG(SIGTERM)
  bool new_process_group = false;  // setpgid(0,0), so a terminal's Ctrl-C reaches only the parent
};

class Process {
 public:
  // Throws core::Error("spawn_failed") if fork or exec fails (exec failure is reported by the child
  // through a close-on-exec pipe, so a missing binary is an error here, not a silent exit 127).
  static Process spawn(const ProcessOptions& opts);

  Process() = default;
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();  // terminates (SIGTERM, then SIGKILL after 2 s) a child still running

  pid_t pid() const noexcept { return pid_; }
  int output_fd() const noexcept { return out_fd_; }
  // Gives up ownership of the output pipe (the caller closes it).
  int release_output_fd() noexcept;
  bool running();
  void signal(int sig);
  // Waits for exit up to `timeout`; returns the wait status, or nullopt on timeout.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the wait status.
  int terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  std::optional<int> exit_status() const noexcept { return status_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::optional<int> status_;
};

// The child's environment as "K=V" strings: `inherited` (a null-terminated array such as
// `environ`) with every key in `overrides` replaced or added. Built in the parent before fork,
// because after fork in a threaded program the child may only call async-signal-safe functions
// (setenv allocates and can deadlock on a lock another thread held at fork time).
std::vector<std::string> build_child_env(char* const* inherited,
                                         const std::vector<std::pair<std::string, std::string>>& overrides);

// "exited with 1", "killed by signal 9 (Killed)".
std::string describe_wait_status(int status);

}  // namespace ms::core
