#include "quant/rounding.hpp"

#include <gtest/gtest.h>

#include <cfenv>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace ms::quant {
namespace {

TEST(RoundHalfEven, MatchesPythonRound) {
  // Expected values are what CPython 3 prints for round(x).
  const std::pair<double, double> cases[] = {
      {0.5, 0.0},   {1.5, 2.0},   {2.5, 2.0},     {3.5, 4.0},         {-0.5, -0.0},
      {-1.5, -2.0}, {-2.5, -2.0}, {-3.5, -4.0},   {2.4999999999, 2.0}, {2.5000000001, 3.0},
      {1202.5, 1202.0}, {1203.5, 1204.0}, {0.49999999999999994, 0.0}, {-7.2, -7.0}, {7.8, 8.0},
      {4503599627370497.0, 4503599627370497.0}};
  for (const auto& [x, want] : cases) EXPECT_EQ(round_half_even(x), want) << x;
  EXPECT_TRUE(std::signbit(round_half_even(-0.4)));
  EXPECT_TRUE(std::isnan(round_half_even(std::nan(""))));
  EXPECT_TRUE(std::isinf(round_half_even(-std::numeric_limits<double>::infinity())));
}

TEST(RoundHalfEven, IgnoresTheFloatingPointRoundingMode) {
  const int saved = std::fegetround();
  std::fesetround(FE_UPWARD);
  const double a = round_half_even(2.5), b = round_half_even(-3.5);
  std::fesetround(saved);
  EXPECT_EQ(a, 2.0);
  EXPECT_EQ(b, -4.0);
}

TEST(RoundHalfEven, NDigitsMatchesPythonRound) {
  // CPython: round(2.675, 2) == 2.67, round(0.125, 2) == 0.12, round(0.375, 2) == 0.38,
  // round(1.005, 2) == 1.0, round(91.25, 1) == 91.2, round(-0.125, 2) == -0.12.
  EXPECT_EQ(round_half_even(2.675, 2), 2.67);
  EXPECT_EQ(round_half_even(0.125, 2), 0.12);
  EXPECT_EQ(round_half_even(0.375, 2), 0.38);
  EXPECT_EQ(round_half_even(1.005, 2), 1.0);
  EXPECT_EQ(round_half_even(91.25, 1), 91.2);
  EXPECT_EQ(round_half_even(-0.125, 2), -0.12);
  EXPECT_EQ(round_half_even(22.4, 1), 22.4);
  EXPECT_EQ(round_half_even(0.224999, 3), 0.225);
  EXPECT_EQ(round_half_even(2.5, 0), 2.0);
  EXPECT_EQ(round_half_even(1e300, 2), 1e300);
  EXPECT_TRUE(std::isnan(round_half_even(std::nan(""), 2)));
  for (int bad : {-1, 18}) {
    try {
      round_half_even(1.0, bad);
      FAIL() << bad;
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_decimals");
    }
  }
}

TEST(RoundHalfEven, ToInt) {
  EXPECT_EQ(round_half_even_to_int(69753.00000000001), 69753);
  EXPECT_EQ(round_half_even_to_int(-2.5), -2);
  EXPECT_THROW(round_half_even_to_int(std::nan("")), core::Error);
  EXPECT_THROW(round_half_even_to_int(1e19), core::Error);
}

TEST(RoundHalfEven, IntegerDivision) {
  EXPECT_EQ(div_round_half_even(5, 2), 2);
  EXPECT_EQ(div_round_half_even(7, 2), 4);
  EXPECT_EQ(div_round_half_even(-5, 2), -2);
  EXPECT_EQ(div_round_half_even(-7, 2), -4);
  EXPECT_EQ(div_round_half_even(6, 4), 2);    // 1.5
  EXPECT_EQ(div_round_half_even(10, 4), 2);   // 2.5
  EXPECT_EQ(div_round_half_even(-6, 4), -2);  // -1.5
  EXPECT_EQ(div_round_half_even(-10, 4), -2); // -2.5
  EXPECT_EQ(div_round_half_even(7, 3), 2);
  EXPECT_EQ(div_round_half_even(-7, 3), -2);
  EXPECT_EQ(div_round_half_even(8, 3), 3);
  EXPECT_EQ(div_round_half_even(-8, 3), -3);
  EXPECT_EQ(div_round_half_even(0, 5), 0);
  EXPECT_EQ(div_round_half_even(600250, 500), 1200);  // 6002.50 / 5.00 = 1200.5 -> 1200
  EXPECT_THROW(div_round_half_even(1, 0), core::Error);
  EXPECT_THROW(div_round_half_even(1, -2), core::Error);
}

}  // namespace
}  // namespace ms::quant
