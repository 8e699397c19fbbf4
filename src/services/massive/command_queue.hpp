#pragma once
// massive's writes to market-redis, in order and pipelined. Workers run synchronously on one
// strand and push commands; one drain coroutine sends everything pending as one pipeline, then
// the next batch — so a model's SET always precedes the PUBLISH that announces it, and a burst
// of feed events costs one round trip, not one per key. When Redis is down the client fails
// fast: the batch is dropped and counted (the next update rewrites every key), never queued
// without bound: at most `max_pending` commands and `max_pending_bytes` of arguments wait while a
// pipeline is in flight (a Redis that stalls costs massive at most twice that).
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bus/redis_client.hpp"
#include "core/metrics.hpp"

namespace ms::massive {

class CommandQueue : public std::enable_shared_from_this<CommandQueue> {
 public:
  // `executor` is the strand the workers push from.
  CommandQueue(std::shared_ptr<bus::RedisClient> redis, boost::asio::any_io_executor executor,
               core::MetricsRegistry& metrics, std::size_t max_pending = 200000,
               std::size_t max_pending_bytes = std::size_t(256) << 20);

  void push(std::vector<std::string> command);
  void set(std::string key, std::string value, std::optional<std::int64_t> ttl_sec = std::nullopt);
  void publish(std::string channel, std::string payload);

  // Waits (at most 3 s) until everything pushed so far has been sent or dropped; for a clean
  // stop. Call on the queue's executor.
  boost::asio::awaitable<void> drain();
  std::size_t pending() const { return pending_.size(); }
  std::size_t pending_bytes() const { return pending_bytes_; }
  std::uint64_t failed_batches() const { return failed_batches_; }

 private:
  void kick();
  boost::asio::awaitable<void> run();

  std::shared_ptr<bus::RedisClient> redis_;
  boost::asio::any_io_executor executor_;
  std::size_t max_pending_;
  std::size_t max_pending_bytes_;
  std::vector<std::vector<std::string>> pending_;
  std::size_t pending_bytes_ = 0;
  bool draining_ = false;
  std::vector<boost::asio::steady_timer*> idle_waiters_;  // drain() calls waiting for empty
  std::uint64_t failed_batches_ = 0;
  core::Counter& commands_;
  core::Counter& dropped_;
  core::Counter& errors_;
};

}  // namespace ms::massive
