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

// Per-symbol constants. The spec's constants are SPX's and SPX keeps them verbatim (its golden
// vectors, TV2). Another index gets each constant re-expressed as a dimensionless ratio of SPX's
// reference scale and re-applied to its own scale (docs/api/market-models.md, "Per-symbol
// scores"):
// - fractions of spot (the near/mid bands, proximity bands, flip-score scale): already
//   dimensionless, the same for every index;
// - the 50-point centre divisor: 50 / 6000 = 0.833 % of SPX's reference spot (the level the spec
//   was calibrated at, TV1–TV5) → 0.833 % of this index's own spot (NDX 21,000 → 175 points);
//   GEX spreads over a band proportional to spot·σ·√T, so spot, not strike spacing, sets it;
// - the GEX-unit constants (the gex-score scale and the 10,000 no-flip threshold): SPX's unit
//   (γ·OI·100, scaled by S²·1e-5) cannot be carried over, because a chain's GEX does not grow
//   with spot — Σ_K γ(K)·ΔK ≈ 1 per expiry, so a chain holds ≈ 100·OI/ΔK per expiry, set by
//   that index's own open interest and strike spacing. The symbol's own GEX scale is its gross
//   GEX of the same build, Γ = Σ_K (C(K) + |P(K)|) — the same kind of normaliser the spec uses
//   for LFI and concentration (Σ|N|). The gex score reaches 95 (logistic argument 3, as the spec's
//   flip score does at its band edge) when |net| = ½·Γ (one side carries 3× the other's gamma),
//   and the no-flip threshold keeps SPX's ratio to that band edge, 10,000 / (100·6000²·1e-5) =
//   0.278 → |net| > 0.139·Γ. Strike spacing drops out: every sum is divided by Γ.
enum class GexNormaliser {
  spot_squared,  // SPX (the spec): 0.03·tot / (S²·gex_score_scale); threshold in GEX units
  own_gross,     // other indices: 3·tot / (gex_band_of_gross·Γ); threshold as a fraction of Γ
};

struct BiasLfiParams {
  // SPX's reference scale the ratios are taken from.
  static constexpr double kSpxReferenceSpot = 6000;

  double centre_divisor_points = 50;
  double near_band = 0.01;              // |K−S|/S for the concentrated ("near") strikes
  double mid_band = 0.02;
  double proximity_full_band = 0.005;   // flip this close (fraction of spot): full penalty
  double proximity_zero_band = 0.015;   // flip this far: none
  double below_flip_band = 0.003;       // spot just above the flip below
  double flip_score_scale = 0.02;
  GexNormaliser gex_normaliser = GexNormaliser::spot_squared;
  double gex_score_scale = 1e-5;        // spot_squared: tot / (S² · scale)
  double no_flip_gex_threshold = 10000; // spot_squared: GEX units
  double gex_band_of_gross = 0.5;       // own_gross: score 95 at |net| = band · Γ
  double no_flip_threshold_of_gross = 0.5 * 10000 / (100 * kSpxReferenceSpot * kSpxReferenceSpot * 1e-5);

  static BiasLfiParams spx();
  // "I:SPX" (or "SPX") → spx(); any other index → its own scale from its own spot (no other
  // symbol's spot is needed). Throws ms::core::Error "invalid_bias_lfi_params" when a non-SPX
  // spot is not a finite number > 0.
  static BiasLfiParams for_symbol(std::string_view symbol, double spot);
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
