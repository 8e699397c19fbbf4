#pragma once
// The trade selector (massive spec §5.5): scores every butterfly tile side with a positive
// debit — the market debit (from the legs' market prices) where every leg has one, else the
// theoretical debit (issue 7: ideas cheap only in the model are not ranked first) — ranks them and picks gamma-scalp candidates. Pure: the caller passes the
// heatmap's butterflies, the GEX profile and the Bias/LFI result of the same build, and the New
// York hour from the market clock.
//
// Per-symbol scale: the spec's point constants are SPX's. SelectorParams::point_scale (this
// index's own spot / SPX's reference spot 6000, the level the spec's tables were tuned at —
// BiasLfiParams::kSpxReferenceSpot) converts widths and point distances to SPX-equivalent points
// before they meet the tables (ideal widths, width bonus, magnet bands, gamma-scalp widths);
// ratios (r2r, debit %) need no scaling. Neighbour tiles for convexity sit at K ± 1..4 ×
// strike_increment (the symbol's own listing step: 5 for SPX, 10 for NDX). No other symbol's
// spot is involved, so NDX never waits for SPX.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quant/bias_lfi.hpp"
#include "quant/gex.hpp"
#include "quant/heatmap_builder.hpp"
#include "quant/selector_context.hpp"
#include "quant/selector_scoring.hpp"

namespace ms::quant {

struct SelectorParams {
  double point_scale = 1.0;
  double strike_increment = 5;
  std::size_t top_n = 10;             // MASSIVE_SELECTOR_TOP_N
  std::size_t gamma_scalp_top = 5;
  double default_vix = 15;            // when no VIX is known (the caller flags it)

  // "I:SPX"/"SPX": the defaults (the spec's constants, whatever the spot); any other index:
  // scale = spot / 6000 and its own strike increment (massive_config's
  // MASSIVE_{SPX,NDX}_STRIKE_INCREMENT). Throws ms::core::Error "invalid_selector_params" when
  // a non-SPX spot or the increment is not a finite number > 0.
  static SelectorParams for_symbol(std::string_view symbol, double spot, double strike_increment);
};

struct SelectorInput {
  std::string symbol;
  double spot = 0;
  std::optional<double> vix;          // absent or <= 0 → params.default_vix, vix_defaulted
  double ny_hour = 0;
  std::vector<StrikeGex> gex;         // GexModel::all (empty when unknown)
  std::optional<BiasLfiResult> bias_lfi;
  std::vector<ButterflyTile> butterflies;
};

struct ScoreRow {
  TileKey key;
  OptionType side = OptionType::call;
  std::string tile_key;               // "butterfly:0:30:6050:call"
  double debit = 0;                   // what the row was scored on (ranking_debit)
  bool market_debit = false;          // true: the market debit; false: the theoretical one
  double r2r = 0, width_fit = 0, gamma_alignment = 0;
  ConvexityScore convexity;
  double composite = 0;               // unrounded
  double confidence = 0;
  std::string_view campaign;          // 0dte_tactical / convex_stack / sigma_drift
  std::vector<std::string_view> edge_cases;
  double r2r_ratio = 0;               // (w − d)/d, unrounded
  double distance_to_spot = 0;
  std::optional<double> distance_to_gamma_magnet;
};

struct GammaScalpRow {
  std::size_t row = 0;                // index into SelectorResult::rows
  GammaScalpScore score;
  double distance_pct = 0;
};

struct SelectorResult {
  std::string symbol;
  SelectorContext context;
  bool vix_defaulted = false;
  SelectorParams params;
  bool have_gex = false;
  std::optional<BiasLfiResult> bias_lfi;
  std::vector<ScoreRow> rows;         // heatmap order, call before put
  std::vector<std::size_t> ranked;    // rows by rounded composite, best first, stable
  std::size_t filtered_by_debit_rule = 0;
  std::vector<GammaScalpRow> gamma_scalp;  // every qualifying row, best first, stable
};

// The debit a butterfly side is scored and ranked on: the market debit when it is > 0, else
// the theoretical debit when that is > 0 (a zero or negative market debit is a stale or crossed
// leg, not a free trade); nullopt when neither is.
struct RankingDebit {
  double value = 0;
  bool market = false;
};
std::optional<RankingDebit> ranking_debit(const ButterflyTile& fly, OptionType side);

// Throws "invalid_selector_input" (spot <= 0, hour outside [0, 24), …).
SelectorResult select_trades(const SelectorInput& input, const SelectorParams& params = {});

}  // namespace ms::quant
