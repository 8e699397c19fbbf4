#pragma once
// The trade selector's per-tile scores (massive spec §5.5 "Scoring"), each a pure function so
// the test vectors can check them one by one. Scores are unrounded; the model JSON rounds.
//
// Widths and point distances are in SPX-equivalent points: the caller divides by the symbol's
// point scale (trade_selector.hpp) so NDX's 50–130 point widths meet the same table as
// SPX's 20–50.
#include <optional>
#include <string_view>
#include <vector>

#include "quant/black_scholes.hpp"
#include "quant/gex.hpp"
#include "quant/selector_context.hpp"

namespace ms::quant {

// Typical and maximum reward-to-risk by dte (nearest key 0..10, ties to the lower).
struct R2rExpectation {
  double typical_low = 0, typical_high = 0, max_low = 0, max_high = 0;
};
R2rExpectation r2r_expectation(int dte);

// r = (w − d)/d scored against the expectation; cheap debits (< 0.5) are scaled down.
double r2r_score(double debit, double width, int dte);

// The efficiency part: min(95, mult · min(95, 30·log2(r+1))), mult rewarding a low debit/width.
double convexity_efficiency(double debit, double width);

// [DECISION] (Q7): the intended neighbour-based convexity. `neighbour_debits` are the positive
// debits (both sides) of the same-dte, same-width butterflies at K ± 1..4 strike increments.
// local: how much cheaper than the neighbours' mean (+10, capped at 98, when cheaper than all);
// neighbourhood: the z-score against them (needs ≥ 3). Without neighbours both are 50 — which
// is what the original always produced, so there convexity = 40 + 0.2·efficiency.
struct ConvexityScore {
  double local = 50;
  double neighbourhood = 50;
  double efficiency = 0;
  double total = 0;  // 0.5·local + 0.3·neighbourhood + 0.2·efficiency
};
ConvexityScore convexity_score(double debit, double width, const std::vector<double>& neighbour_debits);

// 0.40·width score + 0.25·dte score + 0.20·session timing + 0.15·width bonus.
double width_fit_score(double width, int dte, const SelectorContext& context);

// 0.4·magnet proximity + 0.3·zero-gamma side + 0.3·wings on positive net GEX. `gex` ascending
// (GexModel::all); `point_scale` divides the magnet distance.
double gamma_alignment_score(OptionType side, double strike, double width,
                             std::optional<double> gamma_magnet, std::optional<double> zero_gamma,
                             const std::vector<StrikeGex>& gex, double point_scale = 1.0);

double composite_score(double r2r, double convexity, double width_fit, double gamma_alignment);
double selector_confidence(bool have_gex, bool have_bias_lfi, double debit);

// The recommendation's "convexity" block. Takes the published (rounded) r2r ratio and breach
// probability, as the original did.
struct ConvexityBlock {
  std::string_view quality;  // exceptional / excellent / good / acceptable / below_target
  double quality_score = 0;
  double convexity_score = 0;  // round1(100p · quality/100)
  double ev_per_risk = 0;      // round2(0.5·(1.5 + 3p) − 0.5)
  bool ev_positive = false;
};
ConvexityBlock convexity_block(double r2r_ratio, double breach_probability, int dte);

// Gamma scalp (only 0-DTE, while the window is active): nullopt when the tile does not
// qualify (width outside 15..25 SPX points or more than 0.5 % from spot).
// distance_pct = 100·|K−S|/S; debit_pct = 100·d/w.
struct GammaScalpScore {
  double score = 0;          // min(100, round1(gs)), ×1.1 when urgency is high
  double atm_proximity = 0;
  double width_efficiency = 0;
  double debit_cheapness = 0;
};
std::optional<GammaScalpScore> gamma_scalp_score(double distance_pct, double width,
                                                 double debit_pct, bool urgency_high);

// Idea tracking P&L in points for one lot, intrinsic value at expiry as the proxy:
// max(0, w − |S − K|) − d.
double tracking_pnl(double width, double strike, double debit, double spot);

}  // namespace ms::quant
