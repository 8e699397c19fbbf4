// Static UI files: MIME types, caching, validators, SPA fallback, JSON 404s, traversal.
#include "net/static_files.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "net/test_clients.hpp"
#include "testing/temp_dir.hpp"

namespace ms::net {
namespace {

using namespace std::chrono_literals;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = dir / "dist";
    testing::write_file(root / "index.html", "<!doctype html><title>MarketSwarm</title>");
    testing::write_file(root / "assets/index-3f9a1c.js", "console.log(1)");
    testing::write_file(root / "assets/index-3f9a1c.js.map", "{}");
    testing::write_file(root / "assets/style-77aa.css", "body{}");
    testing::write_file(root / "assets/font-1.woff2", "wOF2");
    testing::write_file(root / "assets/mod.mjs", "export {}");
    testing::write_file(root / "logo.svg", "<svg/>");
    testing::write_file(root / "favicon.ico", "ico");
    testing::write_file(root / "manifest.json", "{}");
    testing::write_file(root / "robots.txt", "User-agent: *");
    testing::write_file(root / "engine.wasm", "\0asm");
    testing::write_file(root / "pic.png", "png");
    testing::write_file(root / "pic.jpg", "jpg");
    testing::write_file(root / ".env", "SECRET=1");
    testing::write_file(dir / "secret.txt", "outside the root");
    std::filesystem::create_symlink(dir / "secret.txt", root / "escape.txt");
    files.emplace(StaticFilesOptions{.root = root});
  }

  Response get(const std::string& path, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    Request req;
    req.method = "GET";
    req.path = path;
    for (const auto& [k, v] : headers) req.headers.add(k, v);
    return files->serve(req);
  }

  testing::TempDir dir{"ms-static"};
  std::filesystem::path root;
  std::optional<StaticFiles> files;
};

TEST_F(StaticFilesTest, MimeTypes) {
  EXPECT_EQ(get("/").headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(get("/index.html").headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(get("/assets/index-3f9a1c.js").headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/assets/mod.mjs").headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/assets/index-3f9a1c.js.map").headers.get("Content-Type"), "application/json");
  EXPECT_EQ(get("/assets/style-77aa.css").headers.get("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(get("/assets/font-1.woff2").headers.get("Content-Type"), "font/woff2");
  EXPECT_EQ(get("/logo.svg").headers.get("Content-Type"), "image/svg+xml");
  EXPECT_EQ(get("/favicon.ico").headers.get("Content-Type"), "image/x-icon");
  EXPECT_EQ(get("/manifest.json").headers.get("Content-Type"), "application/json");
  EXPECT_EQ(get("/robots.txt").headers.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(get("/engine.wasm").headers.get("Content-Type"), "application/wasm");
  EXPECT_EQ(get("/pic.png").headers.get("Content-Type"), "image/png");
  EXPECT_EQ(get("/pic.jpg").headers.get("Content-Type"), "image/jpeg");
  EXPECT_EQ(mime_type_for("x.unknownext"), "application/octet-stream");
  EXPECT_EQ(mime_type_for("ARCHIVE.JS"), "text/javascript; charset=utf-8");
}

TEST_F(StaticFilesTest, BodiesAndCacheHeaders) {
  auto asset = get("/assets/index-3f9a1c.js");
  EXPECT_EQ(asset.status, 200);
  EXPECT_EQ(asset.body, "console.log(1)");
  EXPECT_EQ(asset.headers.get("Cache-Control"), "public, max-age=31536000, immutable");
  auto index = get("/");
  EXPECT_EQ(index.body, "<!doctype html><title>MarketSwarm</title>");
  EXPECT_EQ(index.headers.get("Cache-Control"), "no-cache");
  EXPECT_EQ(get("/logo.svg").headers.get("Cache-Control"), "no-cache");
  EXPECT_TRUE(asset.headers.has("ETag"));
  EXPECT_TRUE(asset.headers.has("Last-Modified"));
}

TEST_F(StaticFilesTest, ConditionalRequestsAnswer304) {
  auto first = get("/assets/style-77aa.css");
  const std::string etag(*first.headers.get("ETag"));
  auto again = get("/assets/style-77aa.css", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.headers.get("ETag"), etag);
  EXPECT_EQ(get("/assets/style-77aa.css", {{"If-None-Match", "\"other\", W/" + etag}}).status, 304);
  EXPECT_EQ(get("/assets/style-77aa.css", {{"If-None-Match", "\"other\""}}).status, 200);
  const std::string lm(*first.headers.get("Last-Modified"));
  EXPECT_EQ(get("/assets/style-77aa.css", {{"If-Modified-Since", lm}}).status, 304);
  EXPECT_EQ(get("/assets/style-77aa.css", {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}).status, 200);
  EXPECT_EQ(get("/assets/style-77aa.css", {{"If-Modified-Since", "garbage"}}).status, 200);
}

TEST_F(StaticFilesTest, SpaFallbackServesIndexForClientRoutes) {
  auto r = get("/dashboard/risk-graph");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>MarketSwarm</title>");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, ApiPrefixesAndMissingAssetsAreJson404) {
  for (const char* p : {"/api/unknown", "/api", "/sse/nope", "/ws/nope", "/assets/missing-123.js", "/missing.png"}) {
    auto r = get(p);
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_EQ(r.headers.get("Content-Type"), "application/json") << p;
    EXPECT_EQ(nlohmann::json::parse(r.body)["code"], "not_found") << p;
  }
  // A prefix is a whole segment: /apiary is a client route.
  EXPECT_EQ(get("/apiary").status, 200);
}

TEST_F(StaticFilesTest, TraversalAndHiddenFilesRefused) {
  for (const char* p : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/.env",
                        "/assets/%2e%2e/%2e%2e/secret.txt", "/a%00b.js", "/escape.txt", "/..\\secret.txt"}) {
    auto r = get(p);
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_EQ(r.body.find("outside the root"), std::string::npos) << p;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << p;
  }
}

TEST_F(StaticFilesTest, OnlyGetAndHead) {
  Request req;
  req.method = "POST";
  req.path = "/index.html";
  auto r = files->serve(req);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.get("Allow"), "GET, HEAD");
}

TEST_F(StaticFilesTest, MissingRootRefused) {
  EXPECT_THROW(StaticFiles(StaticFilesOptions{.root = dir / "nope"}), core::Error);
}

TEST(HttpDate, RoundTrip) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
}

// Through the server: routes win, static files fill the rest, HEAD works, 304 on the wire.
TEST_F(StaticFilesTest, ServedByTheServerAfterRoutes) {
  auto o = test::test_server_options();
  o.static_files = StaticFilesOptions{.root = root};
  test::RunningServer server(o);
  server.router().get("/api/health", [](Request&) { return Response::json(200, {{"ok", true}}); });
  server.start();
  EXPECT_EQ(test::get(server.port(), "/api/health").status, 200);
  auto api_miss = test::get(server.port(), "/api/nothing");
  EXPECT_EQ(api_miss.status, 404);
  EXPECT_EQ(api_miss.json()["code"], "not_found");
  auto spa = test::get(server.port(), "/journal/2024");
  EXPECT_EQ(spa.status, 200);
  EXPECT_EQ(spa.header("Content-Type"), "text/html; charset=utf-8");
  auto asset = test::get(server.port(), "/assets/index-3f9a1c.js");
  EXPECT_EQ(asset.body, "console.log(1)");
  EXPECT_EQ(asset.header("Cache-Control"), "public, max-age=31536000, immutable");
  auto not_modified = test::get(server.port(), "/assets/index-3f9a1c.js", {{"If-None-Match", *asset.header("ETag")}});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_TRUE(not_modified.body.empty());
  auto head = test::http_request(server.port(), "HEAD", "/assets/index-3f9a1c.js");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "14");
  EXPECT_EQ(test::get(server.port(), "/%2e%2e/secret.txt").status, 404);
  EXPECT_EQ(test::http_request(server.port(), "POST", "/index.html").status, 404);
}

}  // namespace
}  // namespace ms::net
