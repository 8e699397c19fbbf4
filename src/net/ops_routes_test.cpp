// /healthz, /readyz, /metrics.
#include "net/ops_routes.hpp"

#include <atomic>

#include <gtest/gtest.h>

#include "net/test_clients.hpp"

namespace ms::net {
namespace {

using namespace std::chrono_literals;

TEST(OpsRoutes, HealthReadyMetrics) {
  core::MetricsRegistry metrics("journal");
  metrics.counter("trades_created_total", "Trades created").inc(3);
  std::atomic<bool> db_ok{true};
  auto o = test::test_server_options();
  o.metrics = &metrics;
  test::RunningServer server(o);
  add_ops_routes(server.router(), OpsOptions{.service = "journal",
                                             .metrics = &metrics,
                                             .readiness = [&db_ok]() {
                                               Readiness r;
                                               r.ok = db_ok.load();
                                               r.details["db"] = {{"ok", db_ok.load()}};
                                               r.details["system_redis"] = {{"ok", true}};
                                               return r;
                                             }});
  server.start();

  auto health = test::get(server.port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json(), (nlohmann::json{{"status", "ok"}, {"service", "journal"}}));

  auto ready = test::get(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json()["status"], "ready");
  EXPECT_EQ(ready.json()["checks"]["db"]["ok"], true);

  db_ok = false;
  auto not_ready = test::get(server.port(), "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  auto j = not_ready.json();
  EXPECT_EQ(j["success"], false);
  EXPECT_EQ(j["code"], "not_ready");
  EXPECT_EQ(j["checks"]["db"]["ok"], false);
  EXPECT_EQ(j["checks"]["system_redis"]["ok"], true);

  auto m = test::get(server.port(), "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("# TYPE marketswarm_trades_created_total counter"), std::string::npos);
  EXPECT_NE(m.body.find(R"(marketswarm_trades_created_total{service="journal"} 3)"), std::string::npos);
  // The server's own series are in the same registry.
  EXPECT_NE(m.body.find(R"(marketswarm_http_requests_total{service="journal",route="/healthz")"),
            std::string::npos)
      << m.body;
}

TEST(OpsRoutes, ThrowingAndCoroutineChecks) {
  auto o = test::test_server_options();
  test::RunningServer server(o);
  add_ops_routes(server.router(), OpsOptions{.service = "sse", .readiness = []() -> Readiness {
                                               throw std::runtime_error("redis at 127.0.0.1:6380 refused");
                                             }});
  server.start();
  auto r = test::get(server.port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  // The operator reads the address in the log; the body names only that the check failed.
  EXPECT_EQ(r.json()["checks"]["error"], "check_failed");
  EXPECT_EQ(r.body.find("6380"), std::string::npos) << r.body;

  auto o2 = test::test_server_options();
  test::RunningServer s2(o2);
  add_ops_routes(s2.router(), OpsOptions{.service = "copilot", .readiness = []() -> boost::asio::awaitable<Readiness> {
                                           co_return Readiness{true, {{"intel_redis", {{"ok", true}}}}};
                                         }});
  s2.start();
  auto r2 = test::get(s2.port(), "/readyz");
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.json()["checks"]["intel_redis"]["ok"], true);
  // No registry: /metrics says so instead of an empty 200.
  EXPECT_EQ(test::get(s2.port(), "/metrics").status, 404);
}

TEST(OpsRoutes, MetricsAndReadinessAnswerLoopbackOnly) {
  core::MetricsRegistry metrics("sse");
  Router router;
  add_ops_routes(router, OpsOptions{.service = "sse", .metrics = &metrics});
  Request req;
  req.method = "GET";
  req.path = "/metrics";
  req.remote_address = "192.168.1.20";
  auto m = router.match("GET", "/metrics");
  ASSERT_TRUE(m.route && m.route->handler.sync());
  auto res = m.route->handler.sync()(req);
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(nlohmann::json::parse(res.body)["code"], "forbidden");
  req.remote_address = "127.0.0.1";
  EXPECT_EQ(m.route->handler.sync()(req).status, 200);
  // /healthz answers anyone.
  req.remote_address = "192.168.1.20";
  EXPECT_EQ(router.match("GET", "/healthz").route->handler.sync()(req).status, 200);

  Router open;
  add_ops_routes(open, OpsOptions{.service = "sse", .metrics = &metrics, .loopback_only = false});
  EXPECT_EQ(open.match("GET", "/metrics").route->handler.sync()(req).status, 200);
}

}  // namespace
}  // namespace ms::net
