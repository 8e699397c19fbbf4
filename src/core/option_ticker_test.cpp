#include "core/option_ticker.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"

namespace ms::core {
namespace {

Date D(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

TEST(OptionTicker, ParsesTheSpecExample) {
  const auto t = parse_option_ticker("O:SPXW260210C06000000");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->root, "SPXW");
  EXPECT_EQ(t->expiry, D(2026, 2, 10));
  EXPECT_EQ(t->right, OptionRight::call);
  EXPECT_EQ(t->strike_milli, 6000000);
  EXPECT_DOUBLE_EQ(t->strike(), 6000.0);
}

TEST(OptionTicker, ParsesPutsFractionsAndOtherRoots) {
  auto t = parse_option_ticker("O:SPX260320P06002500");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->root, "SPX");
  EXPECT_EQ(t->right, OptionRight::put);
  EXPECT_DOUBLE_EQ(t->strike(), 6002.5);
  t = parse_option_ticker("O:NDXP260210C21440000");
  ASSERT_TRUE(t);
  EXPECT_DOUBLE_EQ(t->strike(), 21440.0);
  t = parse_option_ticker("O:SPY1260210C00697500");  // adjusted root with a digit
  ASSERT_TRUE(t);
  EXPECT_EQ(t->root, "SPY1");
  EXPECT_DOUBLE_EQ(t->strike(), 697.5);
  t = parse_option_ticker("O:A260210C00000001");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->strike_milli, 1);
}

TEST(OptionTicker, RejectsMalformedTickers) {
  for (const char* bad : {
           "",
           "O:",
           "SPXW260210C06000000",      // no prefix
           "o:SPXW260210C06000000",    // lower-case prefix
           "X:SPXW260210C06000000",
           "O:260210C06000000",        // no root
           "O:spxw260210C06000000",    // lower-case root
           "O:SPXWXYZ260210C06000000", // root longer than 6
           "O:1SPX260210C06000000",    // root starting with a digit
           "O:SPXW20260210C06000000",  // 8-digit date variant
           "O:SPXW260230C06000000",    // Feb 30
           "O:SPXW261310C06000000",    // month 13
           "O:SPXW260210X06000000",    // right X
           "O:SPXW260210c06000000",    // lower-case right
           "O:SPXW260210C6000000",     // 7-digit strike
           "O:SPXW260210C060000000",   // 9-digit strike
           "O:SPXW260210C0600000A",    // non-digit strike
           "O:SPXW260210C00000000",    // zero strike
           "O:SPXW260210C-6000000",
           "O:SPXW 260210C06000000",
           "O:SPXW260210C06000000 ",
           "O:SP-W260210C06000000",
           "I:SPX",
       }) {
    EXPECT_FALSE(parse_option_ticker(bad).has_value()) << bad;
  }
  std::string with_nul = "O:SPXW260210C06000000";
  with_nul[17] = '\0';  // a NUL inside the strike digits
  EXPECT_FALSE(parse_option_ticker(with_nul).has_value());
}

TEST(OptionTicker, OrThrowNamesTheTicker) {
  try {
    parse_option_ticker_or_throw("O:NOPE");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bad_option_ticker");
    EXPECT_NE(std::string(e.what()).find("O:NOPE"), std::string::npos);
  }
}

TEST(OptionTicker, FormatRoundTrips) {
  for (const char* s : {"O:SPXW260210C06000000", "O:SPX260320P06002500", "O:NDXP271231P21437125",
                        "O:SPY1260210C00697500"}) {
    const auto t = parse_option_ticker(s);
    ASSERT_TRUE(t) << s;
    EXPECT_EQ(format_option_ticker(*t), s);
  }
  EXPECT_EQ(format_option_ticker(make_option_ticker("SPXW", D(2026, 2, 10), OptionRight::put, 6002.5)),
            "O:SPXW260210P06002500");
  EXPECT_EQ(format_option_ticker(make_option_ticker("SPXW", D(2026, 2, 10), OptionRight::call,
                                                    6000.1 + 0.2)),  // 6000.3000000000002
            "O:SPXW260210C06000300");
}

TEST(OptionTicker, FormatRejectsPartsOutsideTheGrammar) {
  EXPECT_THROW(make_option_ticker("SPXW", D(2026, 2, 10), OptionRight::call, 0.0), Error);
  EXPECT_THROW(make_option_ticker("SPXW", D(2026, 2, 10), OptionRight::call, -5.0), Error);
  EXPECT_THROW(make_option_ticker("SPXW", D(2026, 2, 10), OptionRight::call, 100000.0), Error);
  EXPECT_THROW(make_option_ticker("SPXW", D(2026, 2, 10), OptionRight::call, 6000.0001), Error);
  EXPECT_THROW(make_option_ticker("SPXW", D(2026, 2, 10), OptionRight::call, std::nan("")), Error);
  EXPECT_THROW(make_option_ticker("spxw", D(2026, 2, 10), OptionRight::call, 6000.0), Error);
  EXPECT_THROW(make_option_ticker("", D(2026, 2, 10), OptionRight::call, 6000.0), Error);
  EXPECT_THROW(make_option_ticker("SPXW", D(2126, 2, 10), OptionRight::call, 6000.0), Error);
  OptionTicker t{"SPXW", D(2026, 2, 10), OptionRight::call, 100'000'000};
  EXPECT_THROW(format_option_ticker(t), Error);
}

TEST(OptionTicker, StrikeToMilli) {
  EXPECT_EQ(strike_to_milli(6000.0), 6000000);
  EXPECT_EQ(strike_to_milli(6002.5), 6002500);
  EXPECT_EQ(strike_to_milli(0.001), 1);
  EXPECT_EQ(strike_to_milli(99999.999), 99999999);
  EXPECT_FALSE(strike_to_milli(0.0004).has_value());
  EXPECT_FALSE(strike_to_milli(1e5).has_value());
}

TEST(OptionRoots, UnderlyingMap) {
  EXPECT_EQ(underlying_for_root("SPX"), "I:SPX");
  EXPECT_EQ(underlying_for_root("SPXW"), "I:SPX");
  EXPECT_EQ(underlying_for_root("SPXM"), "I:SPX");
  EXPECT_EQ(underlying_for_root("NDX"), "I:NDX");
  EXPECT_EQ(underlying_for_root("NDXP"), "I:NDX");
  for (const char* other : {"SPY", "QQQ", "XSP", "RUT", "VIX", "spxw", "", "SPXWW"}) {
    EXPECT_FALSE(underlying_for_root(other).has_value()) << other;
  }
}

TEST(OptionRoots, Settlement) {
  EXPECT_EQ(settlement_for_root("SPXW"), Settlement::pm);
  EXPECT_EQ(settlement_for_root("NDXP"), Settlement::pm);
  EXPECT_EQ(settlement_for_root("SPX"), Settlement::am);
  EXPECT_EQ(settlement_for_root("NDX"), Settlement::am);
  EXPECT_FALSE(settlement_for_root("SPY").has_value());
}

TEST(OptionTicker, ExpiryHelpers) {
  const auto daily = *parse_option_ticker("O:SPXW260210C06000000");
  EXPECT_FALSE(is_expired(daily, D(2026, 2, 10)));
  EXPECT_TRUE(is_expired(daily, D(2026, 2, 11)));
  EXPECT_EQ(expiration_ms(daily), *session_close_ms(D(2026, 2, 10)));
  const auto monthly = *parse_option_ticker("O:SPX260320C06000000");
  EXPECT_EQ(expiration_ms(monthly), *session_open_ms(D(2026, 3, 20)));
  EXPECT_EQ(to_string(OptionRight::put), "put");
  EXPECT_EQ(right_letter(OptionRight::call), 'C');
}

}  // namespace
}  // namespace ms::core
