#include "net/router.hpp"

#include <gtest/gtest.h>

namespace ms::net {
namespace {

Response ok(Request&) { return Response::json(200, {{"ok", true}}); }

TEST(Router, MatchesLiteralPath) {
  Router r;
  r.get("/api/health", ok);
  auto m = r.match("GET", "/api/health");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->pattern, "/api/health");
  EXPECT_EQ(r.match("GET", "/api/healthz").kind, RouteMatch::Kind::not_found);
  EXPECT_EQ(r.match("GET", "/api").kind, RouteMatch::Kind::not_found);
}

TEST(Router, BracesAndColonParamsAreDecoded) {
  Router r;
  r.get("/api/models/gex/{symbol}", ok);
  r.get("/api/users/:id/activity", ok);
  auto m = r.match("GET", "/api/models/gex/I%3ASPX");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.params.at("symbol"), "I:SPX");
  m = r.match("GET", "/api/users/42/activity");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.params.at("id"), "42");
}

TEST(Router, EmptySegmentDoesNotMatchParam) {
  Router r;
  r.get("/api/x/{id}", ok);
  EXPECT_EQ(r.match("GET", "/api/x//").kind, RouteMatch::Kind::not_found);
}

TEST(Router, TrailingSlashIgnored) {
  Router r;
  r.get("/api/x", ok);
  EXPECT_EQ(r.match("GET", "/api/x/").kind, RouteMatch::Kind::found);
}

TEST(Router, WildcardTakesRestOfPath) {
  Router r;
  r.get("/assets/{*path}", ok);
  auto m = r.match("GET", "/assets/js/app.123.js");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.params.at("path"), "js/app.123.js");
  m = r.match("GET", "/assets");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.params.at("path"), "");
}

TEST(Router, LiteralBeatsParamBeatsWildcardWhateverTheOrder) {
  Router r;
  r.get("/api/{*rest}", ok);
  r.get("/api/x/{id}", ok);
  r.get("/api/x/latest", ok);
  EXPECT_EQ(r.match("GET", "/api/x/latest").route->pattern, "/api/x/latest");
  EXPECT_EQ(r.match("GET", "/api/x/7").route->pattern, "/api/x/{id}");
  EXPECT_EQ(r.match("GET", "/api/y/7").route->pattern, "/api/{*rest}");
}

TEST(Router, WrongMethodIsMethodNotAllowedWithAllowList) {
  Router r;
  r.get("/api/items", ok);
  r.post("/api/items", ok);
  auto m = r.match("DELETE", "/api/items");
  EXPECT_EQ(m.kind, RouteMatch::Kind::method_not_allowed);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "HEAD", "OPTIONS", "POST"}));
}

TEST(Router, HeadFallsBackToGet) {
  Router r;
  r.get("/api/items", ok);
  auto m = r.match("HEAD", "/api/items");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->method, "GET");
}

TEST(Router, MethodMatchingUsesMostSpecificRouteForThatMethod) {
  Router r;
  r.get("/api/x/latest", ok);
  r.del("/api/x/{id}", ok);
  auto m = r.match("DELETE", "/api/x/latest");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_EQ(m.route->pattern, "/api/x/{id}");
  EXPECT_EQ(m.params.at("id"), "latest");
}

TEST(Router, MalformedPercentEncodingIsBadPath) {
  Router r;
  r.get("/api/{x}", ok);
  auto m = r.match("GET", "/api/%zz");
  EXPECT_EQ(m.kind, RouteMatch::Kind::bad_path);
  EXPECT_NE(m.error.find("%zz"), std::string::npos);
}

TEST(Router, RejectsMalformedPatterns) {
  Router r;
  auto code_of = [&](const std::string& pattern) {
    try {
      r.get(pattern, ok);
    } catch (const core::Error& e) {
      return e.code();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(code_of("api/x"), "invalid_route_pattern");
  EXPECT_EQ(code_of("/api/{*rest}/more"), "invalid_route_pattern");
  EXPECT_EQ(code_of("/api/{}"), "invalid_route_pattern");
  EXPECT_EQ(code_of("/api/{a-b}"), "invalid_route_pattern");
  EXPECT_EQ(code_of("/api/{id}/{id}"), "invalid_route_pattern");
  EXPECT_EQ(code_of("/api/x{"), "invalid_route_pattern");
  EXPECT_EQ(code_of("/api//x"), "invalid_route_pattern");
}

TEST(Router, RejectsDuplicateRoutesEvenWithOtherParamNames) {
  Router r;
  r.get("/api/x/{id}", ok);
  try {
    r.get("/api/x/:other", ok);
    FAIL() << "duplicate accepted";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "duplicate_route");
  }
  EXPECT_NO_THROW(r.post("/api/x/{id}", ok));
}

TEST(Router, RejectsBadMethodAndEmptyHandler) {
  Router r;
  EXPECT_THROW(r.add("get", "/x", ok), core::Error);
  EXPECT_THROW(r.add("GET", "/x", Handler{}), core::Error);
}

TEST(Router, AcceptsCoroutineHandlers) {
  Router r;
  r.get("/async", [](Request&) -> boost::asio::awaitable<Response> { co_return Response::no_content(); });
  auto m = r.match("GET", "/async");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_TRUE(m.route->handler.async());
  EXPECT_FALSE(m.route->handler.sync());
}

TEST(Router, WebSocketRouteIsAGetRoute) {
  Router r;
  r.websocket("/ws/mel", WebSocketHandler{.on_message = [](auto&, std::string) {}});
  auto m = r.match("GET", "/ws/mel");
  ASSERT_EQ(m.kind, RouteMatch::Kind::found);
  EXPECT_TRUE(m.route->websocket);
  EXPECT_THROW(r.websocket("/ws/other", WebSocketHandler{}), core::Error);
}

}  // namespace
}  // namespace ms::net
