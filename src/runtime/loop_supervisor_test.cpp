// LoopSupervisor on a real io_context: restarts with backoff, counting, readiness naming the loop
// that is down, finished loops left alone, stop() ending a backoff at once.
#include "runtime/loop_supervisor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "core/error.hpp"
#include "testing/wait.hpp"

namespace ms::runtime {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(RestartDelay, DoublesFromInitialUpToMax) {
  SupervisorOptions o;
  o.backoff_initial = 100ms;
  o.backoff_max = 1000ms;
  std::vector<long> got;
  for (int n = 1; n <= 7; ++n) got.push_back(long(restart_delay(o, n).count()));
  EXPECT_EQ(got, (std::vector<long>{100, 200, 400, 800, 1000, 1000, 1000}));
  o.backoff_max = 50ms;  // a max below the initial delay: the initial delay wins
  EXPECT_EQ(restart_delay(o, 3), 100ms);
}

class Supervised : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  // Runs `f` on the strand and waits for it.
  template <class F>
  void on_strand(F f) {
    std::promise<void> done;
    auto fut = done.get_future();
    asio::post(strand_, [&] {
      f();
      done.set_value();
    });
    fut.wait();
  }
  std::size_t stop(LoopSupervisor& s, std::chrono::milliseconds timeout) {
    return asio::co_spawn(strand_, s.stop(timeout), asio::use_future).get();
  }
  double metric(const std::string& series) {
    const auto body = metrics_.render();
    const auto at = body.find(series + " ");
    return at == std::string::npos ? -1 : std::stod(body.substr(at + series.size() + 1));
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  asio::strand<asio::io_context::executor_type> strand_{asio::make_strand(io_)};
  std::thread thread_;
  core::MetricsRegistry metrics_{"test"};
};

TEST_F(Supervised, ALoopThatThrowsIsRestartedAndCounted) {
  SupervisorOptions o;
  o.metric_prefix = "demo";
  o.backoff_initial = 1ms;
  o.backoff_max = 4ms;
  LoopSupervisor sup(strand_, metrics_, o);
  std::atomic<int> runs{0};
  on_strand([&] {
    sup.spawn("flaky", [&runs]() -> asio::awaitable<void> {
      if (++runs <= 3) throw core::Error("boom", "failure " + std::to_string(runs.load()));
      co_return;
    });
  });
  ASSERT_TRUE(testing::wait_until([&] { return sup.running_count() == 0; }));
  EXPECT_EQ(runs.load(), 4);
  const auto st = sup.status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].name, "flaky");
  EXPECT_EQ(st[0].restarts, 3u);
  EXPECT_TRUE(st[0].up);
  EXPECT_TRUE(st[0].finished);
  EXPECT_EQ(st[0].last_error, "failure 3");
  EXPECT_TRUE(sup.down().empty());
  EXPECT_TRUE(sup.readiness().ok);
  EXPECT_EQ(metric("marketswarm_demo_worker_restarts_total{service=\"test\",loop=\"flaky\"}"), 3);
  EXPECT_EQ(metric("marketswarm_demo_worker_up{service=\"test\",loop=\"flaky\"}"), 1);
  EXPECT_EQ(stop(sup, 1s), 0u);
}

TEST_F(Supervised, ReadinessIsRedNamingTheLoopWhileItWaitsAndStopEndsTheWait) {
  SupervisorOptions o;
  o.metric_prefix = "demo";
  o.backoff_initial = 10min;  // the loop stays down until stop()
  o.backoff_max = 10min;
  LoopSupervisor sup(strand_, metrics_, o);
  std::atomic<int> runs{0};
  on_strand([&] {
    sup.spawn("steady", [&]() -> asio::awaitable<void> {
      asio::steady_timer forever(strand_, 10min);
      try {
        co_await forever.async_wait(asio::use_awaitable);
      } catch (const std::exception&) {
      }
    });
    sup.spawn("broken", [&runs]() -> asio::awaitable<void> {
      ++runs;
      throw std::runtime_error("bad tick");
      co_return;
    });
  });
  ASSERT_TRUE(testing::wait_until([&] { return !sup.down().empty(); }));
  EXPECT_EQ(sup.down(), std::vector<std::string>{"broken"});
  const auto r = sup.readiness();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.details["down"], nlohmann::json::array({"broken"}));
  EXPECT_EQ(r.details["loops"]["broken"]["last_error"], "bad tick");
  EXPECT_EQ(r.details["loops"]["broken"]["up"], false);
  EXPECT_EQ(r.details["loops"]["steady"]["up"], true);
  EXPECT_EQ(metric("marketswarm_demo_worker_up{service=\"test\",loop=\"broken\"}"), 0);
  EXPECT_EQ(metric("marketswarm_demo_worker_restarts_total{service=\"test\",loop=\"broken\"}"), 1);
  // The steady loop never ends by itself: stop() waits for it until the timeout, but the broken
  // one's backoff ends at once and it is not started again.
  EXPECT_EQ(stop(sup, 200ms), 1u);
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(sup.running_count(), 1u);
}

TEST_F(Supervised, AHealthyRunResetsTheBackoff) {
  SupervisorOptions o;
  o.backoff_initial = 1ms;
  o.backoff_max = 10min;  // doubling would make the fifth restart wait 16 ms, the twentieth hours
  o.reset_after = 0ms;    // every run counts as healthy: the delay stays at backoff_initial
  LoopSupervisor sup(strand_, metrics_, o);
  std::atomic<int> runs{0};
  on_strand([&] {
    sup.spawn("often", [&runs]() -> asio::awaitable<void> {
      if (++runs <= 30) throw std::runtime_error("again");
      co_return;
    });
  });
  ASSERT_TRUE(testing::wait_until([&] { return sup.running_count() == 0; }, 20s));
  EXPECT_EQ(sup.status()[0].restarts, 30u);
  EXPECT_EQ(metric("marketswarm_worker_restarts_total{service=\"test\",loop=\"often\"}"), 30);
}

TEST_F(Supervised, RefusesDuplicateNamesAndEmptyLoops) {
  LoopSupervisor sup(strand_, metrics_, {});
  std::string first, second;
  on_strand([&] {
    sup.spawn("once", []() -> asio::awaitable<void> { co_return; });
    try {
      sup.spawn("once", []() -> asio::awaitable<void> { co_return; });
    } catch (const core::Error& e) {
      first = e.code();
    }
    try {
      sup.spawn("empty", {});
    } catch (const core::Error& e) {
      second = e.code();
    }
  });
  EXPECT_EQ(first, "duplicate_loop");
  EXPECT_EQ(second, "bad_loop");
  ASSERT_TRUE(testing::wait_until([&] { return sup.running_count() == 0; }));
  EXPECT_TRUE(sup.status()[0].finished);
  EXPECT_EQ(stop(sup, 1s), 0u);
}

}  // namespace
}  // namespace ms::runtime
