// RestClient against a fake vendor REST server (net::HttpServer on 127.0.0.1:0) answering canned
// bodies shaped like the vendor's (and the simulator's) snapshots.
#include "marketdata/rest_client.hpp"

#include <atomic>
#include <mutex>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "net/test_clients.hpp"

namespace ms::marketdata {
namespace {

namespace asio = boost::asio;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kKey = "SECRETKEY123";

struct Seen {
  std::string path;    // route path as received (percent-encoded)
  std::string target;  // with the query
  std::map<std::string, std::string> query;  // decoded
  std::string authorization;
};

// A vendor that checks the key like the real one (apiKey or Bearer, else 401) and then asks the
// test's handler for the body.
class FakeVendorRest {
 public:
  using Handler = std::function<net::Response(const Seen&, int index)>;

  explicit FakeVendorRest(Handler handler) : handler_(std::move(handler)) {
    for (const char* pattern : {"/v3/snapshot/options/{underlying}", "/v3/snapshot/indices",
                                "/v2/snapshot/locale/us/markets/stocks/tickers/{ticker}",
                                "/v1/open-close/{ticker}/{date}"}) {
      server_.router().get(pattern, [this](net::Request& req) { return handle(req); });
    }
    server_.start();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::uint16_t port() const { return server_.port(); }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  net::Response handle(net::Request& req) {
    Seen s;
    s.path = req.path;
    s.target = req.target;
    for (const auto& [k, v] : req.query) s.query[k] = v;
    s.authorization = std::string(req.header("Authorization").value_or(""));
    int index = 0;
    {
      std::lock_guard lock(mu_);
      index = static_cast<int>(seen_.size());
      seen_.push_back(s);
    }
    const bool key_ok = (s.query.count("apiKey") && s.query["apiKey"] == kKey) ||
                        s.authorization == std::string("Bearer ") + kKey;
    if (!key_ok) {
      return net::Response(401, R"({"status":"ERROR","request_id":"r1","error":"Unknown API Key"})",
                           "application/json");
    }
    return handler_(s, index);
  }

  Handler handler_;
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
  net::test::RunningServer server_{net::test::test_server_options()};
};

net::Response ok_json(const json& j) { return net::Response(200, j.dump(), "application/json"); }

// A contract as the vendor (and the simulator) sends it: absent fields omitted, fmv optional.
json wire_contract(const std::string& ticker, double strike, bool with_trade = true) {
  json c = {
      {"break_even_price", strike + 19.2},
      {"day", {{"change", -3.1}, {"close", 19.2}, {"previous_close", 22.3}, {"volume", 10234}}},
      {"details",
       {{"contract_type", ticker.find('P', 10) != std::string::npos ? "put" : "call"},
        {"exercise_style", "european"},
        {"expiration_date", "2026-02-10"},
        {"shares_per_contract", 100},
        {"strike_price", strike},
        {"ticker", ticker}}},
      {"greeks", {{"delta", 0.52}, {"gamma", 0.0031}, {"theta", -9.8}, {"vega", 1.2}}},
      {"implied_volatility", 0.153},
      {"last_quote",
       {{"ask", 19.4}, {"ask_exchange", 65}, {"ask_size", 20}, {"bid", 19.0}, {"bid_exchange", 65},
        {"bid_size", 15}, {"last_updated", 1770737399000000000}, {"midpoint", 19.2}, {"timeframe", "REAL-TIME"}}},
      {"open_interest", 4521},
      {"underlying_asset",
       {{"change_to_break_even", 18.1}, {"last_updated", 1770737399000000000}, {"ticker", "I:SPX"},
        {"timeframe", "REAL-TIME"}, {"value", 6001.1}}},
  };
  if (with_trade) {
    c["last_trade"] = {{"conditions", {209}}, {"exchange", 65}, {"price", 19.1},
                       {"sip_timestamp", 1770737390000000000}, {"size", 2}, {"timeframe", "REAL-TIME"}};
  }
  return c;
}

RestClientOptions options_for(const std::string& base_url, AuthMode auth = AuthMode::query_param) {
  RestClientOptions o;
  o.base_url = base_url;
  o.api_key = kKey;
  o.auth = auth;
  o.timeout = 3000ms;
  o.retry.max_attempts = 3;
  o.retry.base_delay = 5ms;
  o.retry.max_delay = 20ms;
  return o;
}

// Runs one coroutine to completion on a private io_context; rethrows what it threw.
template <class T>
T run(asio::awaitable<T> operation) {
  asio::io_context ioc;
  std::optional<T> result;
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(ioc, std::move(operation), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
    done = true;
  });
  ioc.run_for(15s);
  if (!done) throw std::runtime_error("coroutine did not finish within 15 s");
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

template <class F>
std::string error_code_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const core::Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return "no error";
}

struct Observed {
  std::string path;
  int status;
};

// ---- the option chain ---------------------------------------------------------------------------

TEST(RestClient, OptionChainFollowsNextUrlAndAddsTheKeyAgain) {
  std::uint16_t port = 0;
  FakeVendorRest vendor([&](const Seen& s, int) {
    const auto cursor = s.query.count("cursor") ? s.query.at("cursor") : "";
    if (cursor.empty()) {
      return ok_json({{"status", "OK"},
                      {"request_id", "a"},
                      {"results", {wire_contract("O:SPXW260210C05990000", 5990), wire_contract("O:SPXW260210C06000000", 6000)}},
                      {"next_url", "http://127.0.0.1:" + std::to_string(port) + "/v3/snapshot/options/I:SPX?cursor=page2"}});
    }
    if (cursor == "page2") {
      // The same host under another name and port: followed on the configured origin.
      return ok_json({{"status", "OK"},
                      {"results", {wire_contract("O:SPXW260210P06000000", 6000, false)}},
                      {"next_url", "http://LOCALHOST:1/v3/snapshot/options/I:SPX?cursor=page3"}});
    }
    return ok_json({{"status", "OK"}, {"results", json::array({wire_contract("O:SPXW260210P06010000", 6010)})}});
  });
  port = vendor.port();

  net::HttpClient http;
  std::vector<Observed> observed;
  RestClient client(http, options_for(vendor.base_url()), [&](std::string_view path, int status, std::string_view body) {
    observed.push_back({std::string(path), status});
    EXPECT_EQ(body.find(kKey), std::string_view::npos);
  });
  OptionChainQuery q;
  q.underlying = "I:SPX";
  q.expiration_date = "2026-02-10";
  q.strike_gte = 5900;
  q.strike_lte = 6100.5;
  const auto chain = run(client.option_chain(q));

  ASSERT_EQ(chain.size(), 4u);
  EXPECT_EQ(chain[0].ticker, "O:SPXW260210C05990000");
  EXPECT_EQ(chain[0].expiration_date, "2026-02-10");
  EXPECT_DOUBLE_EQ(chain[0].strike, 5990);
  EXPECT_TRUE(chain[0].is_call);
  EXPECT_DOUBLE_EQ(*chain[0].implied_volatility, 0.153);
  EXPECT_DOUBLE_EQ(*chain[0].gamma, 0.0031);
  EXPECT_DOUBLE_EQ(*chain[0].delta, 0.52);
  EXPECT_DOUBLE_EQ(*chain[0].open_interest, 4521);
  EXPECT_DOUBLE_EQ(*chain[0].bid, 19.0);
  EXPECT_DOUBLE_EQ(*chain[0].ask, 19.4);
  EXPECT_DOUBLE_EQ(*chain[0].midpoint, 19.2);
  EXPECT_DOUBLE_EQ(*chain[0].last_price, 19.1);
  EXPECT_DOUBLE_EQ(*chain[0].day_volume, 10234);
  EXPECT_DOUBLE_EQ(*chain[0].underlying_value, 6001.1);
  EXPECT_EQ(chain[0].wire["details"]["ticker"], "O:SPXW260210C05990000");
  EXPECT_FALSE(chain[2].is_call);
  EXPECT_FALSE(chain[2].last_price);

  const auto seen = vendor.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].path, "/v3/snapshot/options/I:SPX");
  EXPECT_EQ(seen[0].query.at("expiration_date"), "2026-02-10");
  EXPECT_EQ(seen[0].query.at("strike_price.gte"), "5900");
  EXPECT_EQ(seen[0].query.at("strike_price.lte"), "6100.5");
  EXPECT_EQ(seen[0].query.at("limit"), "250");
  for (const auto& s : seen) {
    EXPECT_EQ(s.query.at("apiKey"), kKey);
    EXPECT_TRUE(s.authorization.empty());
  }
  // next_url pages carry the cursor and the key, nothing else.
  EXPECT_EQ(seen[1].query.size(), 2u);
  EXPECT_EQ(seen[1].query.at("cursor"), "page2");
  EXPECT_EQ(seen[2].query.size(), 2u);
  EXPECT_EQ(seen[2].query.at("cursor"), "page3");

  ASSERT_EQ(observed.size(), 3u);
  EXPECT_EQ(observed[0].path,
            "/v3/snapshot/options/I:SPX?expiration_date=2026-02-10&strike_price.gte=5900&strike_price.lte=6100.5&limit=250");
  EXPECT_EQ(observed[1].path, "/v3/snapshot/options/I:SPX?cursor=page2");
  EXPECT_EQ(observed[2].path, "/v3/snapshot/options/I:SPX?cursor=page3");
  for (const auto& o : observed) {
    EXPECT_EQ(o.status, 200);
    EXPECT_EQ(o.path.find("apiKey"), std::string::npos);
  }
  EXPECT_EQ(client.requests(), 3u);
}

TEST(RestClient, BearerModeSendsTheHeaderOnEveryPage) {
  std::uint16_t port = 0;
  FakeVendorRest vendor([&](const Seen& s, int) {
    if (!s.query.count("cursor")) {
      return ok_json({{"results", {wire_contract("O:SPXW260210C06000000", 6000)}},
                      {"next_url", "http://127.0.0.1:" + std::to_string(port) + "/v3/snapshot/options/SPX?cursor=c2"}});
    }
    return ok_json({{"results", {wire_contract("O:SPXW260210C06005000", 6005)}}});
  });
  port = vendor.port();
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url() + "/", AuthMode::bearer_header));
  OptionChainQuery q;
  q.underlying = "SPX";
  const auto chain = run(client.option_chain(q));
  ASSERT_EQ(chain.size(), 2u);
  const auto seen = vendor.seen();
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& s : seen) {
    EXPECT_EQ(s.authorization, std::string("Bearer ") + kKey);
    EXPECT_EQ(s.query.count("apiKey"), 0u);
  }
}

TEST(RestClient, NextUrlToAnotherHostIsRefused) {
  FakeVendorRest vendor([&](const Seen&, int) {
    return ok_json({{"results", {wire_contract("O:SPXW260210C06000000", 6000)}},
                    {"next_url", "https://evil.example.com/v3/snapshot/options/I:SPX?cursor=steal"}});
  });
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url()));
  OptionChainQuery q;
  q.underlying = "I:SPX";
  std::string message;
  EXPECT_EQ(error_code_of([&] { run(client.option_chain(q)); }, &message), "vendor_bad_response");
  EXPECT_NE(message.find("evil.example.com"), std::string::npos) << message;
  EXPECT_EQ(message.find(kKey), std::string::npos);
  EXPECT_EQ(client.requests(), 1u);
  EXPECT_EQ(vendor.seen().size(), 1u);
}

TEST(RestClient, TooManyPages) {
  std::uint16_t port = 0;
  FakeVendorRest vendor([&](const Seen&, int i) {
    return ok_json({{"results", json::array()},
                    {"next_url", "http://127.0.0.1:" + std::to_string(port) + "/v3/snapshot/options/I:SPX?cursor=" +
                                     std::to_string(i)}});
  });
  port = vendor.port();
  net::HttpClient http;
  auto o = options_for(vendor.base_url());
  o.max_pages = 3;
  RestClient client(http, o);
  OptionChainQuery q;
  q.underlying = "I:SPX";
  EXPECT_EQ(error_code_of([&] { run(client.option_chain(q)); }), "vendor_too_many_pages");
  EXPECT_EQ(client.requests(), 3u);
}

// ---- errors and retries -------------------------------------------------------------------------

TEST(RestClient, UnauthorizedIsVendorUnauthorized) {
  FakeVendorRest vendor([&](const Seen&, int) { return ok_json({{"results", json::array()}}); });
  net::HttpClient http;
  auto o = options_for(vendor.base_url());
  o.api_key = "WRONGKEY987";
  std::vector<int> statuses;
  RestClient client(http, o, [&](std::string_view path, int status, std::string_view) {
    statuses.push_back(status);
    EXPECT_EQ(path.find("WRONGKEY987"), std::string_view::npos);
  });
  std::string message;
  EXPECT_EQ(error_code_of([&] { run(client.index_snapshots({"I:SPX"})); }, &message), "vendor_unauthorized");
  EXPECT_EQ(message.find("WRONGKEY987"), std::string::npos) << message;
  EXPECT_NE(message.find("401"), std::string::npos) << message;
  EXPECT_NE(message.find("Unknown API Key"), std::string::npos) << message;
  EXPECT_EQ(statuses, std::vector<int>{401});  // not retried
  EXPECT_EQ(client.requests(), 1u);
}

TEST(RestClient, TooManyRequestsIsRetried) {
  FakeVendorRest vendor([&](const Seen&, int i) {
    if (i == 0) {
      net::Response r(429, R"({"status":"ERROR","error":"slow down"})", "application/json");
      r.headers.set("Retry-After", "0");
      return r;
    }
    return ok_json({{"status", "OK"}, {"results", {{{"ticker", "I:SPX"}, {"value", 6001.25}}}}});
  });
  net::HttpClient http;
  std::vector<Observed> observed;
  RestClient client(http, options_for(vendor.base_url()),
                    [&](std::string_view path, int status, std::string_view) { observed.push_back({std::string(path), status}); });
  const auto r = run(client.index_snapshots({"I:SPX"}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_DOUBLE_EQ(*r[0].value, 6001.25);
  EXPECT_EQ(client.requests(), 2u);
  ASSERT_EQ(observed.size(), 2u);
  EXPECT_EQ(observed[0].status, 429);
  EXPECT_EQ(observed[1].status, 200);
  EXPECT_EQ(observed[1].path, "/v3/snapshot/indices?ticker.any_of=I:SPX");
}

TEST(RestClient, ServerErrorsExhaustTheRetries) {
  FakeVendorRest vendor([&](const Seen&, int) {
    return net::Response(500, R"({"status":"ERROR","error":"internal"})", "application/json");
  });
  net::HttpClient http;
  auto o = options_for(vendor.base_url());
  o.retry.max_attempts = 2;
  RestClient client(http, o);
  std::string message;
  EXPECT_EQ(error_code_of([&] { run(client.stock_snapshot("SPY")); }, &message), "vendor_http_error");
  EXPECT_NE(message.find("500"), std::string::npos) << message;
  EXPECT_NE(message.find("/v2/snapshot/locale/us/markets/stocks/tickers/SPY"), std::string::npos) << message;
  EXPECT_EQ(message.find(kKey), std::string::npos) << message;
  EXPECT_EQ(client.requests(), 2u);
  EXPECT_EQ(vendor.seen().size(), 2u);
}

TEST(RestClient, NotFoundIsAnHttpErrorWithoutRetry) {
  FakeVendorRest vendor([&](const Seen&, int) {
    return net::Response(404, R"({"status":"NOT_FOUND","error":"ticker not found: QQQ"})", "application/json");
  });
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url()));
  EXPECT_EQ(error_code_of([&] { run(client.stock_snapshot("QQQ")); }), "vendor_http_error");
  EXPECT_EQ(client.requests(), 1u);
}

TEST(RestClient, DailyOpenCloseDecodesTheVendorSummary) {
  // The vendor's documented shape (massive.com "Daily Ticker Summary", indices).
  FakeVendorRest vendor([&](const Seen& s, int) {
    if (s.path.find("2025-01-07") != std::string::npos) {
      return net::Response(404, R"({"status":"NOT_FOUND","request_id":"r","message":"Data not found."})",
                           "application/json");
    }
    if (s.path.find("2025-01-08") != std::string::npos) {
      return ok_json({{"status", "OK"}, {"from", "2025-01-08"}, {"symbol", "I:SPX"}, {"open", 5910.66}});
    }
    if (s.path.find("2025-01-09") != std::string::npos) {
      return ok_json({{"status", "OK"}, {"from", "2025-01-06"}, {"symbol", "I:SPX"}, {"close", 1.0}});
    }
    if (s.path.find("2025-01-10") != std::string::npos) {
      return ok_json({{"status", "OK"}, {"from", "2025-01-10"}, {"symbol", "I:SPX"}, {"close", "5975"}});
    }
    if (s.path.find("2025-01-13") != std::string::npos) {
      return ok_json({{"status", "OK"}, {"from", "2025-01-13"}, {"symbol", "I:SPX"}, {"close", -1}});
    }
    return net::Response(200, R"({"status":"OK","from":"2025-01-06","symbol":"I:SPX","open":5982.81,)"
                              R"("high":6021.04,"low":5960.01,"close":5975.38,"afterHours":5975.38,"preMarket":5982.81})",
                         "application/json");
  });
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url()));
  const auto d = run(client.daily_open_close("I:SPX", "2025-01-06"));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->symbol, "I:SPX");
  EXPECT_EQ(d->date, "2025-01-06");
  EXPECT_DOUBLE_EQ(*d->open, 5982.81);
  EXPECT_DOUBLE_EQ(*d->high, 6021.04);
  EXPECT_DOUBLE_EQ(*d->low, 5960.01);
  EXPECT_DOUBLE_EQ(*d->close, 5975.38);
  EXPECT_DOUBLE_EQ(*d->after_hours, 5975.38);
  EXPECT_DOUBLE_EQ(*d->pre_market, 5982.81);
  EXPECT_FALSE(d->volume.has_value());
  EXPECT_EQ(vendor.seen()[0].path, "/v1/open-close/I:SPX/2025-01-06");

  // Not there yet: no summary, and no exception (the caller polls again).
  EXPECT_FALSE(run(client.daily_open_close("I:SPX", "2025-01-07")).has_value());
  // The opening value is official, the close not yet.
  const auto morning = run(client.daily_open_close("I:SPX", "2025-01-08"));
  ASSERT_TRUE(morning.has_value());
  EXPECT_DOUBLE_EQ(*morning->open, 5910.66);
  EXPECT_FALSE(morning->close.has_value());
  // Another day's summary, a close that is no number or no price: rejected.
  EXPECT_EQ(error_code_of([&] { run(client.daily_open_close("I:SPX", "2025-01-09")); }), "vendor_bad_response");
  EXPECT_EQ(error_code_of([&] { run(client.daily_open_close("I:SPX", "2025-01-10")); }), "vendor_bad_response");
  EXPECT_EQ(error_code_of([&] { run(client.daily_open_close("I:SPX", "2025-01-13")); }), "vendor_bad_response");
}

TEST(RestClient, BadBodiesAreVendorBadResponse) {
  std::atomic<int> mode{0};
  FakeVendorRest vendor([&](const Seen&, int) {
    switch (mode.load()) {
      case 0: return net::Response(200, "this is not json", "text/plain");
      case 1: return net::Response(200, R"({"results":[1,2)", "application/json");
      case 2: return net::Response(200, "[1,2,3]", "application/json");
      case 3: return ok_json({{"status", "OK"}});
      default: return ok_json({{"status", "OK"}, {"results", "nope"}});
    }
  });
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url()));
  OptionChainQuery q;
  q.underlying = "I:SPX";
  for (int m = 0; m < 5; ++m) {
    mode = m;
    EXPECT_EQ(error_code_of([&] { run(client.option_chain(q)); }), "vendor_bad_response") << m;
    EXPECT_EQ(error_code_of([&] { run(client.index_snapshots({"I:SPX"})); }), "vendor_bad_response") << m;
  }
  mode = 3;
  EXPECT_EQ(error_code_of([&] { run(client.stock_snapshot("SPY")); }), "vendor_bad_response");
}

TEST(RestClient, TransportFailuresKeepTheirHttpCode) {
  std::string base;
  {
    FakeVendorRest gone([&](const Seen&, int) { return ok_json({}); });
    base = gone.base_url();
  }
  net::HttpClient http;
  auto o = options_for(base);
  o.retry.max_attempts = 2;
  RestClient client(http, o);
  EXPECT_EQ(error_code_of([&] { run(client.index_snapshots({"I:SPX"})); }), "http_unreachable");
  EXPECT_EQ(client.requests(), 2u);
}

TEST(RestClient, BadBaseUrlIsRefused) {
  net::HttpClient http;
  for (const char* url : {"", "api.massive.com", "ftp://api.massive.com", "https://api.massive.com/v3",
                          "https://", "http://host:99999", "http://host:", "https://user:pw@api.massive.com"}) {
    RestClientOptions o;
    o.base_url = url;
    EXPECT_EQ(error_code_of([&] { RestClient c(http, o); }), "vendor_bad_config") << url;
  }
  for (const char* url : {"https://api.massive.com", "http://127.0.0.1:3004/", "http://[::1]:3004", "HTTPS://API.massive.com"}) {
    RestClientOptions o;
    o.base_url = url;
    EXPECT_EQ(error_code_of([&] { RestClient c(http, o); }), "no error") << url;
  }
}

// ---- expirations, indices, stocks ---------------------------------------------------------------

TEST(RestClient, ExpirationsOneSmallRequestPerDate) {
  const std::vector<std::string> dates = {"2026-02-10", "2026-02-11", "2026-02-13"};
  FakeVendorRest vendor([&](const Seen& s, int) {
    std::string found;
    for (const auto& d : dates) {
      if ((s.query.count("expiration_date.gte") && d >= s.query.at("expiration_date.gte")) ||
          (s.query.count("expiration_date.gt") && d > s.query.at("expiration_date.gt"))) {
        found = d;
        break;
      }
    }
    json results = json::array();
    if (!found.empty()) {
      auto c = wire_contract("O:SPXW" + found.substr(2, 2) + found.substr(5, 2) + found.substr(8, 2) + "C06000000", 6000);
      c["details"]["expiration_date"] = found;
      results.push_back(c);
    }
    // A next_url is there (more contracts exist) but must not be followed.
    return ok_json({{"results", results}, {"next_url", "http://127.0.0.1:1/v3/snapshot/options/SPX?cursor=x"}});
  });
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url()));

  const auto two = run(client.expirations("SPX", "2026-02-10", 2));
  EXPECT_EQ(two, (std::vector<std::string>{"2026-02-10", "2026-02-11"}));
  EXPECT_EQ(client.requests(), 2u);
  auto seen = vendor.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].path, "/v3/snapshot/options/SPX");
  EXPECT_EQ(seen[0].query.at("expiration_date.gte"), "2026-02-10");
  EXPECT_EQ(seen[0].query.at("sort"), "expiration_date");
  EXPECT_EQ(seen[0].query.at("order"), "asc");
  EXPECT_EQ(seen[0].query.at("limit"), "1");
  EXPECT_EQ(seen[1].query.at("expiration_date.gt"), "2026-02-10");
  EXPECT_EQ(seen[1].query.count("expiration_date.gte"), 0u);

  const auto all = run(client.expirations("SPX", "2026-02-11", 5));
  EXPECT_EQ(all, (std::vector<std::string>{"2026-02-11", "2026-02-13"}));
  EXPECT_EQ(client.requests(), 2u + 3u);  // two dates and the empty answer: at most count + 1

  EXPECT_TRUE(run(client.expirations("SPX", "2026-02-10", 0)).empty());
  EXPECT_EQ(client.requests(), 5u);
}

TEST(RestClient, IndexSnapshots) {
  FakeVendorRest vendor([&](const Seen&, int) {
    return net::Response(200, R"({"request_id":"x","results":[)"
                              R"({"ticker":"I:SPX","name":"S&P 500","type":"indices","market_status":"open","value":6001.23,)"
                              R"("last_updated":1770733800000000000,"timeframe":"REAL-TIME","session":{"change":1.2,"change_percent":0.02,"close":6001.23,"previous_close":6000.03}},)"
                              R"({"ticker":"I:VIX","value":17,"last_updated":1770733800000},)"
                              R"({"ticker":"I:NOPE","error":"NOT_FOUND","message":"Ticker not found."}],"status":"OK"})",
                         "application/json");
  });
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url()));
  const auto r = run(client.index_snapshots({"I:SPX", "I:VIX", "I:NOPE"}));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].ticker, "I:SPX");
  EXPECT_DOUBLE_EQ(*r[0].value, 6001.23);
  EXPECT_EQ(*r[0].last_updated_ms, 1770733800000);
  EXPECT_DOUBLE_EQ(*r[0].previous_close, 6000.03);
  EXPECT_TRUE(r[0].error.empty());
  EXPECT_DOUBLE_EQ(*r[1].value, 17);
  EXPECT_EQ(*r[1].last_updated_ms, 1770733800000);
  EXPECT_FALSE(r[1].previous_close);
  EXPECT_EQ(r[2].error, "NOT_FOUND");
  EXPECT_FALSE(r[2].value);
  const auto seen = vendor.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/v3/snapshot/indices");
  EXPECT_EQ(seen[0].query.at("ticker.any_of"), "I:SPX,I:VIX,I:NOPE");

  EXPECT_TRUE(run(client.index_snapshots({})).empty());
  EXPECT_EQ(client.requests(), 1u);
}

TEST(RestClient, StockSnapshot) {
  FakeVendorRest vendor([&](const Seen& s, int) {
    EXPECT_EQ(s.path, "/v2/snapshot/locale/us/markets/stocks/tickers/SPY");
    return net::Response(200, R"({"request_id":"x","status":"OK","ticker":{"ticker":"SPY","todaysChange":1.2,)"
                              R"("todaysChangePerc":0.17,"updated":1770733800000000000,)"
                              R"("day":{"o":695.1,"h":698,"l":694.5,"c":697.53,"v":1234567,"vw":696.9},)"
                              R"("lastQuote":{"P":697.54,"S":3,"p":697.52,"s":4,"t":1770733800000000000},)"
                              R"("lastTrade":{"c":[37],"i":"123","p":697.53,"s":100,"t":1770733799000000000,"x":11},)"
                              R"("min":{"av":1234567,"t":1770733740000,"n":12,"o":697.4,"h":697.6,"l":697.3,"c":697.53,"v":3456,"vw":697.5},)"
                              R"("prevDay":{"c":696.33}}})",
                         "application/json");
  });
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url()));
  const auto s = run(client.stock_snapshot("SPY"));
  EXPECT_EQ(s.ticker, "SPY");
  EXPECT_DOUBLE_EQ(s.open, 695.1);
  EXPECT_DOUBLE_EQ(s.high, 698);
  EXPECT_DOUBLE_EQ(s.low, 694.5);
  EXPECT_DOUBLE_EQ(s.close, 697.53);
  EXPECT_DOUBLE_EQ(s.volume, 1234567);
  EXPECT_EQ(*s.minute_ts_ms, 1770733740000);
  EXPECT_DOUBLE_EQ(*s.last_trade_price, 697.53);
  EXPECT_EQ(*s.last_trade_ms, 1770733799000);  // ns on the wire
  EXPECT_DOUBLE_EQ(*s.previous_close, 696.33);
}

TEST(RestClient, StockSnapshotBeforeTheOpenHasNoDay) {
  FakeVendorRest vendor([&](const Seen&, int) {
    return ok_json({{"status", "OK"}, {"ticker", {{"ticker", "SPY"}, {"prevDay", {{"c", 696.33}}}}}});
  });
  net::HttpClient http;
  RestClient client(http, options_for(vendor.base_url()));
  const auto s = run(client.stock_snapshot("SPY"));
  EXPECT_DOUBLE_EQ(s.close, 0);
  EXPECT_DOUBLE_EQ(s.volume, 0);
  EXPECT_FALSE(s.minute_ts_ms);
  EXPECT_FALSE(s.last_trade_price);
  EXPECT_FALSE(s.last_trade_ms);
  EXPECT_DOUBLE_EQ(*s.previous_close, 696.33);
}

// ---- the stored contract ------------------------------------------------------------------------

TEST(StoredContractJson, EveryDeclaredFieldPresentAndFmvRenamed) {
  json wire = wire_contract("O:SPXW260210C06000000", 6000, false);
  wire["fmv"] = 19.25;
  wire["some_new_field"] = 1;
  const json stored = stored_contract_json(wire);

  EXPECT_EQ(stored.size(), 10u);
  EXPECT_DOUBLE_EQ(stored["fair_market_value"].get<double>(), 19.25);
  EXPECT_FALSE(stored.contains("fmv"));
  EXPECT_FALSE(stored.contains("some_new_field"));
  EXPECT_DOUBLE_EQ(stored["break_even_price"].get<double>(), 6019.2);
  EXPECT_TRUE(stored["last_trade"].is_null());  // absent on the wire
  // day: the declared fields, the absent ones null.
  EXPECT_EQ(stored["day"].size(), 10u);
  EXPECT_DOUBLE_EQ(stored["day"]["close"].get<double>(), 19.2);
  EXPECT_TRUE(stored["day"]["vwap"].is_null());
  EXPECT_TRUE(stored["day"]["open"].is_null());
  EXPECT_EQ(stored["details"]["ticker"], "O:SPXW260210C06000000");
  EXPECT_EQ(stored["details"].size(), 6u);
  EXPECT_EQ(stored["greeks"].size(), 4u);
  EXPECT_EQ(stored["last_quote"].size(), 7u);
  EXPECT_FALSE(stored["last_quote"].contains("ask_exchange"));
  EXPECT_DOUBLE_EQ(stored["last_quote"]["midpoint"].get<double>(), 19.2);
  EXPECT_EQ(stored["underlying_asset"].size(), 6u);
  EXPECT_TRUE(stored["underlying_asset"]["price"].is_null());
  EXPECT_DOUBLE_EQ(stored["underlying_asset"]["value"].get<double>(), 6001.1);
  EXPECT_EQ(stored["open_interest"], 4521);

  const json with_trade = stored_contract_json(wire_contract("O:SPXW260210C06000000", 6000));
  EXPECT_EQ(with_trade["last_trade"].size(), 6u);
  EXPECT_EQ(with_trade["last_trade"]["conditions"], json::array({209}));
  EXPECT_TRUE(with_trade["fair_market_value"].is_null());

  const json empty = stored_contract_json(json::object());
  EXPECT_EQ(empty.size(), 10u);
  for (const auto& [k, v] : empty.items()) EXPECT_TRUE(v.is_null()) << k;
  EXPECT_EQ(stored_contract_json(json("garbage")).size(), 10u);
}

}  // namespace
}  // namespace ms::marketdata
