// Request/Response value types, URL decoding, error mapping, access-log redaction, CORS policy.
#include <gtest/gtest.h>

#include "net/access_log.hpp"
#include "net/cors.hpp"
#include "net/error_response.hpp"
#include "net/http.hpp"
#include "net/url.hpp"

namespace ms::net {
namespace {

Request json_request(std::string body, std::string content_type = "application/json") {
  Request r;
  r.method = "POST";
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.set("Content-Type", content_type);
  return r;
}

template <class F>
HttpError http_error_of(F&& f) {
  try {
    f();
  } catch (const HttpError& e) {
    return e;
  }
  ADD_FAILURE() << "no HttpError thrown";
  return HttpError(0, "none", "none");
}

TEST(Headers, CaseInsensitiveAndKeepsDuplicates) {
  Headers h;
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  h.set("Content-Type", "text/plain");
  EXPECT_EQ(h.get("SET-COOKIE"), "a=1");
  EXPECT_EQ(h.get_all("Set-Cookie").size(), 2u);
  h.set("content-type", "application/json");
  EXPECT_EQ(h.get_all("Content-Type").size(), 1u);
  EXPECT_EQ(h.get_or("Content-Type"), "application/json");
  h.remove("SET-cookie");
  EXPECT_FALSE(h.has("Set-Cookie"));
}

TEST(Url, PercentDecode) {
  EXPECT_EQ(percent_decode("I%3ASPX"), "I:SPX");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_FALSE(percent_decode("%G1"));
  EXPECT_FALSE(percent_decode("abc%"));
  EXPECT_FALSE(percent_decode("abc%4"));
  EXPECT_EQ(percent_encode("a b/ü"), "a%20b%2F%C3%BC");
}

TEST(Url, ParseQueryDecodesAndKeepsOrder) {
  auto q = parse_query("a=1&b=x%20y&b=2&flag&&c=%zz");
  EXPECT_EQ(q.get("a"), "1");
  EXPECT_EQ(q.get("b"), "x y");
  EXPECT_EQ(q.get_all("b"), (std::vector<std::string>{"x y", "2"}));
  EXPECT_EQ(q.get("flag"), "");
  EXPECT_EQ(q.get("c"), "%zz");  // kept verbatim, the handler validates
  EXPECT_FALSE(q.get("missing"));
}

TEST(Request, JsonParsesObject) {
  auto r = json_request(R"({"a":1})");
  EXPECT_EQ(r.json()["a"], 1);
  EXPECT_EQ(r.json_object()["a"], 1);
  EXPECT_EQ(json_request(R"({"a":1})", "application/vnd.api+json; charset=utf-8").json()["a"], 1);
}

TEST(Request, MalformedJsonNamesTheBytePosition) {
  auto e = http_error_of([] { json_request(R"({"a":1,})").json(); });
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "invalid_json");
  EXPECT_NE(std::string(e.what()).find("at byte 8"), std::string::npos) << e.what();
}

TEST(Request, WrongContentTypeIs415) {
  auto e = http_error_of([] { json_request(R"({"a":1})", "text/plain").json(); });
  EXPECT_EQ(e.status(), 415);
  EXPECT_EQ(e.code(), "unsupported_media_type");
  EXPECT_NE(std::string(e.what()).find("text/plain"), std::string::npos);
  EXPECT_EQ(http_error_of([] { json_request(R"({})", "").json(); }).status(), 415);
}

TEST(Request, EmptyBodyIs400) {
  EXPECT_EQ(http_error_of([] { json_request("").json(); }).code(), "missing_body");
}

TEST(Request, DeepNestingRefused) {
  std::string deep(Request::kMaxJsonDepth + 1, '[');
  deep += std::string(Request::kMaxJsonDepth + 1, ']');
  EXPECT_EQ(http_error_of([&] { json_request(deep).json(); }).code(), "json_too_deep");
  // Brackets inside strings do not count.
  std::string fine = "[\"" + std::string(500, '[') + "\"]";
  EXPECT_NO_THROW(json_request(fine).json());
}

TEST(Request, JsonObjectRejectsArrays) {
  EXPECT_EQ(http_error_of([] { json_request("[1]").json_object(); }).code(), "expected_object");
}

TEST(Request, Cookies) {
  Request r;
  r.headers.add("Cookie", "ms_session=abc; theme=\"dark\"; bad; =x");
  r.headers.add("Cookie", "ms_session=second");
  EXPECT_EQ(r.cookie("ms_session"), "abc");
  EXPECT_EQ(r.cookie("theme"), "dark");
  EXPECT_FALSE(r.cookie("bad"));
  EXPECT_EQ(r.cookies().size(), 2u);
}

TEST(Request, LastEventIdFromHeaderThenQuery) {
  Request r;
  r.query = parse_query("last_event_id=5%3A7");
  EXPECT_EQ(r.last_event_id(), "5:7");
  r.headers.set("Last-Event-ID", " 1700000000000-0 ");
  EXPECT_EQ(r.last_event_id(), "1700000000000-0");
}

TEST(Request, Loopback) {
  Request r;
  for (const char* a : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
    r.remote_address = a;
    EXPECT_TRUE(r.is_loopback()) << a;
  }
  for (const char* a : {"10.0.0.1", "128.0.0.1", "::2", "", "localhost"}) {
    r.remote_address = a;
    EXPECT_FALSE(r.is_loopback()) << a;
  }
}

TEST(Request, MissingPathParamIsAnError) {
  Request r;
  r.route_pattern = "/x/{id}";
  r.params["id"] = "7";
  EXPECT_EQ(r.param("id"), "7");
  EXPECT_THROW(r.param("nope"), core::Error);
}

TEST(Response, ErrorShape) {
  auto r = Response::error(404, "not_found", "no trade 7", "trade_id", {{"currentVersion", 3}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["success"], false);
  EXPECT_EQ(j["error"], "no trade 7");
  EXPECT_EQ(j["code"], "not_found");
  EXPECT_EQ(j["field"], "trade_id");
  EXPECT_EQ(j["currentVersion"], 3);
  EXPECT_FALSE(nlohmann::json::parse(Response::error(400, "x", "y").body).contains("field"));
}

TEST(Response, JsonSurvivesInvalidUtf8) {
  auto r = Response::json(200, {{"s", std::string("\xff\xfe")}});
  EXPECT_EQ(r.status, 200);
  EXPECT_NO_THROW(nlohmann::json::parse(r.body));
}

TEST(ErrorMapping, ExceptionsBecomeJsonErrors) {
  auto body_of = [](const Response& r) { return nlohmann::json::parse(r.body); };
  auto r = response_for_exception(std::make_exception_ptr(core::Error("not_found", "no such log")));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(body_of(r)["code"], "not_found");
  r = response_for_exception(std::make_exception_ptr(core::Error("bad_symbol", "symbol 'X' unknown")));
  EXPECT_EQ(r.status, 400);
  r = response_for_exception(std::make_exception_ptr(HttpError(412, "stale", "stale", std::nullopt, {{"currentVersion", 4}})));
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(body_of(r)["currentVersion"], 4);
  r = response_for_exception(std::make_exception_ptr(std::runtime_error("secret detail")));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(body_of(r)["code"], "internal_error");
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
  nlohmann::json j = nlohmann::json::object();
  try {
    (void)j.at("strike");
  } catch (...) {
    r = response_for_exception(std::current_exception());
  }
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(body_of(r)["error"].get<std::string>().find("strike"), std::string::npos);
  EXPECT_EQ(status_for_error_code("unauthorized"), 401);
  EXPECT_EQ(status_for_error_code("too_many_requests"), 429);
}

TEST(AccessLog, RedactsSecretsInTarget) {
  EXPECT_EQ(redact_target("/api/auth/sso?sso=eyJhbGc.x.y&next=/app"), "/api/auth/sso?sso=REDACTED&next=/app");
  EXPECT_EQ(redact_target("/x?a=1&TOKEN=abc"), "/x?a=1&TOKEN=REDACTED");
  EXPECT_EQ(redact_target("/x"), "/x");
  EXPECT_EQ(redact_target("/v3/snapshot/indices?ticker.any_of=I:SPX&apiKey=k3y"),
            "/v3/snapshot/indices?ticker.any_of=I:SPX&apiKey=REDACTED");
  EXPECT_EQ(redact_header("Cookie", "ms_session=abc"), "REDACTED");
  EXPECT_EQ(redact_header("authorization", "Bearer x"), "REDACTED");
  EXPECT_EQ(redact_header("Accept", "*/*"), "*/*");
  const auto line = format_access_log({"GET", "/api/auth/sso?sso=secret\r\nfake", 302, 0,
                                       std::chrono::microseconds(1500), "rid1", "127.0.0.1", {}});
  EXPECT_EQ(line.find("secret"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_NE(line.find("302"), std::string::npos);
  EXPECT_NE(line.find("rid=rid1"), std::string::npos);
}

TEST(AccessLog, RedactsPercentEncodedAndCaseFoldedKeys) {
  // The application decodes keys, so the log must too: each of these is `sso`.
  EXPECT_EQ(redact_target("/api/auth/sso?ss%6F=tok&next=/app"), "/api/auth/sso?ss%6F=REDACTED&next=/app");
  EXPECT_EQ(redact_target("/x?%53%53%4f=tok"), "/x?%53%53%4f=REDACTED");
  EXPECT_EQ(redact_target("/x?SsO=tok"), "/x?SsO=REDACTED");
  EXPECT_EQ(redact_target("/x?access%5Ftoken=tok"), "/x?access%5Ftoken=REDACTED");
  EXPECT_EQ(redact_target("/x?api+key=k"), "/x?api+key=k");  // "api key" is no secret name
  // A malformed escape is compared raw and neither crashes nor hides the rest.
  EXPECT_EQ(redact_target("/x?ss%G=1&token=t"), "/x?ss%G=1&token=REDACTED");
  EXPECT_EQ(redact_target("/x?%=1&sso=t"), "/x?%=1&sso=REDACTED");
  const auto line = format_access_log({"GET", "/api/auth/sso?ss%6f=secret", 302, 0,
                                       std::chrono::microseconds(10), "rid1", "127.0.0.1", {}});
  EXPECT_EQ(line.find("secret"), std::string::npos) << line;
}

TEST(AccessLog, InternalSuccessLogsAtDebugFailuresStayVisible) {
  EXPECT_EQ(access_log_level(200, /*internal=*/true), AccessLogLevel::debug);
  EXPECT_EQ(access_log_level(101, true), AccessLogLevel::debug);
  EXPECT_EQ(access_log_level(304, true), AccessLogLevel::debug);
  EXPECT_EQ(access_log_level(404, true), AccessLogLevel::info);
  EXPECT_EQ(access_log_level(500, true), AccessLogLevel::warn);
  EXPECT_EQ(access_log_level(503, true), AccessLogLevel::warn);
  EXPECT_EQ(access_log_level(200, false), AccessLogLevel::info);
  EXPECT_EQ(access_log_level(401, false), AccessLogLevel::info);
  EXPECT_EQ(access_log_level(502, false), AccessLogLevel::warn);
}

TEST(AccessLog, RequestIds) {
  EXPECT_TRUE(is_sane_request_id("abc-123_x.y:z"));
  EXPECT_FALSE(is_sane_request_id(""));
  EXPECT_FALSE(is_sane_request_id("has space"));
  EXPECT_FALSE(is_sane_request_id(std::string(129, 'a')));
  const auto a = generate_request_id();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_TRUE(is_sane_request_id(a));
  EXPECT_NE(a, generate_request_id());
}

TEST(Cors, OnlyListedOriginsAreEchoed) {
  CorsPolicy cors({.allowed_origins = {"https://app.example.com", "http://localhost:5173/"}, .allow_credentials = true});
  Request req;
  req.headers.set("Origin", "https://app.example.com");
  Response res;
  cors.apply(req, res);
  EXPECT_EQ(res.headers.get("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(res.headers.get("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(res.headers.get("Vary"), "Origin");

  Request evil;
  evil.headers.set("Origin", "https://evil.example.com");
  Response res2;
  cors.apply(evil, res2);
  EXPECT_FALSE(res2.headers.has("Access-Control-Allow-Origin"));
  EXPECT_FALSE(res2.headers.has("Access-Control-Allow-Credentials"));
  EXPECT_TRUE(cors.origin_allowed("http://LOCALHOST:5173"));
  EXPECT_FALSE(cors.origin_allowed("null"));
  EXPECT_FALSE(cors.origin_allowed("http://localhost:5174"));
}

TEST(Cors, WildcardWithCredentialsRefused) {
  EXPECT_THROW(CorsPolicy({.allowed_origins = {"*"}, .allow_credentials = true}), core::Error);
  EXPECT_THROW(CorsPolicy({.allowed_origins = {"not an origin"}}), core::Error);
  CorsPolicy any({.allowed_origins = {"*"}});
  Request req;
  req.headers.set("Origin", "https://x.example");
  Response res;
  any.apply(req, res);
  EXPECT_EQ(res.headers.get("Access-Control-Allow-Origin"), "*");
}

TEST(Cors, Preflight) {
  CorsPolicy cors({.allowed_origins = {"https://app.example.com"}});
  Request req;
  req.method = "OPTIONS";
  req.headers.set("Origin", "https://app.example.com");
  req.headers.set("Access-Control-Request-Method", "PATCH");
  ASSERT_TRUE(CorsPolicy::is_preflight(req));
  auto res = cors.preflight(req, {"GET", "PATCH"});
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.headers.get("Access-Control-Allow-Methods"), "GET, PATCH");
  EXPECT_TRUE(res.headers.has("Access-Control-Allow-Headers"));
  req.headers.set("Origin", "https://evil.example.com");
  EXPECT_EQ(cors.preflight(req, {"GET"}).status, 403);
}

}  // namespace
}  // namespace ms::net
