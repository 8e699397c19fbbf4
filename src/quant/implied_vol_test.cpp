#include "quant/implied_vol.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ms::quant {
namespace {

TEST(ImpliedVol, RecoversHullExample) {
  const auto vol = implied_vol({OptionType::call, 4.759422392871532, 42, 40, 0.5, 0.10});
  ASSERT_TRUE(vol);
  EXPECT_NEAR(*vol, 0.20, 1e-10);
}

TEST(ImpliedVol, RoundTripsAcrossStrikesExpiriesAndVols) {
  int solved = 0;
  int skipped = 0;
  for (OptionType type : {OptionType::call, OptionType::put}) {
    for (double strike : {5400.0, 5700.0, 5900.0, 5990.0, 6000.0, 6010.0, 6100.0, 6300.0, 6600.0}) {
      for (double years : {1.0 / (365 * 24), 1.0 / 365, 7.0 / 365, 30.0 / 365, 1.0, 3.0}) {
        for (double vol : {0.05, 0.12, 0.2, 0.45, 1.0, 2.5}) {
          const OptionInputs in{6000, strike, years, 0.05, vol};
          const double price = black_scholes_price(type, in);
          const double lower = type == OptionType::call
                                   ? std::max(6000 - strike * std::exp(-0.05 * years), 0.0)
                                   : std::max(strike * std::exp(-0.05 * years) - 6000, 0.0);
          // A price with almost no time value carries almost no information about vol.
          if (price - lower < 1e-6) {
            EXPECT_FALSE(implied_vol({type, lower, 6000, strike, years, 0.05}));
            ++skipped;
            continue;
          }
          const auto solved_vol = implied_vol({type, price, 6000, strike, years, 0.05});
          ASSERT_TRUE(solved_vol) << "K=" << strike << " T=" << years << " vol=" << vol;
          OptionInputs back = in;
          back.vol = *solved_vol;
          EXPECT_NEAR(black_scholes_price(type, back), price, 1e-9 * std::max(1.0, price));
          const double vega = black_scholes_greeks(type, in).vega * 100;
          if (vega > 1e-3) {
            EXPECT_NEAR(*solved_vol, vol, 1e-7) << strike << " " << years;
          }
          ++solved;
        }
      }
    }
  }
  EXPECT_GT(solved, 300);
  EXPECT_GT(skipped, 0);
}

TEST(ImpliedVol, NoAnswerForArbitragePrices) {
  // Below intrinsic (discounted): a call on 110 struck 100 can't cost 9.
  EXPECT_FALSE(implied_vol({OptionType::call, 9.0, 110, 100, 0.5, 0.0}));
  // At or above the upper bound: a call can't cost the stock.
  EXPECT_FALSE(implied_vol({OptionType::call, 110.0, 110, 100, 0.5, 0.0}));
  EXPECT_FALSE(implied_vol({OptionType::call, 200.0, 110, 100, 0.5, 0.0}));
  // A put can't cost more than the discounted strike.
  EXPECT_FALSE(implied_vol({OptionType::put, 100.0, 90, 100, 1.0, 0.05}));
  // Exactly intrinsic: no time value, no vol.
  EXPECT_FALSE(implied_vol({OptionType::put, 10.0, 90, 100, 0.5, 0.0}));
}

TEST(ImpliedVol, NoAnswerForDegenerateInputs) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(implied_vol({OptionType::call, 0.0, 100, 100, 0.5, 0.05}));
  EXPECT_FALSE(implied_vol({OptionType::call, -1.0, 100, 100, 0.5, 0.05}));
  EXPECT_FALSE(implied_vol({OptionType::call, 5.0, 0, 100, 0.5, 0.05}));
  EXPECT_FALSE(implied_vol({OptionType::call, 5.0, 100, -1, 0.5, 0.05}));
  EXPECT_FALSE(implied_vol({OptionType::call, 5.0, 100, 100, 0.0, 0.05}));
  EXPECT_FALSE(implied_vol({OptionType::call, nan, 100, 100, 0.5, 0.05}));
  EXPECT_FALSE(implied_vol({OptionType::call, 5.0, 100, 100, 0.5, nan}));
  EXPECT_FALSE(implied_vol({OptionType::call, 5.0, 100, 100, nan, 0.05}));
}

TEST(ImpliedVol, NoAnswerOutsideTheVolBounds) {
  const double expensive = black_scholes_price(OptionType::call, {100, 100, 1.0, 0.0, 3.0});
  EXPECT_FALSE(implied_vol({OptionType::call, expensive, 100, 100, 1.0, 0.0}, {.max_vol = 2.0}));
  const auto wide = implied_vol({OptionType::call, expensive, 100, 100, 1.0, 0.0}, {.max_vol = 5.0});
  ASSERT_TRUE(wide);
  EXPECT_NEAR(*wide, 3.0, 1e-8);
  const double cheap = black_scholes_price(OptionType::call, {100, 100, 1.0, 0.0, 0.01});
  EXPECT_FALSE(implied_vol({OptionType::call, cheap, 100, 100, 1.0, 0.0}, {.min_vol = 0.05}));
  EXPECT_FALSE(implied_vol({OptionType::call, cheap, 100, 100, 1.0, 0.0},
                           {.min_vol = 0.5, .max_vol = 0.4}));
}

}  // namespace
}  // namespace ms::quant
