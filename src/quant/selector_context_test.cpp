#include "quant/selector_context.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"

namespace ms::quant {
namespace {

TEST(SelectorSession, Boundaries) {
  EXPECT_EQ(session_at(6.99), Session::overnight);
  EXPECT_EQ(session_at(7.0), Session::premarket);
  EXPECT_EQ(session_at(9.5), Session::morning);
  EXPECT_EQ(session_at(12.49), Session::morning);
  EXPECT_EQ(session_at(12.5), Session::afternoon);
  EXPECT_EQ(session_at(14.5), Session::closing);
  EXPECT_EQ(session_at(16.0), Session::after_hours);
  const auto morning = session_info_at(11.0);
  EXPECT_TRUE(morning.is_entry_optimal);
  EXPECT_TRUE(morning.is_exercise_window);
  EXPECT_FALSE(session_info_at(10.99).is_exercise_window);
  EXPECT_TRUE(session_info_at(13).is_exercise_window);
  EXPECT_TRUE(session_info_at(15).is_outlier_zone);
  const auto night = session_info_at(20);
  EXPECT_FALSE(night.start);
  EXPECT_FALSE(night.is_entry_optimal);
}

TEST(SelectorRegimes, FromVix) {
  EXPECT_EQ(selector_regime_for_vix(16.99), SelectorRegime::zombieland);
  EXPECT_EQ(selector_regime_for_vix(17), SelectorRegime::goldilocks_1);
  EXPECT_EQ(selector_regime_for_vix(23), SelectorRegime::goldilocks_2);
  EXPECT_EQ(selector_regime_for_vix(32), SelectorRegime::chaos);
}

TEST(SelectorContextTv5, GoldilocksMorning) {
  // S = 6003, V = 19, 10:15 New York.
  const auto c = selector_context(6003, 19, 10.25);
  EXPECT_EQ(c.regime, SelectorRegime::goldilocks_1);
  EXPECT_EQ(c.special, SpecialCondition::none);
  EXPECT_EQ(c.session.session, Session::morning);
  EXPECT_DOUBLE_EQ(c.decay, 1.1);
  EXPECT_DOUBLE_EQ(c.expected_move, 71.85);
  EXPECT_NEAR(c.breach.probability, 0.22425, 1e-12);
  EXPECT_EQ(c.breach.likelihood, "elevated");
  EXPECT_EQ(c.breach.color, "yellow");
  EXPECT_DOUBLE_EQ(c.breach.session_mult, 1.15);
  EXPECT_EQ(c.ideal_width.min, 30);
  EXPECT_EQ(c.ideal_width.max, 40);
  EXPECT_EQ(c.ideal_dte.max, 1);
  EXPECT_FALSE(c.gamma_scalp.active);
  EXPECT_TRUE(c.gamma_scalp.before);
  EXPECT_DOUBLE_EQ(c.gamma_scalp.starts_in_hrs, 3.75);
}

TEST(SelectorContextTv6, ZombielandLateSession) {
  const auto c = selector_context(6003, 15, 15.5);
  EXPECT_EQ(c.regime, SelectorRegime::zombieland);
  EXPECT_EQ(c.special, SpecialCondition::timewarp);  // V ≤ 17 wins over the window
  EXPECT_TRUE(c.gamma_scalp.active);
  EXPECT_NEAR(c.gamma_scalp.progress, 3.0 / 3.5, 1e-12);
  EXPECT_EQ(c.gamma_scalp.urgency, "high");
  EXPECT_DOUBLE_EQ(c.gamma_scalp.time_remaining_hrs, 0.5);
  EXPECT_EQ(c.ideal_width.min, 10);  // timewarp narrows zombieland widths
  EXPECT_EQ(c.ideal_dte.min, 1);
  EXPECT_DOUBLE_EQ(c.decay, 1.92);  // closing 1.6 × zombieland 1.2
}

TEST(SelectorContext, SpecialConditions) {
  EXPECT_EQ(selector_context(6000, 24, 10).special, SpecialCondition::batman);
  EXPECT_EQ(selector_context(6000, 17, 10).special, SpecialCondition::timewarp);
  // goldilocks_1 window is 14–16; the fractional hour counts (the original used ⌊h⌋ here).
  EXPECT_EQ(selector_context(6000, 20, 13.99).special, SpecialCondition::none);
  EXPECT_EQ(selector_context(6000, 20, 14.0).special, SpecialCondition::gamma_scalp);
  EXPECT_EQ(selector_context(6000, 20, 16.0).special, SpecialCondition::gamma_scalp);
  EXPECT_EQ(selector_context(6000, 20, 16.01).special, SpecialCondition::none);
  const auto after = gamma_scalp_window_at(SelectorRegime::chaos, 16.5);
  EXPECT_FALSE(after.active);
  EXPECT_FALSE(after.before);
  EXPECT_EQ(gamma_scalp_window_at(SelectorRegime::chaos, 15.3).urgency, "low");
  EXPECT_EQ(gamma_scalp_window_at(SelectorRegime::chaos, 15.5).urgency, "medium");
}

TEST(SelectorContext, BreachProbabilityFactors) {
  auto p = [](double vix, double hour) { return selector_context(6000, vix, hour).breach; };
  EXPECT_EQ(p(45, 10).probability, 0.45);  // chaos 1.4 × morning 1.15 × vix 1.5, capped
  EXPECT_EQ(p(45, 10).likelihood, "high");
  EXPECT_NEAR(p(11, 20).probability, 0.195 * 0.85 * 1.0 * 0.8, 1e-12);
  EXPECT_EQ(p(11, 20).likelihood, "low");
  EXPECT_EQ(p(11, 20).color, "red");
  EXPECT_NEAR(p(16, 13).probability, 0.195 * 0.85 * 0.95, 1e-12);
  EXPECT_EQ(p(16, 13).likelihood, "normal");
  EXPECT_DOUBLE_EQ(p(30, 8).vix_mult, 1.25);
}

TEST(SelectorContext, RejectsBadInput) {
  EXPECT_THROW(selector_context(0, 15, 10), core::Error);
  EXPECT_THROW(selector_context(6000, 0, 10), core::Error);
  EXPECT_THROW(selector_context(6000, 15, 24), core::Error);
  EXPECT_THROW(selector_context(6000, 15, -0.5), core::Error);
  try {
    selector_context(6000, 15, std::nan(""));
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "invalid_selector_input");
    EXPECT_NE(std::string(e.what()).find("hour"), std::string::npos);
  }
}

}  // namespace
}  // namespace ms::quant
