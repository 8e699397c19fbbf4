#pragma once
// Named worker loops that keep running (issue 7: a loop that dies silently stops a service's
// models while its /readyz stays green).
//
//   runtime::LoopSupervisor loops(strand, ctx.metrics(), {.metric_prefix = "massive"});
//   loops.spawn("publish", [this] { return publish_loop(); });
//   ...
//   co_await loops.stop(3s);  // on the same executor
//
// A loop that throws is logged with its cause, counted in <prefix>_worker_restarts_total{loop},
// marked down (<prefix>_worker_up{loop} = 0, readiness() red naming it) and started again after
// an exponential backoff: backoff_initial, doubled per consecutive failure, at most backoff_max;
// a run that lasted reset_after or longer counts as healthy, so the next failure starts over at
// backoff_initial. A loop that returns has finished (a one-shot task, or a loop that saw stop)
// and is not restarted; finishing is not being down. After stop() nothing restarts and backoff
// sleeps end at once.
//
// spawn() and stop() run on the executor the supervisor was given (a strand: the loops, the
// supervisor's own state and the service's state share one order). down(), running_count() and
// readiness() may be called from any thread (/readyz probes).
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/metrics.hpp"
#include "net/ops_routes.hpp"

namespace ms::runtime {

struct SupervisorOptions {
  std::string metric_prefix;  // "massive" → massive_worker_restarts_total, massive_worker_up
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds reset_after{60'000};
};

// The restart delay after `consecutive_failures` (≥ 1) failures in a row.
std::chrono::milliseconds restart_delay(const SupervisorOptions& options, int consecutive_failures);

struct LoopStatus {
  std::string name;
  bool up = true;        // false between a failure and the restart
  bool finished = false;  // returned without throwing
  std::uint64_t restarts = 0;
  std::string last_error;  // the cause of the last failure ("" if none)
};

class LoopSupervisor {
 public:
  using Loop = std::function<boost::asio::awaitable<void>()>;

  LoopSupervisor(boost::asio::any_io_executor executor, core::MetricsRegistry& metrics, SupervisorOptions options);
  ~LoopSupervisor();
  LoopSupervisor(const LoopSupervisor&) = delete;
  LoopSupervisor& operator=(const LoopSupervisor&) = delete;

  // Starts `loop` under `name` (unique, e.g. "publish"). On the executor. Throws
  // core::Error("duplicate_loop") for a name already spawned.
  void spawn(std::string name, Loop loop);

  // No more restarts; waits until every loop has ended or `timeout` passed. On the executor.
  // Returns how many loops were still running.
  boost::asio::awaitable<std::size_t> stop(std::chrono::milliseconds timeout);

  // Any thread.
  std::size_t running_count() const;
  std::vector<std::string> down() const;  // loops waiting to restart, by name
  std::vector<LoopStatus> status() const;  // every loop, by name
  // ok unless a loop is down; details {"ok", "down":[names], "loops":{name:{up,restarts,last_error}}}.
  net::Readiness readiness() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ms::runtime
