#include "quant/black_scholes.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace ms::quant {
namespace {

OptionInputs inputs(double spot, double strike, double years, double rate, double vol) {
  return OptionInputs{spot, strike, years, rate, vol};
}

TEST(NormalCdf, KnownValuesAndTails) {
  EXPECT_DOUBLE_EQ(normal_cdf(0.0), 0.5);
  EXPECT_NEAR(normal_cdf(1.0), 0.8413447460685429, 1e-15);
  EXPECT_NEAR(normal_cdf(-1.96), 0.024997895148220435, 1e-15);
  // erfc keeps the far tail: 1 - Φ(10) would be 0 through erf.
  EXPECT_NEAR(normal_cdf(-10.0) / 7.619853024160527e-24, 1.0, 1e-12);
  EXPECT_GT(normal_cdf(-37.0), 0.0);
  EXPECT_DOUBLE_EQ(normal_cdf(40.0), 1.0);
}

TEST(BlackScholes, HullTextbookExample) {
  // Hull, Options Futures and Other Derivatives: S=42, K=40, r=10 %, σ=20 %, T=0.5.
  const auto p = black_scholes_prices(inputs(42, 40, 0.5, 0.10, 0.20));
  EXPECT_NEAR(p.call, 4.7594, 5e-5);
  EXPECT_NEAR(p.put, 0.8086, 5e-5);
  EXPECT_NEAR(black_scholes_price(OptionType::call, inputs(42, 40, 0.5, 0.10, 0.20)), 4.76, 0.005);
  EXPECT_NEAR(black_scholes_price(OptionType::put, inputs(42, 40, 0.5, 0.10, 0.20)), 0.81, 0.005);
}

TEST(BlackScholes, AtTheMoneyOneYearReference) {
  const auto p = black_scholes_prices(inputs(100, 100, 1.0, 0.05, 0.2));
  EXPECT_NEAR(p.call, 10.450583572185565, 1e-10);
  EXPECT_NEAR(p.put, 5.573526022256971, 1e-10);
}

TEST(BlackScholes, SinglePriceMatchesPairedPrices) {
  const auto in = inputs(6000, 6030, 1.0 / 365, 0.05, 0.150225);
  const auto p = black_scholes_prices(in);
  EXPECT_DOUBLE_EQ(black_scholes_price(OptionType::call, in), p.call);
  EXPECT_DOUBLE_EQ(black_scholes_price(OptionType::put, in), p.put);
}

TEST(BlackScholes, PutCallParityAcrossGrid) {
  int checked = 0;
  for (double strike : {50.0, 80.0, 95.0, 100.0, 105.0, 120.0, 200.0}) {
    for (double years : {1.0 / 365, 7.0 / 365, 0.25, 1.0, 5.0}) {
      for (double vol : {0.01, 0.1, 0.3, 0.8, 2.0}) {
        for (double rate : {0.0, 0.05, -0.01}) {
          const auto p = black_scholes_prices(inputs(100, strike, years, rate, vol));
          const double forward_gap = 100 - strike * std::exp(-rate * years);
          EXPECT_NEAR(p.call - p.put, forward_gap, 1e-9)
              << "K=" << strike << " T=" << years << " vol=" << vol << " r=" << rate;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 7 * 5 * 5 * 3);
}

TEST(BlackScholes, IntrinsicWhenExpiredOrNoVol) {
  EXPECT_DOUBLE_EQ(black_scholes_price(OptionType::call, inputs(105, 100, 0.0, 0.05, 0.2)), 5.0);
  EXPECT_DOUBLE_EQ(black_scholes_price(OptionType::put, inputs(105, 100, 0.0, 0.05, 0.2)), 0.0);
  EXPECT_DOUBLE_EQ(black_scholes_price(OptionType::put, inputs(95, 100, -1.0, 0.05, 0.2)), 5.0);
  EXPECT_DOUBLE_EQ(black_scholes_price(OptionType::call, inputs(95, 100, 0.5, 0.05, 0.0)), 0.0);
  EXPECT_DOUBLE_EQ(black_scholes_price(OptionType::put, inputs(95, 100, 0.5, 0.05, -0.1)), 5.0);
  const auto g = black_scholes_greeks(OptionType::put, inputs(95, 100, 0.0, 0.05, 0.2));
  EXPECT_DOUBLE_EQ(g.delta, -1.0);
  EXPECT_DOUBLE_EQ(g.gamma, 0.0);
  EXPECT_DOUBLE_EQ(g.vega, 0.0);
  EXPECT_DOUBLE_EQ(black_scholes_greeks(OptionType::call, inputs(105, 100, 0, 0, 0.2)).delta, 1.0);
  EXPECT_DOUBLE_EQ(black_scholes_greeks(OptionType::call, inputs(95, 100, 0, 0, 0.2)).delta, 0.0);
}

TEST(BlackScholes, PricesStayWithinBoundsInTheTails) {
  const auto deep_otm = black_scholes_prices(inputs(100, 400, 1.0 / 365, 0.05, 0.2));
  EXPECT_GE(deep_otm.call, 0.0);
  EXPECT_LT(deep_otm.call, 1e-100);
  const auto deep_itm = black_scholes_prices(inputs(400, 100, 1.0 / 365, 0.05, 0.2));
  EXPECT_GE(deep_itm.put, 0.0);
  EXPECT_NEAR(deep_itm.call, 400 - 100 * std::exp(-0.05 / 365), 1e-9);
}

TEST(BlackScholes, RejectsInputsNoOptionCanHave) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto code_of = [](const OptionInputs& in) -> std::string {
    try {
      black_scholes_price(OptionType::call, in);
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find("option inputs:"), std::string::npos);
      return e.code();
    }
    return "no error";
  };
  EXPECT_EQ(code_of(inputs(0, 100, 1, 0.05, 0.2)), "invalid_option_inputs");
  EXPECT_EQ(code_of(inputs(-5, 100, 1, 0.05, 0.2)), "invalid_option_inputs");
  EXPECT_EQ(code_of(inputs(100, 0, 1, 0.05, 0.2)), "invalid_option_inputs");
  EXPECT_EQ(code_of(inputs(nan, 100, 1, 0.05, 0.2)), "invalid_option_inputs");
  EXPECT_EQ(code_of(inputs(100, 100, inf, 0.05, 0.2)), "invalid_option_inputs");
  EXPECT_EQ(code_of(inputs(100, 100, 1, nan, 0.2)), "invalid_option_inputs");
  EXPECT_EQ(code_of(inputs(100, 100, 1, 0.05, nan)), "invalid_option_inputs");
  EXPECT_THROW(black_scholes_greeks(OptionType::put, inputs(100, -1, 1, 0, 0.2)), core::Error);
  EXPECT_THROW(black_scholes_prices(inputs(100, 100, nan, 0, 0.2)), core::Error);
}

// Central differences with steps small enough for the curvature and large enough for rounding.
TEST(BlackScholesGreeks, MatchFiniteDifferences) {
  for (OptionType type : {OptionType::call, OptionType::put}) {
    for (double strike : {80.0, 100.0, 125.0}) {
      for (double years : {7.0 / 365, 0.5, 2.0}) {
        const auto base = inputs(100, strike, years, 0.03, 0.25);
        const auto g = black_scholes_greeks(type, base);
        auto price = [&](OptionInputs in) { return black_scholes_price(type, in); };
        auto bumped = [&](auto field, double h) {
          auto up = base;
          auto down = base;
          up.*field += h;
          down.*field -= h;
          return (price(up) - price(down)) / (2 * h);
        };
        const double h_spot = 1e-3;
        EXPECT_NEAR(g.delta, bumped(&OptionInputs::spot, h_spot), 1e-6);
        auto up = base, mid = base, down = base;
        up.spot += 0.01;
        down.spot -= 0.01;
        const double fd_gamma = (price(up) - 2 * price(mid) + price(down)) / (0.01 * 0.01);
        EXPECT_NEAR(g.gamma, fd_gamma, 1e-5 * std::max(1.0, std::fabs(g.gamma) * 100));
        EXPECT_NEAR(g.vega, bumped(&OptionInputs::vol, 1e-5) / 100.0, 1e-7);
        EXPECT_NEAR(g.rho, bumped(&OptionInputs::rate, 1e-5) / 100.0, 1e-7);
        // Theta is the change as calendar time passes, i.e. minus the change in years left.
        EXPECT_NEAR(g.theta_per_year, -bumped(&OptionInputs::years, 1e-6), 1e-4);
        EXPECT_NEAR(g.theta_per_day * 365.0, g.theta_per_year, 1e-9);
      }
    }
  }
}

TEST(BlackScholesGreeks, KnownSignsAndCallPutRelations) {
  const auto in = inputs(100, 100, 0.25, 0.05, 0.2);
  const auto c = black_scholes_greeks(OptionType::call, in);
  const auto p = black_scholes_greeks(OptionType::put, in);
  EXPECT_NEAR(c.delta - p.delta, 1.0, 1e-15);
  EXPECT_DOUBLE_EQ(c.gamma, p.gamma);
  EXPECT_DOUBLE_EQ(c.vega, p.vega);
  EXPECT_LT(c.theta_per_day, 0.0);
  EXPECT_GT(c.rho, 0.0);
  EXPECT_LT(p.rho, 0.0);
  // Vega of an ATM 3-month option on 100 is about 0.2 per vol point.
  EXPECT_NEAR(c.vega, 0.1973, 1e-3);
}

}  // namespace
}  // namespace ms::quant
