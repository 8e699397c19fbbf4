#include "quant/bias_lfi.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "quant/bias_lfi_json.hpp"

namespace ms::quant {
namespace {

StrikeGex row(double strike, double call, double put) {
  StrikeGex s;
  s.strike = strike;
  s.strike_milli = static_cast<std::int64_t>(strike * 1000);
  s.call = call;
  s.put = put;
  s.has_call = s.has_put = true;
  return s;
}

// TV1's per-strike GEX.
std::vector<StrikeGex> tv1_rows() {
  return {row(5980, 10, 120), row(5990, 40, 180), row(6000, 150, 120), row(6010, 160, 20),
          row(6020, 90, 5)};
}

TEST(BiasLfiTv2, ScoresAndParts) {
  const auto r = compute_bias_lfi(tv1_rows(), 6003);
  EXPECT_NEAR(r.base_bias, -2.5179, 1e-4);
  EXPECT_NEAR(r.base_lfi, 62.2475, 1e-4);  // the spec rounds 5/505
  EXPECT_EQ(r.proximity_bias_adj, -50.0);
  EXPECT_EQ(r.proximity_lfi_adj, -30.0);
  EXPECT_NEAR(r.directional_strength, -52.5179, 1e-4);
  EXPECT_NEAR(r.lfi_score, 32.2475, 1e-4);
  EXPECT_NEAR(r.flip_score, 54.981, 1e-3);
  EXPECT_NEAR(r.gex_score, 50.0104, 1e-4);
  EXPECT_NEAR(r.concentration_score, 50.495, 1e-4);
  EXPECT_NEAR(r.market_mode_score, 47.606, 1e-3);
  EXPECT_EQ(r.market_mode, MarketMode::transition);
  EXPECT_NEAR(r.total_call_gex, 450, 1e-9);
  EXPECT_NEAR(r.total_put_gex, -445, 1e-9);
  EXPECT_NEAR(r.total_net_gex, 5, 1e-9);
  EXPECT_EQ(r.max_call_gex_strike, 6010.0);
  EXPECT_EQ(r.max_put_gex_strike, 5990.0);
  EXPECT_EQ(r.max_net_gex_strike, 6010.0);
  EXPECT_EQ(r.flip.below, 5995.0);
  EXPECT_FALSE(r.flip.above);
  EXPECT_NEAR(*r.distance_to_flip, 8.0, 1e-9);
  EXPECT_EQ(r.strike_min, 5980.0);
  EXPECT_EQ(r.strike_max, 6020.0);
}

TEST(BiasLfiTv2, ModelJson) {
  const auto r = compute_bias_lfi(tv1_rows(), 6003);
  std::string out;
  write_bias_lfi_json(out, "I:SPX", r, {1770737400100, "e", 9, 0});
  EXPECT_EQ(out,
            R"({"ts":1770737400100,"ts_iso":"2026-02-10T15:30:00Z","symbol":"I:SPX","epoch":"e","seq":9,)"
            R"("spot":6003.0,"directional_strength":-52.5,"lfi_score":32.2,"market_mode_score":47.6,)"
            R"("max_call_gex_strike":6010.0,"max_put_gex_strike":5990.0,"max_net_gex_strike":6010.0,)"
            R"("total_call_gex":450.0,"total_put_gex":-445.0,"total_net_gex":5.0,)"
            R"("gex_flip_level":5995.0,"flip_above":null,"flip_below":5995.0,"strike_range":[5980.0,6020.0],)"
            R"("proximity_bias_adj":-50.0,"proximity_lfi_adj":-30.0,"distance_to_flip":8.0})");
  std::string mode;
  write_market_mode_json(mode, "I:SPX", r, {1770737400100, "e", 9, 0});
  EXPECT_EQ(mode, R"({"ts":1770737400100,"ts_iso":"2026-02-10T15:30:00Z","symbol":"I:SPX",)"
                  R"("epoch":"e","seq":9,"score":47.6,"mode":"transition"})");
}

TEST(BiasLfi, EmptyProfileIsNeutral) {
  const auto r = compute_bias_lfi({}, 6000);
  EXPECT_EQ(r.directional_strength, 0.0);
  EXPECT_EQ(r.lfi_score, 50.0);
  EXPECT_FALSE(r.flip.nearest);
  EXPECT_FALSE(r.distance_to_flip);
  EXPECT_FALSE(r.max_call_gex_strike);
  EXPECT_EQ(r.flip_score, 50.0);  // no flip, total 0
  EXPECT_EQ(r.gex_score, 50.0);
  EXPECT_EQ(r.concentration_score, 50.0);
  EXPECT_NEAR(r.market_mode_score, 50.0, 1e-12);
  std::string out;
  write_bias_lfi_json(out, "I:SPX", r, {0, "e", 1, 0});
  EXPECT_NE(out.find(R"("strike_range":null)"), std::string::npos);
  EXPECT_NE(out.find(R"("distance_to_flip":null)"), std::string::npos);
  EXPECT_NE(out.find(R"("ts_iso":"1970-01-01T00:00:00Z")"), std::string::npos);
}

TEST(BiasLfi, FlipScoreWithoutFlipFollowsTotalGex) {
  // All positive net GEX: no sign change.
  auto r = compute_bias_lfi({row(5990, 6000, 0), row(6010, 6000, 0)}, 6000);
  EXPECT_FALSE(r.flip.nearest);
  EXPECT_EQ(r.flip_score, 85.0);  // > 10000
  r = compute_bias_lfi({row(5990, 50, 0)}, 6000);
  EXPECT_EQ(r.flip_score, 70.0);
  r = compute_bias_lfi({row(5990, 0, 50)}, 6000);
  EXPECT_EQ(r.flip_score, 30.0);
  r = compute_bias_lfi({row(5990, 0, 20000)}, 6000);
  EXPECT_EQ(r.flip_score, 15.0);
  EXPECT_EQ(r.market_mode, MarketMode::compression);  // heavy negative gamma, far
}

TEST(BiasLfi, ProximityFadesWithDistance) {
  // Flip at 6000 (between 5990 < 0 and 6010 > 0); spot moves away above it.
  const auto profile = std::vector<StrikeGex>{row(5990, 0, 100), row(6010, 100, 0)};
  auto pf_adj = [&](double spot) { return compute_bias_lfi(profile, spot).proximity_bias_adj; };
  EXPECT_EQ(pf_adj(6020), -50.0);                 // dp 0.33 %: full, pp 0
  EXPECT_NEAR(pf_adj(6060), -50 * (1 - (60.0 / 6060 - 0.005) / 0.01), 1e-9);
  EXPECT_EQ(pf_adj(6100), 0.0);                   // dp 1.64 %: none
  // Spot below the flip below: pp 0.3 is added (capped at -50 / -30).
  const auto below = compute_bias_lfi({row(5990, 0, 100), row(6010, 100, 0), row(6100, 0, 1)}, 6002);
  EXPECT_EQ(below.flip.below, 6000.0);
}

TEST(BiasLfi, ScaledParamsMakeNdxMatchAScaledSpxProfile) {
  const double ratio = 21000.0 / 6000.0;
  std::vector<StrikeGex> ndx;
  for (const auto& s : tv1_rows()) ndx.push_back(row(s.strike * ratio, s.call, s.put));
  const auto spx = compute_bias_lfi(tv1_rows(), 6003);
  const auto params = BiasLfiParams::for_symbol("I:NDX", 6003 * ratio, 6003);
  EXPECT_NEAR(params.centre_divisor_points, 175.0, 1e-9);
  const auto scaled = compute_bias_lfi(ndx, 6003 * ratio, params);
  EXPECT_NEAR(scaled.base_bias, spx.base_bias, 1e-9);
  EXPECT_NEAR(scaled.base_lfi, spx.base_lfi, 1e-9);
  EXPECT_NEAR(scaled.directional_strength, spx.directional_strength, 1e-9);
  EXPECT_NEAR(scaled.flip_score, spx.flip_score, 1e-9);
  // With SPX's 50-point divisor the centre term would be 3.5× too strong.
  const auto unscaled = compute_bias_lfi(ndx, 6003 * ratio, BiasLfiParams::spx());
  EXPECT_GT(std::abs(unscaled.base_bias - spx.base_bias), 5.0);
  EXPECT_EQ(BiasLfiParams::for_symbol("I:SPX", 0, 0).centre_divisor_points, 50.0);
  EXPECT_THROW(BiasLfiParams::for_symbol("I:NDX", 21000, 0), core::Error);
  EXPECT_THROW(BiasLfiParams::scaled_from_spx(-1), core::Error);
  EXPECT_THROW(compute_bias_lfi(tv1_rows(), 0), core::Error);
}

TEST(MarketModeLabels, Thresholds) {
  EXPECT_EQ(market_mode_name(MarketMode::expansion), "expansion");
  EXPECT_EQ(market_mode_name(MarketMode::transition), "transition");
  EXPECT_EQ(market_mode_name(MarketMode::compression), "compression");
  // Strong positive gamma above a flip well below spot → expansion.
  const auto r = compute_bias_lfi({row(5800, 0, 10), row(5900, 90000, 0), row(6000, 90000, 0)}, 6000);
  EXPECT_GE(r.market_mode_score, 67.0);
  EXPECT_EQ(r.market_mode, MarketMode::expansion);
}

}  // namespace
}  // namespace ms::quant
