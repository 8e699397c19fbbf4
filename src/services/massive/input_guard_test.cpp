#include "services/massive/input_guard.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ms::massive {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string reason(const Verdict& v) { return v ? std::string(to_string(*v)) : "ok"; }

TEST(InputGuard, LevelsMustBeFinitePositiveAndNearTheReference) {
  InputGuard g;
  EXPECT_EQ(reason(g.check_level("SPY", kNaN)), "price_not_finite");
  EXPECT_EQ(reason(g.check_level("SPY", kInf)), "price_not_finite");
  EXPECT_EQ(reason(g.check_level("SPY", 0)), "price_not_positive");
  EXPECT_EQ(reason(g.check_level("SPY", -690)), "price_not_positive");
  EXPECT_EQ(reason(g.check_level("SPY", 1e9)), "price_implausible");  // above max_price, even first
  EXPECT_FALSE(g.reference("SPY"));
  EXPECT_EQ(reason(g.check_level("SPY", 690.5)), "ok");
  EXPECT_EQ(g.reference("SPY"), 690.5);
  EXPECT_EQ(reason(g.check_level("SPY", 691.2)), "ok");
  EXPECT_EQ(reason(g.check_level("SPY", 9000)), "price_implausible");  // 13x the reference
  EXPECT_EQ(reason(g.check_level("SPY", 400)), "price_implausible");   // −42 %
  EXPECT_EQ(g.reference("SPY"), 691.2);
  // References are per symbol.
  EXPECT_EQ(reason(g.check_level("I:SPX", 6900)), "ok");
  EXPECT_EQ(reason(g.check_level("I:SPX", 7000)), "ok");
}

TEST(InputGuard, AnIsolatedAbsurdLevelNeverReanchorsButAConsistentMoveDoes) {
  InputGuard g;
  ASSERT_EQ(reason(g.check_level("I:SPX", 6000)), "ok");
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(reason(g.check_level("I:SPX", 60000)), i < 2 ? "price_implausible" : "ok") << i;
    if (i >= 2) break;
  }
  // The reference moved to where the market consistently printed.
  EXPECT_EQ(g.reference("I:SPX"), 60000);

  InputGuard h;
  ASSERT_EQ(reason(h.check_level("I:SPX", 6000)), "ok");
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(reason(h.check_level("I:SPX", 1e6)), "price_implausible");
    EXPECT_EQ(reason(h.check_level("I:SPX", 6001 + i)), "ok");  // good prints between: no streak
  }
  // Inconsistent implausible values do not add up to a streak either.
  EXPECT_EQ(reason(h.check_level("I:SPX", 9000)), "price_implausible");
  EXPECT_EQ(reason(h.check_level("I:SPX", 12000)), "price_implausible");
  EXPECT_EQ(reason(h.check_level("I:SPX", 9000)), "price_implausible");
  EXPECT_EQ(h.reference("I:SPX"), 6010);
}

TEST(InputGuard, Sizes) {
  InputGuard g;
  EXPECT_EQ(reason(g.check_size(0)), "ok");
  EXPECT_EQ(reason(g.check_size(100)), "ok");
  EXPECT_EQ(reason(g.check_size(-1)), "size_negative");
  EXPECT_EQ(reason(g.check_size(std::int64_t(1e12))), "size_implausible");
}

TEST(InputGuard, TimesAgainstTheMarketClockScaledByItsSpeed) {
  InputGuard g;
  const core::EpochMs now = 1'772'726'400'000;  // 2026-03-05 16:00 UTC
  const GuardClock at_1x{now, 1.0};
  EXPECT_EQ(reason(g.check_time(now, at_1x)), "ok");
  EXPECT_EQ(reason(g.check_time(0, at_1x)), "ok");            // no timestamp at all
  EXPECT_EQ(reason(g.check_time(now + 86'400'000, std::nullopt)), "ok");  // no clock yet
  EXPECT_EQ(reason(g.check_time(now + 5 * 60'000 + 10'000, at_1x)), "ok");
  EXPECT_EQ(reason(g.check_time(now + 5 * 60'000 + 10'001, at_1x)), "time_future");
  EXPECT_EQ(reason(g.check_time(now - 3 * 86'400'000, at_1x)), "ok");  // a long weekend back
  EXPECT_EQ(reason(g.check_time(now - 10LL * 365 * 86'400'000, at_1x)), "time_stale");
  // At 60x a wall second of lag is a market minute: the allowance grows with the speed.
  const GuardClock at_60x{now, 60.0};
  EXPECT_EQ(reason(g.check_time(now + 10 * 60'000, at_60x)), "ok");
  EXPECT_EQ(reason(g.check_time(now + 86'400'000, at_60x)), "time_future");
}

TEST(InputGuard, OptionQuotesTradesAndStrikes) {
  InputGuard g;
  EXPECT_EQ(reason(g.check_option_quote(7.6, 7.8, 6000, 6010)), "ok");
  EXPECT_EQ(reason(g.check_option_quote(0, 0.05, 5000, 6010)), "ok");  // an empty bid
  EXPECT_EQ(reason(g.check_option_quote(0, 0, 5000, 6010)), "ok");     // an empty book
  EXPECT_EQ(reason(g.check_option_quote(-1, 7.8, 6000, 6010)), "price_not_positive");
  EXPECT_EQ(reason(g.check_option_quote(kNaN, 7.8, 6000, 6010)), "price_not_finite");
  EXPECT_EQ(reason(g.check_option_quote(7.6, 1e9, 6000, 6010)), "price_implausible");
  EXPECT_EQ(reason(g.check_option_quote(4000, 4010, 2000, 6010)), "ok");  // deep in the money
  EXPECT_EQ(reason(g.check_option_quote(7000, 7010, 6000, 6010)), "price_implausible");
  EXPECT_EQ(reason(g.check_option_quote(7.6, 1e9, 6000, 0)), "price_implausible");  // max_price
  EXPECT_EQ(reason(g.check_option_trade(7.7, 6000, 6010)), "ok");
  EXPECT_EQ(reason(g.check_option_trade(0, 6000, 6010)), "price_not_positive");
  EXPECT_EQ(reason(g.check_option_trade(1e9, 6000, 6010)), "price_implausible");
  EXPECT_EQ(reason(g.check_strike(6100, 6010)), "ok");
  EXPECT_EQ(reason(g.check_strike(60000, 6010)), "strike_out_of_range");
  EXPECT_EQ(reason(g.check_strike(1, 6010)), "strike_out_of_range");
  EXPECT_EQ(reason(g.check_strike(0, 0)), "strike_out_of_range");
  EXPECT_EQ(reason(g.check_strike(60000, 0)), "ok");  // spot unknown: nothing to compare with
}

TEST(VolumeHash, KeepsTheBulkAndDropsWhatCannotBeAProfile) {
  const auto c = check_volume_hash({
      {"690000", "500"},          // SPX 6900.00
      {"690500", "700"},
      {"691000", "300"},
      {"100000000000000", "5"},   // a SPY print of 1e9 → SPX 1e12 cents
      {"345000", "10"},           // half the median: too far
      {"abc", "10"},
      {"692000", "x"},
      {"693000", ""},
      {"694000", "-4"},
      {"695000", "0"},
      {"-690000", "10"},
  });
  EXPECT_EQ(c.buckets, (std::map<std::int64_t, double>{{690000, 500}, {690500, 700}, {691000, 300}}));
  std::map<std::string, std::string> dropped;
  for (const auto& [field, r] : c.dropped) dropped[field] = std::string(to_string(r));
  EXPECT_EQ(dropped, (std::map<std::string, std::string>{{"100000000000000", "price_implausible"},
                                                         {"345000", "price_implausible"},
                                                         {"abc", "unparsable"},
                                                         {"692000", "unparsable"},
                                                         {"693000", "unparsable"},
                                                         {"694000", "volume_not_positive"},
                                                         {"695000", "volume_not_positive"},
                                                         {"-690000", "price_not_positive"}}));
  EXPECT_TRUE(check_volume_hash({}).buckets.empty());
}

}  // namespace
}  // namespace ms::massive
