// CommandQueue against a real redis-server: order, and the bound on what waits while Redis stalls.
#include "services/massive/command_queue.hpp"

#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "bus/blocking_redis.hpp"
#include "testing/redis_server.hpp"
#include "testing/wait.hpp"

namespace ms::massive {
namespace {

using namespace std::chrono_literals;

class CommandQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus::RedisOptions o;
    o.url = redis_.url();
    o.name = "market";
    o.command_timeout = 20s;  // a paused server is a stall here, not a failure
    client_ = bus::RedisClient::create(io_.get_executor(), o);
    queue_ = std::make_shared<CommandQueue>(client_, strand_, metrics_, 1000, 4096);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] { client_->close(); });
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  // Runs on the queue's strand and waits for it.
  void on_strand(std::function<void()> f) {
    std::promise<void> done;
    boost::asio::post(strand_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
  std::string get(const std::string& key) {
    bus::BlockingRedis r(redis_.url(), 2000ms);
    return r.command({"GET", key}).str;
  }
  double dropped() { return double(metrics_.counter("massive_redis_dropped_total", "").value()); }

  testing::RedisServer redis_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  boost::asio::strand<boost::asio::any_io_executor> strand_{boost::asio::make_strand(io_.get_executor())};
  core::MetricsRegistry metrics_{"massive"};
  std::shared_ptr<bus::RedisClient> client_;
  std::shared_ptr<CommandQueue> queue_;
  std::thread thread_;
};

TEST_F(CommandQueueTest, WritesInOrder) {
  on_strand([&] {
    for (int i = 0; i < 100; ++i) queue_->set("k", std::to_string(i));
  });
  EXPECT_TRUE(testing::wait_until([&] { return get("k") == "99"; }, 5s));
  EXPECT_EQ(dropped(), 0);
}

TEST_F(CommandQueueTest, WhatWaitsWhileRedisStallsIsBoundedInBytes) {
  redis_.pause();
  on_strand([&] { queue_->set("first", "in flight"); });
  // Sent and hanging: the queue holds nothing, its one pipeline waits for the stalled server.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::size_t n = 1;
        on_strand([&] { n = queue_->pending(); });
        return n == 0;
      },
      5s));
  // Meanwhile 4 KiB of arguments may wait; the rest is dropped and counted.
  const std::string kb(1000, 'x');
  on_strand([&] {
    for (int i = 0; i < 10; ++i) queue_->set("big" + std::to_string(i), kb);
  });
  std::size_t pending = 0, pending_bytes = 0;
  on_strand([&] {
    pending = queue_->pending();
    pending_bytes = queue_->pending_bytes();
  });
  redis_.resume();
  EXPECT_LE(pending_bytes, 4096u);
  EXPECT_EQ(pending, 4u);  // "SET bigN <1000 bytes>" is 1,007 bytes: four fit in 4,096
  EXPECT_EQ(dropped(), 6);
  EXPECT_TRUE(testing::wait_until([&] { return get("first") == "in flight"; }, 10s));
  EXPECT_TRUE(testing::wait_until([&] { return get("big3") == kb; }, 10s));
  EXPECT_EQ(get("big4"), "");
  EXPECT_EQ(get("big9"), "");
}

}  // namespace
}  // namespace ms::massive
