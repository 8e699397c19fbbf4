#include "services/sim/rest_api.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "services/sim/sim_test_util.hpp"

namespace ms::sim {
namespace {

using nlohmann::json;

constexpr const char* kBase = "http://127.0.0.1:3999";

class RestApiTest : public ::testing::Test {
 protected:
  RestApiTest() : market_(test::small_config(), test::tuesday()), api_(make_config(false)) {
    for (int i = 0; i < 180; ++i) market_.advance_one_tick();  // three minutes of trading
  }

  static RestApiConfig make_config(bool fmv) {
    RestApiConfig c;
    c.api_key = "sekret";
    c.base_url = std::string(kBase) + "/";
    c.include_fmv = fmv;
    return c;
  }

  RestResponse get(std::string path, QueryParams q = {}, bool with_key = true) {
    if (with_key) q.emplace_back("apiKey", "sekret");
    RestRequest r;
    r.path = std::move(path);
    r.query = std::move(q);
    return api_.handle(market_, r);
  }

  json get_json(std::string path, QueryParams q = {}) {
    const auto r = get(std::move(path), std::move(q));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  // Every page of a query, following next_url's cursor like a client does.
  std::vector<json> all_pages(const std::string& path, QueryParams q) {
    std::vector<json> pages;
    while (true) {
      pages.push_back(get_json(path, q));
      const auto& p = pages.back();
      if (!p.contains("next_url")) break;
      const auto url = p["next_url"].get<std::string>();
      const std::string prefix = std::string(kBase) + path + "?cursor=";
      EXPECT_EQ(url.substr(0, prefix.size()), prefix) << url;
      EXPECT_EQ(url.find("apiKey"), std::string::npos) << url;
      EXPECT_EQ(url.find('&'), std::string::npos) << url;
      q = {{"cursor", url.substr(prefix.size())}};
      if (pages.size() > 100) {
        ADD_FAILURE() << "pagination does not end";
        break;
      }
    }
    return pages;
  }

  std::vector<std::string> expected_tickers(Underlying u, const std::function<bool(const ContractSpec&)>& keep) {
    std::vector<std::string> out;
    for (auto i : market_.chain().contracts_of(u)) {
      if (keep(market_.chain()[i])) out.push_back(market_.chain()[i].ticker);
    }
    return out;
  }

  SimMarket market_;
  RestApi api_;
};

void expect_error_body(const RestResponse& r, int status, const std::string& kind = "ERROR") {
  EXPECT_EQ(r.status, status) << r.body;
  const auto j = json::parse(r.body);
  EXPECT_EQ(j["status"], kind);
  EXPECT_TRUE(j["request_id"].is_string());
  EXPECT_FALSE(j["request_id"].get<std::string>().empty());
  EXPECT_TRUE(j["error"].is_string());
  EXPECT_EQ(j.size(), 3u) << r.body;
}

TEST_F(RestApiTest, MissingOrUnknownKeyIs401) {
  expect_error_body(get("/v3/snapshot/options/I:SPX", {}, false), 401);
  expect_error_body(get("/v3/snapshot/options/I:SPX", {{"apiKey", "wrong"}}, false), 401);
  expect_error_body(get("/nowhere", {}, false), 401);  // routes stay hidden without a key
  RestRequest r;
  r.path = "/v3/snapshot/indices";
  r.authorization = "Bearer sekret";
  EXPECT_EQ(api_.handle(market_, r).status, 200);
  r.authorization = "Bearer nope";
  expect_error_body(api_.handle(market_, r), 401);
  r.authorization = "Basic sekret";
  expect_error_body(api_.handle(market_, r), 401);
}

TEST_F(RestApiTest, DefaultPageIsTenInTickerOrder) {
  const auto j = get_json("/v3/snapshot/options/I:SPX");
  EXPECT_EQ(j["status"], "OK");
  ASSERT_EQ(j["results"].size(), 10u);
  const auto want = expected_tickers(Underlying::spx, [](const ContractSpec&) { return true; });
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(j["results"][i]["details"]["ticker"], want[i]);
  EXPECT_TRUE(j.contains("next_url"));
}

TEST_F(RestApiTest, PagesConcatenateToTheFullFilteredSet) {
  const std::string e = "2026-02-10";
  const auto pages = all_pages("/v3/snapshot/options/I:SPX",
                               {{"expiration_date", e}, {"strike_price.gte", "5950"},
                                {"strike_price.lte", "6050"}, {"limit", "7"}, {"apiKey", "sekret"}});
  std::vector<std::string> got;
  for (const auto& p : pages) {
    EXPECT_LE(p["results"].size(), 7u);
    for (const auto& c : p["results"]) got.push_back(c["details"]["ticker"]);
  }
  const auto want = expected_tickers(Underlying::spx, [&](const ContractSpec& c) {
    return c.expiry_text == e && c.strike >= 5950 && c.strike <= 6050;
  });
  ASSERT_GT(want.size(), 30u);
  EXPECT_EQ(got, want);
  EXPECT_FALSE(pages.back().contains("next_url"));
}

TEST_F(RestApiTest, WholeChainPagesWithTheMaximumLimit) {
  const auto pages = all_pages("/v3/snapshot/options/SPX", {{"limit", "1000"}, {"apiKey", "sekret"}});
  EXPECT_EQ(pages[0]["results"].size(), 250u);  // clamped
  std::vector<std::string> got;
  for (const auto& p : pages) {
    for (const auto& c : p["results"]) got.push_back(c["details"]["ticker"]);
  }
  EXPECT_EQ(got, expected_tickers(Underlying::spx, [](const ContractSpec&) { return true; }));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size());
}

TEST_F(RestApiTest, FiltersAreExactAndExclusiveWhereTheyShouldBe) {
  auto tickers = [&](QueryParams q) {
    q.emplace_back("limit", "250");
    std::vector<std::string> out;
    for (const auto& p : all_pages("/v3/snapshot/options/I:NDX", q)) {
      for (const auto& c : p["results"]) out.push_back(c["details"]["ticker"]);
    }
    return out;
  };
  EXPECT_EQ(tickers({{"strike_price.gt", "21500"}, {"strike_price.lt", "21600"}, {"contract_type", "call"}}),
            expected_tickers(Underlying::ndx, [](const ContractSpec& c) {
              return c.strike > 21500 && c.strike < 21600 && c.type == quant::OptionType::call;
            }));
  EXPECT_EQ(tickers({{"expiration_date.gt", "2026-02-10"}, {"expiration_date.lt", "2026-02-20"}}),
            expected_tickers(Underlying::ndx, [](const ContractSpec& c) {
              return c.expiry_text > "2026-02-10" && c.expiry_text < "2026-02-20";
            }));
  EXPECT_EQ(tickers({{"strike_price", "21500"}}).size(), 6u);  // 3 expiries x call/put
  EXPECT_TRUE(tickers({{"strike_price", "21505"}}).empty());
}

TEST_F(RestApiTest, SortByStrikeDescending) {
  const auto j = get_json("/v3/snapshot/options/I:SPX",
                          {{"sort", "strike_price"}, {"order", "desc"}, {"limit", "250"},
                           {"expiration_date", "2026-02-11"}});
  double prev = 1e9;
  for (const auto& c : j["results"]) {
    const double k = c["details"]["strike_price"];
    EXPECT_LE(k, prev);
    prev = k;
  }
  EXPECT_GT(j["results"].size(), 50u);
}

TEST_F(RestApiTest, BadParametersAndCursorsAre400) {
  expect_error_body(get("/v3/snapshot/options/I:SPX", {{"limit", "0"}}), 400);
  expect_error_body(get("/v3/snapshot/options/I:SPX", {{"limit", "x"}}), 400);
  expect_error_body(get("/v3/snapshot/options/I:SPX", {{"strike_price.gte", "abc"}}), 400);
  expect_error_body(get("/v3/snapshot/options/I:SPX", {{"cursor", "garbage!"}}), 400);
  expect_error_body(get("/v3/snapshot/options/I:SPX", {{"cursor", "QUJD"}}), 400);
  const auto r = get("/v3/snapshot/options/I:SPX", {{"expiration_date", "tomorrow"}});
  expect_error_body(r, 400);
  EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("expiration_date"), std::string::npos);
}

TEST_F(RestApiTest, UnknownUnderlyingIsAnEmptyPage) {
  const auto j = get_json("/v3/snapshot/options/I:FOO");
  EXPECT_TRUE(j["results"].empty());
  EXPECT_FALSE(j.contains("next_url"));
}

TEST_F(RestApiTest, ContractObjectHasTheVendorFieldsAndNoNulls) {
  // Find a traded contract so day and last_trade are present.
  std::uint32_t traded = 0;
  for (auto i : market_.chain().contracts_of(Underlying::spx)) {
    if (market_.contract_day(i).day.volume > 0) {
      traded = i;
      break;
    }
  }
  const auto& spec = market_.chain()[traded];
  ASSERT_GT(market_.contract_day(traded).day.volume, 0);
  const auto j = get_json("/v3/snapshot/options/I:SPX",
                          {{"strike_price", std::to_string(spec.strike_milli / 1000)},
                           {"expiration_date", spec.expiry_text}, {"limit", "250"}});
  json c;
  for (const auto& r : j["results"]) {
    if (r["details"]["ticker"] == spec.ticker) c = r;
  }
  ASSERT_FALSE(c.is_null());
  EXPECT_TRUE(test::has_no_nulls(j));
  for (const char* k : {"break_even_price", "day", "details", "greeks", "implied_volatility", "last_quote",
                        "last_trade", "open_interest", "underlying_asset"}) {
    EXPECT_TRUE(c.contains(k)) << k;
  }
  EXPECT_FALSE(c.contains("fmv"));
  EXPECT_FALSE(c.contains("fair_market_value"));
  const auto& d = c["details"];
  EXPECT_EQ(d["contract_type"], spec.type == quant::OptionType::call ? "call" : "put");
  EXPECT_EQ(d["exercise_style"], "european");
  EXPECT_EQ(d["expiration_date"], spec.expiry_text);
  EXPECT_EQ(d["shares_per_contract"], 100);
  EXPECT_EQ(d["strike_price"], spec.strike);
  for (const char* k : {"delta", "gamma", "theta", "vega"}) EXPECT_TRUE(c["greeks"][k].is_number()) << k;
  const auto& q = c["last_quote"];
  EXPECT_LT(q["bid"].get<double>(), q["ask"].get<double>());
  EXPECT_DOUBLE_EQ(q["midpoint"].get<double>(), (q["bid"].get<double>() + q["ask"].get<double>()) / 2);
  EXPECT_EQ(q["last_updated"], market_.now_ms() * 1'000'000);
  EXPECT_EQ(q["timeframe"], "REAL-TIME");
  const auto& day = c["day"];
  EXPECT_EQ(day["volume"], market_.contract_day(traded).day.volume);
  for (const char* k : {"change", "change_percent", "close", "high", "low", "open", "previous_close", "vwap"}) {
    EXPECT_TRUE(day[k].is_number()) << k;
  }
  const auto& t = c["last_trade"];
  EXPECT_EQ(t["sip_timestamp"], market_.contract_day(traded).last_trade_ms * 1'000'000);
  EXPECT_EQ(t["conditions"], json::array({209}));
  const auto& u = c["underlying_asset"];
  EXPECT_EQ(u["ticker"], "I:SPX");
  EXPECT_FALSE(u.contains("price"));  // an index has a value, not a price
  EXPECT_NEAR(u["value"].get<double>(), market_.state().spx, 0.006);
  EXPECT_GT(c["open_interest"].get<int>(), 0);
  EXPECT_GT(c["implied_volatility"].get<double>(), 0.03);
}

TEST_F(RestApiTest, UntradedContractOmitsTradeFields) {
  std::optional<std::uint32_t> quiet;
  for (auto i : market_.chain().contracts_of(Underlying::spx)) {
    if (market_.contract_day(i).day.volume == 0) quiet = i;
  }
  ASSERT_TRUE(quiet.has_value());
  const auto& spec = market_.chain()[*quiet];
  const auto j = get_json("/v3/snapshot/options/I:SPX",
                          {{"strike_price", std::to_string(spec.strike_milli / 1000)},
                           {"expiration_date", spec.expiry_text},
                           {"contract_type", spec.type == quant::OptionType::call ? "call" : "put"}});
  ASSERT_EQ(j["results"].size(), spec.root == "SPX" || spec.expiry_text != "2026-02-20" ? 1u : 2u);
  const auto& c = j["results"][0];
  ASSERT_EQ(c["details"]["ticker"], spec.ticker);
  EXPECT_FALSE(c.contains("last_trade"));
  // The day object is complete though nothing traded: prices at the previous close, no volume.
  const auto& day = c["day"];
  EXPECT_EQ(day.size(), 10u);
  const double prev = day["previous_close"].get<double>();
  for (const char* k : {"close", "high", "low", "open", "vwap"}) EXPECT_EQ(day[k].get<double>(), prev) << k;
  EXPECT_EQ(day["volume"], 0);
  EXPECT_EQ(day["change"], 0);
  EXPECT_EQ(day["change_percent"], 0);
  EXPECT_EQ(day["last_updated"].get<std::int64_t>(), test::session_of(test::tuesday()).open_ms * 1'000'000);
}

TEST_F(RestApiTest, FmvOnlyWhenConfigured) {
  RestApi with_fmv(make_config(true));
  RestRequest r;
  r.path = "/v3/snapshot/options/I:SPX";
  r.query = {{"apiKey", "sekret"}, {"limit", "3"}};
  const auto j = json::parse(with_fmv.handle(market_, r).body);
  for (const auto& c : j["results"]) EXPECT_TRUE(c["fmv"].is_number());
}

TEST_F(RestApiTest, IndicesSnapshotWithUnknownTickerInsideResults) {
  const auto j = get_json("/v3/snapshot/indices", {{"ticker.any_of", "I:SPX,I:VIX,I:NOPE"}});
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][0]["ticker"], "I:SPX");
  EXPECT_NEAR(j["results"][0]["value"].get<double>(), market_.state().spx, 0.006);
  EXPECT_NEAR(j["results"][1]["value"].get<double>(), market_.state().vix, 0.006);
  const auto& s = j["results"][0]["session"];
  for (const char* k : {"change", "change_percent", "close", "high", "low", "open", "previous_close"}) {
    EXPECT_TRUE(s[k].is_number()) << k;
  }
  EXPECT_LE(s["low"].get<double>(), s["high"].get<double>());
  EXPECT_EQ(j["results"][0]["market_status"], "open");
  EXPECT_EQ(j["results"][2]["ticker"], "I:NOPE");
  EXPECT_EQ(j["results"][2]["error"], "NOT_FOUND");
  EXPECT_FALSE(j["results"][2].contains("value"));
  EXPECT_EQ(get_json("/v3/snapshot/indices")["results"].size(), 3u);
  EXPECT_EQ(get_json("/v3/snapshot/indices", {{"ticker", "I:NDX"}})["results"].size(), 1u);
}

TEST_F(RestApiTest, StockSnapshotHasDayAndMinute) {
  const auto j = get_json("/v2/snapshot/locale/us/markets/stocks/tickers/SPY");
  EXPECT_EQ(j["status"], "OK");
  const auto& t = j["ticker"];
  EXPECT_EQ(t["ticker"], "SPY");
  for (const char* k : {"o", "h", "l", "c", "v"}) EXPECT_TRUE(t["day"][k].is_number()) << k;
  EXPECT_GT(t["day"]["v"].get<std::int64_t>(), 0);
  EXPECT_TRUE(t["min"]["t"].is_number_integer());
  EXPECT_EQ(t["min"]["t"].get<std::int64_t>() % 60'000, test::session_of(test::tuesday()).open_ms % 60'000);
  EXPECT_LT(t["lastQuote"]["p"].get<double>(), t["lastQuote"]["P"].get<double>());
  EXPECT_TRUE(t["lastTrade"]["p"].is_number());
  EXPECT_TRUE(test::has_no_nulls(j));
  // The first session has no yesterday: prevDay is the previous close with no volume.
  const auto& prev = t["prevDay"];
  for (const char* k : {"o", "h", "l", "c", "vw"}) {
    EXPECT_NEAR(prev[k].get<double>(), market_.spy_day().previous_close, 0.006) << k;
  }
  EXPECT_EQ(prev["v"], 0);
  expect_error_body(get("/v2/snapshot/locale/us/markets/stocks/tickers/TSLA"), 404, "NOT_FOUND");
}

TEST_F(RestApiTest, QqqAndIwmAlongsideSpy) {
  for (auto st : {Stock::qqq, Stock::iwm}) {
    const auto j = get_json("/v2/snapshot/locale/us/markets/stocks/tickers/" + std::string(stock_ticker(st)));
    const auto& t = j["ticker"];
    EXPECT_EQ(t["ticker"], stock_ticker(st));
    EXPECT_GT(t["day"]["v"].get<std::int64_t>(), 0) << stock_ticker(st);
    EXPECT_NEAR(t["lastQuote"]["p"].get<double>(), market_.stock_value(st), 0.011);
    EXPECT_TRUE(t["lastTrade"]["p"].is_number());
    EXPECT_TRUE(t["min"]["c"].is_number());
    EXPECT_TRUE(test::has_no_nulls(j));
  }
  // Derived from their index: QQQ ~ NDX / 41, IWM ~ 225 at SPX 6000.
  EXPECT_NEAR(market_.stock_value(Stock::qqq), market_.state().ndx * 0.0244, 1e-9);
  EXPECT_GT(market_.stock_value(Stock::iwm), 150);
  EXPECT_LT(market_.stock_value(Stock::iwm), 300);
}

TEST_F(RestApiTest, UniversalSnapshotAcrossAssetClasses) {
  const auto& spec = market_.chain()[market_.chain().contracts_of(Underlying::spx).front()];
  const auto j = get_json("/v3/snapshot", {{"ticker.any_of", "I:SPX,SPY,QQQ,IWM," + spec.ticker + ",NOPE"}});
  ASSERT_EQ(j["results"].size(), 6u);
  const auto& r = j["results"];
  EXPECT_EQ(r[0]["type"], "indices");
  EXPECT_NEAR(r[0]["value"].get<double>(), market_.state().spx, 0.006);
  for (const char* k : {"change", "change_percent", "close", "high", "low", "open", "previous_close", "price"}) {
    EXPECT_TRUE(r[0]["session"][k].is_number()) << k;
  }
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(r[i]["type"], "stocks");
    EXPECT_TRUE(r[i]["last_quote"]["bid"].is_number());
    EXPECT_TRUE(r[i]["last_trade"]["price"].is_number());
    EXPECT_TRUE(r[i]["last_minute"]["close"].is_number());
    EXPECT_GT(r[i]["session"]["volume"].get<std::int64_t>(), 0);
    EXPECT_EQ(r[i]["market_status"], "open");
  }
  EXPECT_EQ(r[1]["ticker"], "SPY");
  EXPECT_EQ(r[4]["type"], "options");
  EXPECT_EQ(r[4]["ticker"], spec.ticker);
  EXPECT_EQ(r[4]["details"]["strike_price"].get<double>(), spec.strike);
  EXPECT_EQ(r[4]["underlying_asset"]["ticker"], "I:SPX");
  EXPECT_TRUE(r[4]["session"]["previous_close"].is_number());
  EXPECT_EQ(r[5]["error"], "NOT_FOUND");
  EXPECT_TRUE(test::has_no_nulls(j));
  // No filter: every index and stock.
  EXPECT_EQ(get_json("/v3/snapshot")["results"].size(), 6u);
}

TEST(RestApiSettlement, DailySummaryPublishesOfficialValuesAfterTheirDelays) {
  SimConfig cfg = test::small_config(11);
  cfg.settlement.correction_probability = 1.0;  // every close is restated
  // Start five minutes before the close.
  const auto s = test::session_of(test::tuesday());
  SimMarket m(cfg, test::tuesday(), std::chrono::milliseconds(s.close_ms - s.open_ms - 5 * 60'000));
  RestApiConfig rc;
  rc.api_key = "k";
  RestApi api(rc);
  auto get = [&](const std::string& path) {
    RestRequest r;
    r.path = path;
    r.query = {{"apiKey", "k"}};
    return api.handle(m, r);
  };
  const std::string path = "/v1/open-close/I:SPX/2026-02-10";
  m.advance_one_tick();
  // During the session: the official open (published 5 minutes after the open), no close yet.
  auto r = get(path);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  const auto* rec = m.session_record(test::tuesday());
  ASSERT_NE(rec, nullptr);
  const auto& v = rec->values.at("I:SPX");
  EXPECT_EQ(j["status"], "OK");
  EXPECT_EQ(j["from"], "2026-02-10");
  EXPECT_EQ(j["symbol"], "I:SPX");
  EXPECT_DOUBLE_EQ(j["open"].get<double>(), v.official_open);
  EXPECT_NE(v.official_open, std::round(v.first_tick * 100) / 100);  // not the first tick
  EXPECT_FALSE(j.contains("close"));
  EXPECT_FALSE(j.contains("afterHours"));

  // Through the close tick: the close is not published yet (404, the vendor's "Data not found.").
  while (!m.advance_one_tick().session_closed) {
  }
  EXPECT_TRUE(rec->closed);
  EXPECT_NE(v.official_close, std::round(v.last_tick * 100) / 100);
  EXPECT_NEAR(v.official_close, v.last_tick, v.last_tick * 3e-4 + 0.011);
  EXPECT_DOUBLE_EQ(v.last_tick, m.index_value(Index::spx));
  j = json::parse(get(path).body);
  EXPECT_FALSE(j.contains("close"));
  // Five simulated minutes later (the next session's 09:35): the official close.
  for (int i = 0; i < 5 * 60 + 1; ++i) m.advance_one_tick();
  j = json::parse(get(path).body);
  ASSERT_TRUE(j.contains("close")) << j.dump();
  EXPECT_DOUBLE_EQ(j["close"].get<double>(), v.official_close);
  EXPECT_DOUBLE_EQ(j["afterHours"].get<double>(), v.official_close);
  EXPECT_GE(j["high"].get<double>(), j["low"].get<double>());
  // Twenty minutes after the close: the restatement.
  ASSERT_TRUE(v.corrected_close.has_value());
  EXPECT_NE(*v.corrected_close, v.official_close);
  for (int i = 0; i < 15 * 60; ++i) m.advance_one_tick();
  j = json::parse(get(path).body);
  EXPECT_DOUBLE_EQ(j["close"].get<double>(), *v.corrected_close);

  // Stocks carry a volume; unknown tickers, days not simulated and bad dates.
  j = json::parse(get("/v1/open-close/SPY/2026-02-10").body);
  EXPECT_GT(j["volume"].get<std::int64_t>(), 0);
  r = get("/v1/open-close/I:SPX/2026-02-09");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["message"], "Data not found.");
  EXPECT_EQ(json::parse(r.body)["status"], "NOT_FOUND");
  EXPECT_EQ(get("/v1/open-close/TSLA/2026-02-10").status, 404);
  EXPECT_EQ(get("/v1/open-close/I:SPX/2026-02-31").status, 400);
  EXPECT_EQ(get("/v1/open-close/I:SPX").status, 404);
  // The next session's open is not official in its first five minutes... it is by now.
  EXPECT_EQ(get("/v1/open-close/I:SPX/2026-02-11").status, 200);
}

TEST(RestApiSettlement, PrevDayIsThePreviousSessionsFullBar) {
  const auto s = test::session_of(test::tuesday());
  SimMarket m(test::small_config(5), test::tuesday(), std::chrono::milliseconds(s.close_ms - s.open_ms - 3000));
  while (!m.advance_one_tick().session_closed) {
  }
  const Bar tuesday = m.stock_day(Stock::qqq).day;
  ASSERT_GT(tuesday.volume, 0);
  for (int i = 0; i < 5; ++i) m.advance_one_tick();  // into Wednesday
  RestApiConfig rc;
  rc.api_key = "k";
  RestApi api(rc);
  RestRequest r;
  r.path = "/v2/snapshot/locale/us/markets/stocks/tickers/QQQ";
  r.query = {{"apiKey", "k"}};
  const auto prev = json::parse(api.handle(m, r).body)["ticker"]["prevDay"];
  EXPECT_NEAR(prev["o"].get<double>(), tuesday.open, 0.006);
  EXPECT_NEAR(prev["h"].get<double>(), tuesday.high, 0.006);
  EXPECT_NEAR(prev["l"].get<double>(), tuesday.low, 0.006);
  EXPECT_NEAR(prev["c"].get<double>(), m.stock_day(Stock::qqq).previous_close, 0.006);
  EXPECT_EQ(prev["v"].get<std::int64_t>(), tuesday.volume);
  EXPECT_NEAR(prev["vw"].get<double>(), tuesday.vwap(), 1e-4);
}

TEST(RestApiSettlement, OfficialValuesAreSeededAndNeverTheTick) {
  const auto s = test::session_of(test::tuesday());
  auto run = [&](std::uint64_t seed) {
    SimMarket m(test::small_config(seed), test::tuesday(),
                std::chrono::milliseconds(s.close_ms - s.open_ms - 2000));
    while (!m.advance_one_tick().session_closed) {
    }
    return *m.session_record(test::tuesday());
  };
  const auto a = run(3), b = run(3), c = run(4);
  for (const auto& [ticker, v] : a.values) {
    EXPECT_EQ(v.official_close, b.values.at(ticker).official_close) << ticker;
    EXPECT_EQ(v.official_open, b.values.at(ticker).official_open) << ticker;
    EXPECT_NE(v.official_close, std::round(v.last_tick * 100) / 100) << ticker;
    EXPECT_NE(v.official_open, std::round(v.first_tick * 100) / 100) << ticker;
  }
  EXPECT_NE(a.values.at("I:SPX").official_close, c.values.at("I:SPX").official_close);
  EXPECT_EQ(a.values.size(), 6u);  // I:SPX I:NDX I:VIX SPY QQQ IWM
}

TEST_F(RestApiTest, UnknownRoutesAndMethods) {
  expect_error_body(get("/v3/reference/tickers"), 404, "NOT_FOUND");
  expect_error_body(get("/v3/snapshot/options/"), 404, "NOT_FOUND");
  expect_error_body(get("/v3/snapshot/options/I:SPX/extra"), 404, "NOT_FOUND");
  RestRequest r;
  r.method = "POST";
  r.path = "/v3/snapshot/indices";
  r.query = {{"apiKey", "sekret"}};
  expect_error_body(api_.handle(market_, r), 405);
}

TEST_F(RestApiTest, RequestIdsAreUniqueOrTakenFromTheCaller) {
  const auto a = json::parse(get("/v3/snapshot/indices").body)["request_id"];
  const auto b = json::parse(get("/v3/snapshot/indices").body)["request_id"];
  EXPECT_NE(a, b);
  RestRequest r;
  r.path = "/v3/snapshot/indices";
  r.query = {{"apiKey", "sekret"}};
  r.request_id = "abc123";
  EXPECT_EQ(json::parse(api_.handle(market_, r).body)["request_id"], "abc123");
}

TEST(RestErrorBody, MatchesTheVendorShape) {
  EXPECT_EQ(error_body("r1", "Unknown API Key"),
            R"({"status":"ERROR","request_id":"r1","error":"Unknown API Key"})");
}

}  // namespace
}  // namespace ms::sim
