// What happens when Redis goes away: fail fast, reconnect with backoff, restore subscriptions,
// time out a server that stops answering. A real redis-server is killed and restarted.
#include <gtest/gtest.h>

#include <mutex>

#include "bus/bus_test_support.hpp"
#include "bus/redis_client.hpp"
#include "core/metrics.hpp"
#include "testing/redis_server.hpp"

namespace ms::bus {
namespace {

using namespace ms::bus::test;
using ms::testing::wait_until;
using Clock = std::chrono::steady_clock;

class ReconnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = fast_options(server.url(), "system");
    o.metrics = &metrics;
    client = RedisClient::create(io.executor(), o);
    client->on_reconnect([this] { ++reconnects; });
    ASSERT_TRUE(wait_until([&] { return client->connected(); }));
  }
  void TearDown() override { client.reset(); }

  template <typename T>
  T go(boost::asio::awaitable<T> aw) {
    return run(io, std::move(aw));
  }

  ms::testing::RedisServer server;
  core::MetricsRegistry metrics{"test"};
  IoThreads io;
  std::shared_ptr<RedisClient> client;
  std::atomic<int> reconnects{0};
};

TEST_F(ReconnectTest, FailsFastWhileDownThenRecovers) {
  go(client->set("before", "1"));
  server.kill();
  ASSERT_TRUE(wait_until([&] { return !client->connected(); }));

  const auto t0 = Clock::now();
  std::string msg;
  EXPECT_EQ(error_code_of([&] { go(client->get("before")); }, &msg), "redis_unavailable");
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_NE(msg.find("system (" + server.host_port() + ") unavailable"), std::string::npos) << msg;

  server.restart();
  ASSERT_TRUE(wait_until([&] { return client->connected(); }));
  go(client->set("after", "2"));  // the new server is empty: persistence is off
  EXPECT_EQ(go(client->get("after")), "2");
  EXPECT_TRUE(wait_until([&] { return reconnects.load() == 1; }));
  EXPECT_NE(metrics.render().find("marketswarm_redis_reconnects_total{service=\"test\",bus=\"system\"} 1"),
            std::string::npos)
      << metrics.render();
}

TEST_F(ReconnectTest, SubscriptionIsRestoredAfterRestart) {
  std::mutex mu;
  std::vector<std::string> got;
  auto sub = go(client->subscribe("heartbeat", [&](const Message& m) {
    std::lock_guard<std::mutex> lock(mu);
    got.push_back(m.payload);
  }));
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return got.size();
  };
  go(client->publish("heartbeat", "one"));
  ASSERT_TRUE(wait_until([&] { return count() == 1; }));

  server.kill();
  ASSERT_TRUE(wait_until([&] { return !client->connected(); }));
  server.restart();
  // on_reconnect runs once the command connection is up and the subscription is confirmed.
  ASSERT_TRUE(wait_until([&] { return reconnects.load() == 1; }));
  EXPECT_EQ(go(client->publish("heartbeat", "two")), 1);
  ASSERT_TRUE(wait_until([&] { return count() == 2; }));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(got.back(), "two");
}

TEST_F(ReconnectTest, SubscribeWhileDownIsMadeWhenTheServerReturns) {
  server.kill();
  ASSERT_TRUE(wait_until([&] { return !client->connected(); }));
  std::atomic<int> got{0};
  const auto t0 = Clock::now();
  auto sub = go(client->psubscribe("later.*", [&](const Message&) { ++got; }));
  EXPECT_LT(Clock::now() - t0, 1s);  // does not wait for the server
  EXPECT_TRUE(sub.active());
  server.restart();
  ASSERT_TRUE(wait_until([&] { return reconnects.load() >= 1 && client->connected(); }));
  ASSERT_TRUE(wait_until([&] {
    return go(client->command({"PUBSUB", "NUMPAT"})).integer == 1;
  }));
  go(client->publish("later.x", "hi"));
  ASSERT_TRUE(wait_until([&] { return got.load() == 1; }));
}

TEST_F(ReconnectTest, KillMidBurstNeitherCrashesNorHangs) {
  constexpr int kCallers = 2000;
  std::atomic<int> ok{0}, unavailable{0}, other{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < kCallers; ++i) {
    done.push_back(boost::asio::co_spawn(
        io.ioc(),
        [c = client, i, &ok, &unavailable, &other]() -> boost::asio::awaitable<void> {
          try {
            co_await c->set("burst:" + std::to_string(i), std::string(1000, 'x'));
            ++ok;
          } catch (const core::Error& e) {
            (e.code() == "redis_unavailable" ? unavailable : other)++;
          }
        },
        boost::asio::use_future));
    if (i == kCallers / 4) server.kill();
  }
  for (auto& f : done) ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(ok + unavailable, kCallers) << "other errors: " << other.load();
  EXPECT_GT(unavailable.load(), 0);

  server.restart();
  ASSERT_TRUE(wait_until([&] { return client->connected(); }));
  EXPECT_EQ(go(client->command({"PING"})).str, "PONG");
}

TEST_F(ReconnectTest, KillDuringAPubSubBurstThenSubscriptionWorksAgain) {
  std::atomic<int> got{0};
  auto sub = go(client->subscribe("flood", [&](const Message&) { ++got; }));
  auto publisher = RedisClient::create(io.executor(), fast_options(server.url(), "publisher"));
  std::vector<std::vector<std::string>> cmds;
  for (int i = 0; i < 20000; ++i) cmds.push_back({"PUBLISH", "flood", std::string(200, 'p')});
  auto burst = boost::asio::co_spawn(io.ioc(), publisher->pipeline(std::move(cmds)), boost::asio::use_future);
  ASSERT_TRUE(wait_until([&] { return got.load() > 0; }));
  server.kill();  // mid-delivery
  ASSERT_EQ(burst.wait_for(5s), std::future_status::ready);
  ASSERT_TRUE(wait_until([&] { return !client->connected(); }));
  server.restart();
  ASSERT_TRUE(wait_until([&] { return reconnects.load() == 1; }));
  const int before = got.load();
  go(client->publish("flood", "again"));
  ASSERT_TRUE(wait_until([&] { return got.load() == before + 1; }));
}

TEST_F(ReconnectTest, ServerThatStopsAnsweringTimesOutAndDropsTheConnection) {
  auto o = fast_options(server.url(), "slow");
  o.command_timeout = 300ms;
  o.connect_timeout = 300ms;
  o.metrics = &metrics;
  auto slow = RedisClient::create(io.executor(), o);
  EXPECT_EQ(go(slow->command({"PING"})).str, "PONG");

  server.pause();
  const auto t0 = Clock::now();
  std::string msg;
  EXPECT_EQ(error_code_of([&] { go(slow->get("k")); }, &msg), "redis_timeout");
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, 280ms);
  EXPECT_LT(took, 3000ms);
  EXPECT_NE(msg.find("timed out after 300 ms"), std::string::npos) << msg;
  // The connection was dropped: the next call fails fast instead of queueing behind it.
  ASSERT_TRUE(wait_until([&] { return !slow->connected(); }));
  const auto t1 = Clock::now();
  EXPECT_EQ(error_code_of([&] { go(slow->get("k")); }), "redis_unavailable");
  EXPECT_LT(Clock::now() - t1, 1s);
  EXPECT_NE(metrics.render().find("redis_command_timeouts_total{service=\"test\",bus=\"slow\"} 1"), std::string::npos);

  server.resume();
  ASSERT_TRUE(wait_until([&] { return slow->connected(); }));
  EXPECT_EQ(go(slow->command({"PING"})).str, "PONG");
}

TEST_F(ReconnectTest, OnReconnectIsNotCalledForTheFirstConnection) {
  go(client->set("x", "1"));
  EXPECT_EQ(reconnects.load(), 0);
  EXPECT_NE(metrics.render().find("marketswarm_redis_connected{service=\"test\",bus=\"system\"} 1"),
            std::string::npos)
      << metrics.render();
}

TEST_F(ReconnectTest, CloseWhileDownStopsRetrying) {
  server.kill();
  ASSERT_TRUE(wait_until([&] { return !client->connected(); }));
  client->close();
  server.restart();
  // Give the retry loop several backoff periods to (wrongly) reconnect.
  EXPECT_FALSE(wait_until([&] { return client->connected(); }, 300ms));
  EXPECT_EQ(error_code_of([&] { go(client->get("k")); }), "redis_unavailable");
}

}  // namespace
}  // namespace ms::bus
