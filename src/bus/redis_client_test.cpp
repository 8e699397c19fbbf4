// RedisClient against a real redis-server on a free port: every command family, pipelining,
// binary payloads, wrong usage.
#include "bus/redis_client.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "bus/blocking_redis.hpp"
#include "bus/bus_test_support.hpp"
#include "testing/ports.hpp"
#include "testing/redis_server.hpp"

namespace ms::bus {
namespace {

using namespace ms::bus::test;
using Strings = std::vector<std::string>;

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override { client = RedisClient::create(io.executor(), fast_options(server.url())); }
  void TearDown() override { client.reset(); }

  template <typename T>
  T go(boost::asio::awaitable<T> aw) {
    return run(io, std::move(aw));
  }

  ms::testing::RedisServer server;
  IoThreads io;
  std::shared_ptr<RedisClient> client;
};

TEST_F(RedisClientTest, SetGetExistsDel) {
  go(client->set("k1", "v1"));
  EXPECT_EQ(go(client->get("k1")), "v1");
  EXPECT_TRUE(go(client->exists("k1")));
  EXPECT_EQ(go(client->get("missing")), std::nullopt);
  EXPECT_FALSE(go(client->exists("missing")));
  go(client->set("k2", "v2"));
  EXPECT_EQ(go(client->del({"k1", "k2", "missing"})), 2);
  EXPECT_EQ(go(client->get("k1")), std::nullopt);
  EXPECT_EQ(go(client->del({})), 0);
}

TEST_F(RedisClientTest, SetWithTtlExpireAndTtl) {
  go(client->set("t", "x", std::chrono::seconds(30)));
  const auto ttl = go(client->ttl("t"));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 30);
  go(client->set("p", "x"));
  EXPECT_EQ(go(client->ttl("p")), -1);
  EXPECT_EQ(go(client->ttl("nope")), -2);
  EXPECT_TRUE(go(client->expire("p", std::chrono::seconds(100))));
  EXPECT_GT(go(client->ttl("p")), 30);
  EXPECT_FALSE(go(client->expire("nope", std::chrono::seconds(1))));
  EXPECT_EQ(error_code_of([&] { go(client->set("t", "x", std::chrono::seconds(0))); }), "redis_bad_argument");
}

TEST_F(RedisClientTest, SetNxIsALease) {
  EXPECT_TRUE(go(client->set_nx("lease", "me", std::chrono::milliseconds(5000))));
  EXPECT_FALSE(go(client->set_nx("lease", "you", std::chrono::milliseconds(5000))));
  EXPECT_EQ(go(client->get("lease")), "me");
  const auto r = go(client->command({"PTTL", "lease"}));
  EXPECT_GT(r.as_integer(), 0);
  EXPECT_LE(r.as_integer(), 5000);
}

TEST_F(RedisClientTest, Hashes) {
  EXPECT_EQ(go(client->hset("h", {{"a", "1"}, {"b", "2"}})), 2);
  EXPECT_EQ(go(client->hset("h", "c", "3")), 1);
  EXPECT_EQ(go(client->hset("h", "a", "10")), 0);  // updated, not added
  EXPECT_EQ(go(client->hget("h", "a")), "10");
  EXPECT_EQ(go(client->hget("h", "zz")), std::nullopt);
  EXPECT_EQ(go(client->hget("nohash", "a")), std::nullopt);
  const std::map<std::string, std::string> want{{"a", "10"}, {"b", "2"}, {"c", "3"}};
  EXPECT_EQ(go(client->hgetall("h")), want);
  EXPECT_TRUE(go(client->hgetall("nohash")).empty());
  EXPECT_EQ(go(client->hincrby("h", "b", 5)), 7);
  EXPECT_EQ(go(client->hincrby("h", "new", -3)), -3);
  EXPECT_EQ(go(client->hdel("h", {"a", "c", "zz"})), 2);
  EXPECT_EQ(go(client->hgetall("h")).size(), 2u);
  EXPECT_EQ(error_code_of([&] { go(client->hset("h", std::map<std::string, std::string>{})); }), "redis_bad_argument");
}

TEST_F(RedisClientTest, SortedSets) {
  EXPECT_EQ(go(client->zadd("z", {{"a", 1}, {"b", 2.5}, {"c", 10}, {"d", -4}})), 4);
  EXPECT_EQ(go(client->zcard("z")), 4);
  const std::vector<ScoredMember> mid{{"a", 1}, {"b", 2.5}};
  EXPECT_EQ(go(client->zrangebyscore("z", 0, 5)), mid);
  const auto inf = std::numeric_limits<double>::infinity();
  auto all = go(client->zrangebyscore("z", -inf, inf));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.front().member, "d");
  EXPECT_EQ(all.back().score, 10);
  EXPECT_EQ(go(client->zrangebyscore("z", -inf, inf, 2)).size(), 2u);
  EXPECT_EQ(go(client->zremrangebyscore("z", -inf, 2)), 2);
  EXPECT_EQ(go(client->zcard("z")), 2);
  EXPECT_EQ(go(client->zcard("nothing")), 0);
  // Big epoch-millisecond scores survive the round trip exactly.
  go(client->zadd("ts", {{"m", 1700000000123.0}}));
  EXPECT_EQ(go(client->zrangebyscore("ts", 1700000000123.0, 1700000000123.0)).at(0).score, 1700000000123.0);
  EXPECT_EQ(error_code_of([&] { go(client->zadd("z", {{"n", std::nan("")}})); }), "redis_bad_argument");
}

TEST_F(RedisClientTest, PipelineRepliesInOrder) {
  std::vector<Strings> cmds;
  for (int i = 0; i < 500; ++i) cmds.push_back({"INCR", "counter"});
  cmds.push_back({"GET", "counter"});
  const auto replies = go(client->pipeline(cmds));
  ASSERT_EQ(replies.size(), 501u);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(replies[i].integer, i + 1);
  EXPECT_EQ(replies[500].str, "500");
  EXPECT_TRUE(go(client->pipeline({})).empty());
}

TEST_F(RedisClientTest, PipelineCarriesErrorRepliesAsValues) {
  go(client->set("s", "text"));
  const auto replies = go(client->pipeline({{"INCR", "s"}, {"GET", "s"}, {"NOSUCHCOMMAND"}}));
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_TRUE(replies[0].is_error());
  EXPECT_EQ(replies[1].str, "text");
  EXPECT_TRUE(replies[2].is_error());
}

TEST_F(RedisClientTest, CommandReturnsErrorReplyTypedHelperThrows) {
  go(client->set("s", "text"));
  const auto r = go(client->command({"INCR", "s"}));
  EXPECT_TRUE(r.is_error());
  EXPECT_NE(r.str.find("not an integer"), std::string::npos) << r.str;
  std::string msg;
  EXPECT_EQ(error_code_of([&] { go(client->hget("s", "f")); }, &msg), "redis_error");
  EXPECT_NE(msg.find("WRONGTYPE"), std::string::npos) << msg;
}

TEST_F(RedisClientTest, RefusesCommandsThatChangeTheSharedConnection) {
  for (const Strings& argv : std::vector<Strings>{{"SUBSCRIBE", "x"}, {"psubscribe", "x*"}, {"Select", "2"},
                                                  {"MONITOR"}, {"QUIT"}, {"AUTH", "pw"}, {"HELLO", "3"},
                                                  {"XREAD", "BLOCK", "10", "STREAMS", "s", "$"}}) {
    std::string msg;
    EXPECT_EQ(error_code_of([&] { go(client->command(argv)); }, &msg), "redis_bad_argument") << argv[0];
    EXPECT_NE(msg.find(argv[0]), std::string::npos) << msg;
  }
  EXPECT_EQ(error_code_of([&] { go(client->command({})); }), "redis_bad_argument");
  EXPECT_EQ(error_code_of([&] { go(client->pipeline({{"GET", "a"}, {}})); }), "redis_bad_argument");
  // The connection is still fine afterwards.
  EXPECT_EQ(go(client->command({"PING"})).str, "PONG");
}

TEST_F(RedisClientTest, BinarySafe100KbValue) {
  std::string payload(100 * 1024, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 % 256);
  go(client->set(std::string("bin\0key", 7), payload));
  EXPECT_EQ(go(client->get(std::string("bin\0key", 7))), payload);
  EXPECT_EQ(go(client->get("bin")), std::nullopt);
}

TEST_F(RedisClientTest, ConcurrentCallersFromManyCoroutines) {
  // 200 coroutines on two threads share one connection; each reads back its own value.
  std::vector<std::future<bool>> results;
  for (int i = 0; i < 200; ++i) {
    results.push_back(boost::asio::co_spawn(
        io.ioc(),
        [c = client, i]() -> boost::asio::awaitable<bool> {
          const auto key = "c" + std::to_string(i);
          co_await c->set(key, std::to_string(i * i));
          auto v = co_await c->get(key);
          co_return v == std::to_string(i * i);
        },
        boost::asio::use_future));
  }
  for (auto& r : results) {
    ASSERT_EQ(r.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(r.get());
  }
}

TEST_F(RedisClientTest, DbFromUrlIsSelected) {
  auto db3 = RedisClient::create(io.executor(), fast_options(server.url() + "/3"));
  go(db3->set("where", "three"));
  EXPECT_EQ(go(client->get("where")), std::nullopt);
  BlockingRedis blocking(server.url() + "/3");
  EXPECT_EQ(blocking.command({"GET", "where"}).str, "three");
}

TEST_F(RedisClientTest, CloseFailsLaterCommands) {
  EXPECT_EQ(go(client->command({"PING"})).str, "PONG");
  client->close();
  std::string msg;
  EXPECT_EQ(error_code_of([&] { go(client->get("k")); }, &msg), "redis_unavailable");
  EXPECT_NE(msg.find("closed"), std::string::npos) << msg;
  EXPECT_FALSE(client->connected());
}

TEST_F(RedisClientTest, DescribesItself) {
  EXPECT_EQ(client->name(), "testbus");
  EXPECT_EQ(client->describe(), "testbus (" + server.host_port() + ")");
  EXPECT_EQ(client->url().port, server.port());
  EXPECT_TRUE(ms::testing::wait_until([&] { return client->connected(); }));
}

TEST(RedisClientOptions, BadUrlAndOptionsAreRefused) {
  IoThreads io(1);
  std::string msg;
  EXPECT_EQ(error_code_of([&] { RedisClient::create(io.executor(), fast_options("http://localhost:1")); }, &msg),
            "bad_redis_url");
  EXPECT_NE(msg.find("http://localhost:1"), std::string::npos) << msg;
  auto o = fast_options("redis://127.0.0.1:1");
  o.command_timeout = 0ms;
  EXPECT_EQ(error_code_of([&] { RedisClient::create(io.executor(), o); }), "bad_redis_options");
  o = fast_options("redis://127.0.0.1:1");
  o.reconnect_max = 1ms;
  EXPECT_EQ(error_code_of([&] { RedisClient::create(io.executor(), o); }), "bad_redis_options");
}

TEST(RedisClientUnreachable, FirstCommandFailsFastNamingTheServer) {
  IoThreads io;
  const auto port = ms::testing::reserve_free_port();  // nothing listens there
  auto client = RedisClient::create(io.executor(), fast_options("redis://127.0.0.1:" + std::to_string(port), "market"));
  const auto t0 = std::chrono::steady_clock::now();
  std::string msg;
  EXPECT_EQ(error_code_of([&] { run(io, client->get("k")); }, &msg), "redis_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_NE(msg.find("market (127.0.0.1:" + std::to_string(port) + ") unavailable"), std::string::npos) << msg;
  EXPECT_NE(msg.find("refused"), std::string::npos) << msg;
  // Still failing fast on later calls while the retries go on in the background.
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(error_code_of([&] { run(io, client->command({"PING"})); }), "redis_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - t1, 1s);
  EXPECT_FALSE(client->connected());
  client.reset();
}

TEST(RedisClientAuth, PasswordFromUrl) {
  ms::testing::RedisServer server({{"--requirepass", "s3cret"}});
  IoThreads io;
  auto good = RedisClient::create(io.executor(), fast_options("redis://:s3cret@127.0.0.1:" + std::to_string(server.port())));
  run(io, good->set("a", "b"));
  EXPECT_EQ(run(io, good->get("a")), "b");

  auto bad = RedisClient::create(io.executor(), fast_options("redis://:wr0ngpw@127.0.0.1:" + std::to_string(server.port())));
  std::string msg;
  EXPECT_EQ(error_code_of([&] { run(io, bad->get("a")); }, &msg), "redis_unavailable");
  EXPECT_NE(msg.find("AUTH failed"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("wr0ngpw"), std::string::npos) << "password leaked: " << msg;

  auto none = RedisClient::create(io.executor(), fast_options(server.url()));
  EXPECT_EQ(error_code_of([&] { run(io, none->get("a")); }, &msg), "redis_unavailable");
  EXPECT_NE(msg.find("NOAUTH"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ms::bus
