#include "bus/blocking_redis.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "testing/ports.hpp"
#include "testing/redis_server.hpp"

namespace ms::bus {
namespace {

using namespace std::chrono_literals;

std::string code_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const core::Error& e) {
    if (message != nullptr) *message = e.what();
    return e.code();
  }
  return "";
}

TEST(BlockingRedis, RunsCommands) {
  ms::testing::RedisServer server;
  BlockingRedis redis(server.url());
  EXPECT_EQ(redis.command({"PING"}).str, "PONG");
  EXPECT_EQ(redis.command({"SET", "k", "v"}).type, Reply::Type::status);
  EXPECT_EQ(redis.command({"GET", "k"}).as_optional_string(), "v");
  EXPECT_TRUE(redis.command({"GET", "none"}).is_nil());
  EXPECT_EQ(redis.command({"INCRBY", "n", "5"}).integer, 5);
  const auto arr = redis.command({"MGET", "k", "none"});
  ASSERT_EQ(arr.type, Reply::Type::array);
  EXPECT_EQ(arr.elements[0].str, "v");
  EXPECT_TRUE(arr.elements[1].is_nil());
}

TEST(BlockingRedis, BinarySafe) {
  ms::testing::RedisServer server;
  BlockingRedis redis(server.url());
  const std::string value("a\0b\r\nc", 6);
  redis.command({"SET", "bin", value});
  EXPECT_EQ(redis.command({"GET", "bin"}).str, value);
}

TEST(BlockingRedis, ErrorReplyIsAValueNotAnException) {
  ms::testing::RedisServer server;
  BlockingRedis redis(server.url());
  const auto r = redis.command({"NOSUCHCOMMAND", "x"});
  EXPECT_TRUE(r.is_error());
  EXPECT_NE(r.str.find("unknown command"), std::string::npos) << r.str;
  EXPECT_EQ(redis.command({"PING"}).str, "PONG");  // still usable
}

TEST(BlockingRedis, ClosedPortThrowsUnavailableNamingHostPort) {
  const auto port = ms::testing::reserve_free_port();
  std::string msg;
  EXPECT_EQ(code_of([&] { BlockingRedis("redis://127.0.0.1:" + std::to_string(port), 500ms); }, &msg),
            "redis_unavailable");
  EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << msg;
}

TEST(BlockingRedis, BadUrlAndBadArguments) {
  EXPECT_EQ(code_of([] { BlockingRedis("localhost:6379"); }), "bad_redis_url");
  EXPECT_EQ(code_of([] { BlockingRedis("redis://127.0.0.1:1", 0ms); }), "bad_redis_options");
  ms::testing::RedisServer server;
  BlockingRedis redis(server.url());
  EXPECT_EQ(code_of([&] { redis.command({}); }), "redis_bad_argument");
}

TEST(BlockingRedis, PasswordAndDb) {
  ms::testing::RedisServer server({{"--requirepass", "pw1"}});
  const auto base = "127.0.0.1:" + std::to_string(server.port());
  BlockingRedis db2("redis://:pw1@" + base + "/2");
  db2.command({"SET", "k", "in2"});
  BlockingRedis db0("redis://:pw1@" + base);
  EXPECT_TRUE(db0.command({"GET", "k"}).is_nil());
  EXPECT_EQ(db2.command({"GET", "k"}).str, "in2");
  std::string msg;
  EXPECT_EQ(code_of([&] { BlockingRedis("redis://:bad@" + base); }, &msg), "redis_unavailable");
  EXPECT_NE(msg.find("AUTH failed"), std::string::npos) << msg;
}

TEST(BlockingRedis, ServerGoneThenBack) {
  ms::testing::RedisServer server;
  BlockingRedis redis(server.url(), 500ms);
  EXPECT_EQ(redis.command({"PING"}).str, "PONG");
  server.kill();
  EXPECT_EQ(code_of([&] { redis.command({"PING"}); }), "redis_unavailable");
  server.restart();
  EXPECT_EQ(redis.command({"PING"}).str, "PONG");  // connects again on the next call
}

TEST(BlockingRedis, StalledServerTimesOut) {
  ms::testing::RedisServer server;
  BlockingRedis redis(server.url(), 200ms);
  server.pause();
  const auto t0 = std::chrono::steady_clock::now();
  std::string msg;
  EXPECT_EQ(code_of([&] { redis.command({"PING"}); }, &msg), "redis_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3000ms);
  EXPECT_NE(msg.find("timed out"), std::string::npos) << msg;
  server.resume();
}

}  // namespace
}  // namespace ms::bus
