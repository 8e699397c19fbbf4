#include "services/sim/wire.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "services/sim/json_out.hpp"
#include "services/sim/sim_test_util.hpp"

namespace ms::sim {
namespace {

using nlohmann::json;

std::string cents(std::int64_t c) {
  std::string out;
  json_out::append_cents(out, c);
  return out;
}

std::string number(double v) {
  std::string out;
  json_out::append_number(out, v);
  return out;
}

TEST(JsonOut, CentsAreWrittenExactlyLikeTheVendor) {
  EXPECT_EQ(cents(770), "7.7");
  EXPECT_EQ(cents(700), "7");
  EXPECT_EQ(cents(5), "0.05");
  EXPECT_EQ(cents(69753), "697.53");
  EXPECT_EQ(cents(0), "0");
  EXPECT_EQ(cents(-5), "-0.05");
  EXPECT_EQ(cents(-1230), "-12.3");
}

TEST(JsonOut, NumbersAreShortestRoundTripWithoutForcedFraction) {
  EXPECT_EQ(number(6000.0), "6000");
  EXPECT_EQ(number(0.153), "0.153");
  EXPECT_EQ(number(-0.0), "0");
  EXPECT_EQ(number(std::nan("")), "null");
  EXPECT_EQ(number(1.0 / 0.0), "null");
  std::string r;
  json_out::append_rounded(r, 6001.23456, 2);
  EXPECT_EQ(r, "6001.23");
  r.clear();
  json_out::append_rounded(r, 2.5e-9, 4);
  EXPECT_EQ(r, "0");
}

TEST(Wire, StatusFramesAreTheVendorsExactBytes) {
  EXPECT_EQ(connected_frame(),
            R"([{"ev":"status","status":"connected","message":"Connected Successfully"}])");
  EXPECT_EQ(auth_success_frame(),
            R"([{"ev":"status","status":"auth_success","message":"authenticated"}])");
  EXPECT_EQ(auth_failed_frame(),
            R"([{"ev":"status","status":"auth_failed","message":"authentication failed"}])");
  EXPECT_EQ(subscribed_event("T.O:SPXW260210C06000000"),
            R"({"ev":"status","status":"success","message":"subscribed to: T.O:SPXW260210C06000000"})");
  EXPECT_EQ(unsubscribed_event("T.SPY"),
            R"({"ev":"status","status":"success","message":"unsubscribed to: T.SPY"})");
  EXPECT_EQ(error_event("bad \"x\""), R"({"ev":"status","status":"error","message":"bad \"x\""})");
}

TEST(Wire, OptionTradeMatchesTheSpecExample) {
  MarketEvent e{Channel::trade, "O:SPXW260210P06870000", 1770737390123,
                TradePrint{770, 1, 65, {209}, "", 0}};
  EXPECT_EQ(encode_event(e, 4),
            R"({"ev":"T","sym":"O:SPXW260210P06870000","x":65,"p":7.7,"s":1,"c":[209],"t":1770737390123,"q":4})");
}

TEST(Wire, StockTradeCarriesIdAndTapeAndOmitsEmptyConditions) {
  MarketEvent e{Channel::trade, "SPY", 1770737390000, TradePrint{69753, 100, 11, {}, "77", 2}};
  EXPECT_EQ(encode_event(e, 9),
            R"({"ev":"T","sym":"SPY","i":"77","x":11,"p":697.53,"s":100,"t":1770737390000,"q":9,"z":2})");
  e.data = TradePrint{69753, 7, 4, {37}, "78", 2};
  const auto j = json::parse(encode_event(e, 10));
  EXPECT_EQ(j["c"], json::array({37}));
  EXPECT_EQ(j["s"], 7);
}

TEST(Wire, OptionQuoteFieldsInVendorOrder) {
  QuotePrint q{1900, 1940, 15, 20, 65, 65, 0};
  EXPECT_EQ(encode_quote("O:SPXW260210C06000000", q, 1770737399000, 3),
            R"({"ev":"Q","sym":"O:SPXW260210C06000000","bx":65,"ax":65,"bp":19,"ap":19.4,"bs":15,"as":20,"t":1770737399000,"q":3})");
}

TEST(Wire, StockQuote) {
  QuotePrint q{69752, 69753, 300, 500, 11, 12, 2};
  EXPECT_EQ(encode_quote("SPY", q, 5, 1),
            R"({"ev":"Q","sym":"SPY","bx":11,"bp":697.52,"bs":300,"ax":12,"ap":697.53,"as":500,"t":5,"q":1,"z":2})");
}

TEST(Wire, IndexValueKeepsTheTickerInCapitalT) {
  MarketEvent e{Channel::value, "I:SPX", 1770737399000, IndexValue{6001.23456}};
  EXPECT_EQ(encode_event(e, 0), R"({"ev":"V","val":6001.23,"T":"I:SPX","t":1770737399000})");
  const auto j = json::parse(encode_event(e, 0));
  EXPECT_FALSE(j.contains("sym"));
}

TEST(Wire, TradedAggregateHasEveryVendorField) {
  Aggregate a;
  a.open = 19.1;
  a.high = 19.4;
  a.low = 19.0;
  a.close = 19.2;
  a.start_ms = 1000;
  a.end_ms = 2000;
  a.day_open = 22;
  a.has_volume = true;
  a.volume = 12;
  a.day_volume = 10234;
  a.vwap = 19.21234567;
  a.day_vwap = 19.9;
  a.average_size = 3;
  MarketEvent e{Channel::minute_agg, "O:SPXW260210C06000000", 2000, a};
  EXPECT_EQ(encode_event(e, 0),
            R"({"ev":"AM","sym":"O:SPXW260210C06000000","v":12,"av":10234,"op":22,"vw":19.2123,"o":19.1,"c":19.2,"h":19.4,"l":19,"a":19.9,"z":3,"s":1000,"e":2000})");
}

TEST(Wire, IndexAggregateHasNoVolumeFields) {
  Aggregate a;
  a.open = 6000.123;
  a.high = 6001;
  a.low = 5999.5;
  a.close = 6000.5;
  a.day_open = 5990;
  a.start_ms = 0;
  a.end_ms = 1000;
  MarketEvent e{Channel::second_agg, "I:SPX", 1000, a};
  EXPECT_EQ(encode_event(e, 0),
            R"({"ev":"A","sym":"I:SPX","op":5990,"o":6000.12,"c":6000.5,"h":6001,"l":5999.5,"s":0,"e":1000})");
}

TEST(Wire, ClockStatusIsTheDocumentedSimulatorExtension) {
  ClockStatus c{1770733800000, test::tuesday(), core::SessionPhase::open, 60};
  EXPECT_EQ(clock_event(c),
            R"({"ev":"status","status":"clock","message":"market clock","ts_ms":1770733800000,"session_date":"2026-02-10","phase":"open","speed":60,"source":"sim"})");
  c.speed = 0.5;
  c.phase = core::SessionPhase::post_market;
  const auto j = json::parse(clock_event(c));
  EXPECT_EQ(j["phase"], "post_market");
  EXPECT_EQ(j["speed"], 0.5);
}

TEST(Wire, FramesAreJsonArrays) {
  std::vector<std::string> ev = {R"({"a":1})", R"({"b":2})", R"({"c":3})"};
  EXPECT_EQ(frame_of(ev), R"([{"a":1},{"b":2},{"c":3}])");
  EXPECT_EQ(frame_of(ev, 1, 3), R"([{"b":2},{"c":3}])");
  EXPECT_EQ(frame_of({}), "[]");
}

TEST(Wire, EverySimulatedEventIsValidJsonWithItsFields) {
  SimMarket m(test::small_config(), test::tuesday());
  int n = 0;
  for (int i = 0; i < 65; ++i) {
    for (const auto& e : m.advance_one_tick().events) {
      const auto j = json::parse(encode_event(e, 1));
      ++n;
      ASSERT_EQ(j["ev"], std::string(channel_prefix(e.channel)));
      switch (e.channel) {
        case Channel::trade:
          for (const char* k : {"sym", "x", "p", "s", "t", "q"}) ASSERT_TRUE(j.contains(k)) << k << j;
          ASSERT_EQ(j["t"], e.t);
          break;
        case Channel::value:
          for (const char* k : {"val", "T", "t"}) ASSERT_TRUE(j.contains(k)) << k;
          break;
        case Channel::second_agg:
        case Channel::minute_agg:
          for (const char* k : {"sym", "op", "o", "c", "h", "l", "s", "e"}) ASSERT_TRUE(j.contains(k)) << k;
          break;
        case Channel::quote:
          break;
      }
    }
  }
  EXPECT_GT(n, 1000);
}

}  // namespace
}  // namespace ms::sim
