// A whole service life on real Redis and SQLite: truth from a file, ops routes, heartbeat,
// readiness following the bus, graceful stop.
#include "runtime/service.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>

#include "bus/blocking_redis.hpp"
#include "core/truth/builder.hpp"
#include "net/http_client.hpp"
#include "testing/ports.hpp"
#include "testing/redis_server.hpp"
#include "testing/source_tree.hpp"
#include "testing/temp_dir.hpp"
#include "testing/wait.hpp"

namespace {

using namespace std::chrono_literals;


int http_status(const std::string& url) {
  static ms::net::HttpClient client;
  ms::net::HttpClient::Request r;
  r.url = url;
  r.connect_timeout = 500ms;
  r.total_timeout = 2000ms;
  try {
    return client.perform(r).status;
  } catch (const std::exception&) {
    return 0;
  }
}

nlohmann::json heartbeat(const std::string& redis_url, const std::string& id) {
  ms::bus::BlockingRedis r(redis_url, 1000ms);
  auto reply = r.command({"GET", id + ":heartbeat"});
  if (reply.type != ms::bus::Reply::Type::string) return nullptr;
  return nlohmann::json::parse(reply.str);
}

TEST(Service, RunsWithOpsRoutesHeartbeatAndStopsGracefully) {
  ms::testing::RedisServer redis;
  ms::testing::TempDir dir("ms-runtime");
  const auto port = ms::testing::reserve_free_port();
  for (const char* bus : {"MS_BUS_SYSTEM_REDIS_URL", "MS_BUS_MARKET_REDIS_URL", "MS_BUS_INTEL_REDIS_URL"})
    ::setenv(bus, redis.url().c_str(), 1);
  ::setenv("MS_JOURNAL_PORT", std::to_string(port).c_str(), 1);
  ::setenv("MS_JOURNAL_BIND", "127.0.0.1", 1);
  ::setenv("MS_DATABASE_URL", "sqlite:service-test.db", 1);

  auto built = ms::core::truth::build(ms::testing::source_truth_dir());
  ASSERT_TRUE(built.ok());
  const auto truth_file = dir / "truth.json";
  std::ofstream(truth_file) << built.composite.dump();

  ms::runtime::ServiceSpec spec;
  spec.id = "journal";
  spec.needs_database = true;
  std::atomic<ms::runtime::ServiceContext*> ctx{nullptr};
  spec.configure = [&](ms::runtime::ServiceContext& c) {
    c.router().get("/api/hello", [](ms::net::Request&) {
      return ms::net::Response::json(200, {{"hello", "world"}});
    });
    ctx = &c;
  };
  bool stopped_hook = false;
  spec.on_stop = [&](ms::runtime::ServiceContext&) { stopped_hook = true; };

  ms::runtime::ServiceOptions opts;
  opts.truth_file = truth_file.string();
  opts.data_dir = dir.path();
  opts.threads = 2;
  opts.heartbeat_interval = 100ms;
  int rc = -1;
  std::thread t([&] { rc = ms::runtime::run_service(spec, opts); });

  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(ms::testing::wait_until([&] { return http_status(base + "/healthz") == 200; }, 15s));
  EXPECT_EQ(http_status(base + "/api/hello"), 200);
  EXPECT_TRUE(ms::testing::wait_until([&] { return http_status(base + "/readyz") == 200; }, 5s));
  EXPECT_EQ(http_status(base + "/metrics"), 200);
  EXPECT_TRUE(std::filesystem::exists(dir / "service-test.db"));

  ASSERT_TRUE(ms::testing::wait_until(
      [&] {
        auto hb = heartbeat(redis.url(), "journal");
        return hb.is_object() && hb.value("status", "") == "running";
      },
      5s));
  auto hb = heartbeat(redis.url(), "journal");
  EXPECT_EQ(hb["service"], "journal");
  EXPECT_EQ(hb["pid"], ::getpid());
  EXPECT_FALSE(hb["truth_sha"].get<std::string>().empty());

  // The bus goes away: not ready; it comes back: ready again.
  redis.stop();
  EXPECT_TRUE(ms::testing::wait_until([&] { return http_status(base + "/readyz") == 503; }, 5s));
  EXPECT_EQ(http_status(base + "/healthz"), 200);
  redis.restart();
  EXPECT_TRUE(ms::testing::wait_until([&] { return http_status(base + "/readyz") == 200; }, 10s));

  ASSERT_NE(ctx.load(), nullptr);
  ctx.load()->request_stop();
  t.join();
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(stopped_hook);
  EXPECT_EQ(heartbeat(redis.url(), "journal").value("status", ""), "stopping");
  EXPECT_EQ(http_status(base + "/healthz"), 0);  // nobody listens any more

  for (const char* v : {"MS_BUS_SYSTEM_REDIS_URL", "MS_BUS_MARKET_REDIS_URL", "MS_BUS_INTEL_REDIS_URL",
                        "MS_JOURNAL_PORT", "MS_JOURNAL_BIND", "MS_DATABASE_URL"})
    ::unsetenv(v);
}

TEST(Service, MissingTruthIsAClearError) {
  ms::runtime::ServiceSpec spec;
  spec.id = "journal";
  ms::runtime::ServiceOptions opts;
  opts.truth_file = "/nonexistent/truth.json";
  try {
    ms::runtime::run_service(spec, opts);
    FAIL() << "expected an error";
  } catch (const ms::core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/truth.json"), std::string::npos) << e.what();
  }
}

TEST(Service, TruthUnavailableMessageHidesTheBusPassword) {
  // Nothing listens on the port: load_truth gives up at once and names the URL, redacted.
  const auto port = ms::testing::reserve_free_port();
  const std::string url = "redis://:hunter2@127.0.0.1:" + std::to_string(port);
  ::setenv("TRUTH_REDIS_URL", url.c_str(), 1);
  try {
    ms::runtime::load_truth("", std::chrono::milliseconds(0));
    FAIL() << "expected truth_unavailable";
  } catch (const ms::core::Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), "truth_unavailable") << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
    EXPECT_NE(what.find("redis://:***@127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
  }
  ::unsetenv("TRUTH_REDIS_URL");
}

}  // namespace
