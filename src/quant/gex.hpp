#pragma once
// Gamma exposure per strike (massive spec §5.3, DESIGN §9 "Per-symbol models").
//
// Per contract GEX = γ · OI · 100 (contract multiplier), unsigned, no spot scaling; calls and
// puts are kept apart and consumers sign them (net = calls − puts). Unlike the original:
// - contracts of every root at a shared (expiry, strike, side) are SUMMED (SPX + SPXW, NDX +
//   NDXP on monthly expiries) instead of one overwriting the other (Q11);
// - strikes keep their decimals (6002.5 is not 6002);
// - expiries before `min_expiry_date` are dropped (Q10).
// Levels per expiry and for all expiries together: net = Σ net GEX; flip = the sign change of
// net GEX nearest spot (§5.4's rule: the midpoint between the two strikes around a sign change,
// strikes with net 0 skipped); call_wall / put_wall = the strike with the largest call / put
// GEX (ties → the lowest strike).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quant/black_scholes.hpp"

namespace ms::quant {

struct GexContractInput {
  std::string expiry_date;  // "2026-03-20"
  double strike = 0;
  OptionType type = OptionType::call;
  std::optional<double> gamma;          // absent, non-finite or < 0 → the contract is skipped
  std::optional<double> open_interest;  // absent, non-finite or <= 0 → skipped
};

struct GexInput {
  std::string symbol;
  double spot = 0;                // > 0 for a flip level; 0 = unknown
  std::string min_expiry_date;    // "YYYY-MM-DD"; empty = keep every expiry
  double contract_multiplier = 100;
  std::vector<GexContractInput> contracts;
};

struct StrikeGex {
  double strike = 0;
  std::int64_t strike_milli = 0;
  double call = 0;   // >= 0
  double put = 0;    // >= 0 (unsigned, as stored)
  bool has_call = false;
  bool has_put = false;
  double net() const { return call - put; }
};

struct FlipLevels {
  std::optional<double> below;    // the highest sign change under spot
  std::optional<double> above;    // the lowest sign change over spot
  std::optional<double> nearest;  // whichever is closer (below on a tie)
};

struct GexLevels {
  double net = 0;
  std::optional<double> flip;
  std::optional<double> call_wall;
  std::optional<double> put_wall;
};

struct ExpiryGex {
  std::string date;
  std::vector<StrikeGex> strikes;  // ascending
  GexLevels levels;
};

struct GexModel {
  std::string symbol;
  double spot = 0;
  std::vector<ExpiryGex> expirations;  // ascending by date
  std::vector<StrikeGex> all;          // every expiry summed per strike, ascending
  GexLevels all_levels;
  std::size_t contracts_used = 0;
  std::size_t contracts_skipped = 0;   // missing/invalid gamma or open interest
  bool has_calls() const;
  bool has_puts() const;
};

// Throws ms::core::Error "invalid_gex_input" for a bad spot, strike, date or multiplier.
GexModel build_gex(const GexInput& input);

// `strikes` ascending. Spot <= 0 gives no flip.
FlipLevels find_flip_levels(const std::vector<StrikeGex>& strikes, double spot);
GexLevels gex_levels(const std::vector<StrikeGex>& strikes, double spot);

}  // namespace ms::quant
