#include "quant/candles.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/market_calendar.hpp"

namespace ms::quant {
namespace {

using core::kMsPerDay;
using core::kMsPerHour;
using core::kMsPerMinute;

std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  const core::Date date{std::chrono::year{y}, std::chrono::month{mo}, std::chrono::day{d}};
  return std::int64_t(std::chrono::sys_days{date}.time_since_epoch().count()) * kMsPerDay +
         h * kMsPerHour + mi * kMsPerMinute + s * 1000;
}

const std::int64_t k5m = 5 * kMsPerMinute;

TEST(Candles, BucketIsFloor) {
  EXPECT_EQ(candle_bucket(utc(2026, 2, 10, 15, 4, 59), k5m), utc(2026, 2, 10, 15, 0));
  EXPECT_EQ(candle_bucket(utc(2026, 2, 10, 15, 5, 0), k5m), utc(2026, 2, 10, 15, 5));
  EXPECT_EQ(candle_bucket(-1, 1000), -1000);
  EXPECT_EQ(candle_bucket(-1000, 1000), -1000);
  EXPECT_THROW(candle_bucket(1, 0), core::Error);
}

TEST(Candles, Tv9OneFiveMinuteCandle) {
  // Deliberately out of order: the batch build sorts first.
  const std::vector<TrailPoint> points{{utc(2026, 2, 10, 15, 4, 59), 5998.0},
                                       {utc(2026, 2, 10, 15, 0, 10), 6000.0},
                                       {utc(2026, 2, 10, 15, 2, 0), 6005.0}};
  const auto candles = build_candles(points, k5m);
  ASSERT_EQ(candles.size(), 1u);
  EXPECT_EQ(candles[0], (Candle{utc(2026, 2, 10, 15, 0), 6000.0, 6005.0, 5998.0, 5998.0}));
  EXPECT_EQ(candle_to_json(candles[0]),
            (nlohmann::json{{"t", utc(2026, 2, 10, 15, 0)}, {"o", 6000.0}, {"h", 6005.0},
                            {"l", 5998.0}, {"c", 5998.0}}));
}

TEST(Candles, BatchIgnoresBadPricesAndKeepsOrderOfEqualTimes) {
  const auto t = utc(2026, 2, 10, 15, 1);
  const std::vector<TrailPoint> points{
      {t, 10.0}, {t, std::nan("")}, {t, std::numeric_limits<double>::infinity()}, {t, 0.0},
      {t, -5.0}, {t, 12.0}, {t + 1, 11.0}, {t + k5m, 9.0}};
  const auto candles = build_candles(points, k5m);
  ASSERT_EQ(candles.size(), 2u);
  EXPECT_EQ(candles[0], (Candle{utc(2026, 2, 10, 15, 0), 10.0, 12.0, 10.0, 11.0}));
  EXPECT_EQ(candles[1], (Candle{utc(2026, 2, 10, 15, 5), 9.0, 9.0, 9.0, 9.0}));
  EXPECT_TRUE(build_candles({}, k5m).empty());
  EXPECT_THROW(build_candles(points, -1), core::Error);
}

TEST(CandleBuilder, Tv9Incrementally) {
  CandleBuilder b("I:SPX");
  EXPECT_TRUE(b.add(utc(2026, 2, 10, 15, 0, 10), 6000.0));
  EXPECT_TRUE(b.add(utc(2026, 2, 10, 15, 2, 0), 6005.0));
  EXPECT_TRUE(b.add(utc(2026, 2, 10, 15, 4, 59), 5998.0));
  const Candle want{utc(2026, 2, 10, 15, 0), 6000.0, 6005.0, 5998.0, 5998.0};
  for (auto interval : kCandleIntervals) {
    ASSERT_EQ(b.candles(interval).size(), 1u);
    EXPECT_EQ(b.candles(interval).front(), want);
  }
  EXPECT_EQ(b.spot(), 5998.0);
  EXPECT_EQ(b.last_ts_ms(), utc(2026, 2, 10, 15, 4, 59));
}

TEST(CandleBuilder, IgnoresOutOfOrderAndBadPoints) {
  CandleBuilder b("I:SPX");
  const auto t = utc(2026, 2, 10, 15, 2);
  EXPECT_TRUE(b.add(t, 6000.0));
  EXPECT_FALSE(b.add(t - 1, 7000.0));
  EXPECT_FALSE(b.add(t + 1, std::nan("")));
  EXPECT_FALSE(b.add(t + 1, -std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(b.add(t + 1, 0.0));
  EXPECT_TRUE(b.add(t, 6001.0));  // same instant is fine
  ASSERT_EQ(b.candles(CandleInterval::m5).size(), 1u);
  EXPECT_EQ(b.candles(CandleInterval::m5).front().h, 6001.0);
  EXPECT_EQ(b.candles(CandleInterval::m5).front().c, 6001.0);
}

TEST(CandleBuilder, ReportsOnlyChangedCandles) {
  CandleBuilder b("I:SPX");
  EXPECT_FALSE(b.has_changes());
  b.add(utc(2026, 2, 10, 15, 0, 10), 6000.0);
  b.add(utc(2026, 2, 10, 15, 2, 0), 6005.0);
  auto changes = b.take_changes();
  ASSERT_EQ(changes.m5.size(), 1u);
  EXPECT_EQ(changes.m5[0].c, 6005.0);
  EXPECT_EQ(changes.m15.size(), 1u);
  EXPECT_EQ(changes.h1.size(), 1u);
  EXPECT_FALSE(b.has_changes());
  EXPECT_TRUE(b.take_changes().empty());

  b.add(utc(2026, 2, 10, 15, 5, 0), 6003.0);
  b.add(utc(2026, 2, 10, 15, 6, 0), 6004.0);
  changes = b.take_changes();
  ASSERT_EQ(changes.m5.size(), 1u);  // only the new 15:05 candle; 15:00 is untouched
  EXPECT_EQ(changes.m5[0], (Candle{utc(2026, 2, 10, 15, 5), 6003.0, 6004.0, 6003.0, 6004.0}));
  ASSERT_EQ(changes.m15.size(), 1u);
  EXPECT_EQ(changes.m15[0], (Candle{utc(2026, 2, 10, 15, 0), 6000.0, 6005.0, 6000.0, 6004.0}));
  ASSERT_EQ(changes.h1.size(), 1u);

  // Points spanning two 5-minute candles before a take report both, in time order.
  b.add(utc(2026, 2, 10, 15, 9, 0), 6010.0);
  b.add(utc(2026, 2, 10, 15, 10, 0), 6011.0);
  changes = b.take_changes();
  ASSERT_EQ(changes.m5.size(), 2u);
  EXPECT_EQ(changes.m5[0].t_ms, utc(2026, 2, 10, 15, 5));
  EXPECT_EQ(changes.m5[0].c, 6010.0);
  EXPECT_EQ(changes.m5[1].t_ms, utc(2026, 2, 10, 15, 10));
}

TEST(CandleBuilder, ModelJsonShape) {
  CandleBuilder empty("I:NDX");
  const auto e = empty.model_json("17", 0);
  EXPECT_TRUE(e["ts"].is_null());
  EXPECT_TRUE(e["spot"].is_null());
  EXPECT_EQ(e["candles_5m"], nlohmann::json::array());

  CandleBuilder b("I:SPX");
  b.add(utc(2026, 2, 10, 15, 0, 10), 6000.0);
  b.add(utc(2026, 2, 10, 16, 0, 0), 6010.0);
  const auto j = b.model_json("1770700000000", 42);
  EXPECT_EQ(j["symbol"], "I:SPX");
  EXPECT_EQ(j["epoch"], "1770700000000");
  EXPECT_EQ(j["seq"], 42);
  EXPECT_EQ(j["ts"], utc(2026, 2, 10, 16, 0, 0));
  EXPECT_EQ(j["spot"], 6010.0);
  EXPECT_EQ(j["candles_5m"].size(), 2u);
  EXPECT_EQ(j["candles_15m"].size(), 2u);
  EXPECT_EQ(j["candles_1h"].size(), 2u);
  EXPECT_EQ(j["candles_1h"][1]["t"], utc(2026, 2, 10, 16, 0));
  EXPECT_FALSE(j.contains("candles_10m"));
  EXPECT_EQ(j.size(), 8u);

  b.take_changes();
  b.add(utc(2026, 2, 10, 16, 1, 0), 6012.0);
  const auto u = b.update_json(b.take_changes(), "1770700000000", 43);
  EXPECT_EQ(u["seq"], 43);
  EXPECT_EQ(u["candles_5m"].size(), 1u);
  EXPECT_EQ(u["candles_5m"][0]["h"], 6012.0);
  EXPECT_EQ(u["spot"], 6012.0);
}

TEST(CandleBuilder, KeepsTheLastSevenSessions) {
  CandleBuilder b("I:SPX");
  // Nine consecutive trading days from Mon 2026-03-02, one point at 15:00 UTC each.
  std::vector<core::Date> days{core::Date{std::chrono::year{2026}, std::chrono::March,
                                          std::chrono::day{2}}};
  while (days.size() < 9) days.push_back(core::next_trading_day(days.back()));
  for (const auto& d : days) {
    b.add(core::new_york_time_ms(d, 10, 0), 6000.0);
  }
  ASSERT_EQ(b.candles(CandleInterval::m5).size(), 7u);
  EXPECT_EQ(b.candles(CandleInterval::m5).front().t_ms, core::new_york_time_ms(days[2], 10, 0));
  EXPECT_EQ(b.candles(CandleInterval::h1).size(), 7u);

  CandleBuilder two("I:SPX", 2);
  for (const auto& d : days) two.add(core::new_york_time_ms(d, 10, 0), 6000.0);
  EXPECT_EQ(two.candles(CandleInterval::m15).size(), 2u);
}

TEST(CandleBuilder, SessionsAreNewYorkDates) {
  CandleBuilder b("I:SPX", 1);
  b.add(utc(2026, 3, 9, 20, 0), 1.0);   // Monday 16:00 EDT
  b.add(utc(2026, 3, 10, 3, 0), 2.0);   // still Monday (23:00 EDT): same session
  EXPECT_EQ(b.candles(CandleInterval::m5).size(), 2u);
  b.add(utc(2026, 3, 10, 4, 0), 3.0);   // Tuesday 00:00 EDT: new session, Monday dropped
  EXPECT_EQ(b.candles(CandleInterval::m5).size(), 1u);
}

TEST(CandleBuilder, RestoreContinuesFromAStoredModel) {
  CandleBuilder a("I:SPX");
  a.add(utc(2026, 2, 10, 15, 0, 10), 6000.0);
  a.add(utc(2026, 2, 10, 15, 2, 0), 6005.0);
  const auto model = a.model_json("1", 5);

  CandleBuilder b("I:SPX");
  b.restore(model);
  for (auto interval : kCandleIntervals) EXPECT_EQ(b.candles(interval), a.candles(interval));
  EXPECT_EQ(b.spot(), 6005.0);
  EXPECT_FALSE(b.add(utc(2026, 2, 10, 15, 1, 0), 1.0));  // older than the stored ts
  EXPECT_TRUE(b.add(utc(2026, 2, 10, 15, 4, 59), 5998.0));
  EXPECT_EQ(b.candles(CandleInterval::m5).back(),
            (Candle{utc(2026, 2, 10, 15, 0), 6000.0, 6005.0, 5998.0, 5998.0}));
}

TEST(CandleBuilder, RestoreRejectsBadModelsAndKeepsState) {
  CandleBuilder b("I:SPX");
  b.add(utc(2026, 2, 10, 15, 0), 6000.0);
  CandleBuilder other("I:NDX");
  other.add(utc(2026, 2, 10, 15, 0), 21000.0);
  const auto ndx_model = other.model_json("1", 1);
  auto bad_t = b.model_json("1", 1);
  bad_t["candles_5m"][0]["t"] = "15:00";
  auto bad_price = b.model_json("1", 1);
  bad_price["candles_1h"][0]["h"] = nullptr;
  auto bad_series = b.model_json("1", 1);
  bad_series["candles_15m"] = "none";
  auto bad_ts = b.model_json("1", 1);
  bad_ts["ts"] = "now";
  for (const auto& bad : {ndx_model, bad_t, bad_price, bad_series, bad_ts, nlohmann::json(3),
                          nlohmann::json::object()}) {
    try {
      b.restore(bad);
      FAIL() << bad.dump();
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_candle_model");
    }
  }
  EXPECT_EQ(b.candles(CandleInterval::m5).size(), 1u);
  EXPECT_EQ(b.spot(), 6000.0);
}

TEST(CandleDays, LastSessions) {
  std::vector<Candle> candles;
  for (int day : {9, 10, 11}) {
    candles.push_back({utc(2026, 3, unsigned(day), 14, 0), 1, 1, 1, 1});
    candles.push_back({utc(2026, 3, unsigned(day), 19, 55), 2, 2, 2, 2});
  }
  EXPECT_EQ(last_sessions(candles, 1).size(), 2u);
  EXPECT_EQ(last_sessions(candles, 1).front().t_ms, utc(2026, 3, 11, 14, 0));
  EXPECT_EQ(last_sessions(candles, 2).size(), 4u);
  EXPECT_EQ(last_sessions(candles, 7).size(), 6u);
  EXPECT_TRUE(last_sessions(candles, 0).empty());
  EXPECT_TRUE(last_sessions({}, 3).empty());
}

TEST(CandleDays, FilterModelClampsDays) {
  CandleBuilder b("I:SPX");
  for (int day : {9, 10, 11}) b.add(utc(2026, 3, unsigned(day), 15, 0), 6000.0 + day);
  const auto model = b.model_json("1", 3);
  auto one = filter_candle_model(model, 1);
  EXPECT_EQ(one["days"], 1);
  EXPECT_EQ(one["candles_5m"].size(), 1u);
  EXPECT_EQ(one["candles_1h"].size(), 1u);
  EXPECT_EQ(one["symbol"], "I:SPX");
  EXPECT_EQ(one["seq"], 3);
  EXPECT_EQ(filter_candle_model(model, 0)["days"], 1);
  EXPECT_EQ(filter_candle_model(model, 99)["days"], 7);
  EXPECT_EQ(filter_candle_model(model, 99)["candles_15m"].size(), 3u);
  EXPECT_THROW(filter_candle_model(nlohmann::json::array(), 1), core::Error);
}

}  // namespace
}  // namespace ms::quant
