#include "runtime/loop_supervisor.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace ms::runtime {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

std::chrono::milliseconds restart_delay(const SupervisorOptions& o, int consecutive_failures) {
  const auto cap = std::max(o.backoff_max, o.backoff_initial);
  auto d = std::max(o.backoff_initial, std::chrono::milliseconds(0));
  for (int i = 1; i < consecutive_failures && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

struct LoopSupervisor::State {
  struct Entry {
    LoopStatus status;
    core::Counter* restarts = nullptr;
    core::Gauge* up = nullptr;
  };

  State(asio::any_io_executor e, core::MetricsRegistry& m, SupervisorOptions o)
      : executor(std::move(e)), metrics(m), options(std::move(o)) {}

  std::string metric(const char* base) const {
    return options.metric_prefix.empty() ? std::string(base) : options.metric_prefix + "_" + base;
  }
  std::string log_name() const { return options.metric_prefix.empty() ? "service" : options.metric_prefix; }

  void set(const std::string& name, bool up, const std::string* error, bool finished) {
    std::lock_guard lock(mu);
    auto& e = loops.at(name);
    e.status.up = up;
    e.status.finished = finished;
    if (error) {
      e.status.last_error = *error;
      ++e.status.restarts;
      e.restarts->inc();
    }
    e.up->set(up ? 1 : 0);
  }

  asio::any_io_executor executor;
  core::MetricsRegistry& metrics;
  SupervisorOptions options;

  mutable std::mutex mu;  // `loops` (read by readiness probes on other threads)
  std::map<std::string, Entry> loops;
  std::atomic<std::size_t> running{0};

  // Executor only.
  bool stopping = false;
  std::set<asio::steady_timer*> sleeps;
  asio::steady_timer* all_ended = nullptr;
};

namespace {

asio::awaitable<void> supervise(std::shared_ptr<LoopSupervisor::State> s, std::string name,
                                LoopSupervisor::Loop loop) {
  int failures = 0;
  while (!s->stopping) {
    const auto started = Steady::now();
    std::string error;
    try {
      co_await loop();
      s->set(name, true, nullptr, true);
      break;
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "an exception that is not a std::exception";
    }
    if (s->stopping) {
      spdlog::warn("{}: loop {} failed while stopping: {}", s->log_name(), name, error);
      break;
    }
    if (Steady::now() - started >= s->options.reset_after) failures = 0;
    const auto delay = restart_delay(s->options, ++failures);
    s->set(name, false, &error, false);
    spdlog::error("{}: loop {} failed: {} (restarting in {} ms, failure {} in a row)", s->log_name(), name, error,
                  delay.count(), failures);
    asio::steady_timer timer(s->executor, delay);
    s->sleeps.insert(&timer);
    try {
      co_await timer.async_wait(asio::use_awaitable);
    } catch (const std::exception&) {
      // cancelled by stop()
    }
    s->sleeps.erase(&timer);
    if (s->stopping) break;
    s->set(name, true, nullptr, false);
    spdlog::info("{}: loop {} restarted", s->log_name(), name);
  }
  if (--s->running == 0 && s->all_ended) s->all_ended->cancel();
}

}  // namespace

LoopSupervisor::LoopSupervisor(asio::any_io_executor executor, core::MetricsRegistry& metrics,
                               SupervisorOptions options)
    : state_(std::make_shared<State>(std::move(executor), metrics, std::move(options))) {}

LoopSupervisor::~LoopSupervisor() = default;

void LoopSupervisor::spawn(std::string name, Loop loop) {
  auto& s = *state_;
  if (!loop) throw core::Error("bad_loop", "loop '" + name + "' has no body");
  {
    std::lock_guard lock(s.mu);
    if (s.loops.count(name)) throw core::Error("duplicate_loop", "a loop named '" + name + "' is already supervised");
    State::Entry e;
    e.status.name = name;
    const core::Labels labels{{"loop", name}};
    e.restarts = &s.metrics.counter(s.metric("worker_restarts_total"),
                                    "Worker loops restarted after they threw", labels);
    e.up = &s.metrics.gauge(s.metric("worker_up"), "1 while the worker loop runs or has finished, 0 while it "
                                                    "waits to restart after a failure", labels);
    e.up->set(1);
    s.loops.emplace(name, std::move(e));
  }
  ++s.running;
  asio::co_spawn(s.executor, supervise(state_, std::move(name), std::move(loop)), asio::detached);
}

asio::awaitable<std::size_t> LoopSupervisor::stop(std::chrono::milliseconds timeout) {
  auto s = state_;
  s->stopping = true;
  for (auto* t : s->sleeps) t->cancel();
  if (s->running > 0) {
    asio::steady_timer ended(s->executor, timeout);  // the last loop to end cancels it
    s->all_ended = &ended;
    try {
      co_await ended.async_wait(asio::use_awaitable);
    } catch (const std::exception&) {
    }
    s->all_ended = nullptr;
  }
  co_return s->running.load();
}

std::size_t LoopSupervisor::running_count() const { return state_->running.load(); }

std::vector<std::string> LoopSupervisor::down() const {
  std::vector<std::string> out;
  std::lock_guard lock(state_->mu);
  for (const auto& [name, e] : state_->loops)
    if (!e.status.up) out.push_back(name);
  return out;
}

std::vector<LoopStatus> LoopSupervisor::status() const {
  std::vector<LoopStatus> out;
  std::lock_guard lock(state_->mu);
  for (const auto& [name, e] : state_->loops) out.push_back(e.status);
  return out;
}

net::Readiness LoopSupervisor::readiness() const {
  net::Readiness r;
  nlohmann::json down = nlohmann::json::array();
  nlohmann::json loops = nlohmann::json::object();
  for (const auto& l : status()) {
    if (!l.up) down.push_back(l.name);
    nlohmann::json d{{"up", l.up}, {"restarts", l.restarts}};
    if (l.finished) d["finished"] = true;
    if (!l.last_error.empty()) d["last_error"] = l.last_error;
    loops[l.name] = std::move(d);
  }
  r.ok = down.empty();
  r.details = {{"ok", r.ok}, {"down", std::move(down)}, {"loops", std::move(loops)}};
  return r;
}

}  // namespace ms::runtime
