#pragma once
// Directional bias, Liquidity Flow Index and market mode from the GEX profile (massive spec
// §5.4), computed per symbol (DESIGN §9) from the GEX of the same build (Q20).
//
// Inputs: spot and the all-expiry GEX rows (gex.hpp: C(K) = calls, P(K) = −puts, N = C + P).
// Scores are returned unrounded; the JSON writer rounds them to 1 decimal like the original
// (Python round: exact ties to even), and the mode label uses the unrounded score.
#include <optional>
#include <string_view>
#include <vector>

#include "quant/gex.hpp"

namespace ms::quant {

// The spec's constants are tuned for SPX. Only one of them is in index points — the 50-point
// divisor that turns the GEX-weighted mean distance from spot into the "centre" term — the
// others are fractions of spot or GEX units. For another index, scale the point constant by
// the price ratio to SPX (NDX ≈ 21400 / 6000 ≈ 3.6 → a ≈178-point divisor), so the same
// relative distance gives the same score.
struct BiasLfiParams {
  double centre_divisor_points = 50;
  double near_band = 0.01;              // |K−S|/S for the concentrated ("near") strikes
  double mid_band = 0.02;
  double proximity_full_band = 0.005;   // flip this close (fraction of spot): full penalty
  double proximity_zero_band = 0.015;   // flip this far: none
  double below_flip_band = 0.003;       // spot just above the flip below
  double flip_score_scale = 0.02;
  double gex_score_scale = 1e-5;        // tot / (S² · scale)
  double no_flip_gex_threshold = 10000; // GEX units, for the flip score without a flip

  static BiasLfiParams spx();
  // price_ratio = this index's price / SPX's price; must be > 0.
  static BiasLfiParams scaled_from_spx(double price_ratio);
  // "I:SPX" (or "SPX") → spx(); any other symbol → scaled_from_spx(spot / spx_spot). Throws
  // ms::core::Error "invalid_bias_lfi_params" when a ratio is needed and a spot is not > 0.
  static BiasLfiParams for_symbol(std::string_view symbol, double spot, double spx_spot);
};

enum class MarketMode { compression, transition, expansion };
std::string_view market_mode_name(MarketMode mode);

struct BiasLfiResult {
  double spot = 0;
  // Adjusted scores (what is published) and their parts.
  double directional_strength = 0;
  double lfi_score = 50;
  double market_mode_score = 50;
  MarketMode market_mode = MarketMode::transition;
  double base_bias = 0;
  double base_lfi = 50;
  double proximity_bias_adj = 0;
  double proximity_lfi_adj = 0;
  double flip_score = 50;
  double gex_score = 50;
  double concentration_score = 50;
  // Levels and totals.
  FlipLevels flip;
  std::optional<double> distance_to_flip;   // |S − nearest|, null when nearest is null or 0
  std::optional<double> max_call_gex_strike;
  std::optional<double> max_put_gex_strike;
  std::optional<double> max_net_gex_strike;
  double total_call_gex = 0;
  double total_put_gex = 0;                 // <= 0
  double total_net_gex = 0;
  std::optional<double> strike_min;
  std::optional<double> strike_max;
};

// `all` ascending by strike (GexModel::all). Throws "invalid_bias_lfi_input" when spot is not
// a finite number > 0.
BiasLfiResult compute_bias_lfi(const std::vector<StrikeGex>& all, double spot,
                               const BiasLfiParams& params = BiasLfiParams::spx());

}  // namespace ms::quant
