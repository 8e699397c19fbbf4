#include "quant/trade_selector.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "quant/rounding.hpp"
#include "quant/trade_selector_json.hpp"

namespace ms::quant {
namespace {

using nlohmann::json;

std::vector<StrikeGex> tv1_rows() {
  auto row = [](double k, double c, double p) {
    StrikeGex s;
    s.strike = k;
    s.strike_milli = static_cast<std::int64_t>(k * 1000);
    s.call = c;
    s.put = p;
    s.has_call = s.has_put = true;
    return s;
  };
  return {row(5980, 10, 120), row(5990, 40, 180), row(6000, 150, 120), row(6010, 160, 20),
          row(6020, 90, 5)};
}

ButterflyTile fly(int dte, int width, double strike, std::optional<double> call,
                  std::optional<double> put) {
  return {{TileStrategy::butterfly, dte, width, strike_to_milli(strike)}, call, put, std::nullopt, std::nullopt};
}

SelectorInput tv5_input() {
  SelectorInput in;
  in.symbol = "I:SPX";
  in.spot = 6003;
  in.vix = 19;
  in.ny_hour = 10.25;
  in.gex = tv1_rows();
  in.bias_lfi = compute_bias_lfi(in.gex, 6003);
  in.butterflies.push_back(fly(0, 30, 6050, 2.40, std::nullopt));
  return in;
}

TEST(TradeSelectorTv5, RowWithoutNeighbours) {
  const auto r = select_trades(tv5_input());
  ASSERT_EQ(r.rows.size(), 1u);
  const auto& row = r.rows[0];
  EXPECT_EQ(row.tile_key, "butterfly:0:30:6050:call");
  EXPECT_DOUBLE_EQ(row.r2r, 72.5);
  EXPECT_DOUBLE_EQ(row.convexity.total, 59.0);
  EXPECT_DOUBLE_EQ(row.width_fit, 91.25);
  EXPECT_DOUBLE_EQ(row.gamma_alignment, 67.5);
  EXPECT_NEAR(row.composite, 70.1, 1e-9);
  EXPECT_DOUBLE_EQ(row.confidence, 1.0);
  EXPECT_EQ(row.campaign, "0dte_tactical");
  EXPECT_TRUE(row.edge_cases.empty());
  EXPECT_DOUBLE_EQ(row.r2r_ratio, 11.5);
  EXPECT_DOUBLE_EQ(row.distance_to_spot, 47.0);
  EXPECT_DOUBLE_EQ(*row.distance_to_gamma_magnet, 40.0);
}

TEST(TradeSelectorTv5, ModelJson) {
  const auto r = select_trades(tv5_input());
  std::string out;
  write_selector_model_json(out, r, {1770737400000, "e", 4, 0});
  const auto doc = json::parse(out);
  EXPECT_EQ(doc["ts_iso"], "2026-02-10T15:30:00Z");
  EXPECT_EQ(doc["vix_regime"], "goldilocks_1");
  EXPECT_EQ(doc["vix_special"], "none");
  EXPECT_EQ(doc["playbook"]["ideal_width"], "30-40");
  EXPECT_EQ(doc["playbook"]["ideal_dte"], "0-1");
  EXPECT_EQ(doc["playbook"]["decay_factor"], 1.1);
  EXPECT_EQ(doc["expected_move"]["em_0dte"], 71.85);
  EXPECT_EQ(doc["expected_move"]["em_upper"], 6074.85);
  const auto& breach = doc["expected_move"]["breach"];
  EXPECT_EQ(breach["breach_probability"], 0.224);
  EXPECT_EQ(breach["breach_pct"], 22.4);
  EXPECT_EQ(breach["likelihood"], "elevated");
  EXPECT_EQ(doc["gamma_magnet"], 6010.0);
  EXPECT_EQ(doc["zero_gamma"], 5995.0);
  EXPECT_EQ(doc["scores"]["butterfly:0:30:6050:call"],
            json::parse(R"({"tile_key":"butterfly:0:30:6050:call","composite":70.1,"confidence":1.0,)"
                        R"("components":{"r2r":72.5,"convexity":59.0,"width_fit":91.2,"gamma_alignment":67.5}})"));
  ASSERT_EQ(doc["recommendations"].size(), 1u);
  const auto& rec = doc["recommendations"][0];
  EXPECT_EQ(rec["rank"], 1);
  EXPECT_EQ(rec["r2r_vs_typical"], "11.5 vs 9-12");
  EXPECT_EQ(rec["debit"], 2.4);
  EXPECT_EQ(rec["debit_pct"], 8.0);
  EXPECT_EQ(rec["max_profit"], 27.6);
  EXPECT_EQ(rec["r2r_ratio"], 11.5);
  EXPECT_EQ(rec["strike"], 6050.0);
  EXPECT_EQ(rec["width"], 30);
  EXPECT_EQ(rec["distance_to_gamma_magnet"], 40.0);
  EXPECT_EQ(rec["convexity"],
            json::parse(R"({"convexity_score":13.4,"r2r_quality":"acceptable","r2r_vs_typical":"11.5 vs 9-12",)"
                        R"("r2r_vs_max":"11.5 vs 15-18","ev_per_risk":0.59,"ev_positive":true})"));
  EXPECT_EQ(doc["total_scored"], 1);
  EXPECT_EQ(doc["filtered_by_debit_rule"], 0);
  EXPECT_EQ(doc["gamma_scalp"]["window"]["reason"], "before_window");
  EXPECT_EQ(doc["indicator_snapshot"]["directional_strength"], -52.5);
  EXPECT_EQ(doc["indicator_snapshot"]["session_info"]["is_entry_optimal"], true);
}

TEST(TradeSelectorConvexity, UsesSameWidthNeighbours) {
  auto in = tv5_input();
  // Same dte and width at ±5 and ±10: debits 2.60/2.70 and 2.30/2.50 (see the scoring test:
  // convexity 73.401, composite 75.9). Other widths and dtes at the same strikes don't count.
  in.butterflies = {fly(0, 30, 6040, 2.30, 2.50), fly(0, 30, 6045, 2.60, std::nullopt),
                    fly(0, 30, 6050, 2.40, std::nullopt), fly(0, 30, 6055, std::nullopt, 2.70),
                    fly(0, 25, 6045, 0.5, 0.5), fly(1, 30, 6055, 0.5, 0.5),
                    fly(0, 30, 6075, 0.5, 0.5)};  // 25 points away: not a neighbour
  const auto r = select_trades(in);
  const ScoreRow* target = nullptr;
  for (const auto& row : r.rows) {
    if (row.tile_key == "butterfly:0:30:6050:call") target = &row;
  }
  ASSERT_TRUE(target);
  EXPECT_NEAR(target->convexity.total, 73.40099, 1e-5);
  EXPECT_NEAR(target->composite, 75.86040, 1e-5);
}

TEST(TradeSelector, RanksOnMarketDebitsWhereTheyExist) {
  // Two flies, same shape. Theory calls the 6100 one cheap (0.6), the market prices it at 2.9;
  // the 6000 one is 2.0 in both. Ranked on market debits the 6000 fly wins; the model-cheap one
  // no longer tops the list.
  auto in = tv5_input();
  in.bias_lfi.reset();
  in.gex.clear();
  ButterflyTile cheap_in_model = fly(0, 30, 6100, 0.6, std::nullopt);
  cheap_in_model.market_call_debit = 2.9;
  ButterflyTile fair = fly(0, 30, 6000, 2.0, std::nullopt);
  fair.market_call_debit = 2.0;
  in.butterflies = {cheap_in_model, fair};
  const auto r = select_trades(in);
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(r.rows[0].debit, 2.9);
  EXPECT_TRUE(r.rows[0].market_debit);
  EXPECT_DOUBLE_EQ(r.rows[1].debit, 2.0);
  EXPECT_EQ(r.rows[r.ranked[0]].tile_key, "butterfly:0:30:6000:call");

  // Only theory: the theoretical debit is the fallback.
  in.butterflies = {fly(0, 30, 6100, 0.6, std::nullopt)};
  const auto theory_only = select_trades(in);
  ASSERT_EQ(theory_only.rows.size(), 1u);
  EXPECT_DOUBLE_EQ(theory_only.rows[0].debit, 0.6);
  EXPECT_FALSE(theory_only.rows[0].market_debit);
}

TEST(TradeSelector, RankingDebitRule) {
  ButterflyTile f = fly(0, 30, 6000, 1.5, std::nullopt);
  f.market_call_debit = 0.0;  // a zero market debit (stale legs) is no price: theory
  f.market_put_debit = 2.25;  // the put side has a market debit and no theory
  auto call = ranking_debit(f, OptionType::call);
  ASSERT_TRUE(call);
  EXPECT_DOUBLE_EQ(call->value, 1.5);
  EXPECT_FALSE(call->market);
  auto put = ranking_debit(f, OptionType::put);
  ASSERT_TRUE(put);
  EXPECT_DOUBLE_EQ(put->value, 2.25);
  EXPECT_TRUE(put->market);
  f.market_call_debit = -1.0;
  f.call_debit = std::nullopt;
  EXPECT_FALSE(ranking_debit(f, OptionType::call));
}

TEST(TradeSelector, FiltersRanksAndCounts) {
  auto in = tv5_input();
  in.bias_lfi.reset();
  in.butterflies = {fly(0, 30, 6050, 3.5, 0.0),   // call 3.5 > 3.0: filtered; put 0: skipped
                    fly(0, 30, 6100, 1.0, 1.0),   // call and put, same score
                    fly(1, 40, 6000, 2.0, std::nullopt), fly(6, 50, 6000, 4.0, std::nullopt),
                    {{TileStrategy::vertical, 0, 30, 6000000}, 1.0, 1.0}};  // not a butterfly
  const auto r = select_trades(in);
  EXPECT_EQ(r.filtered_by_debit_rule, 1u);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[3].campaign, "sigma_drift");
  EXPECT_FALSE(r.rows[0].distance_to_gamma_magnet);
  EXPECT_DOUBLE_EQ(r.rows[0].confidence, 0.85);  // GEX, no bias, d ≥ 1
  for (std::size_t i = 1; i < r.ranked.size(); ++i) {
    EXPECT_GE(round_half_even(r.rows[r.ranked[i - 1]].composite, 1),
              round_half_even(r.rows[r.ranked[i]].composite, 1));
  }
  // Equal rounded composites keep heatmap order (call before put).
  std::vector<std::size_t> order_of_6100;
  for (auto i : r.ranked) {
    if (r.rows[i].key.strike_milli == 6100000) order_of_6100.push_back(i);
  }
  EXPECT_EQ(order_of_6100, (std::vector<std::size_t>{0, 1}));
  SelectorParams top1;
  top1.top_n = 1;
  std::string out;
  write_selector_model_json(out, select_trades(in, top1), {1, "e", 1, 0});
  const auto doc = json::parse(out);
  EXPECT_EQ(doc["recommendations"].size(), 1u);
  EXPECT_EQ(doc["scores"].size(), 4u);
  EXPECT_TRUE(doc["gamma_magnet"].is_null());
  EXPECT_TRUE(doc["indicator_snapshot"]["lfi_score"].is_null());
}

TEST(TradeSelectorTv6, GammaScalpCandidates) {
  SelectorInput in;
  in.symbol = "I:SPX";
  in.spot = 6003;
  in.vix = 15;
  in.ny_hour = 15.5;
  in.butterflies = {fly(0, 20, 6005, 0.50, std::nullopt),   // TV6: score 100
                    fly(0, 25, 6015, 1.10, 1.00),            // 0.2 % away, w 25
                    fly(0, 30, 6005, 0.50, std::nullopt),    // too wide
                    fly(1, 20, 6005, 0.50, std::nullopt),    // not 0-DTE
                    fly(0, 20, 6050, 0.50, std::nullopt)};   // 0.78 % away
  const auto r = select_trades(in);
  ASSERT_EQ(r.gamma_scalp.size(), 3u);
  const auto& best = r.gamma_scalp[0];
  EXPECT_EQ(r.rows[best.row].tile_key, "butterfly:0:20:6005:call");
  EXPECT_DOUBLE_EQ(best.score.score, 100);
  EXPECT_EQ(r.rows[best.row].edge_cases, (std::vector<std::string_view>{"gamma_scalp"}));
  std::string out;
  write_selector_model_json(out, r, {1, "e", 1, 0});
  const auto doc = json::parse(out);
  EXPECT_EQ(doc["vix_special"], "timewarp");
  EXPECT_EQ(doc["gamma_scalp"]["active"], true);
  EXPECT_EQ(doc["gamma_scalp"]["window"]["urgency"], "high");
  EXPECT_EQ(doc["gamma_scalp"]["window"]["progress"], 0.86);
  EXPECT_EQ(doc["gamma_scalp"]["total_candidates"], 3);
  const auto& c = doc["gamma_scalp"]["candidates"][0];
  EXPECT_EQ(c["gamma_scalp_score"], 100.0);
  EXPECT_EQ(c["gamma_scalp_details"]["style"], "sniper");
  EXPECT_EQ(c["gamma_scalp_details"]["scores"]["width_efficiency"], 80.0);
  EXPECT_EQ(c["strategy"], "gamma_scalp");
  EXPECT_EQ(c["debit_pct"], 2.5);
}

TEST(TradeSelector, DefaultsVixAndScalesForNdx) {
  auto in = tv5_input();
  in.vix = 0.0;
  const auto r = select_trades(in);
  EXPECT_TRUE(r.vix_defaulted);
  EXPECT_DOUBLE_EQ(r.context.vix, 15);

  // NDX's own spot against SPX's reference 6000 and its own strike increment: no SPX spot.
  const auto ndx = SelectorParams::for_symbol("I:NDX", 21000, 10);
  EXPECT_DOUBLE_EQ(ndx.point_scale, 3.5);
  EXPECT_DOUBLE_EQ(ndx.strike_increment, 10);
  SelectorInput n;
  n.symbol = "I:NDX";
  n.spot = 21000;
  n.vix = 19;
  n.ny_hour = 10.25;
  n.butterflies = {fly(0, 105, 21100, 8.0, std::nullopt), fly(0, 105, 21090, 8.5, std::nullopt)};
  const auto scaled = select_trades(n, ndx);
  // 105 NDX points = 30 SPX points: the middle of goldilocks_1's ideal widths.
  EXPECT_DOUBLE_EQ(scaled.rows[0].width_fit, 91.25);
  // Neighbours at ±10: the 21090 tile counts for 21100.
  EXPECT_NE(scaled.rows[0].convexity.local, 50);
  std::string out;
  write_selector_model_json(out, scaled, {1, "e", 1, 0});
  EXPECT_EQ(json::parse(out)["playbook"]["ideal_width"], "105-140");
  EXPECT_EQ(SelectorParams::for_symbol("I:SPX", 0, 0).point_scale, 1.0);
  EXPECT_EQ(SelectorParams::for_symbol("I:SPX", 6900, 5).point_scale, 1.0);  // the spec's tables
  EXPECT_THROW(SelectorParams::for_symbol("I:NDX", 21000, 0), core::Error);
  EXPECT_THROW(SelectorParams::for_symbol("I:NDX", 0, 10), core::Error);
}

TEST(TradeSelector, NoSpotDocumentAndBadInput) {
  std::string out;
  write_selector_no_spot_json(out, "I:SPX", {0, "e", 2, 0});
  EXPECT_EQ(out, R"({"ts":0,"ts_iso":"1970-01-01T00:00:00Z","symbol":"I:SPX","epoch":"e","seq":2,)"
                 R"("spot":null,"error":"No spot data available","recommendations":[],"total_scored":0})");
  auto in = tv5_input();
  in.spot = 0;
  EXPECT_THROW(select_trades(in), core::Error);
  in = tv5_input();
  in.ny_hour = 25;
  EXPECT_THROW(select_trades(in), core::Error);
  SelectorParams bad;
  bad.point_scale = 0;
  EXPECT_THROW(select_trades(tv5_input(), bad), core::Error);
}

}  // namespace
}  // namespace ms::quant
