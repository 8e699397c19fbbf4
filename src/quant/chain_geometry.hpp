#pragma once
// The chain worker's strike window (spec massive §4.3): which strikes around spot are fetched
// for each expiration. Python rounding (half to even) throughout, for parity with the original.
#include <cstdint>
#include <optional>
#include <string_view>

namespace ms::quant {

struct ChainSymbolSettings {
  double em_mult = 2.25;
  double strike_increment = 5.0;
  bool filter_strikes = false;  // drop strikes off the increment grid
};

// I:SPX 2.25 / 5 / no filter; I:NDX 3.5 / 10 / filter; anything else 2.25 / 5 / no filter.
ChainSymbolSettings default_chain_settings(std::string_view symbol);

// round_half_even(spot / increment) * increment (6012.5 / 5 = 1202.5 -> 1202 -> 6010).
double atm_strike(double spot, double increment);

// One-sigma expected move from VIX over max(1, dte) calendar days: S * V/100 * sqrt(days / 252).
double vix_expected_move(double spot, double vix, int dte);

// Half-width of the strike window in index points:
//   days = max(1, dte)
//   no VIX (nullopt or <= 0): trunc(S * 0.03 * sqrt(days))
//   else round_half_even(em_mult * vix_expected_move), and 50 when that rounds to 0.
std::int64_t strike_range(double spot, std::optional<double> vix, int dte, double em_mult);

struct StrikeWindow {
  double atm;
  std::int64_t range;
  double low;   // atm - range
  double high;  // atm + range
};

// Throws core::Error("bad_input") for a non-finite or non-positive spot or increment.
StrikeWindow strike_window(double spot, std::optional<double> vix, int dte,
                           const ChainSymbolSettings& settings);

// The grid filter on an exact strike (x 1000, as in the ticker): on the grid when it is a whole
// multiple of the increment.
bool strike_on_grid(std::int64_t strike_milli, double increment);

}  // namespace ms::quant
