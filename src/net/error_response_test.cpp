// Honest status codes (issue 8 item 3): a handler's exception becomes 4xx only when it is the
// caller's fault; a dependency that is down, slow or busy is a 503 with Retry-After; anything
// else is a generic 500 with the request id. No 5xx body carries what(), which is where library
// errors keep host:port, URLs and driver text; the log line has it instead.
#include <memory>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "net/error_response.hpp"
#include "net/test_clients.hpp"

namespace ms::net {
namespace {

// Captures what the server logs while a test runs, then puts the previous logger back.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

class ErrorResponseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<test::RunningServer>(test::test_server_options());
    auto& r = server->router();
    r.get("/api/redis", [](Request&) -> Response {
      throw core::Error("redis_unavailable", "redis 127.0.0.1:6380 refused");
    });
    r.get("/api/timeout", [](Request&) -> boost::asio::awaitable<Response> {
      throw core::Error("http_timeout", "GET http://user:pw@10.1.2.3:8095/api timed out");
      co_return Response::no_content();
    });
    r.get("/api/busy", [](Request&) -> Response {
      throw core::Error("database_busy", "database is locked (sqlite3 /var/lib/ms/journal.db)");
    });
    r.get("/api/driver", [](Request&) -> Response {
      throw std::runtime_error("driver text secret=s3cr3t near 'SELECT'");
    });
    r.get("/api/unlisted", [](Request&) -> Response {
      throw core::Error("redis_type", "WRONGTYPE at mysql://ms:pw@db:3306/journal");
    });
    r.get("/api/conflict", [](Request&) -> Response { throw core::Error("conflict", "trade 7 is already closed"); });
    r.post("/api/field", [](Request&) -> Response {
      throw HttpError(422, "unprocessable", "quantity must be positive", "quantity");
    });
    r.get("/api/upstream", [](Request&) -> Response { throw HttpError(503, "journal_down", "journal is starting"); });
    server->start();
  }
  std::uint16_t port() const { return server->port(); }

  std::unique_ptr<test::RunningServer> server;
};

void expect_retryable_503(const test::HttpResponse& r, std::string_view code, std::string_view rid,
                          std::initializer_list<std::string_view> hidden) {
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.header("Retry-After"), std::to_string(kRetryAfterSeconds));
  const auto j = r.json();
  EXPECT_EQ(j["success"], false);
  EXPECT_EQ(j["code"], code);
  EXPECT_EQ(j["request_id"], rid);
  EXPECT_NE(j["error"].get<std::string>().find(rid), std::string::npos);
  for (auto h : hidden) EXPECT_EQ(r.body.find(h), std::string::npos) << h << " leaked: " << r.body;
}

TEST_F(ErrorResponseTest, UnavailableDependencyIs503WithRetryAfterAndNoAddress) {
  LogCapture log;
  auto r = test::get(port(), "/api/redis", {{"X-Request-Id", "rid-redis-1"}});
  expect_retryable_503(r, "redis_unavailable", "rid-redis-1", {"127.0.0.1", "6380", "refused"});
  // The operator still learns where it failed, tied to the request id.
  const auto line = log.text();
  EXPECT_NE(line.find("rid-redis-1"), std::string::npos) << line;
  EXPECT_NE(line.find("127.0.0.1:6380"), std::string::npos) << line;
  EXPECT_NE(line.find("/api/redis"), std::string::npos) << line;
}

TEST_F(ErrorResponseTest, TimeoutIs503AndHidesTheUpstreamUrl) {
  auto r = test::get(port(), "/api/timeout", {{"X-Request-Id", "rid-timeout"}});
  expect_retryable_503(r, "http_timeout", "rid-timeout", {"10.1.2.3", "8095", "pw@", "timed out"});
}

TEST_F(ErrorResponseTest, BusyIs503AndHidesDriverText) {
  auto r = test::get(port(), "/api/busy", {{"X-Request-Id", "rid-busy"}});
  expect_retryable_503(r, "database_busy", "rid-busy", {"locked", "sqlite3", "journal.db"});
}

TEST_F(ErrorResponseTest, UnknownExceptionIsGeneric500WithRequestId) {
  LogCapture log;
  auto r = test::get(port(), "/api/driver", {{"X-Request-Id", "rid-x500"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_FALSE(r.header("Retry-After"));
  const auto j = r.json();
  EXPECT_EQ(j["code"], "internal_error");
  EXPECT_EQ(j["request_id"], "rid-x500");
  EXPECT_NE(j["error"].get<std::string>().find("rid-x500"), std::string::npos);
  for (std::string_view h : {"driver", "secret", "s3cr3t", "SELECT"}) EXPECT_EQ(r.body.find(h), std::string::npos) << h;
  const auto line = log.text();
  EXPECT_NE(line.find("rid-x500"), std::string::npos) << line;
  EXPECT_NE(line.find("driver text secret=s3cr3t"), std::string::npos) << line;
}

TEST_F(ErrorResponseTest, UnlistedCoreErrorCodeIs500NotA400) {
  auto r = test::get(port(), "/api/unlisted");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json()["code"], "internal_error");
  EXPECT_FALSE(r.json()["request_id"].get<std::string>().empty());  // generated when none came in
  EXPECT_EQ(r.json()["request_id"], r.header("X-Request-Id"));
  for (std::string_view h : {"WRONGTYPE", "mysql", "pw@", "3306", "redis_type"})
    EXPECT_EQ(r.body.find(h), std::string::npos) << h;
}

TEST_F(ErrorResponseTest, CallerFaultKeepsStatusMessageAndField) {
  auto r = test::get(port(), "/api/conflict");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.json()["code"], "conflict");
  EXPECT_EQ(r.json()["error"], "trade 7 is already closed");
  EXPECT_FALSE(r.json().contains("request_id"));

  auto f = test::http_request(port(), "POST", "/api/field", "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(f.status, 422);
  EXPECT_EQ(f.json()["code"], "unprocessable");
  EXPECT_EQ(f.json()["error"], "quantity must be positive");
  EXPECT_EQ(f.json()["field"], "quantity");
  EXPECT_FALSE(f.header("Retry-After"));
}

TEST_F(ErrorResponseTest, ExplicitHttpError503GetsRetryAfterAndKeepsItsMessage) {
  auto r = test::get(port(), "/api/upstream");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), std::to_string(kRetryAfterSeconds));
  EXPECT_EQ(r.json()["error"], "journal is starting");
}

TEST(ErrorMapping, StatusForErrorCode) {
  EXPECT_EQ(status_for_error_code("bad_request"), 400);
  EXPECT_EQ(status_for_error_code("bad_money"), 400);
  EXPECT_EQ(status_for_error_code("not_found"), 404);
  EXPECT_EQ(status_for_error_code("precondition_required"), 428);
  EXPECT_EQ(status_for_error_code("unavailable"), 503);
  EXPECT_EQ(status_for_error_code("redis_unavailable"), 503);
  EXPECT_EQ(status_for_error_code("migration_lock_timeout"), 503);
  EXPECT_EQ(status_for_error_code("database_busy"), 503);
  EXPECT_EQ(status_for_error_code("database_error"), 500);
  EXPECT_EQ(status_for_error_code("timeout_policy"), 500);  // a suffix, not a substring
  EXPECT_EQ(status_for_error_code(""), 500);
}

TEST(ErrorMapping, PublicFailureIsTheCodeOnly) {
  EXPECT_EQ(public_failure(core::Error("redis_unavailable", "redis 127.0.0.1:6380 refused")), "redis_unavailable");
  EXPECT_EQ(public_failure(std::runtime_error("secret=x")), "check_failed");
}

}  // namespace
}  // namespace ms::net
