#include "services/massive/selector_tracking.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "quant/bias_lfi.hpp"
#include "quant/heatmap_types.hpp"

namespace ms::massive {
namespace {

using nlohmann::json;
using quant::OptionType;

constexpr std::int64_t kT0 = 1'770'737'400'000;        // Tue 2026-02-10 15:30:00 UTC = 10:30 EST
constexpr std::int64_t kClose = 1'770'757'200'000;     // 2026-02-10 21:00:00 UTC = 16:00 EST
constexpr std::int64_t kSummer = 1'781'101'800'000;    // Wed 2026-06-10 14:30:00 UTC = 10:30 EDT
constexpr std::int64_t kSummerClose = 1'781'121'600'000;  // 2026-06-10 20:00:00 UTC = 16:00 EDT

quant::ScoreRow row(int dte, int width, double strike, OptionType side, double debit) {
  quant::ScoreRow r;
  r.key = {quant::TileStrategy::butterfly, dte, width, quant::strike_to_milli(strike)};
  r.side = side;
  r.tile_key = quant::format_tile_key(r.key) + (side == OptionType::call ? ":call" : ":put");
  r.debit = debit;
  r.r2r_ratio = (width - debit) / debit;
  r.campaign = dte <= 2 ? "0dte_tactical" : "convex_stack";
  return r;
}

// Rows ranked in the given order.
quant::SelectorResult result(const std::string& symbol, std::vector<quant::ScoreRow> rows) {
  quant::SelectorResult r;
  r.symbol = symbol;
  r.rows = std::move(rows);
  for (std::size_t i = 0; i < r.rows.size(); ++i) r.ranked.push_back(i);
  return r;
}

TrackingContext ctx(std::int64_t now, double spot) {
  TrackingContext c;
  c.now_ms = now;
  c.spot = spot;
  c.vix = 19;
  c.regime = "goldilocks_1";
  c.gex_flip = 5995;
  c.call_wall = 6010;
  c.put_wall = 5990;
  return c;
}

std::map<std::string, std::string> as_hash(const TrackingWrites& w) {
  return {w.active_set.begin(), w.active_set.end()};
}

const std::string kFlyId = "I:SPX:butterfly:0:30:6050:call:1770737400";

TEST(SelectorTracking, Tv5PnlAtExpiry) {
  EXPECT_DOUBLE_EQ(SelectorTracker::pnl(6040, 6050, 30, 2.40), 17.6);
  EXPECT_DOUBLE_EQ(SelectorTracker::pnl(6050, 6050, 30, 2.40), 27.6);
  EXPECT_DOUBLE_EQ(SelectorTracker::pnl(6003, 6050, 30, 2.40), -2.4);  // outside the wings
  EXPECT_DOUBLE_EQ(SelectorTracker::pnl(6080, 6050, 30, 2.40), -2.4);
}

TEST(SelectorTracking, Tv5ThroughTheSelector) {
  auto row = [](double k, double c, double p) {
    quant::StrikeGex s;
    s.strike = k;
    s.strike_milli = quant::strike_to_milli(k);
    s.call = c;
    s.put = p;
    s.has_call = s.has_put = true;
    return s;
  };
  quant::SelectorInput in;
  in.symbol = "I:SPX";
  in.spot = 6003;
  in.vix = 19;
  in.ny_hour = 10.25;
  in.gex = {row(5980, 10, 120), row(5990, 40, 180), row(6000, 150, 120), row(6010, 160, 20),
            row(6020, 90, 5)};
  in.bias_lfi = quant::compute_bias_lfi(in.gex, 6003);
  in.butterflies.push_back({{quant::TileStrategy::butterfly, 0, 30, quant::strike_to_milli(6050)},
                            2.40, std::nullopt});
  const auto selected = quant::select_trades(in);

  SelectorTracker t("I:SPX");
  auto w = t.update(selected, ctx(kT0, 6003));
  ASSERT_EQ(w.active_set.size(), 1u);
  EXPECT_EQ(w.active_set[0].first, kFlyId);
  const json rec = json::parse(w.active_set[0].second);
  EXPECT_EQ(rec["current_pnl"], -2.4);
  EXPECT_EQ(rec["r2r_predicted"], 11.5);
  EXPECT_EQ(rec["max_profit_theoretical"], 27.6);
  EXPECT_EQ(rec["campaign"], "0dte_tactical");

  w = t.update(selected, ctx(kT0 + 60'000, 6040));
  ASSERT_EQ(w.active_set.size(), 1u);
  EXPECT_EQ(json::parse(w.active_set[0].second)["current_pnl"], 17.6);
  EXPECT_EQ(w.totals.at("total_current_pnl"), "17.6");
}

TEST(SelectorTracking, EntryRecord) {
  SelectorTracker t("I:SPX");
  auto r = result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40)});
  r.rows[0].edge_cases = {"gamma_scalp"};
  const auto w = t.update(r, ctx(kT0 + 250, 6003.456));
  ASSERT_EQ(w.active_set.size(), 1u);
  EXPECT_EQ(w.active_set[0].first, kFlyId);  // trunc(now_s)
  const json rec = json::parse(w.active_set[0].second);
  const json want = {{"trade_id", kFlyId},
                     {"symbol", "I:SPX"},
                     {"tile_key", "butterfly:0:30:6050:call"},
                     {"entry_rank", 1},
                     {"entry_time", "2026-02-10T15:30:00Z"},
                     {"entry_ts", kT0 + 250},
                     {"entry_spot", 6003.46},
                     {"entry_vix", 19.0},
                     {"entry_regime", "goldilocks_1"},
                     {"entry_hour", 10.5},
                     {"entry_day_of_week", 1},
                     {"entry_gex_flip", 5995.0},
                     {"entry_gex_call_wall", 6010.0},
                     {"entry_gex_put_wall", 5990.0},
                     {"strategy", "butterfly"},
                     {"side", "call"},
                     {"strike", 6050.0},
                     {"width", 30},
                     {"dte", 0},
                     {"debit", 2.4},
                     {"max_profit_theoretical", 27.6},
                     {"r2r_predicted", 11.5},
                     {"campaign", "0dte_tactical"},
                     {"edge_cases", {"gamma_scalp"}},
                     {"expiration", "2026-02-10T21:00:00+00:00"},
                     {"expiration_ts", kClose},
                     {"current_pnl", -2.4},
                     {"max_pnl", -2.4},
                     {"max_pnl_time", "2026-02-10T15:30:00Z"},
                     {"max_pnl_spot", 6003.46},
                     {"status", "active"},
                     {"settled", false}};
  EXPECT_EQ(rec, want);
  EXPECT_EQ(w.totals, (std::map<std::string, std::string>{{"total_current_pnl", "-2.4"},
                                                          {"total_max_pnl", "-2.4"},
                                                          {"active_count", "1"},
                                                          {"updated_at", "2026-02-10T15:30:00Z"}}));
  EXPECT_TRUE(w.active_del.empty());
  EXPECT_TRUE(w.history_push.empty());
  EXPECT_TRUE(w.stats_incr.empty());
}

TEST(SelectorTracking, ExpirationUsesNewYorkCloseWithDst) {
  // Q9: during EDT the close is 20:00 UTC, not the original's fixed 21:00.
  SelectorTracker t("I:SPX");
  auto w = t.update(result("I:SPX", {row(0, 30, 6050, OptionType::put, 2.0)}), ctx(kSummer, 6000));
  ASSERT_EQ(w.active_set.size(), 1u);
  json rec = json::parse(w.active_set[0].second);
  EXPECT_EQ(rec["expiration"], "2026-06-10T20:00:00+00:00");
  EXPECT_EQ(rec["expiration_ts"], kSummerClose);
  EXPECT_EQ(rec["entry_hour"], 10.5);
  EXPECT_EQ(rec["entry_day_of_week"], 2);
  EXPECT_EQ(rec["entry_gex_flip"], 5995.0);

  // dte counts calendar days; an expiry on a Saturday moves to the Friday before; the
  // context's expirations win when they know the dte.
  SelectorTracker u("I:SPX");
  auto c = ctx(kT0, 6000);
  c.gex_flip.reset();
  c.expiration_ms = [](int dte) -> std::optional<std::int64_t> {
    if (dte == 1) return 1'770'843'600'000;  // 2026-02-11 21:00 UTC
    return std::nullopt;
  };
  w = u.update(result("I:SPX", {row(1, 30, 6050, OptionType::call, 2.0),
                                row(3, 30, 6050, OptionType::call, 2.0),
                                row(4, 30, 6050, OptionType::call, 2.0)}),
               c);
  ASSERT_EQ(w.active_set.size(), 3u);
  std::map<int, json> by_dte;
  for (const auto& [id, text] : w.active_set) {
    const json j = json::parse(text);
    by_dte[j["dte"].get<int>()] = j;
  }
  EXPECT_EQ(by_dte[1]["expiration_ts"], 1'770'843'600'000);
  EXPECT_EQ(by_dte[3]["expiration"], "2026-02-13T21:00:00+00:00");
  EXPECT_EQ(by_dte[4]["expiration"], "2026-02-13T21:00:00+00:00");
  EXPECT_EQ(by_dte[1]["entry_gex_flip"], nullptr);
}

TEST(SelectorTracking, NewEntriesOnceThenOnlyChangedPnl) {
  SelectorTracker t("I:SPX");
  const auto r = result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40),   // far: -2.4
                                  row(0, 20, 6000, OptionType::call, 1.50),   // near
                                  row(0, 20, 6000, OptionType::put, 1.20)});  // near
  auto w = t.update(r, ctx(kT0, 6003));
  EXPECT_EQ(w.active_set.size(), 3u);
  EXPECT_EQ(t.active_count(), 3u);
  EXPECT_EQ(json::parse(as_hash(w).at("I:SPX:butterfly:0:20:6000:put:1770737400"))["entry_rank"], 3);

  // Same top N, same spot: nothing at all.
  w = t.update(r, ctx(kT0 + 1000, 6003));
  EXPECT_TRUE(w.empty());

  // Spot moves 1 point: the two near ideas' P&L changes, the far one stays at -2.4.
  w = t.update(r, ctx(kT0 + 2000, 6004));
  const auto h = as_hash(w);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_FALSE(h.count(kFlyId));
  EXPECT_EQ(json::parse(h.at("I:SPX:butterfly:0:20:6000:call:1770737400"))["current_pnl"], 14.5);
  EXPECT_EQ(json::parse(h.at("I:SPX:butterfly:0:20:6000:put:1770737400"))["current_pnl"], 14.8);
  EXPECT_EQ(w.totals.at("active_count"), "3");
  EXPECT_EQ(w.totals.at("total_current_pnl"), "26.9");  // -2.4 + 14.5 + 14.8
  EXPECT_EQ(t.active_count(), 3u);
}

TEST(SelectorTracking, NewcomerTrackedOthersNot) {
  SelectorTracker t("I:SPX");
  t.update(result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40)}), ctx(kT0, 6003));
  const auto w = t.update(result("I:SPX", {row(0, 30, 6040, OptionType::call, 2.0),
                                           row(0, 30, 6050, OptionType::call, 2.40)}),
                          ctx(kT0 + 5000, 6003));
  ASSERT_EQ(w.active_set.size(), 1u);
  EXPECT_EQ(w.active_set[0].first, "I:SPX:butterfly:0:30:6040:call:1770737405");
  EXPECT_EQ(json::parse(w.active_set[0].second)["entry_rank"], 1);
  EXPECT_EQ(t.previous_top(), (std::set<std::string>{"butterfly:0:30:6040:call",
                                                     "butterfly:0:30:6050:call"}));
}

TEST(SelectorTracking, TopNLimitsAndFlappingTileTrackedOnce) {
  SelectorTracker t("I:SPX", 2);
  auto a = row(0, 30, 6050, OptionType::call, 2.40);
  auto b = row(0, 30, 6040, OptionType::call, 2.00);
  auto c = row(0, 30, 6030, OptionType::call, 1.80);
  auto w = t.update(result("I:SPX", {a, b, c}), ctx(kT0, 6003));
  EXPECT_EQ(w.active_set.size(), 2u);  // c is rank 3 of a top 2
  // c enters, b leaves; then b comes back: still active, not tracked again.
  w = t.update(result("I:SPX", {a, c, b}), ctx(kT0 + 1000, 6003));
  ASSERT_EQ(w.active_set.size(), 1u);
  EXPECT_EQ(w.active_set[0].first, "I:SPX:butterfly:0:30:6030:call:1770737401");
  w = t.update(result("I:SPX", {a, b, c}), ctx(kT0 + 2000, 6003));
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(t.active_count(), 3u);

  // The selector's own top_n is respected too.
  SelectorTracker u("I:SPX");
  auto r = result("I:SPX", {a, b, c});
  r.params.top_n = 1;
  EXPECT_EQ(u.update(r, ctx(kT0, 6003)).active_set.size(), 1u);
}

TEST(SelectorTracking, NoRecommendationKeepsPreviousTopButStillUpdates) {
  SelectorTracker t("I:SPX");
  const auto r = result("I:SPX", {row(0, 20, 6000, OptionType::call, 1.50)});
  t.update(r, ctx(kT0, 6003));
  auto w = t.update(result("I:SPX", {}), ctx(kT0 + 1000, 6004));
  EXPECT_EQ(w.active_set.size(), 1u);  // P&L moved
  EXPECT_EQ(t.previous_top().size(), 1u);
  w = t.update(r, ctx(kT0 + 2000, 6004));
  EXPECT_TRUE(w.empty());  // not re-tracked
  // No spot: nothing happens.
  EXPECT_TRUE(t.update(r, ctx(kT0 + 3000, 0)).empty());
  EXPECT_TRUE(t.update(r, ctx(kT0 + 3000, std::nan(""))).empty());
}

TEST(SelectorTracking, MaxPnlRisesOnlyWhenExceeded) {
  SelectorTracker t("I:SPX");
  const auto r = result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40)});
  t.update(r, ctx(kT0, 6003));
  auto w = t.update(r, ctx(kT0 + 60'000, 6040));
  json rec = json::parse(w.active_set.at(0).second);
  EXPECT_EQ(rec["current_pnl"], 17.6);
  EXPECT_EQ(rec["max_pnl"], 17.6);
  EXPECT_EQ(rec["max_pnl_time"], "2026-02-10T15:31:00Z");
  EXPECT_EQ(rec["max_pnl_spot"], 6040.0);

  w = t.update(r, ctx(kT0 + 120'000, 6030));  // P&L falls: max stays
  rec = json::parse(w.active_set.at(0).second);
  EXPECT_EQ(rec["current_pnl"], 7.6);
  EXPECT_EQ(rec["max_pnl"], 17.6);
  EXPECT_EQ(rec["max_pnl_time"], "2026-02-10T15:31:00Z");
  EXPECT_EQ(w.totals.at("total_max_pnl"), "17.6");

  w = t.update(r, ctx(kT0 + 180'000, 6049.5));
  rec = json::parse(w.active_set.at(0).second);
  EXPECT_EQ(rec["max_pnl"], 27.1);
  EXPECT_EQ(rec["max_pnl_spot"], 6049.5);
  EXPECT_EQ(*t.active_record(kFlyId), rec);
}

TEST(SelectorTracking, SettlementWritesAndStats) {
  SelectorTracker t("I:SPX");
  const auto r = result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40),
                                  row(0, 20, 5900, OptionType::put, 1.00),
                                  row(1, 30, 6050, OptionType::call, 2.00)});
  t.update(r, ctx(kT0, 6003));
  t.update(r, ctx(kT0 + 1000, 6045));  // rank 1 max 22.6
  auto w = t.update(r, ctx(kClose - 1, 6040));
  EXPECT_TRUE(w.active_del.empty());  // one ms before the close: still active

  // At and after the close the cycle's spot settles nothing (it is the last tick, and later
  // the next session's spot): the ideas wait, frozen, for the official close.
  w = t.update(r, ctx(kClose, 6040));
  EXPECT_TRUE(w.empty());
  w = t.update(r, ctx(kClose + 1000, 5900));  // only the dte-1 idea, still open, moves
  ASSERT_EQ(w.active_set.size(), 1u);
  EXPECT_EQ(w.active_set[0].first, "I:SPX:butterfly:1:30:6050:call:1770737400");
  EXPECT_EQ((*t.active_record(kFlyId))["current_pnl"], 17.6);  // frozen at its expiration
  t.update(r, ctx(kClose + 1000, 6040));
  EXPECT_EQ(t.awaiting_settlement(kClose + 1000), (std::set<std::int64_t>{kClose}));
  EXPECT_TRUE(t.awaiting_settlement(kClose - 1).empty());

  SettlementValue official;
  official.expiration_ms = kClose;
  official.value = 6040;  // the official close (the last tick was 6040 too here)
  official.now_ms = kClose;
  w = t.settle(official);
  std::sort(w.active_del.begin(), w.active_del.end());
  EXPECT_EQ(w.active_del, (std::vector<std::string>{"I:SPX:butterfly:0:20:5900:put:1770737400",
                                                    kFlyId}));
  ASSERT_EQ(w.history_push.size(), 2u);
  EXPECT_EQ(w.settled_json, w.history_push);
  json fly;
  for (const auto& text : w.history_push) {
    const json j = json::parse(text);
    if (j["trade_id"] == kFlyId) fly = j;
  }
  EXPECT_EQ(fly["status"], "settled");
  EXPECT_EQ(fly["settled"], true);
  EXPECT_EQ(fly["settlement_time"], "2026-02-10T21:00:00Z");
  EXPECT_EQ(fly["settlement_spot"], 6040.0);
  EXPECT_EQ(fly["settlement_source"], "vendor");
  EXPECT_EQ(fly["settlement_final"], true);
  EXPECT_EQ(fly["settlement_style"], "pm");
  EXPECT_EQ(fly["settlement_revision"], 1);
  EXPECT_EQ(fly["final_pnl"], 17.6);
  EXPECT_EQ(fly["current_pnl"], 17.6);
  EXPECT_EQ(fly["max_pnl"], 22.6);
  EXPECT_EQ(fly["pnl_captured_pct"], 77.9);  // 100 · 17.6 / 22.6
  EXPECT_EQ(fly["is_winner"], true);
  EXPECT_EQ(fly["r2r_achieved"], 7.33);      // 17.6 / 2.4
  EXPECT_EQ(w.stats_incr, (std::map<std::string, std::int64_t>{
                              {"rank1:count", 1}, {"rank1:wins", 1}, {"rank2:count", 1}}));
  ASSERT_EQ(w.stats_incr_float.size(), 4u);
  EXPECT_DOUBLE_EQ(w.stats_incr_float.at("rank1:total_pnl"), 17.6);
  EXPECT_DOUBLE_EQ(w.stats_incr_float.at("rank1:total_max_pnl"), 22.6);
  EXPECT_DOUBLE_EQ(w.stats_incr_float.at("rank2:total_pnl"), -1.0);
  EXPECT_DOUBLE_EQ(w.stats_incr_float.at("rank2:total_max_pnl"), -1.0);
  // The dte-1 idea stays; the settled ones are gone and are not re-tracked.
  EXPECT_EQ(t.active_count(), 1u);
  EXPECT_EQ(w.totals.at("active_count"), "1");
  EXPECT_TRUE(t.update(r, ctx(kClose + 1000, 6040)).empty());
  EXPECT_TRUE(t.settle(official).empty());  // the same value again: nothing

  // A losing idea with max <= 0: captured 0, not a winner.
  const json first = json::parse(w.history_push[0]);
  const json put = first["trade_id"] == kFlyId ? json::parse(w.history_push[1]) : first;
  EXPECT_EQ(put["pnl_captured_pct"], 0.0);
  EXPECT_EQ(put["is_winner"], false);
  EXPECT_EQ(put["r2r_achieved"], -1.0);
}

TEST(SelectorTracking, SettlesOnTheOfficialValueAndFollowsACorrection) {
  SelectorTracker t("I:SPX");
  const auto r = result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40),
                                  row(1, 30, 6050, OptionType::call, 2.00)});
  t.update(r, ctx(kT0, 6049));                // max 26.6
  t.update(r, ctx(kClose - 1000, 6051.2));    // the last tick before the close
  SettlementValue v;
  v.expiration_ms = kClose;
  v.value = 6030.0;  // the official close differs from the last tick
  v.now_ms = kClose + 5 * 60'000;
  auto w = t.settle(v);
  ASSERT_EQ(w.history_push.size(), 1u);  // the dte-1 idea expires later: untouched
  json rec = json::parse(w.history_push[0]);
  EXPECT_EQ(rec["trade_id"], kFlyId);
  EXPECT_EQ(rec["settlement_spot"], 6030.0);
  EXPECT_EQ(rec["final_pnl"], 7.6);  // 30 - |6030 - 6050| - 2.4, not the last tick's 26.4
  EXPECT_EQ(t.active_count(), 1u);
  EXPECT_EQ(w.totals.at("active_count"), "1");

  // The vendor restates the close: the record is rewritten, the stats move by the difference.
  v.value = 6029.5;
  v.now_ms += 30 * 60'000;
  w = t.settle(v);
  ASSERT_EQ(w.history_remove.size(), 1u);
  EXPECT_EQ(json::parse(w.history_remove[0]), rec);
  ASSERT_EQ(w.history_push.size(), 1u);
  rec = json::parse(w.history_push[0]);
  EXPECT_EQ(rec["settlement_spot"], 6029.5);
  EXPECT_EQ(rec["final_pnl"], 7.1);
  EXPECT_EQ(rec["settlement_revision"], 2);
  EXPECT_EQ(w.settled_json.size(), 1u);
  EXPECT_TRUE(w.active_del.empty());
  EXPECT_TRUE(w.stats_incr.empty());  // count and wins unchanged
  EXPECT_NEAR(w.stats_incr_float.at("rank1:total_pnl"), -0.5, 1e-9);
  EXPECT_EQ(w.stats_incr_float.count("rank1:total_max_pnl"), 0u);

  // A restatement that flips the outcome moves the wins.
  v.value = 6080.0;  // 30 - 30 - 2.4 = -2.4: a loser now
  w = t.settle(v);
  EXPECT_EQ(w.stats_incr.at("rank1:wins"), -1);
  // Nothing for a value that is no price.
  v.value = std::nan("");
  EXPECT_TRUE(t.settle(v).empty());
}

TEST(SelectorTracking, ExpiredRecommendationIsNotTracked) {
  SelectorTracker t("I:SPX");
  const auto w =
      t.update(result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40)}), ctx(kClose + 60'000, 6003));
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(t.active_count(), 0u);
}

TEST(SelectorTracking, RestorePreventsRetracking) {
  const auto r = result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40),
                                  row(0, 20, 6000, OptionType::call, 1.50)});
  SelectorTracker before("I:SPX");
  auto hash = as_hash(before.update(r, ctx(kT0, 6003)));
  before.update(r, ctx(kT0 + 1000, 6045));  // not persisted in this test: the hash is older
  // Other symbols' ideas, settled and malformed records share the hash.
  SelectorTracker ndx("I:NDX");
  const auto ndx_hash = as_hash(
      ndx.update(result("I:NDX", {row(0, 50, 21000, OptionType::call, 4.0)}), ctx(kT0, 21010)));
  hash.insert(ndx_hash.begin(), ndx_hash.end());
  hash["junk"] = "{not json";
  hash["I:SPX:old"] = R"({"symbol":"I:SPX","status":"settled","tile_key":"x"})";
  hash["I:SPX:partial"] = R"({"symbol":"I:SPX","tile_key":"butterfly:0:30:6100:call"})";

  SelectorTracker after("I:SPX");
  EXPECT_EQ(after.restore(hash), 2u);
  EXPECT_EQ(after.previous_top(), (std::set<std::string>{"butterfly:0:30:6050:call",
                                                         "butterfly:0:20:6000:call"}));
  // Same top N at the same spot: nothing new, nothing changed.
  EXPECT_TRUE(after.update(r, ctx(kT0 + 2000, 6003)).empty());
  // The restored ideas keep tracking (max from the stored record).
  const auto w = after.update(r, ctx(kT0 + 3000, 6040));
  const auto h = as_hash(w);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(json::parse(h.at(kFlyId))["max_pnl"], 17.6);
  EXPECT_EQ(json::parse(h.at(kFlyId))["entry_time"], "2026-02-10T15:30:00Z");
  // And they settle, on the official value.
  EXPECT_TRUE(after.update(r, ctx(kClose, 6040)).active_del.empty());
  SettlementValue official;
  official.expiration_ms = kClose;
  official.value = 6040;
  official.now_ms = kClose + 60'000;
  const auto s = after.settle(official);
  EXPECT_EQ(s.active_del.size(), 2u);
  EXPECT_EQ(s.stats_incr.at("rank1:count"), 1);
  EXPECT_EQ(s.stats_incr.at("rank2:count"), 1);
}

TEST(SelectorTracking, TwoSymbolsDoNotMix) {
  SelectorTracker spx("I:SPX"), ndx("I:NDX");
  const auto spx_w = spx.update(result("I:SPX", {row(0, 30, 6050, OptionType::call, 2.40)}),
                                ctx(kT0, 6003));
  const auto ndx_w = ndx.update(result("I:NDX", {row(0, 30, 6050, OptionType::call, 2.40)}),
                                ctx(kT0, 6003));
  ASSERT_EQ(spx_w.active_set.size(), 1u);
  ASSERT_EQ(ndx_w.active_set.size(), 1u);
  EXPECT_EQ(spx_w.active_set[0].first, kFlyId);
  EXPECT_EQ(ndx_w.active_set[0].first, "I:NDX:butterfly:0:30:6050:call:1770737400");
  EXPECT_EQ(json::parse(ndx_w.active_set[0].second)["symbol"], "I:NDX");

  std::map<std::string, std::string> hash = as_hash(spx_w);
  const auto n = as_hash(ndx_w);
  hash.insert(n.begin(), n.end());
  SelectorTracker spx2("I:SPX");
  EXPECT_EQ(spx2.restore(hash), 1u);
  EXPECT_NE(spx2.active_record(kFlyId), nullptr);
  EXPECT_EQ(spx2.active_record("I:NDX:butterfly:0:30:6050:call:1770737400"), nullptr);

  try {
    spx.update(result("I:NDX", {}), ctx(kT0, 6003));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "tracking_symbol_mismatch");
  }
}

TEST(SelectorTracking, WritesEmpty) {
  TrackingWrites w;
  EXPECT_TRUE(w.empty());
  w.stats_incr["rank1:count"] = 1;
  EXPECT_FALSE(w.empty());
  TrackingWrites v;
  v.totals["active_count"] = "0";
  EXPECT_FALSE(v.empty());
}

}  // namespace
}  // namespace ms::massive
