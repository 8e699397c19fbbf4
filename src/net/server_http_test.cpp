// The HTTP server end to end on 127.0.0.1: routing, every error status, limits, timeouts,
// request ids, CORS, metrics, graceful shutdown of in-flight requests.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "core/metrics.hpp"
#include "net/test_clients.hpp"
#include "testing/wait.hpp"

namespace ms::net {
namespace {

using namespace std::chrono_literals;
using test::http_request;
using test::RunningServer;
using test::TestSocket;

void add_echo_routes(Router& r) {
  r.get("/api/models/gex/{symbol}", [](Request& req) {
    return Response::json(200, {{"symbol", req.param("symbol")}, {"route", req.route_pattern},
                                {"days", req.query_param("days").value_or("")}});
  });
  r.post("/api/echo", [](Request& req) { return Response::json(200, {{"got", req.json_object()}}); });
  r.post("/api/upload", [](Request& req) { return Response::json(200, {{"bytes", req.body.size()}}); },
         RouteOptions{.body_limit = 4 << 20});
  r.get("/api/throws", [](Request&) -> Response { throw std::runtime_error("database password is hunter2"); });
  r.get("/api/async-throws", [](Request&) -> boost::asio::awaitable<Response> {
    throw std::logic_error("boom");
    co_return Response::no_content();
  });
  r.get("/api/missing", [](Request&) -> Response { throw core::Error("not_found", "no trade 42"); });
  r.get("/api/async", [](Request& req) -> boost::asio::awaitable<Response> {
    co_return Response::json(200, {{"rid", req.request_id}});
  });
  r.del("/api/items/{id}", [](Request& req) { return Response::json(200, {{"deleted", req.param("id")}}); });
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = test::test_server_options();
    o.body_limit = 1024;
    o.cors.allowed_origins = {"https://app.example.com"};
    o.cors.allow_credentials = true;
    o.metrics = &metrics;
    server = std::make_unique<RunningServer>(o);
    add_echo_routes(server->router());
    server->start();
  }
  std::uint16_t port() const { return server->port(); }

  core::MetricsRegistry metrics{"test"};
  std::unique_ptr<RunningServer> server;
};

TEST_F(HttpServerTest, RoutesWithDecodedPathAndQueryParams) {
  auto r = test::get(port(), "/api/models/gex/I%3ASPX?days=20");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  auto j = r.json();
  EXPECT_EQ(j["symbol"], "I:SPX");
  EXPECT_EQ(j["route"], "/api/models/gex/{symbol}");
  EXPECT_EQ(j["days"], "20");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(HttpServerTest, UnknownPathIs404JsonNamingThePath) {
  auto r = test::get(port(), "/api/nope");
  EXPECT_EQ(r.status, 404);
  auto j = r.json();
  EXPECT_EQ(j["success"], false);
  EXPECT_EQ(j["code"], "not_found");
  EXPECT_NE(j["error"].get<std::string>().find("/api/nope"), std::string::npos);
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  auto r = http_request(port(), "PUT", "/api/echo", "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "OPTIONS, POST");
  EXPECT_EQ(r.json()["code"], "method_not_allowed");
  EXPECT_NE(r.json()["error"].get<std::string>().find("PUT"), std::string::npos);
}

TEST_F(HttpServerTest, HeadAnswersGetWithoutBody) {
  TestSocket s(port());
  ASSERT_TRUE(s.send(test::build_request("HEAD", "/api/models/gex/SPX", {}, {}, true)));
  auto r = s.read_response(5s, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const auto length = std::stoul(r->header("Content-Length").value_or("0"));
  EXPECT_GT(length, 0u);
  // The same connection answers the next request: nothing of the HEAD body was sent.
  ASSERT_TRUE(s.send(test::build_request("GET", "/api/models/gex/SPX", {}, {}, true)));
  auto r2 = s.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200);
  EXPECT_EQ(r2->body.size(), length);
}

TEST_F(HttpServerTest, OptionsWithoutPreflightListsMethods) {
  auto r = http_request(port(), "OPTIONS", "/api/items/7");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Allow"), "DELETE, OPTIONS");
}

TEST_F(HttpServerTest, JsonBodyEchoed) {
  auto r = test::post_json(port(), "/api/echo", R"({"strike":5000})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["got"]["strike"], 5000);
}

TEST_F(HttpServerTest, MalformedJsonIs400NamingThePosition) {
  auto r = test::post_json(port(), "/api/echo", R"({"strike":})");
  EXPECT_EQ(r.status, 400);
  auto j = r.json();
  EXPECT_EQ(j["code"], "invalid_json");
  EXPECT_NE(j["error"].get<std::string>().find("at byte 11"), std::string::npos) << j.dump();
}

TEST_F(HttpServerTest, NonJsonContentTypeIs415) {
  auto r = http_request(port(), "POST", "/api/echo", R"({"a":1})", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.json()["code"], "unsupported_media_type");
}

TEST_F(HttpServerTest, OversizedBodyIs413NamingTheLimit) {
  const std::string body = "{\"x\":\"" + std::string(5000, 'a') + "\"}";
  auto r = test::post_json(port(), "/api/echo", body);
  EXPECT_EQ(r.status, 413);
  auto j = r.json();
  EXPECT_EQ(j["code"], "payload_too_large");
  EXPECT_NE(j["error"].get<std::string>().find("1024"), std::string::npos) << j.dump();
  // The server is fine afterwards.
  EXPECT_EQ(test::post_json(port(), "/api/echo", "{}").status, 200);
}

TEST_F(HttpServerTest, OversizedChunkedBodyIs413) {
  TestSocket s(port());
  std::string req =
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += "200\r\n" + std::string(512, ' ') + "\r\n";
  req += "0\r\n\r\n";
  s.send(req);
  auto r = s.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("Connection"), "close");
}

TEST_F(HttpServerTest, RouteMayRaiseTheBodyLimit) {
  auto r = http_request(port(), "POST", "/api/upload", std::string(100000, 'x'), {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["bytes"], 100000);
}

TEST_F(HttpServerTest, ExpectContinueGets100ThenTheAnswer) {
  TestSocket s(port());
  s.send(
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
      "Expect: 100-continue\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(s.read_until([](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }, 5s));
  EXPECT_EQ(s.buffer().rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u) << s.buffer();
  s.buffer().erase(0, s.buffer().find("\r\n\r\n") + 4);
  s.send(R"({"a":1})");
  auto r = s.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, ExpectContinueWithOversizedLengthIs413WithoutContinue) {
  TestSocket s(port());
  s.send(
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999\r\n"
      "Expect: 100-continue\r\n\r\n");
  auto r = s.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  auto r = test::get(port(), "/api/throws");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json()["code"], "internal_error");
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(test::get(port(), "/api/async-throws").status, 500);
  EXPECT_EQ(test::get(port(), "/api/models/gex/SPX").status, 200);
}

TEST_F(HttpServerTest, CoreErrorCodeMapsToStatus) {
  auto r = test::get(port(), "/api/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"], "no trade 42");
}

TEST_F(HttpServerTest, RequestIdHonouredGeneratedOrReplaced) {
  auto r = test::get(port(), "/api/async", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(r.header("X-Request-Id"), "abc-123");
  EXPECT_EQ(r.json()["rid"], "abc-123");
  r = test::get(port(), "/api/async");
  ASSERT_TRUE(r.header("X-Request-Id"));
  EXPECT_EQ(r.header("X-Request-Id")->size(), 16u);
  r = test::get(port(), "/api/async", {{"X-Request-Id", "bad id <script>"}});
  EXPECT_NE(r.header("X-Request-Id"), "bad id <script>");
  EXPECT_EQ(r.header("X-Request-Id")->size(), 16u);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestSocket s(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.send(test::build_request("GET", "/api/models/gex/X" + std::to_string(i), {}, {}, true)));
    auto r = s.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->json()["symbol"], "X" + std::to_string(i));
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  TestSocket s(port());
  ASSERT_TRUE(s.send(test::build_request("GET", "/api/models/gex/A", {}, {}, true) +
                     test::build_request("GET", "/api/models/gex/B", {}, {}, true)));
  auto a = s.read_response();
  auto b = s.read_response();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->json()["symbol"], "A");
  EXPECT_EQ(b->json()["symbol"], "B");
}

TEST_F(HttpServerTest, MalformedRequestIs400Json) {
  TestSocket s(port());
  s.send("GARBAGE\r\n\r\n");
  auto r = s.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->json()["code"], "bad_request");
  EXPECT_TRUE(s.wait_closed(2s));
}

TEST_F(HttpServerTest, HugeHeadersAre431) {
  TestSocket s(port());
  s.send("GET /api/async HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  auto r = s.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST_F(HttpServerTest, BadPercentEncodingIs400) {
  auto r = test::get(port(), "/api/models/gex/%zz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["code"], "bad_path");
}

TEST_F(HttpServerTest, CorsAllowedOriginEchoedWithCredentials) {
  auto r = test::get(port(), "/api/async", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(r.header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(r.header("Vary"), "Origin");
}

TEST_F(HttpServerTest, CorsDisallowedOriginGetsNoAllowHeaders) {
  auto r = test::get(port(), "/api/async", {{"Origin", "https://evil.example.com"}});
  EXPECT_EQ(r.status, 200);  // CORS is enforced by the browser; the server just does not allow it
  EXPECT_FALSE(r.header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(r.header("Access-Control-Allow-Credentials"));
}

TEST_F(HttpServerTest, CorsPreflight) {
  auto ok = http_request(port(), "OPTIONS", "/api/items/3",
                         {}, {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "DELETE"}});
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(ok.header("Access-Control-Allow-Methods"), "DELETE, OPTIONS");
  auto bad = http_request(port(), "OPTIONS", "/api/items/3",
                          {}, {{"Origin", "https://evil.example.com"}, {"Access-Control-Request-Method", "DELETE"}});
  EXPECT_EQ(bad.status, 403);
  EXPECT_EQ(bad.json()["code"], "cors_origin_not_allowed");
  EXPECT_FALSE(bad.header("Access-Control-Allow-Origin"));
}

TEST_F(HttpServerTest, RequestsAreCountedByRouteAndStatusClass) {
  test::get(port(), "/api/models/gex/SPX");
  test::get(port(), "/api/nope");
  // Metrics are recorded after the response is written: wait for them.
  ASSERT_TRUE(testing::wait_until([&] {
    const auto text = metrics.render();
    return text.find(R"(route="/api/models/gex/{symbol}",method="GET",status="2xx"} 1)") != std::string::npos &&
           text.find(R"(route="unmatched",method="GET",status="4xx"} 1)") != std::string::npos;
  })) << metrics.render();
  EXPECT_NE(metrics.render().find("marketswarm_http_request_duration_seconds_bucket"), std::string::npos);
}

// ---------------------------------------------------------------- timeouts

TEST(HttpServerTimeouts, SlowlorisClientIsCutAfterTheHeaderTimeout) {
  auto o = test::test_server_options();
  o.header_timeout = 300ms;
  o.idle_timeout = 10s;  // must not be what cuts it
  core::MetricsRegistry metrics("test");
  o.metrics = &metrics;
  RunningServer server(o);
  server.router().get("/", [](Request&) { return Response::no_content(); });
  server.start();

  TestSocket s(server.port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(s.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  // Dribbling more bytes does not extend the deadline.
  std::this_thread::sleep_for(100ms);
  s.send("a");
  ASSERT_TRUE(s.wait_closed(3s));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_TRUE(testing::wait_until([&] {
    return metrics.render().find(R"(http_timeouts_total{service="test",phase="header"} 1)") != std::string::npos;
  })) << metrics.render();
}

TEST(HttpServerTimeouts, SilentNewConnectionIsCut) {
  auto o = test::test_server_options();
  o.header_timeout = 200ms;
  RunningServer server(o);
  server.start();
  TestSocket s(server.port());
  EXPECT_TRUE(s.wait_closed(3s));
}

TEST(HttpServerTimeouts, IdleKeepAliveConnectionIsClosed) {
  auto o = test::test_server_options();
  o.idle_timeout = 300ms;
  RunningServer server(o);
  server.router().get("/", [](Request&) { return Response::no_content(); });
  server.start();
  TestSocket s(server.port());
  ASSERT_TRUE(s.send(test::build_request("GET", "/", {}, {}, true)));
  auto r = s.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.wait_closed(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

// ---------------------------------------------------------------- lifecycle

TEST(HttpServerLifecycle, ReportsTheEphemeralPortAndRefusesABusyOne) {
  RunningServer a;
  a.start();
  EXPECT_NE(a.port(), 0);
  auto o = test::test_server_options();
  o.port = a.port();
  test::RunningServer b(o);
  try {
    b.server.start();
    FAIL() << "second bind succeeded";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "bind_failed");
    EXPECT_NE(std::string(e.what()).find(std::to_string(a.port())), std::string::npos);
  }
}

TEST(HttpServerLifecycle, BadOptionsAreRefusedAtConstruction) {
  auto o = test::test_server_options();
  o.cors.allowed_origins = {"*"};
  o.cors.allow_credentials = true;
  EXPECT_THROW(RunningServer{o}, core::Error);
  auto o2 = test::test_server_options();
  o2.static_files = StaticFilesOptions{.root = "/nonexistent/dir/for/sure"};
  EXPECT_THROW(RunningServer{o2}, core::Error);
}

TEST(HttpServerLifecycle, GracefulStopLetsInFlightRequestFinish) {
  RunningServer server;
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  server.router().get("/slow", [&](Request&) {
    std::unique_lock lk(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lk, [&] { return release; });
    return Response::json(200, {{"done", true}});
  });
  server.start();
  TestSocket s(server.port());
  ASSERT_TRUE(s.send(test::build_request("GET", "/slow", {}, {}, true)));
  {
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, 5s, [&] { return entered; }));
  }
  server.server.stop(5s);
  // New connections are refused once stopping has begun.
  ASSERT_TRUE(testing::wait_until([&] {
    try {
      TestSocket probe(server.port());
      return false;
    } catch (const std::exception&) {
      return true;
    }
  }));
  EXPECT_FALSE(server.server.stopped());
  {
    std::lock_guard lk(mu);
    release = true;
  }
  cv.notify_all();
  auto r = s.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(server.server.wait_stopped(3s));
  EXPECT_EQ(server.server.open_connections(), 0u);
}

TEST(HttpServerLifecycle, StopClosesIdleKeepAliveConnectionsAtOnce) {
  RunningServer server;
  server.router().get("/", [](Request&) { return Response::no_content(); });
  server.start();
  TestSocket s(server.port());
  ASSERT_TRUE(s.send(test::build_request("GET", "/", {}, {}, true)));
  ASSERT_TRUE(s.read_response());
  const auto start = std::chrono::steady_clock::now();
  server.server.stop(10s);
  EXPECT_TRUE(server.server.wait_stopped(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(s.wait_closed(2s));
}

TEST(HttpServerLifecycle, StopWithoutStartIsImmediate) {
  RunningServer server;
  server.server.stop(1s);
  EXPECT_TRUE(server.server.wait_stopped(100ms));
}

}  // namespace
}  // namespace ms::net
