#include "services/massive/replay_window.hpp"

#include <gtest/gtest.h>

namespace ms::massive {
namespace {

using namespace std::chrono_literals;
using Clock = ReplayWindow::Clock;

ReplayWindow window(std::chrono::milliseconds interval = 2000ms, std::size_t max_bytes = 1000) {
  return ReplayWindow({interval, max_bytes});
}

TEST(ReplayWindow, NothingIsDueBeforeTheFirstDiffAndTheFirstDiffIsModelledAtOnce) {
  auto w = window();
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_FALSE(w.model_due(t0, false));
  EXPECT_TRUE(w.fresh());
  w.on_diff(1, 100);
  EXPECT_TRUE(w.model_due(t0, false));
  EXPECT_FALSE(w.on_model(1, t0).has_value());  // nothing to trim yet
  EXPECT_FALSE(w.fresh());
  EXPECT_FALSE(w.model_due(t0 + 10s, false)) << "no diff since the model: nothing to SET";
}

TEST(ReplayWindow, ModelIsSetAtMostOncePerIntervalWhileDiffsFlow) {
  auto w = window(2000ms, 1 << 20);
  const auto t0 = Clock::time_point{} + 1h;
  w.on_diff(1, 10);
  w.on_model(1, t0);
  int models = 0;
  for (int i = 2; i <= 41; ++i) {  // 40 diffs at 4 per second = 10 s
    const auto now = t0 + std::chrono::milliseconds(250 * (i - 1));
    w.on_diff(i, 10);
    if (w.model_due(now, false)) {
      ++models;
      w.on_model(i, now);
    }
  }
  EXPECT_EQ(models, 5);  // t0+2 s, +4, +6, +8, +10
}

TEST(ReplayWindow, GeometryChangeForcesTheModel) {
  auto w = window();
  const auto t0 = Clock::time_point{} + 1h;
  w.on_diff(1, 10);
  w.on_model(1, t0);
  w.on_diff(2, 10);
  EXPECT_FALSE(w.model_due(t0 + 1ms, false));
  EXPECT_TRUE(w.model_due(t0 + 1ms, true));
}

TEST(ReplayWindow, KeepsTheBridgeFromThePreviousModelAndTrimsEverythingOlder) {
  auto w = window(2000ms, 1 << 20);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 1; i <= 3; ++i) w.on_diff(i, 10);
  EXPECT_FALSE(w.on_model(3, t0).has_value());  // previous model: none, keep 1..3
  for (int i = 4; i <= 6; ++i) w.on_diff(i, 10);
  // The model of 6: a consumer that read the model of 3 still needs 4..6; 1..3 go.
  const auto trim = w.on_model(6, t0 + 2s);
  ASSERT_TRUE(trim.has_value());
  EXPECT_EQ(*trim, 4);
  EXPECT_EQ(w.entries(), 3u);
  EXPECT_EQ(w.bytes(), 30u);
  w.on_diff(7, 10);
  EXPECT_EQ(*w.on_model(7, t0 + 4s), 7);  // 4..6 were the bridge of the model of 3
  EXPECT_EQ(w.entries(), 1u);
}

TEST(ReplayWindow, HalfTheByteBudgetSinceTheModelBringsTheModelEarly) {
  auto w = window(60000ms, 1000);
  const auto t0 = Clock::time_point{} + 1h;
  w.on_diff(1, 100);
  w.on_model(1, t0);
  w.on_diff(2, 300);
  EXPECT_FALSE(w.model_due(t0 + 1ms, false));
  w.on_diff(3, 200);  // 500 = half of 1000
  EXPECT_TRUE(w.model_due(t0 + 1ms, false));
}

TEST(ReplayWindow, BytesStayWithinTheBudgetButTheNewestBridgeIsNeverCut) {
  auto w = window(60000ms, 1000);
  const auto t0 = Clock::time_point{} + 1h;
  std::int64_t seq = 0;
  for (int round = 0; round < 50; ++round) {
    w.on_diff(++seq, 400);
    if (w.model_due(t0, false)) w.on_model(seq, t0);
    EXPECT_LE(w.bytes(), 1000u + 2 * 400u);  // the budget plus at most two diffs
  }
  // One diff larger than the whole budget brings the model at once; the model holds it, so the
  // stream may let it go (a reader of the newest model needs no bridge), never anything newer.
  w.on_diff(++seq, 5000);
  ASSERT_TRUE(w.model_due(t0, false));
  EXPECT_EQ(*w.on_model(seq, t0), seq + 1);
  EXPECT_EQ(w.entries(), 0u);
  EXPECT_EQ(w.bytes(), 0u);
  w.on_diff(++seq, 10);
  EXPECT_EQ(w.entries(), 1u);
}

}  // namespace
}  // namespace ms::massive
