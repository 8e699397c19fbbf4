#pragma once
// Test support for the bus tests: an io_context on two threads (so cross-thread use is
// exercised) and running a coroutine to completion with a deadline.
#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "bus/redis_client.hpp"
#include "core/error.hpp"
#include "testing/wait.hpp"

namespace ms::bus::test {

using namespace std::chrono_literals;

class IoThreads {
 public:
  explicit IoThreads(int threads = 2) : guard_(ioc_.get_executor()) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  // Lets the work drain (clients must be closed first); a test that left work behind is cut
  // off after a deadline rather than hanging the binary.
  ~IoThreads() {
    guard_.reset();
    if (!ms::testing::wait_until([this] { return ioc_.stopped(); }, 5000ms)) {
      ADD_FAILURE() << "io_context still had work 5 s after the test";
      ioc_.stop();
    }
    for (auto& t : threads_) t.join();
  }
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  boost::asio::io_context& ioc() { return ioc_; }
  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

// Runs `aw` on the io threads and waits for its result (or rethrows its exception).
template <typename T>
T run(IoThreads& io, boost::asio::awaitable<T> aw, std::chrono::milliseconds timeout = 10000ms) {
  auto fut = boost::asio::co_spawn(io.ioc(), std::move(aw), boost::asio::use_future);
  if (fut.wait_for(timeout) != std::future_status::ready)
    throw std::runtime_error("coroutine did not finish within " + std::to_string(timeout.count()) + " ms");
  return fut.get();
}

// The core::Error code thrown by f, or "" when it did not throw one.
template <typename F>
std::string error_code_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const core::Error& e) {
    if (message != nullptr) *message = e.what();
    return e.code();
  }
  return "";
}

inline RedisOptions fast_options(const std::string& url, const std::string& name = "testbus") {
  RedisOptions o;
  o.url = url;
  o.name = name;
  o.connect_timeout = 1000ms;
  o.command_timeout = 2000ms;
  o.reconnect_min = 10ms;
  o.reconnect_max = 100ms;
  return o;
}

}  // namespace ms::bus::test
