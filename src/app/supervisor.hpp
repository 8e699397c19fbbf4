#pragma once
// The process supervisor behind `marketswarm up`: starts children in order, prefixes every line
// they print with their name, restarts a child that dies (with backoff, and says so), gives up
// on a child that dies too often, and stops everything in reverse order within a deadline.
#include <chrono>
#include <deque>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/process.hpp"

namespace ms::app {

struct ChildSpec {
  std::string name;  // log prefix and the name used in messages
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  bool restart = true;
  // Stop order: higher tiers are stopped (and waited for) before lower ones, so services flush
  // their last writes while the Redis servers they write to (tier 0) still run.
  int stop_tier = 0;
};

struct SupervisorOptions {
  std::chrono::milliseconds restart_base{1000};
  std::chrono::milliseconds restart_max{30000};
  int max_deaths = 5;  // deaths within death_window after which a child is not restarted again
  std::chrono::milliseconds death_window{60000};
  std::chrono::milliseconds stop_grace{4000};  // per child; the whole stop stays under ~5 s
  std::size_t tail_lines = 20;                 // lines kept per child for post-mortems
};

class Supervisor {
 public:
  Supervisor(SupervisorOptions opts, std::ostream& out);
  ~Supervisor();  // stops every child still running

  // Starts a child now. Throws core::Error("spawn_failed") if it cannot be started at all.
  void start(ChildSpec spec);

  // Runs the loop (output, deaths, restarts) until `until` returns true or `timeout` passes;
  // returns what `until` last returned. Used both to wait for readiness and as the main loop.
  bool pump_until(const std::function<bool()>& until, std::chrono::milliseconds timeout);

  // Reads SIGINT/SIGTERM from a signalfd so the loop can notice them; call before start().
  void capture_stop_signals();
  bool stop_requested() const noexcept { return stop_requested_; }
  void request_stop() noexcept { stop_requested_ = true; }

  // Stops children in reverse start order: SIGTERM, then SIGKILL after the grace time.
  void stop_all();

  bool running(const std::string& name);
  std::optional<pid_t> pid(const std::string& name) const;
  std::vector<pid_t> pids() const;
  bool gave_up(const std::string& name) const;

 private:
  struct Child;
  void poll_once(std::chrono::milliseconds max_wait);
  void drain_output(Child& c, bool final);
  void emit_line(Child& c, const std::string& line);
  void reap_and_restart();
  void spawn(Child& c);

  SupervisorOptions opts_;
  std::ostream& out_;
  std::vector<std::unique_ptr<Child>> children_;
  int signal_fd_ = -1;
  bool stop_requested_ = false;
};

}  // namespace ms::app
