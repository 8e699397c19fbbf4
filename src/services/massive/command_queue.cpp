#include "services/massive/command_queue.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace ms::massive {

CommandQueue::CommandQueue(std::shared_ptr<bus::RedisClient> redis, boost::asio::any_io_executor executor,
                           core::MetricsRegistry& metrics, std::size_t max_pending,
                           std::size_t max_pending_bytes)
    : redis_(std::move(redis)),
      executor_(std::move(executor)),
      max_pending_(max_pending),
      max_pending_bytes_(max_pending_bytes),
      commands_(metrics.counter("massive_redis_commands_total", "Commands massive sent to market-redis")),
      dropped_(metrics.counter("massive_redis_dropped_total",
                               "Commands dropped because market-redis was unavailable or too slow")),
      errors_(metrics.counter("massive_redis_errors_total", "Failed pipelines to market-redis")) {}

void CommandQueue::push(std::vector<std::string> command) {
  std::size_t bytes = 0;
  for (const auto& arg : command) bytes += arg.size();
  if (pending_.size() >= max_pending_ || pending_bytes_ + bytes > max_pending_bytes_) {
    dropped_.inc();
    return;
  }
  pending_bytes_ += bytes;
  pending_.push_back(std::move(command));
  kick();
}

void CommandQueue::set(std::string key, std::string value, std::optional<std::int64_t> ttl_sec) {
  if (ttl_sec) {
    push({"SET", std::move(key), std::move(value), "EX", std::to_string(*ttl_sec)});
  } else {
    push({"SET", std::move(key), std::move(value)});
  }
}

void CommandQueue::publish(std::string channel, std::string payload) {
  push({"PUBLISH", std::move(channel), std::move(payload)});
}

void CommandQueue::kick() {
  if (draining_) return;
  draining_ = true;
  boost::asio::co_spawn(executor_, [self = shared_from_this()] { return self->run(); }, boost::asio::detached);
}

boost::asio::awaitable<void> CommandQueue::run() {
  while (!pending_.empty()) {
    std::vector<std::vector<std::string>> batch;
    batch.swap(pending_);
    pending_bytes_ = 0;
    const auto n = batch.size();
    try {
      auto replies = co_await redis_->pipeline(std::move(batch));
      commands_.inc(n);
      for (const auto& r : replies) {
        if (r.is_error()) {
          errors_.inc();
          spdlog::warn("massive: market-redis refused a command: {}", r.str);
          break;
        }
      }
    } catch (const std::exception& e) {
      ++failed_batches_;
      errors_.inc();
      dropped_.inc(n);
      if (failed_batches_ == 1 || failed_batches_ % 100 == 0) {
        spdlog::warn("massive: market-redis write failed ({} commands dropped, {} failures so far): {}", n,
                     failed_batches_, e.what());
      }
    }
  }
  draining_ = false;
  for (auto* waiter : idle_waiters_) waiter->cancel();
}

boost::asio::awaitable<void> CommandQueue::drain() {
  if (!draining_ && pending_.empty()) co_return;
  // run() cancels this timer when the queue is empty; the expiry only bounds the wait.
  boost::asio::steady_timer idle(executor_, std::chrono::seconds(3));
  idle_waiters_.push_back(&idle);
  try {
    co_await idle.async_wait(boost::asio::use_awaitable);
  } catch (const std::exception&) {
  }
  std::erase(idle_waiters_, &idle);
}

}  // namespace ms::massive
