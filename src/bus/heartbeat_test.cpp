#include "bus/heartbeat.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "bus/blocking_redis.hpp"
#include "bus/bus_test_support.hpp"
#include "testing/redis_server.hpp"

namespace ms::bus {
namespace {

using namespace ms::bus::test;
using ms::testing::wait_until;

class HeartbeatTest : public ::testing::Test {
 protected:
  void SetUp() override { bus = RedisClient::create(io.executor(), fast_options(server.url(), "system")); }
  void TearDown() override { bus.reset(); }

  HeartbeatOptions options() {
    HeartbeatOptions o;
    o.service = "journal";
    o.instance = "test-1";
    o.truth_sha = "abc123";
    o.interval = 50ms;
    o.ttl = std::chrono::seconds(5);
    return o;
  }
  std::optional<nlohmann::json> read() {
    const auto r = admin.command({"GET", "journal:heartbeat"});
    if (r.is_nil()) return std::nullopt;
    return nlohmann::json::parse(r.str);
  }
  std::string status_now() {
    auto j = read();
    return j ? j->at("status").get<std::string>() : "";
  }

  ms::testing::RedisServer server;
  IoThreads io;
  std::shared_ptr<RedisClient> bus;
  BlockingRedis admin{server.url()};
};

TEST_F(HeartbeatTest, WritesTheKeyWithAllFieldsAndTtl) {
  Heartbeat hb(bus, options());
  EXPECT_EQ(hb.key(), "journal:heartbeat");
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  hb.start();
  ASSERT_TRUE(wait_until([&] { return read().has_value(); }));
  const auto j = *read();
  EXPECT_EQ(j.at("service"), "journal");
  EXPECT_EQ(j.at("pid"), static_cast<std::int64_t>(::getpid()));
  EXPECT_EQ(j.at("instance"), "test-1");
  EXPECT_EQ(j.at("status"), "starting");
  EXPECT_EQ(j.at("truth_sha"), "abc123");
  ASSERT_TRUE(j.at("ts").is_number_integer());
  EXPECT_GE(j.at("ts").get<std::int64_t>(), before);
  EXPECT_LT(j.at("ts").get<std::int64_t>(), before + 60000);
  const auto ttl = admin.command({"TTL", "journal:heartbeat"}).integer;
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 5);
  run(io, hb.stop());
}

TEST_F(HeartbeatTest, BeatsEveryIntervalWithFreshTimestamps) {
  Heartbeat hb(bus, options());
  hb.start();
  ASSERT_TRUE(wait_until([&] { return hb.beats() >= 1; }));
  const auto first_ts = read()->at("ts").get<std::int64_t>();
  ASSERT_TRUE(wait_until([&] { return hb.beats() >= 4; }));
  EXPECT_GT(read()->at("ts").get<std::int64_t>(), first_ts);
  run(io, hb.stop());
}

TEST_F(HeartbeatTest, StatusChangesAreWrittenAtOnce) {
  auto o = options();
  o.interval = 60000ms;  // only the first beat and the status changes can write
  o.ttl = std::chrono::seconds(120);
  Heartbeat hb(bus, o);
  hb.start();
  ASSERT_TRUE(wait_until([&] { return status_now() == "starting"; }));
  hb.set_status(HeartbeatStatus::running);
  EXPECT_EQ(hb.status(), HeartbeatStatus::running);
  ASSERT_TRUE(wait_until([&] { return status_now() == "running"; }, 2000ms));
  hb.set_status(HeartbeatStatus::degraded);
  ASSERT_TRUE(wait_until([&] { return status_now() == "degraded"; }, 2000ms));
  run(io, hb.stop());
  EXPECT_EQ(status_now(), "stopping");
}

TEST_F(HeartbeatTest, StopWritesAFinalStoppingBeatAndEndsTheLoop) {
  Heartbeat hb(bus, options());
  hb.start();
  hb.set_status(HeartbeatStatus::running);
  ASSERT_TRUE(wait_until([&] { return hb.beats() >= 2; }));
  run(io, hb.stop());
  EXPECT_EQ(status_now(), "stopping");
  const auto beats = hb.beats();
  // No beat may follow the final one (it would overwrite "stopping").
  EXPECT_FALSE(wait_until([&] { return hb.beats() > beats; }, 200ms));
  EXPECT_EQ(status_now(), "stopping");
  run(io, hb.stop());  // twice is fine
}

TEST_F(HeartbeatTest, FailuresAreCountedAndTheLoopGoesOn) {
  Heartbeat hb(bus, options());
  hb.start();
  ASSERT_TRUE(wait_until([&] { return hb.beats() >= 1; }));
  server.kill();
  ASSERT_TRUE(wait_until([&] { return hb.failures() >= 2; }));
  server.restart();
  const auto beats = hb.beats();
  ASSERT_TRUE(wait_until([&] { return hb.beats() > beats; }));
  BlockingRedis again(server.url());
  EXPECT_FALSE(again.command({"GET", "journal:heartbeat"}).is_nil());
  run(io, hb.stop());
}

TEST_F(HeartbeatTest, DefaultInstanceAndNullTruthSha) {
  auto o = options();
  o.instance.clear();
  o.truth_sha.clear();
  Heartbeat hb(bus, o);
  const auto j = nlohmann::json::parse(hb.payload(HeartbeatStatus::degraded, 42));
  EXPECT_EQ(j.at("ts"), 42);
  EXPECT_EQ(j.at("status"), "degraded");
  EXPECT_TRUE(j.at("truth_sha").is_null());
  EXPECT_NE(j.at("instance").get<std::string>().find(":" + std::to_string(::getpid())), std::string::npos);
}

TEST_F(HeartbeatTest, DestructionWithoutStopStillWritesStopping) {
  {
    Heartbeat hb(bus, options());
    hb.start();
    ASSERT_TRUE(wait_until([&] { return hb.beats() >= 1; }));
  }
  ASSERT_TRUE(wait_until([&] { return status_now() == "stopping"; }));
}

TEST_F(HeartbeatTest, BadOptionsAreRefused) {
  auto o = options();
  o.service.clear();
  EXPECT_EQ(error_code_of([&] { Heartbeat(bus, o); }), "bad_heartbeat_options");
  o = options();
  o.interval = 0ms;
  EXPECT_EQ(error_code_of([&] { Heartbeat(bus, o); }), "bad_heartbeat_options");
  o = options();
  o.interval = 5000ms;
  o.ttl = std::chrono::seconds(5);
  std::string msg;
  EXPECT_EQ(error_code_of([&] { Heartbeat(bus, o); }, &msg), "bad_heartbeat_options");
  EXPECT_NE(msg.find("outlast"), std::string::npos) << msg;
  EXPECT_EQ(error_code_of([&] { Heartbeat(nullptr, options()); }), "bad_heartbeat_options");
}

}  // namespace
}  // namespace ms::bus
