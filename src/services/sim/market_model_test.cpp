#include "services/sim/market_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "services/sim/sim_test_util.hpp"

namespace ms::sim {
namespace {

using test::session_of;
using test::tuesday;

constexpr EpochMs kMinute = 60'000;

struct Returns {
  std::vector<double> spx, ndx, vix;
};

// One-minute log returns over a whole session.
Returns minute_returns(MarketModel& m) {
  Returns r;
  const auto& s = m.session();
  double spx = m.state().spx, ndx = m.state().ndx, vix = m.state().vix;
  for (EpochMs t = s.open_ms + kMinute; t <= s.close_ms; t += kMinute) {
    m.advance_to(t);
    r.spx.push_back(std::log(m.state().spx / spx));
    r.ndx.push_back(std::log(m.state().ndx / ndx));
    r.vix.push_back(std::log(m.state().vix / vix));
    spx = m.state().spx;
    ndx = m.state().ndx;
    vix = m.state().vix;
  }
  return r;
}

bool same_state(const MarketState& a, const MarketState& b) {
  return a.ts_ms == b.ts_ms && a.spx == b.spx && a.ndx == b.ndx && a.spy == b.spy &&
         a.vix == b.vix && a.substeps == b.substeps;
}

TEST(MarketModel, StartsNearTheConfiguredLevelsAtTheOpen) {
  MarketModel m({}, session_of(tuesday()));
  EXPECT_EQ(m.state().ts_ms, m.session().open_ms);
  EXPECT_NEAR(m.state().spx, 6000, 6000 * 0.03);
  EXPECT_NEAR(m.state().ndx, 21500, 21500 * 0.04);
  EXPECT_NEAR(m.state().vix, 16, 3);
  EXPECT_DOUBLE_EQ(m.previous_close().spx, 6000);
  EXPECT_DOUBLE_EQ(m.state().spy, m.state().spx * 0.1 - 0.35);
}

TEST(MarketModel, SameSeedAndStepsGiveBitIdenticalPaths) {
  MarketModelConfig c;
  c.seed = 42;
  MarketModel a(c, session_of(tuesday())), b(c, session_of(tuesday()));
  for (int i = 1; i <= 500; ++i) {
    a.advance_to(a.session().open_ms + i * 1000);
    b.advance_to(b.session().open_ms + i * 1000);
    ASSERT_TRUE(same_state(a.state(), b.state())) << "diverged at second " << i;
  }
}

TEST(MarketModel, DifferentSeedsGiveDifferentPaths) {
  MarketModelConfig c1, c2;
  c1.seed = 1;
  c2.seed = 2;
  MarketModel a(c1, session_of(tuesday())), b(c2, session_of(tuesday()));
  a.advance_to(a.session().open_ms + 10 * kMinute);
  b.advance_to(b.session().open_ms + 10 * kMinute);
  EXPECT_NE(a.state().spx, b.state().spx);
  EXPECT_NE(a.state().vix, b.state().vix);
}

TEST(MarketModel, PathDoesNotDependOnHowTimeIsChunked) {
  // One model follows 100 ms steps (slow speed), another irregular multi-second jumps (fast
  // speed); wherever they meet they must agree bit for bit.
  MarketModelConfig c;
  c.seed = 9;
  MarketModel fine(c, session_of(tuesday())), coarse(c, session_of(tuesday()));
  const EpochMs open = fine.session().open_ms;
  const EpochMs chunks[] = {7'300, 1, 99, 12'345, 60'000, 250, 3'600'000, 17};
  EpochMs t = open;
  for (int round = 0; round < 3; ++round) {
    for (EpochMs d : chunks) {
      t += d;
      coarse.advance_to(t);
      while (fine.state().ts_ms + kSubstepMs <= t) fine.advance_to(fine.state().ts_ms + kSubstepMs);
      ASSERT_TRUE(same_state(fine.state(), coarse.state())) << "at +" << (t - open) << " ms";
    }
  }
  EXPECT_GT(coarse.state().substeps, 0);
}

TEST(MarketModel, StateOnlyMovesOnWholeSubsteps) {
  MarketModel m({}, session_of(tuesday()));
  const EpochMs open = m.session().open_ms;
  m.advance_to(open + 99);
  EXPECT_EQ(m.state().substeps, 0);
  m.advance_to(open + 250);
  EXPECT_EQ(m.state().substeps, 2);
  EXPECT_EQ(m.state().ts_ms, open + 200);
  m.advance_to(open + 100);  // the past is a no-op
  EXPECT_EQ(m.state().substeps, 2);
}

TEST(MarketModel, StopsAtTheClose) {
  MarketModel m({}, session_of(tuesday()));
  m.advance_to(m.session().close_ms + 3'600'000);
  EXPECT_EQ(m.state().ts_ms, m.session().close_ms);
  EXPECT_EQ(m.state().substeps, 6 * 36'000 + 18'000);  // 6.5 h of 100 ms
  EXPECT_FALSE(m.step());
}

TEST(MarketModel, SpxAndNdxAreStronglyCorrelatedAndVixMovesAgainstThem) {
  for (std::uint64_t seed : {1, 2, 3}) {
    MarketModelConfig c;
    c.seed = seed;
    MarketModel m(c, session_of(tuesday()));
    const auto r = minute_returns(m);
    ASSERT_EQ(r.spx.size(), 390u);
    const double rho = test::correlation(r.spx, r.ndx);
    EXPECT_GT(rho, 0.80) << "seed " << seed;
    EXPECT_LT(rho, 0.97) << "seed " << seed;
    const double rho_vix = test::correlation(r.spx, r.vix);
    EXPECT_LT(rho_vix, -0.5) << "seed " << seed;
    EXPECT_GT(rho_vix, -0.95) << "seed " << seed;
  }
}

TEST(MarketModel, CorrelationFollowsTheKnob) {
  // Guards the test above against passing by accident: an uncorrelated config must fail it.
  MarketModelConfig c;
  c.seed = 1;
  c.rho_spx_ndx = 0.0;
  c.rho_spx_vix = 0.0;
  c.jumps_per_session = 0;  // jumps move both together
  MarketModel m(c, session_of(tuesday()));
  const auto r = minute_returns(m);
  EXPECT_LT(std::abs(test::correlation(r.spx, r.ndx)), 0.25);
  EXPECT_LT(std::abs(test::correlation(r.spx, r.vix)), 0.25);
}

double open_close_to_midday_vol_ratio(const MarketModelConfig& base) {
  std::vector<double> edges, middle;
  for (std::uint64_t seed : {11, 12, 13}) {
    MarketModelConfig c = base;
    c.seed = seed;
    c.jumps_per_session = 0;  // a jump at noon would say nothing about the pattern
    MarketModel m(c, session_of(tuesday()));
    const auto r = minute_returns(m);
    for (std::size_t i = 0; i < r.spx.size(); ++i) {
      if (i < 30 || i >= 360) edges.push_back(r.spx[i]);
      if (i >= 120 && i < 300) middle.push_back(r.spx[i]);
    }
  }
  return test::stdev(edges) / test::stdev(middle);
}

TEST(MarketModel, RealisedVolIsUShapedThroughTheSession) {
  EXPECT_GT(open_close_to_midday_vol_ratio({}), 1.5);
}

TEST(MarketModel, FlatPatternWhenTheUShapeIsOff) {
  MarketModelConfig c;
  c.u_shape_depth = 0;
  const double ratio = open_close_to_midday_vol_ratio(c);
  EXPECT_GT(ratio, 0.75);
  EXPECT_LT(ratio, 1.3);
}

TEST(MarketModel, IntradayFactorIsUShapedWithUnitMeanSquare) {
  const double d = 1.5;
  EXPECT_DOUBLE_EQ(MarketModel::intraday_vol_factor(0, d), MarketModel::intraday_vol_factor(1, d));
  EXPECT_NEAR(MarketModel::intraday_vol_factor(0, d) / MarketModel::intraday_vol_factor(0.5, d),
              2.5, 1e-12);
  double sum = 0;
  const int n = 100'000;
  for (int i = 0; i < n; ++i) {
    const double u = MarketModel::intraday_vol_factor((i + 0.5) / n, d);
    sum += u * u;
  }
  EXPECT_NEAR(sum / n, 1.0, 1e-6);
}

TEST(MarketModel, DailyMoveIsPlausibleForTheVixLevel) {
  std::vector<double> daily;
  for (std::uint64_t seed = 20; seed < 32; ++seed) {
    MarketModelConfig c;
    c.seed = seed;
    MarketModel m(c, session_of(tuesday()));
    const double open = m.state().spx;
    m.advance_to(m.session().close_ms);
    daily.push_back(std::log(m.state().spx / open));
  }
  // 0.85 x 16 % / sqrt(252) ~ 0.86 % a day; twelve days pin it only loosely.
  const double sd = test::stdev(daily);
  EXPECT_GT(sd, 0.004);
  EXPECT_LT(sd, 0.02);
}

TEST(MarketModel, JumpsArriveAsConfigured) {
  std::uint64_t total = 0;
  MarketModelConfig c;
  c.seed = 5;
  c.jumps_per_session = 3;
  MarketModel m(c, session_of(tuesday()));
  core::Date d = tuesday();
  for (int i = 0; i < 8; ++i) {
    m.advance_to(m.session().close_ms);
    total += m.jumps_in_session();
    d = core::next_trading_day(d);
    m.start_session(session_of(d));
  }
  EXPECT_GT(total, 8u);  // ~24 expected
  EXPECT_LT(total, 48u);

  c.jumps_per_session = 0;
  MarketModel quiet(c, session_of(tuesday()));
  quiet.advance_to(quiet.session().close_ms);
  EXPECT_EQ(quiet.jumps_in_session(), 0u);
}

TEST(MarketModel, VixRevertsTowardItsMeanAndStaysInBounds) {
  MarketModelConfig c;
  c.seed = 3;
  c.vix_start = 40;
  MarketModel m(c, session_of(tuesday()));
  core::Date d = tuesday();
  for (int i = 0; i < 10; ++i) {
    for (EpochMs t = m.session().open_ms; t <= m.session().close_ms; t += kMinute) {
      m.advance_to(t);
      ASSERT_GE(m.state().vix, 9.0);
      ASSERT_LE(m.state().vix, 90.0);
    }
    d = core::next_trading_day(d);
    m.start_session(session_of(d));
  }
  EXPECT_LT(m.state().vix, 30);
}

TEST(MarketModel, NextSessionGapsFromThePreviousClose) {
  MarketModel m({}, session_of(tuesday()));
  m.advance_to(m.session().close_ms);
  const auto closed = m.state();
  const auto next = session_of(core::next_trading_day(tuesday()));
  m.start_session(next);
  EXPECT_DOUBLE_EQ(m.previous_close().spx, closed.spx);
  EXPECT_EQ(m.state().ts_ms, next.open_ms);
  EXPECT_EQ(m.state().substeps, 0);
  EXPECT_NE(m.state().spx, closed.spx);
  EXPECT_NEAR(m.state().spx / closed.spx, 1.0, 0.05);
}

TEST(MarketModel, RefusesASessionThatDoesNotComeLater) {
  MarketModel m({}, session_of(tuesday()));
  EXPECT_THROW(m.start_session(session_of(test::date(2026, 2, 9))), core::Error);
  EXPECT_THROW(m.start_session(session_of(tuesday())), core::Error);
}

TEST(MarketModel, RefusesImpossibleConfigs) {
  auto code_of = [](MarketModelConfig c) {
    try {
      MarketModel m(c, session_of(tuesday()));
    } catch (const core::Error& e) {
      return e.code();
    }
    return std::string("none");
  };
  MarketModelConfig c;
  c.spx_start = 0;
  EXPECT_EQ(code_of(c), "bad_model_config");
  c = {};
  c.vix_start = -1;
  EXPECT_EQ(code_of(c), "bad_model_config");
  c = {};
  c.rho_spx_ndx = 1.5;
  EXPECT_EQ(code_of(c), "bad_model_config");
  c = {};
  c.jumps_per_session = -1;
  EXPECT_EQ(code_of(c), "bad_model_config");
  c = {};
  c.spx_start = std::nan("");
  EXPECT_EQ(code_of(c), "bad_model_config");
  c = {};
  c.spy_basis = 1e6;
  EXPECT_EQ(code_of(c), "bad_model_config");
}

}  // namespace
}  // namespace ms::sim
