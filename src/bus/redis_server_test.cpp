// The test helper itself: it must really start, stop and restart a server on the same port.
#include "testing/redis_server.hpp"

#include <cstdlib>
#include <gtest/gtest.h>

namespace ms::testing {
namespace {

using namespace std::chrono_literals;

TEST(RedisServerHelper, StartsAnswersAndStops) {
  RedisServer server;
  EXPECT_GT(server.port(), 0);
  EXPECT_EQ(server.url(), "redis://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_TRUE(server.running());
  EXPECT_TRUE(redis_answers_ping(server.port(), 500ms));
  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_FALSE(redis_answers_ping(server.port(), 200ms));
}

TEST(RedisServerHelper, RestartKeepsThePort) {
  RedisServer server;
  const auto port = server.port();
  server.kill();
  EXPECT_FALSE(redis_answers_ping(port, 200ms));
  server.restart();
  EXPECT_EQ(server.port(), port);
  EXPECT_TRUE(redis_answers_ping(port, 500ms));
}

TEST(RedisServerHelper, TwoServersGetTwoPorts) {
  RedisServer a, b;
  EXPECT_NE(a.port(), b.port());
}

TEST(RedisServerHelper, BinaryComesFromTheEnvironmentFirst) {
  ::setenv("MS_REDIS_SERVER", "/nonexistent/redis-server", 1);
  EXPECT_EQ(RedisServer::binary_path(), "/nonexistent/redis-server");
  EXPECT_THROW(RedisServer{}, std::exception);
  ::unsetenv("MS_REDIS_SERVER");
  EXPECT_NE(RedisServer::binary_path().find("redis-server"), std::string::npos);
}

TEST(RedisServerHelper, BadArgumentsFailWithTheLog) {
  try {
    RedisServer server({{"--no-such-option", "1"}, 2000ms});
    FAIL() << "started with a bad option";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-option"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ms::testing
