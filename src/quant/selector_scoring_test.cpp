#include "quant/selector_scoring.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "quant/rounding.hpp"

namespace ms::quant {
namespace {

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

// TV5: butterfly:0:30:6050 call, d = 2.40, S = 6003, V = 19, 10:15.
TEST(SelectorScoringTv5, Components) {
  EXPECT_DOUBLE_EQ(r2r_score(2.40, 30, 0), 72.5);
  EXPECT_DOUBLE_EQ(convexity_efficiency(2.40, 30), 95);
  // The original's effective convexity (no neighbour ever found): 40 + 0.2·95.
  EXPECT_DOUBLE_EQ(convexity_score(2.40, 30, {}).total, 59.0);
  const auto ctx = selector_context(6003, 19, 10.25);
  EXPECT_DOUBLE_EQ(width_fit_score(30, 0, ctx), 91.25);
  EXPECT_EQ(round_half_even(width_fit_score(30, 0, ctx), 1), 91.2);  // as published
  EXPECT_DOUBLE_EQ(gamma_alignment_score(OptionType::call, 6050, 30, 6010.0, 5995.0, tv1_rows()), 67.5);
  EXPECT_NEAR(composite_score(72.5, 59.0, 91.25, 67.5), 70.1, 1e-9);
  EXPECT_DOUBLE_EQ(selector_confidence(true, true, 2.40), 1.0);
}

TEST(SelectorScoringTv5, ConvexityBlockAndTracking) {
  const auto b = convexity_block(11.5, 0.224, 0);
  EXPECT_EQ(b.quality, "acceptable");
  EXPECT_EQ(b.quality_score, 60);
  EXPECT_DOUBLE_EQ(b.convexity_score, 13.4);
  EXPECT_DOUBLE_EQ(b.ev_per_risk, 0.59);
  EXPECT_TRUE(b.ev_positive);
  EXPECT_NEAR(tracking_pnl(30, 6050, 2.40, 6040), 17.6, 1e-12);
  EXPECT_NEAR(tracking_pnl(30, 6050, 2.40, 6100), -2.40, 1e-12);  // outside the wings
  EXPECT_NEAR(tracking_pnl(30, 6050, 2.40, 6050), 27.6, 1e-12);   // pinned
}

// Hand-computed vectors for the intended neighbour algorithm ([DECISION] Q7), same tile.
TEST(SelectorScoringConvexity, NeighbourVectors) {
  // Neighbours 2.60, 2.70, 2.30, 2.50: mean 2.525, pc = 100·0.125/2.525 = 4.9505 →
  // local = 50 + 4·4.9505 = 69.802 (2.40 is not below 2.30: no bonus); σ_pop = 0.147902,
  // z = 0.84516 → 65; convexity = 0.5·69.802 + 0.3·65 + 0.2·95 = 73.401;
  // composite = 0.25·72.5 + 0.4·73.401 + 0.2·91.25 + 0.15·67.5 = 75.860 → 75.9.
  auto c = convexity_score(2.40, 30, {2.60, 2.70, 2.30, 2.50});
  EXPECT_NEAR(c.local, 69.80198, 1e-5);
  EXPECT_DOUBLE_EQ(c.neighbourhood, 65);
  EXPECT_NEAR(c.total, 73.40099, 1e-5);
  EXPECT_EQ(round_half_even(composite_score(72.5, c.total, 91.25, 67.5), 1), 75.9);
  // Cheaper than every neighbour (2.9, 3.0, 3.2): pc = 20.9 → 95, +10 capped at 98; z = 5.08 →
  // 95; convexity = 49 + 28.5 + 19 = 96.5; composite 85.1.
  c = convexity_score(2.40, 30, {3.0, 3.2, 2.9});
  EXPECT_DOUBLE_EQ(c.local, 98);
  EXPECT_DOUBLE_EQ(c.neighbourhood, 95);
  EXPECT_DOUBLE_EQ(c.total, 96.5);
  EXPECT_NEAR(composite_score(72.5, c.total, 91.25, 67.5), 85.1, 1e-9);
  // Dearer than two neighbours (2.2, 2.3): pc = −6.67 → 50 − 13.33 = 36.67; fewer than three
  // neighbours → 50; convexity 52.333.
  c = convexity_score(2.40, 30, {2.2, 2.3});
  EXPECT_NEAR(c.local, 36.66667, 1e-5);
  EXPECT_DOUBLE_EQ(c.neighbourhood, 50);
  EXPECT_NEAR(c.total, 52.33333, 1e-5);
  // Flat neighbours (σ ≤ 0.01): z = 0 → 55.
  c = convexity_score(2.40, 30, {2.40, 2.40, 2.40});
  EXPECT_DOUBLE_EQ(c.local, 50);
  EXPECT_DOUBLE_EQ(c.neighbourhood, 55);
  // Much dearer: local floor 20, neighbourhood floor 25.
  c = convexity_score(4.0, 30, {2.0, 2.1, 1.9});
  EXPECT_DOUBLE_EQ(c.local, 20);
  EXPECT_DOUBLE_EQ(c.neighbourhood, 25);
}

TEST(SelectorScoringR2r, TableBranches) {
  EXPECT_EQ(r2r_expectation(-3).typical_low, 9);
  EXPECT_EQ(r2r_expectation(42).max_high, 60);
  EXPECT_DOUBLE_EQ(r2r_score(0.10, 30, 0), 0);     // d ≤ 0.10
  EXPECT_DOUBLE_EQ(r2r_score(31, 30, 0), 0);       // r ≤ 0
  EXPECT_DOUBLE_EQ(r2r_score(1.5, 30, 0), 95);     // r = 19 ≥ 18
  EXPECT_DOUBLE_EQ(r2r_score(30.0 / 17, 30, 0), 85 + 10 * (16.0 - 15) / 3);  // r = 16
  EXPECT_NEAR(r2r_score(30.0 / 14, 30, 0), 75 + 10 * 1.0 / 3, 1e-9);        // r = 13
  EXPECT_NEAR(r2r_score(30.0 / 9.2, 30, 0), 45 + 15 * (8.2 - 7.2) / 1.8, 1e-9);  // r = 8.2
  EXPECT_NEAR(r2r_score(30.0 / 4, 30, 0), std::max(20.0, 45 * 3 / 7.2), 1e-9);   // r = 3
  // A cheap debit is scaled by d/0.5: d = 0.25, w = 5 → r = 19 → 95·0.5.
  EXPECT_DOUBLE_EQ(r2r_score(0.25, 5, 0), 47.5);
}

TEST(SelectorScoringWidthFit, Branches) {
  const auto g1 = selector_context(6003, 19, 10.25);       // ideal 30–40, dte 0–1, decay 1.1
  EXPECT_DOUBLE_EQ(width_fit_score(50, 0, g1), 0.4 * 90 + 0.25 * 95 + 0.2 * 95 + 0.15 * 95);
  // w < min with decay > 1: 75 → min(82.5, 70) = 70.
  EXPECT_DOUBLE_EQ(width_fit_score(25, 0, g1), 0.4 * 70 + 0.25 * 95 + 0.2 * 95 + 0.15 * 55);
  EXPECT_DOUBLE_EQ(width_fit_score(30, 2, g1), 0.4 * 95 + 0.25 * 70 + 0.2 * 70 + 0.15 * 70);
  const auto chaos = selector_context(6000, 35, 13);       // ideal 50–100, dte 1–3, afternoon
  EXPECT_DOUBLE_EQ(width_fit_score(50, 0, chaos), 0.4 * 95 + 0.25 * 40 + 0.2 * 50 + 0.15 * 95);
  const auto zombie = selector_context(6000, 16.5, 20);     // timewarp: 10–20, dte 1–2
  EXPECT_DOUBLE_EQ(width_fit_score(20, 1, zombie), 0.4 * 95 + 0.25 * 95 + 0.2 * 60 + 0.15 * 55);
  EXPECT_DOUBLE_EQ(width_fit_score(20, 4, zombie), 0.4 * 95 + 0.25 * 50 + 0.2 * 70 + 0.15 * 55);
}

TEST(SelectorScoringGamma, Branches) {
  const auto g = tv1_rows();
  // No magnet/zero gamma: 60/50; wings 5990 (N −140) and 6050 (absent) → 50.
  EXPECT_DOUBLE_EQ(gamma_alignment_score(OptionType::put, 6020, 30, std::nullopt, std::nullopt, g),
                   0.4 * 60 + 0.3 * 50 + 0.3 * 50);
  // Magnet 5 points away → 95; a put above zero gamma → 30; wings 5990 (−) and 6010 (+) → 65.
  EXPECT_DOUBLE_EQ(gamma_alignment_score(OptionType::put, 6000, 10, 6005.0, 5995.0, g),
                   0.4 * 95 + 0.3 * 30 + 0.3 * 65);
  EXPECT_DOUBLE_EQ(gamma_alignment_score(OptionType::put, 5990, 20, 6010.0, 5995.0, g),
                   0.4 * 80 + 0.3 * 80 + 0.3 * 65);
  // 100 points from the magnet: 40; with point_scale 3.5 it is 28.6 SPX points → 60.
  EXPECT_DOUBLE_EQ(gamma_alignment_score(OptionType::call, 6110, 30, 6010.0, std::nullopt, g),
                   0.4 * 40 + 0.3 * 50 + 0.3 * 50);
  EXPECT_DOUBLE_EQ(gamma_alignment_score(OptionType::call, 6110, 30, 6010.0, std::nullopt, g, 3.5),
                   0.4 * 60 + 0.3 * 50 + 0.3 * 50);
}

TEST(SelectorScoringConfidence, Parts) {
  EXPECT_DOUBLE_EQ(selector_confidence(false, false, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(selector_confidence(true, false, 0.5), 0.75);
  EXPECT_DOUBLE_EQ(selector_confidence(false, true, 1.0), 0.75);
}

TEST(SelectorScoringTv6, GammaScalpScore) {
  // K = 6005, w = 20, d = 0.50, S = 6003: dist 0.0333 % → 100; wsc 80; debit 2.5 % → 100;
  // gs = 94.0 × 1.1 = 103.4 → 100.
  const auto g = gamma_scalp_score(100 * 2.0 / 6003, 20, 2.5, true);
  ASSERT_TRUE(g);
  EXPECT_DOUBLE_EQ(g->atm_proximity, 100);
  EXPECT_DOUBLE_EQ(g->width_efficiency, 80);
  EXPECT_DOUBLE_EQ(g->debit_cheapness, 100);
  EXPECT_DOUBLE_EQ(g->score, 100);
  EXPECT_DOUBLE_EQ(gamma_scalp_score(100 * 2.0 / 6003, 20, 2.5, false)->score, 94.0);
  EXPECT_DOUBLE_EQ(gamma_scalp_score(0.25, 25, 4.5, false)->score, 0.4 * 75 + 0.3 * 60 + 0.3 * 70);
  EXPECT_FALSE(gamma_scalp_score(0.1, 30, 2, true));   // too wide
  EXPECT_FALSE(gamma_scalp_score(0.1, 10, 2, true));   // too narrow
  EXPECT_FALSE(gamma_scalp_score(0.51, 20, 2, true));  // too far
}

}  // namespace
}  // namespace ms::quant
