#include "quant/bias_lfi.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "quant/bias_lfi_json.hpp"
#include "quant/black_scholes.hpp"

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

// An NDX-shaped GEX profile: spot ~21,000, strikes every 10 over ±6 %, Black–Scholes gamma of a
// 1-day and a 3-day expiry at 16 % vol, open interest per strike of an NDX chain (hundreds of
// contracts, a quarter of SPX's), so per-strike GEX is in the hundreds and the gross GEX is a
// few 10^4 — far below SPX's spec unit scaled to NDX's spot (0.03·tot/(S²·1e-5) = tot/147,000).
template <class CallOi, class PutOi>
std::vector<StrikeGex> ndx_profile(double spot, CallOi call_oi, PutOi put_oi) {
  std::vector<StrikeGex> out;
  const double vol = 0.16;
  const double lo = std::ceil(spot * 0.94 / 10) * 10, hi = std::floor(spot * 1.06 / 10) * 10;
  for (double k = lo; k <= hi; k += 10) {
    double gamma = 0;
    for (double days : {1.0, 3.0}) {
      const double t = days / 365;
      const double d1 = (std::log(spot / k) + 0.5 * vol * vol * t) / (vol * std::sqrt(t));
      gamma += normal_pdf(d1) / (spot * vol * std::sqrt(t));
    }
    out.push_back(row(k, gamma * call_oi(k) * 100, gamma * put_oi(k) * 100));
  }
  return out;
}

struct NdxCase {
  const char* name;
  std::vector<StrikeGex> rows;
  MarketMode mode;
};

std::vector<NdxCase> ndx_cases(double s) {
  return {
      // Calls dominate down to a put wall 2.5 % under spot: long gamma, flip far below.
      {"expansion", ndx_profile(s, [](double) { return 750.0; },
                                [s](double k) { return k < s * 0.975 ? 1500.0 : 100.0; }),
       MarketMode::expansion},
      // The mirror: puts dominate up to a call wall 2.5 % above spot: short gamma.
      {"compression", ndx_profile(s, [s](double k) { return k > s * 1.025 ? 1500.0 : 100.0; },
                                  [](double) { return 750.0; }),
       MarketMode::compression},
      // Calls above, puts below: the flip sits at spot.
      {"transition", ndx_profile(s, [s](double k) { return k > s ? 750.0 : 100.0; },
                                 [s](double k) { return k > s ? 100.0 : 750.0; }),
       MarketMode::transition},
  };
}

TEST(BiasLfiNdx, ReachesEveryModeAndTheFullScoreRangeOnItsOwnScale) {
  const double spot = 21003;
  const auto params = BiasLfiParams::for_symbol("I:NDX", spot);
  EXPECT_EQ(params.gex_normaliser, GexNormaliser::own_gross);
  EXPECT_NEAR(params.centre_divisor_points, 50.0 * spot / 6000, 1e-9);
  double gex_lo = 100, gex_hi = 0, mode_lo = 100, mode_hi = 0, bias_lo = 100, bias_hi = -100;
  double lfi_lo = 100, lfi_hi = 0;
  for (const auto& c : ndx_cases(spot)) {
    double gross = 0, peak = 0;
    for (const auto& r : c.rows) {
      gross += r.call + r.put;
      peak = std::max(peak, std::max(r.call, r.put));
    }
    // NDX-chain magnitudes: per-strike GEX in the hundreds, gross a few 10^4.
    EXPECT_GT(peak, 100) << c.name;
    EXPECT_LT(peak, 2000) << c.name;
    EXPECT_LT(gross, 150000) << c.name;
    const auto r = compute_bias_lfi(c.rows, spot, params);
    EXPECT_EQ(r.market_mode, c.mode) << c.name << " score " << r.market_mode_score;
    gex_lo = std::min(gex_lo, r.gex_score), gex_hi = std::max(gex_hi, r.gex_score);
    mode_lo = std::min(mode_lo, r.market_mode_score), mode_hi = std::max(mode_hi, r.market_mode_score);
    bias_lo = std::min(bias_lo, r.directional_strength), bias_hi = std::max(bias_hi, r.directional_strength);
    lfi_lo = std::min(lfi_lo, r.lfi_score), lfi_hi = std::max(lfi_hi, r.lfi_score);
    // SPX's unit on the same NDX book: the gex score hugs 50 (the bug this replaces).
    const auto spx_unit = compute_bias_lfi(c.rows, spot, BiasLfiParams::spx());
    EXPECT_NEAR(spx_unit.gex_score, 50, 6) << c.name;
  }
  EXPECT_LT(gex_lo, 5);
  EXPECT_GT(gex_hi, 95);
  EXPECT_LT(mode_lo, 20);
  EXPECT_GT(mode_hi, 85);
  EXPECT_LT(bias_lo, -50);
  EXPECT_GT(bias_hi, 50);
  EXPECT_LT(lfi_lo, 40);
  EXPECT_GT(lfi_hi, 80);
}

TEST(BiasLfiNdx, OwnScaleIsInvariantToOpenInterestAndSpotLevel) {
  // The same book with 4× the open interest, or 5 % higher, scores the same: only shape counts.
  const double spot = 21003;
  for (const auto& c : ndx_cases(spot)) {
    auto bigger = c.rows;
    for (auto& r : bigger) r.call *= 4, r.put *= 4;
    const auto a = compute_bias_lfi(c.rows, spot, BiasLfiParams::for_symbol("I:NDX", spot));
    const auto b = compute_bias_lfi(bigger, spot, BiasLfiParams::for_symbol("I:NDX", spot));
    EXPECT_NEAR(a.market_mode_score, b.market_mode_score, 1e-9) << c.name;
    EXPECT_NEAR(a.gex_score, b.gex_score, 1e-9) << c.name;
  }
  // Strikes and spot scaled together (the centre divisor follows spot): the same base bias.
  std::vector<StrikeGex> scaled;
  for (const auto& r : ndx_cases(spot)[2].rows) scaled.push_back(row(r.strike * 1.05, r.call, r.put));
  const auto a = compute_bias_lfi(ndx_cases(spot)[2].rows, spot, BiasLfiParams::for_symbol("I:NDX", spot));
  const auto b = compute_bias_lfi(scaled, spot * 1.05, BiasLfiParams::for_symbol("I:NDX", spot * 1.05));
  EXPECT_NEAR(a.base_bias, b.base_bias, 1e-6);
}

TEST(BiasLfiNdx, NoFlipThresholdIsAShareOfGross) {
  const double spot = 21000;
  const auto p = BiasLfiParams::for_symbol("I:NDX", spot);
  EXPECT_NEAR(p.no_flip_threshold_of_gross, 0.5 * 10000 / 36000, 1e-12);
  // No sign change; |net| / gross = 1 → beyond the threshold whatever the size.
  EXPECT_EQ(compute_bias_lfi({row(20990, 50, 0), row(21010, 50, 0)}, spot, p).flip_score, 85.0);
  EXPECT_EQ(compute_bias_lfi({row(20990, 0, 50)}, spot, p).flip_score, 15.0);
  // Calls and puts at every strike, calls 10 % ahead: |net| / gross = 0.048 → inside it.
  EXPECT_EQ(compute_bias_lfi({row(20990, 110, 100), row(21010, 110, 100)}, spot, p).flip_score, 70.0);
  EXPECT_EQ(compute_bias_lfi({row(20990, 100, 110), row(21010, 100, 110)}, spot, p).flip_score, 30.0);
  EXPECT_EQ(compute_bias_lfi({}, spot, p).gex_score, 50.0);
}

TEST(BiasLfiParamsForSymbol, SpxKeepsTheSpecAndNeedsNoOtherSpot) {
  for (double spot : {0.0, 6003.0, 7000.0}) {
    const auto p = BiasLfiParams::for_symbol("I:SPX", spot);
    EXPECT_EQ(p.centre_divisor_points, 50.0);
    EXPECT_EQ(p.gex_normaliser, GexNormaliser::spot_squared);
    EXPECT_NEAR(compute_bias_lfi(tv1_rows(), 6003, p).market_mode_score, 47.606, 1e-3);
  }
  EXPECT_THROW(BiasLfiParams::for_symbol("I:NDX", 0), core::Error);
  EXPECT_THROW(BiasLfiParams::for_symbol("I:NDX", std::nan("")), core::Error);
  auto bad = BiasLfiParams::for_symbol("I:NDX", 21000);
  bad.gex_band_of_gross = 0;
  EXPECT_THROW(compute_bias_lfi(tv1_rows(), 6003, bad), core::Error);
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
