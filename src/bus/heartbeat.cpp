#include "bus/heartbeat.hpp"

#include <atomic>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace ms::bus {

namespace asio = boost::asio;

const char* to_string(HeartbeatStatus status) noexcept {
  switch (status) {
    case HeartbeatStatus::starting: return "starting";
    case HeartbeatStatus::running: return "running";
    case HeartbeatStatus::degraded: return "degraded";
    case HeartbeatStatus::stopping: return "stopping";
  }
  return "unknown";
}

namespace {

std::string default_instance() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "localhost") + ":" + std::to_string(::getpid());
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Everything but the atomics is touched only on `strand`.
struct Heartbeat::State {
  State(std::shared_ptr<RedisClient> b, HeartbeatOptions o)
      : bus(std::move(b)),
        opt(std::move(o)),
        key(opt.service + ":heartbeat"),
        strand(asio::make_strand(bus->executor())),
        timer(strand) {}

  std::shared_ptr<RedisClient> bus;
  HeartbeatOptions opt;
  std::string key;
  asio::strand<asio::any_io_executor> strand;
  asio::steady_timer timer;
  std::atomic<HeartbeatStatus> status{HeartbeatStatus::starting};
  std::atomic<std::uint64_t> beats{0};
  std::atomic<std::uint64_t> failures{0};
  bool started = false;
  bool stopped = false;
  bool wake = false;  // a status change while a beat was in flight: beat again at once
  bool failing = false;

  std::string payload(HeartbeatStatus s, std::int64_t ts) const {
    nlohmann::json j = {{"service", opt.service},
                        {"pid", static_cast<std::int64_t>(::getpid())},
                        {"instance", opt.instance},
                        {"ts", ts},
                        {"status", to_string(s)},
                        {"truth_sha", opt.truth_sha.empty() ? nlohmann::json(nullptr) : nlohmann::json(opt.truth_sha)}};
    return j.dump();
  }
};

namespace {

using State = Heartbeat::State;

asio::awaitable<void> write_beat(std::shared_ptr<State> st, HeartbeatStatus s) {
  try {
    co_await st->bus->set(st->key, st->payload(s, now_ms()), st->opt.ttl);
    st->beats.fetch_add(1);
    if (st->failing) spdlog::info("heartbeat {}: written again", st->key);
    st->failing = false;
  } catch (const std::exception& e) {
    st->failures.fetch_add(1);
    // One warning per outage, not one per interval.
    if (!st->failing)
      spdlog::warn("heartbeat {} not written: {}", st->key, e.what());
    else
      spdlog::debug("heartbeat {} not written: {}", st->key, e.what());
    st->failing = true;
  }
}

// Runs on the strand; the final beat also does, so the "stopping" beat is always sent last.
asio::awaitable<void> beat_loop(std::shared_ptr<State> st) {
  while (!st->stopped) {
    co_await write_beat(st, st->status.load());
    if (st->stopped) break;
    if (!st->wake) {
      st->timer.expires_after(st->opt.interval);
      boost::system::error_code ec;
      co_await st->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    st->wake = false;
  }
}

asio::awaitable<void> final_beat(std::shared_ptr<State> st) {
  if (st->stopped) co_return;
  st->stopped = true;
  st->timer.cancel();
  st->status.store(HeartbeatStatus::stopping);
  co_await write_beat(st, HeartbeatStatus::stopping);
}

}  // namespace

Heartbeat::Heartbeat(std::shared_ptr<RedisClient> system_bus, HeartbeatOptions options) {
  if (!system_bus) throw core::Error("bad_heartbeat_options", "heartbeat: no bus client");
  if (options.service.empty()) throw core::Error("bad_heartbeat_options", "heartbeat: empty service id");
  if (options.interval.count() <= 0)
    throw core::Error("bad_heartbeat_options", "heartbeat " + options.service + ": interval must be positive");
  if (options.ttl.count() <= 0 || options.ttl <= options.interval)
    throw core::Error("bad_heartbeat_options",
                      "heartbeat " + options.service + ": ttl (" + std::to_string(options.ttl.count()) +
                          " s) must outlast the interval (" + std::to_string(options.interval.count()) + " ms)");
  if (options.instance.empty()) options.instance = default_instance();
  state_ = std::make_shared<State>(std::move(system_bus), std::move(options));
}

Heartbeat::~Heartbeat() {
  auto st = state_;
  asio::post(st->strand, [st] {
    if (st->stopped) return;
    if (!st->started) {
      st->stopped = true;
      return;
    }
    asio::co_spawn(st->strand, final_beat(st), asio::detached);
  });
}

void Heartbeat::start() {
  auto st = state_;
  asio::post(st->strand, [st] {
    if (st->started || st->stopped) return;
    st->started = true;
    asio::co_spawn(st->strand, beat_loop(st), asio::detached);
  });
}

void Heartbeat::set_status(HeartbeatStatus status) {
  state_->status.store(status);
  auto st = state_;
  asio::post(st->strand, [st] {
    if (!st->started || st->stopped) return;
    st->wake = true;
    st->timer.cancel();
  });
}

HeartbeatStatus Heartbeat::status() const noexcept { return state_->status.load(); }

Awaitable<void> Heartbeat::stop() {
  auto st = state_;
  co_await asio::co_spawn(st->strand, final_beat(st), asio::use_awaitable);
}

const std::string& Heartbeat::key() const noexcept { return state_->key; }
std::uint64_t Heartbeat::beats() const noexcept { return state_->beats.load(); }
std::uint64_t Heartbeat::failures() const noexcept { return state_->failures.load(); }

std::string Heartbeat::payload(HeartbeatStatus status, std::int64_t ts_ms) const {
  return state_->payload(status, ts_ms);
}

}  // namespace ms::bus
