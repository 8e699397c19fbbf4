#include "core/market_clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace ms::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::sys_days;

Date D(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

EpochMs utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  return EpochMs(sys_days{D(y, mo, d)}.time_since_epoch().count()) * kMsPerDay +
         EpochMs(h) * kMsPerHour + EpochMs(mi) * kMsPerMinute + s * 1000;
}

// Hand-driven wall and steady clocks.
struct FakeTime {
  std::atomic<EpochMs> wall{0};
  std::atomic<std::int64_t> steady_ms{1'000'000};
  TimeSources sources() {
    return TimeSources{[this] { return wall.load(); },
                       [this] {
                         return std::chrono::steady_clock::time_point(milliseconds(steady_ms.load()));
                       }};
  }
  void tick(std::int64_t ms) { steady_ms += ms; }
};

ClockState sim_state(EpochMs ts, std::uint64_t seq, double speed = 1.0) {
  return clock_state_at(ts, ClockSource::sim, speed, seq);
}

// ---- Pinned ---------------------------------------------------------------------------------

TEST(PinnedClock, MovesOnlyWhenTold) {
  auto clock = MarketClock::pinned(utc(2026, 3, 9, 14, 0));
  EXPECT_EQ(clock.mode(), MarketClock::Mode::pinned);
  EXPECT_EQ(clock.now_ms(), utc(2026, 3, 9, 14, 0));
  EXPECT_EQ(clock.session_date(), D(2026, 3, 9));
  EXPECT_EQ(clock.phase(), SessionPhase::open);
  EXPECT_TRUE(clock.is_open());
  EXPECT_EQ(clock.source(), ClockSource::sim);
  EXPECT_EQ(clock.speed(), 0.0);
  clock.advance(std::chrono::hours(6));
  EXPECT_EQ(clock.now_ms(), utc(2026, 3, 9, 20, 0));
  EXPECT_EQ(clock.phase(), SessionPhase::post_market);
  EXPECT_FALSE(clock.is_open());
  clock.set(utc(2026, 3, 7, 15, 0));
  EXPECT_EQ(clock.phase(), SessionPhase::closed);
}

TEST(PinnedClock, CanClaimToBeLive) {
  auto clock = MarketClock::pinned(utc(2026, 3, 9, 14, 0), ClockSource::live);
  EXPECT_EQ(clock.source(), ClockSource::live);
}

TEST(PinnedClock, RefusesFollowerUpdates) {
  auto clock = MarketClock::pinned(0);
  try {
    clock.update(sim_state(utc(2026, 3, 9, 14, 0), 1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "clock_not_follower");
  }
  EXPECT_THROW(clock.update_from_text("{}"), Error);
}

TEST(PinnedClock, ToJsonHasExactlyTheMassiveClockShape) {
  auto clock = MarketClock::pinned(utc(2026, 3, 9, 14, 0));
  const auto j = clock.to_json();
  EXPECT_EQ(j, (nlohmann::json{{"ts_ms", utc(2026, 3, 9, 14, 0)},
                               {"session_date", "2026-03-09"},
                               {"phase", "open"},
                               {"source", "sim"},
                               {"speed", 0.0},
                               {"seq", 0}}));
}

// ---- Wall -----------------------------------------------------------------------------------

TEST(WallClock, ReadsTheWallSource) {
  FakeTime t;
  t.wall = utc(2026, 2, 10, 15, 0);
  auto clock = MarketClock::wall(t.sources());
  EXPECT_EQ(clock.now_ms(), utc(2026, 2, 10, 15, 0));
  EXPECT_EQ(clock.source(), ClockSource::live);
  EXPECT_EQ(clock.speed(), 1.0);
  EXPECT_TRUE(clock.is_open());
  t.wall = utc(2026, 2, 10, 22, 0);
  EXPECT_EQ(clock.phase(), SessionPhase::post_market);
  EXPECT_THROW(clock.set(0), Error);
  EXPECT_THROW(clock.advance(milliseconds(1)), Error);
}

TEST(WallClock, SystemSourcesAreNearTheSystemClock) {
  auto clock = MarketClock::wall();
  const auto sys = std::chrono::duration_cast<milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LE(std::abs(clock.now_ms() - sys), 5000);
}

TEST(WallClock, MissingSourcesAreRejected) {
  MarketClock::Options o;
  o.sources.wall_ms = nullptr;
  try {
    MarketClock clock(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bad_clock_sources");
  }
}

// ---- Follower -------------------------------------------------------------------------------

TEST(FollowerClock, FallsBackToLiveWallClockBeforeAnyUpdate) {
  FakeTime t;
  t.wall = utc(2026, 2, 10, 15, 0);
  auto clock = MarketClock::follower(t.sources());
  EXPECT_FALSE(clock.has_update());
  EXPECT_EQ(clock.now_ms(), utc(2026, 2, 10, 15, 0));
  EXPECT_EQ(clock.source(), ClockSource::live);
  EXPECT_EQ(clock.speed(), 1.0);
  EXPECT_EQ(clock.seq(), 0u);
}

TEST(FollowerClock, ExtrapolatesBySpeed) {
  FakeTime t;
  t.wall = utc(2026, 3, 7, 3, 0);  // a Saturday night: the sim clock, not the wall, must show
  auto clock = MarketClock::follower(t.sources());
  const EpochMs start = utc(2026, 3, 9, 13, 30);
  EXPECT_EQ(clock.update(sim_state(start, 1, 10.0)), ClockUpdate::accepted);
  EXPECT_EQ(clock.now_ms(), start);
  EXPECT_EQ(clock.source(), ClockSource::sim);
  EXPECT_EQ(clock.speed(), 10.0);
  EXPECT_EQ(clock.seq(), 1u);
  t.tick(1500);
  EXPECT_EQ(clock.now_ms(), start + 15000);
  EXPECT_EQ(clock.session_date(), D(2026, 3, 9));
  EXPECT_TRUE(clock.is_open());
  t.wall = t.wall + 99999;  // the wall clock is irrelevant once following
  EXPECT_EQ(clock.now_ms(), start + 15000);
}

TEST(FollowerClock, PhaseFollowsTheExtrapolatedInstant) {
  FakeTime t;
  auto clock = MarketClock::follower(t.sources());
  clock.update(sim_state(utc(2026, 2, 10, 20, 59, 59), 7, 1.0));
  EXPECT_EQ(clock.phase(), SessionPhase::open);
  t.tick(1000);
  EXPECT_EQ(clock.phase(), SessionPhase::post_market);
  const auto s = clock.state();
  EXPECT_EQ(s.ts_ms, utc(2026, 2, 10, 21, 0));
  EXPECT_EQ(s.phase, SessionPhase::post_market);
  EXPECT_EQ(s.seq, 7u);
}

TEST(FollowerClock, IgnoresOlderAndRepeatedSeq) {
  FakeTime t;
  auto clock = MarketClock::follower(t.sources());
  const EpochMs t0 = utc(2026, 3, 9, 14, 0);
  EXPECT_EQ(clock.update(sim_state(t0, 5)), ClockUpdate::accepted);
  t.tick(100);
  EXPECT_EQ(clock.update(sim_state(t0 - 60'000, 4)), ClockUpdate::stale);
  EXPECT_EQ(clock.update(sim_state(t0 + 60'000, 5)), ClockUpdate::stale);
  EXPECT_EQ(clock.now_ms(), t0 + 100);
  EXPECT_EQ(clock.seq(), 5u);
  EXPECT_EQ(clock.update(sim_state(t0 + 1000, 6)), ClockUpdate::accepted);
  EXPECT_EQ(clock.now_ms(), t0 + 1000);
}

TEST(FollowerClock, AcceptsARestartedPublisherAfterTheGrace) {
  FakeTime t;
  auto clock = MarketClock::follower(t.sources(), milliseconds(5000));
  const EpochMs t0 = utc(2026, 3, 9, 14, 0);
  clock.update(sim_state(t0, 900));
  t.tick(4999);
  EXPECT_EQ(clock.update(sim_state(t0, 1)), ClockUpdate::stale);
  t.tick(1);
  EXPECT_EQ(clock.update(sim_state(t0 + 5000, 1)), ClockUpdate::accepted);
  EXPECT_EQ(clock.seq(), 1u);
  EXPECT_EQ(clock.update(sim_state(t0 + 6000, 2)), ClockUpdate::accepted);
}

TEST(FollowerClock, SpeedZeroHoldsTime) {
  FakeTime t;
  auto clock = MarketClock::follower(t.sources());
  clock.update(sim_state(utc(2026, 3, 9, 14, 0), 1, 0.0));
  t.tick(60'000);
  EXPECT_EQ(clock.now_ms(), utc(2026, 3, 9, 14, 0));
}

TEST(FollowerClock, AcceptsJsonText) {
  FakeTime t;
  auto clock = MarketClock::follower(t.sources());
  const std::string text =
      R"({"ts_ms":1773064800000,"session_date":"2026-03-09","phase":"open","source":"live","speed":1,"seq":3})";
  std::string error;
  EXPECT_EQ(clock.update_from_text(text, &error), ClockUpdate::accepted) << error;
  EXPECT_EQ(clock.now_ms(), 1773064800000);
  EXPECT_EQ(clock.source(), ClockSource::live);
  EXPECT_EQ(clock.to_json()["seq"], 3);
  EXPECT_EQ(clock.to_json()["session_date"], "2026-03-09");
}

TEST(FollowerClock, RejectsMalformedPayloadsWithoutChangingState) {
  FakeTime t;
  t.wall = utc(2026, 2, 10, 15, 0);
  auto clock = MarketClock::follower(t.sources());
  const nlohmann::json good = clock_state_to_json(sim_state(utc(2026, 3, 9, 14, 0), 2));
  struct Case {
    const char* field;
    nlohmann::json value;
  };
  const Case cases[] = {{"ts_ms", "soon"},          {"ts_ms", nullptr},
                        {"session_date", "3/9/26"}, {"session_date", 20260309},
                        {"phase", "lunch"},         {"source", "replay"},
                        {"speed", -1},              {"speed", "fast"},
                        {"speed", 1e9},             {"seq", -1},
                        {"seq", 1.5}};
  for (const auto& c : cases) {
    auto bad = good;
    bad[c.field] = c.value;
    std::string error;
    EXPECT_EQ(clock.update(bad, &error), ClockUpdate::invalid) << c.field;
    EXPECT_NE(error.find(c.field), std::string::npos) << error;
  }
  for (const char* field : {"ts_ms", "session_date", "phase", "source", "speed", "seq"}) {
    auto bad = good;
    bad.erase(field);
    std::string error;
    EXPECT_EQ(clock.update(bad, &error), ClockUpdate::invalid) << field;
    EXPECT_NE(error.find(field), std::string::npos) << error;
  }
  std::string error;
  EXPECT_EQ(clock.update_from_text("not json", &error), ClockUpdate::invalid);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(clock.update_from_text("[1,2]", &error), ClockUpdate::invalid);
  EXPECT_EQ(clock.update_from_text("", nullptr), ClockUpdate::invalid);
  EXPECT_FALSE(clock.has_update());
  EXPECT_EQ(clock.now_ms(), utc(2026, 2, 10, 15, 0));
  ClockState nan_speed = sim_state(utc(2026, 3, 9, 14, 0), 9);
  nan_speed.speed = std::nan("");
  EXPECT_EQ(clock.update(nan_speed), ClockUpdate::invalid);
}

TEST(FollowerClock, ManyReadersOneWriter) {
  FakeTime t;
  auto clock = MarketClock::follower(t.sources());
  const EpochMs t0 = utc(2026, 3, 9, 14, 0);
  clock.update(sim_state(t0, 1));
  std::atomic<bool> stop{false};
  std::atomic<bool> went_backwards{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      EpochMs last = 0;
      while (!stop) {
        const auto s = clock.state();
        if (s.ts_ms < last) went_backwards = true;
        last = s.ts_ms;
        (void)clock.to_json();
      }
    });
  }
  for (std::uint64_t seq = 2; seq < 2000; ++seq) clock.update(sim_state(t0 + EpochMs(seq), seq));
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_FALSE(went_backwards);
  EXPECT_EQ(clock.seq(), 1999u);
}

TEST(ClockState, JsonRoundTrip) {
  const ClockState s = clock_state_at(utc(2026, 11, 27, 18, 30), ClockSource::live, 1.0, 42);
  EXPECT_EQ(s.phase, SessionPhase::post_market);
  const auto back = clock_state_from_json(clock_state_to_json(s));
  EXPECT_EQ(back.ts_ms, s.ts_ms);
  EXPECT_EQ(back.session_date, D(2026, 11, 27));
  EXPECT_EQ(back.phase, s.phase);
  EXPECT_EQ(back.source, s.source);
  EXPECT_EQ(back.speed, 1.0);
  EXPECT_EQ(back.seq, 42u);
  EXPECT_THROW(clock_state_from_json(nlohmann::json::array()), Error);
  EXPECT_EQ(parse_clock_source("sim"), ClockSource::sim);
  EXPECT_FALSE(parse_clock_source("SIM").has_value());
}

// ---- Simulator session mapping --------------------------------------------------------------

TEST(SimSessionDate, FirstTradingDayOnOrAfterTheWallDate) {
  EXPECT_EQ(sim_session_date(utc(2026, 3, 9, 7, 0)), D(2026, 3, 9));    // Monday 03:00 EDT
  EXPECT_EQ(sim_session_date(utc(2026, 3, 7, 15, 0)), D(2026, 3, 9));   // Saturday -> Monday
  EXPECT_EQ(sim_session_date(utc(2026, 3, 8, 23, 0)), D(2026, 3, 9));   // Sunday
  EXPECT_EQ(sim_session_date(utc(2026, 11, 26, 15, 0)), D(2026, 11, 27));  // Thanksgiving
  EXPECT_EQ(sim_session_date(utc(2026, 2, 14, 12, 0)), D(2026, 2, 17));  // Sat before Presidents'
  // 2026-03-10 02:00 UTC is still Monday evening in New York.
  EXPECT_EQ(sim_session_date(utc(2026, 3, 10, 2, 0)), D(2026, 3, 9));
}

TEST(SimSessionMap, PlaysTheSessionAtSpeed) {
  const EpochMs wall0 = utc(2026, 3, 7, 8, 0);  // a Saturday morning
  SimSessionMap sim(wall0, sim_session_date(wall0), 10.0);
  EXPECT_EQ(sim.first_session(), D(2026, 3, 9));
  auto p = sim.at(wall0);
  EXPECT_EQ(p.market_ms, utc(2026, 3, 9, 13, 30));
  EXPECT_EQ(p.session_date, D(2026, 3, 9));
  EXPECT_EQ(p.session_index, 0);
  EXPECT_EQ(sim.market_ms(wall0 + 60'000), utc(2026, 3, 9, 13, 40));
  // 6.5 market hours take 39 wall minutes at 10x; the last millisecond is still the session.
  EXPECT_EQ(sim.market_ms(wall0 + 39 * 60'000 - 1), utc(2026, 3, 9, 20, 0) - 10);
  p = sim.at(wall0 + 39 * 60'000);
  EXPECT_EQ(p.market_ms, utc(2026, 3, 10, 13, 30));
  EXPECT_EQ(p.session_date, D(2026, 3, 10));
  EXPECT_EQ(p.session_index, 1);
  // Before the start it holds at the open.
  EXPECT_EQ(sim.market_ms(wall0 - 5000), utc(2026, 3, 9, 13, 30));
}

TEST(SimSessionMap, LoopsOverWeekendsHolidaysEarlyClosesAndDst) {
  // Starts Wednesday before Thanksgiving at 1x: Wed (6.5 h) -> Fri early close (3.5 h) -> Mon.
  const EpochMs wall0 = 1'000'000;
  SimSessionMap sim(wall0, D(2026, 11, 25), 1.0);
  EXPECT_EQ(sim.at(wall0 + 6 * kMsPerHour + 30 * kMsPerMinute).session_date, D(2026, 11, 27));
  auto p = sim.at(wall0 + 10 * kMsPerHour - 1);
  EXPECT_EQ(p.session_date, D(2026, 11, 27));
  EXPECT_EQ(p.market_ms, utc(2026, 11, 27, 18, 0) - 1);
  p = sim.at(wall0 + 10 * kMsPerHour);
  EXPECT_EQ(p.session_date, D(2026, 11, 30));
  EXPECT_EQ(p.market_ms, utc(2026, 11, 30, 14, 30));
  EXPECT_EQ(p.session_index, 2);

  // Friday before spring forward -> Monday opens at 13:30 UTC, not 14:30.
  SimSessionMap dst(wall0, D(2026, 3, 6), 1.0);
  EXPECT_EQ(dst.market_ms(wall0 + 6 * kMsPerHour + 30 * kMsPerMinute), utc(2026, 3, 9, 13, 30));
}

TEST(SimSessionMap, RandomAccessMatchesSequentialAccess) {
  const EpochMs wall0 = 0;
  SimSessionMap a(wall0, D(2026, 12, 22), 100.0);
  SimSessionMap b(wall0, D(2026, 12, 22), 100.0);
  std::vector<SimPosition> forward;
  for (EpochMs w = 0; w < 30 * kMsPerHour / 100; w += 7000) forward.push_back(a.at(w));
  std::size_t i = forward.size();
  for (EpochMs w = (EpochMs(forward.size()) - 1) * 7000; w >= 0; w -= 7000) {
    const auto p = b.at(w);
    --i;
    EXPECT_EQ(p.market_ms, forward[i].market_ms);
    EXPECT_EQ(p.session_index, forward[i].session_index);
  }
  // ~29.9 market hours from 2026-12-22: Dec 22, 23, 24 (early, 3.5 h), 28, 29 make 29.5 h, so
  // the last sample is in Dec 30 (Christmas and the weekend skipped).
  EXPECT_EQ(forward.back().session_date, D(2026, 12, 30));
  EXPECT_EQ(forward.back().session_index, 5);
}

TEST(SimSessionMap, StartOffsetAndNonTradingFirstSession) {
  SimSessionMap sim(0, D(2026, 4, 3), 1.0, std::chrono::hours(2));  // Good Friday -> Monday
  EXPECT_EQ(sim.first_session(), D(2026, 4, 6));
  EXPECT_EQ(sim.market_ms(0), utc(2026, 4, 6, 15, 30));
}

TEST(SimSessionMap, RejectsBadSpeedAndOffset) {
  for (double speed : {0.0, -1.0, std::nan(""), 1e9, std::numeric_limits<double>::infinity()}) {
    try {
      SimSessionMap sim(0, D(2026, 3, 9), speed);
      FAIL() << speed;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "bad_speed");
    }
  }
  try {
    SimSessionMap sim(0, D(2026, 3, 9), 1.0, std::chrono::hours(7));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bad_offset");
  }
  EXPECT_THROW(SimSessionMap(0, D(2026, 3, 9), 1.0, milliseconds(-1)), Error);
}

}  // namespace
}  // namespace ms::core
