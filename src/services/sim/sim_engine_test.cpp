#include "services/sim/sim_engine.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "services/sim/sim_test_util.hpp"

namespace ms::sim {
namespace {

using test::date;

SimEngineConfig config(double speed, std::chrono::milliseconds offset = {}) {
  SimEngineConfig c;
  c.market = test::small_config();
  c.speed = speed;
  c.start_offset = offset;
  return c;
}

TEST(SimEngine, PlaysTheSessionOfTheWallDateAtItsSpeed) {
  // Sunday 2026-02-08 03:00 ET: the simulator plays Monday 2026-02-09 from 09:30.
  const auto wall0 = core::new_york_time_ms(date(2026, 2, 8), 3, 0);
  SimEngine e(config(60), wall0);
  EXPECT_EQ(e.first_session(), date(2026, 2, 9));
  const auto open = *core::session_open_ms(date(2026, 2, 9));
  std::vector<core::EpochMs> ticks;
  EXPECT_EQ(e.advance_to_wall(wall0, [&](const MarketTick& t) { ticks.push_back(t.t); }), 1u);
  EXPECT_EQ(ticks, std::vector<core::EpochMs>{open});
  // One wall second at x60 is one market minute: 60 more ticks.
  EXPECT_EQ(e.advance_to_wall(wall0 + 1000, nullptr), 60u);
  EXPECT_EQ(e.market().now_ms(), open + 60'000);
  EXPECT_EQ(e.advance_to_wall(wall0 + 1000, nullptr), 0u);  // nothing new
  const auto c = e.clock_state(7);
  EXPECT_EQ(c.ts_ms, open + 60'000);
  EXPECT_EQ(c.session_date, date(2026, 2, 9));
  EXPECT_EQ(c.phase, core::SessionPhase::open);
  EXPECT_EQ(c.source, core::ClockSource::sim);
  EXPECT_EQ(c.speed, 60);
  EXPECT_EQ(c.seq, 7u);
}

TEST(SimEngine, AnEveningWallClockStillPlaysThatTradingDay) {
  const auto wall0 = core::new_york_time_ms(date(2026, 2, 10), 21, 0);
  SimEngine e(config(1), wall0);
  EXPECT_EQ(e.first_session(), date(2026, 2, 10));
  e.advance_to_wall(wall0, nullptr);
  EXPECT_EQ(e.market().now_ms(), *core::session_open_ms(date(2026, 2, 10)));
  EXPECT_EQ(e.clock_state(1).phase, core::SessionPhase::open);
}

TEST(SimEngine, RefusesBadSpeedOrOffset) {
  const auto wall0 = core::new_york_time_ms(date(2026, 2, 10), 9, 0);
  EXPECT_THROW(SimEngine(config(0), wall0), core::Error);
  EXPECT_THROW(SimEngine(config(-1), wall0), core::Error);
  EXPECT_THROW(SimEngine(config(20000), wall0), core::Error);
  EXPECT_THROW(SimEngine(config(1, std::chrono::hours(8)), wall0), core::Error);
}

}  // namespace
}  // namespace ms::sim
