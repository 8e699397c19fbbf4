// XADD / XRANGE / XREVRANGE / XREAD through RedisClient against a real redis-server.
#include <gtest/gtest.h>

#include "bus/blocking_redis.hpp"
#include "bus/bus_test_support.hpp"
#include "bus/redis_client.hpp"
#include "testing/redis_server.hpp"

namespace ms::bus {
namespace {

using namespace ms::bus::test;
using ms::testing::wait_until;
using Fields = std::vector<std::pair<std::string, std::string>>;

class StreamsTest : public ::testing::Test {
 protected:
  void SetUp() override { client = RedisClient::create(io.executor(), fast_options(server.url())); }
  void TearDown() override { client.reset(); }

  template <typename T>
  T go(boost::asio::awaitable<T> aw) {
    return run(io, std::move(aw));
  }
  // Clients parked in a blocking command, as the server sees it.
  int blocked_clients() {
    BlockingRedis admin(server.url());
    const auto info = admin.command({"INFO", "clients"}).str;
    const auto at = info.find("blocked_clients:");
    return at == std::string::npos ? -1 : std::stoi(info.substr(at + 16));
  }

  ms::testing::RedisServer server;
  IoThreads io;
  std::shared_ptr<RedisClient> client;
};

TEST_F(StreamsTest, XaddAndXrange) {
  const auto id1 = go(client->xadd("s", {{"uid", "7"}, {"stream", "trade_log"}}));
  const auto id2 = go(client->xadd("s", {{"n", "2"}}));
  EXPECT_NE(id1, id2);
  const auto all = go(client->xrange("s"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, id1);
  EXPECT_EQ(all[0].fields, (Fields{{"uid", "7"}, {"stream", "trade_log"}}));
  ASSERT_NE(all[0].field("stream"), nullptr);
  EXPECT_EQ(*all[0].field("stream"), "trade_log");
  EXPECT_EQ(all[0].field("nope"), nullptr);
  EXPECT_EQ(go(client->xrange("s", id2, "+")).size(), 1u);
  EXPECT_EQ(go(client->xrange("s", "-", "+", 1)).at(0).id, id1);
  EXPECT_TRUE(go(client->xrange("missing")).empty());
}

TEST_F(StreamsTest, XrevrangeNewestFirst) {
  for (int i = 0; i < 5; ++i) go(client->xadd("r", {{"i", std::to_string(i)}}));
  const auto last2 = go(client->xrevrange("r", "+", "-", 2));
  ASSERT_EQ(last2.size(), 2u);
  EXPECT_EQ(*last2[0].field("i"), "4");
  EXPECT_EQ(*last2[1].field("i"), "3");
}

TEST_F(StreamsTest, XaddWithExplicitIdAndApproximateCap) {
  EXPECT_EQ(go(client->xadd("e", {{"a", "1"}}, std::nullopt, "5-1")), "5-1");
  std::string msg;
  EXPECT_EQ(error_code_of([&] { go(client->xadd("e", {{"a", "1"}}, std::nullopt, "1-1")); }, &msg), "redis_error");
  EXPECT_NE(msg.find("equal or smaller"), std::string::npos) << msg;
  for (int i = 0; i < 3000; ++i) go(client->xadd("capped", {{"i", std::to_string(i)}}, 1000));
  const auto len = go(client->command({"XLEN", "capped"})).integer;
  EXPECT_GE(len, 1000);
  EXPECT_LT(len, 1300);  // MAXLEN ~ trims whole macro nodes, so a little over the cap
  EXPECT_EQ(error_code_of([&] { go(client->xadd("e", {})); }), "redis_bad_argument");
}

TEST_F(StreamsTest, XreadAfterId) {
  const auto id1 = go(client->xadd("x", {{"n", "1"}}));
  go(client->xadd("x", {{"n", "2"}}));
  go(client->xadd("x", {{"n", "3"}}));
  const auto after = go(client->xread("x", id1));
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(*after[0].field("n"), "2");
  EXPECT_EQ(go(client->xread("x", id1, {2, std::nullopt})).size(), 2u);
  EXPECT_EQ(go(client->xread("x", "0", {1, std::nullopt})).size(), 1u);
  EXPECT_TRUE(go(client->xread("x", after.back().id)).empty());
  EXPECT_TRUE(go(client->xread("nostream", "0")).empty());
}

TEST_F(StreamsTest, XreadSeveralStreams) {
  go(client->xadd("a", {{"k", "a1"}}));
  go(client->xadd("b", {{"k", "b1"}}));
  const auto batches = go(client->xread_streams({{"a", "0"}, {"b", "0"}, {"c", "0"}}));
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].stream, "a");
  EXPECT_EQ(*batches[1].entries.at(0).field("k"), "b1");
  EXPECT_EQ(error_code_of([&] { go(client->xread_streams({})); }), "redis_bad_argument");
}

TEST_F(StreamsTest, BlockingXreadIsWokenByALaterXadd) {
  auto pending = boost::asio::co_spawn(io.ioc(), client->xread("live", "0-0", {std::nullopt, 5000ms}),
                                       boost::asio::use_future);
  ASSERT_TRUE(wait_until([&] { return blocked_clients() == 1; }));
  // The blocking read has a connection of its own: the shared one still answers meanwhile.
  EXPECT_EQ(go(client->command({"PING"})).str, "PONG");
  const auto id = go(client->xadd("live", {{"event", "TradeCreated"}}));
  ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
  const auto got = pending.get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, id);
  EXPECT_EQ(*got[0].field("event"), "TradeCreated");
  EXPECT_TRUE(wait_until([&] { return blocked_clients() == 0; }));
}

TEST_F(StreamsTest, BlockingXreadTimesOutEmpty) {
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(go(client->xread("quiet", "$", {std::nullopt, 150ms})).empty());
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(error_code_of([&] { go(client->xread("quiet", "$", {std::nullopt, 0ms})); }), "redis_bad_argument");
}

TEST_F(StreamsTest, BlockingXreadFailsWhenTheServerDies) {
  auto pending = boost::asio::co_spawn(io.ioc(), client->xread("dies", "$", {std::nullopt, 5000ms}),
                                       boost::asio::use_future);
  ASSERT_TRUE(wait_until([&] { return blocked_clients() == 1; }));
  server.kill();
  ASSERT_EQ(pending.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(error_code_of([&] { pending.get(); }), "redis_unavailable");
}

}  // namespace
}  // namespace ms::bus
