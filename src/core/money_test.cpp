#include "core/money.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace ms::core {
namespace {

TEST(ToCents, HalfAwayFromZeroOnTheWrittenDecimal) {
  EXPECT_EQ(to_cents(1.005), 101);    // 1.005 is 1.00499999999999989... in binary
  EXPECT_EQ(to_cents(-1.505), -151);
  EXPECT_EQ(to_cents(0.015), 2);
  EXPECT_EQ(to_cents(-0.015), -2);
  EXPECT_EQ(to_cents(2.675), 268);    // Python's round(2.675, 2) says 2.67; money says 2.68
  EXPECT_EQ(to_cents(1.115), 112);
  EXPECT_EQ(to_cents(0.125), 13);     // exact binary half
  EXPECT_EQ(to_cents(-0.125), -13);
  EXPECT_EQ(to_cents(0.0049999), 0);
  EXPECT_EQ(to_cents(-0.001), 0);
  EXPECT_EQ(to_cents(0.0), 0);
  EXPECT_EQ(to_cents(-0.0), 0);
  EXPECT_EQ(to_cents(12.34), 1234);
  EXPECT_EQ(to_cents(0.1 + 0.2), 30);  // 0.30000000000000004
  EXPECT_EQ(to_cents(19.99 * 3), 5997);
}

TEST(ToCents, LargeValues) {
  EXPECT_EQ(to_cents(123456789.125), 12345678913);
  EXPECT_EQ(to_cents(1e15), 100000000000000000);
  EXPECT_EQ(to_cents(-1e15), -100000000000000000);
  EXPECT_EQ(to_cents(9e16), 9000000000000000000);
  EXPECT_EQ(to_cents(70368744177664.005), 7036874417766400);  // 2^46: the .005 is not representable
}

TEST(ToCents, RejectsNonFiniteAndOutOfRange) {
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    try {
      to_cents(bad);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "bad_money");
    }
  }
  try {
    to_cents(9.1e16);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "money_out_of_range");
  }
  EXPECT_THROW(to_cents(-1e300), Error);
}

TEST(FromCents, Dollars) {
  EXPECT_DOUBLE_EQ(from_cents(101), 1.01);
  EXPECT_DOUBLE_EQ(from_cents(-151), -1.51);
  EXPECT_DOUBLE_EQ(from_cents(0), 0.0);
  for (Cents c : {Cents(1), Cents(99), Cents(12345), Cents(-7), Cents(100000000000)}) {
    EXPECT_EQ(to_cents(from_cents(c)), c);
  }
}

TEST(RoundHalfAway, Decimals) {
  EXPECT_DOUBLE_EQ(round_half_away(1.005, 2), 1.01);
  EXPECT_DOUBLE_EQ(round_half_away(-1.505, 2), -1.51);
  EXPECT_DOUBLE_EQ(round_half_away(2.5, 0), 3.0);
  EXPECT_DOUBLE_EQ(round_half_away(-2.5, 0), -3.0);
  EXPECT_DOUBLE_EQ(round_half_away(1.2345, 3), 1.235);
  EXPECT_DOUBLE_EQ(round_half_away(9.995, 2), 10.0);
  EXPECT_DOUBLE_EQ(round_half_away(0.00049, 3), 0.0);
  EXPECT_DOUBLE_EQ(round_half_away(123.456, 5), 123.456);
  EXPECT_DOUBLE_EQ(round_half_away(1e17, 2), 1e17);
  EXPECT_TRUE(std::isnan(round_half_away(std::nan(""), 2)));
  EXPECT_TRUE(std::isinf(round_half_away(std::numeric_limits<double>::infinity(), 2)));
  EXPECT_THROW(round_half_away(1.0, -1), Error);
  EXPECT_THROW(round_half_away(1.0, 16), Error);
}

TEST(FormatHalfAway, FixedStrings) {
  EXPECT_EQ(format_half_away(1.005, 2), "1.01");
  EXPECT_EQ(format_half_away(-1.505, 2), "-1.51");
  EXPECT_EQ(format_half_away(0.5, 0), "1");
  EXPECT_EQ(format_half_away(0.04, 1), "0.0");
  EXPECT_EQ(format_half_away(-0.004, 2), "0.00");
  EXPECT_EQ(format_half_away(7, 3), "7.000");
  EXPECT_EQ(format_half_away(0.001, 3), "0.001");
  EXPECT_THROW(format_half_away(std::nan(""), 2), Error);
}

TEST(FormatCents, TwoDecimals) {
  EXPECT_EQ(format_cents(1234), "12.34");
  EXPECT_EQ(format_cents(-5), "-0.05");
  EXPECT_EQ(format_cents(0), "0.00");
  EXPECT_EQ(format_cents(100), "1.00");
  EXPECT_EQ(format_cents(-123456789), "-1234567.89");
  EXPECT_EQ(format_cents(std::numeric_limits<Cents>::min()), "-92233720368547758.08");
  EXPECT_EQ(format_cents(std::numeric_limits<Cents>::max()), "92233720368547758.07");
}

TEST(ParseCents, ExactDecimals) {
  EXPECT_EQ(parse_cents("12.34"), 1234);
  EXPECT_EQ(parse_cents("-1.505"), -151);
  EXPECT_EQ(parse_cents("1.005"), 101);
  EXPECT_EQ(parse_cents("7"), 700);
  EXPECT_EQ(parse_cents("+0.5"), 50);
  EXPECT_EQ(parse_cents("0.004"), 0);
  EXPECT_EQ(parse_cents("-0.00"), 0);
  EXPECT_EQ(parse_cents("0.995"), 100);
  EXPECT_EQ(parse_cents("0.99499999"), 99);
  EXPECT_EQ(parse_cents("0000012.30"), 1230);
  EXPECT_EQ(parse_cents("92233720368547758.07"), std::numeric_limits<Cents>::max());
}

TEST(ParseCents, RejectsEverythingElse) {
  for (const char* bad : {"", "-", "+", ".", "1.", ".5", " 1", "1 ", "1e5", "1,000.00", "$1",
                          "1.2.3", "--1", "0x10", "nan", "inf", "12a", "92233720368547758.08",
                          "99999999999999999999"}) {
    EXPECT_FALSE(parse_cents(bad).has_value()) << bad;
  }
}

TEST(DivRoundHalfAway, Integers) {
  EXPECT_EQ(div_round_half_away(5, 2), 3);
  EXPECT_EQ(div_round_half_away(-5, 2), -3);
  EXPECT_EQ(div_round_half_away(5, -2), -3);
  EXPECT_EQ(div_round_half_away(-5, -2), 3);
  EXPECT_EQ(div_round_half_away(4, 3), 1);
  EXPECT_EQ(div_round_half_away(-4, 3), -1);
  EXPECT_EQ(div_round_half_away(12345, 100), 123);  // 1e-4 dollars -> cents
  EXPECT_EQ(div_round_half_away(12350, 100), 124);
  EXPECT_EQ(div_round_half_away(-12350, 100), -124);
  EXPECT_EQ(div_round_half_away(0, 7), 0);
  EXPECT_EQ(div_round_half_away(std::numeric_limits<std::int64_t>::min(), 2),
            std::numeric_limits<std::int64_t>::min() / 2);
  EXPECT_EQ(div_round_half_away(std::numeric_limits<std::int64_t>::max(),
                                std::numeric_limits<std::int64_t>::max()),
            1);
  EXPECT_THROW(div_round_half_away(1, 0), Error);
  EXPECT_THROW(div_round_half_away(std::numeric_limits<std::int64_t>::min(), -1), Error);
}

}  // namespace
}  // namespace ms::core
