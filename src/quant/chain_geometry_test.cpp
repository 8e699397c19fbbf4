#include "quant/chain_geometry.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"

namespace ms::quant {
namespace {

const ChainSymbolSettings kSpx = default_chain_settings("I:SPX");
const ChainSymbolSettings kNdx = default_chain_settings("I:NDX");

TEST(ChainGeometry, DefaultSettings) {
  EXPECT_EQ(kSpx.em_mult, 2.25);
  EXPECT_EQ(kSpx.strike_increment, 5.0);
  EXPECT_FALSE(kSpx.filter_strikes);
  EXPECT_EQ(kNdx.em_mult, 3.5);
  EXPECT_EQ(kNdx.strike_increment, 10.0);
  EXPECT_TRUE(kNdx.filter_strikes);
  const auto other = default_chain_settings("I:RUT");
  EXPECT_EQ(other.em_mult, 2.25);
  EXPECT_EQ(other.strike_increment, 5.0);
  EXPECT_FALSE(other.filter_strikes);
}

TEST(ChainGeometry, Tv4SpxWithVix) {
  EXPECT_EQ(atm_strike(6012.3, 5), 6010.0);
  EXPECT_EQ(strike_range(6012.3, 16.0, 0, kSpx.em_mult), 136);
  EXPECT_EQ(strike_range(6012.3, 16.0, 1, kSpx.em_mult), 136);
  EXPECT_EQ(strike_range(6012.3, 16.0, 3, kSpx.em_mult), 236);
  EXPECT_EQ(strike_range(6012.3, 16.0, 7, kSpx.em_mult), 361);
  const auto w = strike_window(6012.3, 16.0, 3, kSpx);
  EXPECT_EQ(w.atm, 6010.0);
  EXPECT_EQ(w.range, 236);
  EXPECT_EQ(w.low, 5774.0);
  EXPECT_EQ(w.high, 6246.0);
}

TEST(ChainGeometry, Tv4SpxWithoutVix) {
  EXPECT_EQ(strike_range(6012.3, std::nullopt, 0, kSpx.em_mult), 180);
  EXPECT_EQ(strike_range(6012.3, std::nullopt, 4, kSpx.em_mult), 360);
  EXPECT_EQ(strike_range(6012.3, 0.0, 4, kSpx.em_mult), 360);   // VIX <= 0 counts as missing
  EXPECT_EQ(strike_range(6012.3, -3.0, 0, kSpx.em_mult), 180);
  EXPECT_EQ(strike_range(6012.3, std::nan(""), 0, kSpx.em_mult), 180);
}

TEST(ChainGeometry, Tv4Ndx) {
  const auto w = strike_window(21437, 16.0, 0, kNdx);
  EXPECT_EQ(w.atm, 21440.0);
  EXPECT_EQ(w.range, 756);
}

TEST(ChainGeometry, Tv4HalfEvenAtm) {
  EXPECT_EQ(atm_strike(6012.5, 5), 6010.0);  // 1202.5 -> 1202, not 1203
  EXPECT_EQ(atm_strike(6017.5, 5), 6020.0);  // 1203.5 -> 1204
  EXPECT_EQ(atm_strike(21445, 10), 21440.0);
}

TEST(ChainGeometry, TinyRangeBecomes50) {
  // em = 10 * 0.01 * sqrt(1/252) ~ 0.0063 -> rounds to 0 -> 50.
  EXPECT_EQ(strike_range(10.0, 1.0, 0, 2.25), 50);
}

TEST(ChainGeometry, ExpectedMove) {
  EXPECT_NEAR(vix_expected_move(6012.3, 16.0, 0), 60.5983, 1e-4);
  EXPECT_DOUBLE_EQ(vix_expected_move(6012.3, 16.0, 0), vix_expected_move(6012.3, 16.0, 1));
  EXPECT_NEAR(vix_expected_move(6000, 20.0, 252), 1200.0, 1e-9);
}

TEST(ChainGeometry, BadInputs) {
  for (double spot : {0.0, -1.0, std::nan("")}) {
    try {
      strike_window(spot, 16.0, 0, kSpx);
      FAIL() << spot;
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_input");
    }
  }
  EXPECT_THROW(atm_strike(6000, 0), core::Error);
  EXPECT_THROW(strike_on_grid(6000000, -5), core::Error);
}

TEST(ChainGeometry, GridFilter) {
  EXPECT_TRUE(strike_on_grid(21440000, 10));
  EXPECT_FALSE(strike_on_grid(21445000, 10));
  EXPECT_TRUE(strike_on_grid(6005000, 5));
  EXPECT_FALSE(strike_on_grid(6002500, 5));
  EXPECT_TRUE(strike_on_grid(6002500, 2.5));
}

}  // namespace
}  // namespace ms::quant
