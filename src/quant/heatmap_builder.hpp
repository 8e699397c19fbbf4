#pragma once
// The heatmap tile builder for one symbol (massive spec §5.1 with the quirks fixed).
//
// Tiles live in a flat array of slots with stable ids, ordered by dte, then strike, then
// single / per width (config order) butterfly, vertical. Slot ids stay valid until the next
// rebuild() that changes the geometry (the set of expiries, strikes and sides, or widths).
//
// Two ways in:
// - rebuild(input): everything from a fresh chain. When the geometry is unchanged the slots
//   are kept and only values are refreshed.
// - incremental: update_quote(contract, quote) recomputes only the tiles whose legs include
//   that contract (singles at K, verticals at K and K±w, butterflies centred at K and K±w) —
//   unless the quote moves the base IV of an expiry on the regime-skew fallback, which re-prices
//   that expiry's theoretical values. set_market(spot, vix) and set_years_to_expiry(expiry,
//   years) re-price theory with the smiles as last fitted.
//
// Smiles (quant/smile_fit.hpp): rebuild() fits every expiry's smile from its quotes. Quote,
// spot and time updates only mark an expiry's smile stale (a fit costs far more than a tick);
// refit_smiles() refits the stale ones (and every later expiry, whose calendar floor may move).
// The caller throttles it (massive: once per market-clock minute). Between refits a smile is
// held in log-moneyness from the forward (sticky moneyness): a spot move moves the forward and
// the whole smile with it. Theoretical price of a leg on a fitted expiry: Black-76 on
// F = spot·e^{(r−q)T}·basis at σ(ln K/F); on a fallback expiry, Black-Scholes on spot with
// dividend yield q at the regime-skewed base IV.
//
// After any sequence of updates followed by refit_smiles(), the tiles equal those of a rebuild
// from the same inputs (market values need no refit: they are equal after every update).
//
// Publishing: take_diff() returns the tiles whose published text changed since the previous
// take_diff() and the keys that disappeared; an empty diff means "publish nothing". Values are
// stored rounded to the published precision (heatmap_types.hpp), so the clock moving without
// the caller changing the quantised time to expiry never changes a tile.
//
// Cost on an SPX chain (bench/README.md): a tick ≈ 1.5 µs, re-pricing all 3,268 tiles ≈ 0.15 ms.
// An IV change inside the base-IV band re-prices that one expiry (~0.04 ms) when it is on the
// regime-skew fallback. A smile refit costs ~0.12 ms per expiry of 61 strikes (RefitSmiles).
// One owner at a time: not thread-safe (find_contract builds its index lazily).
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quant/heatmap_types.hpp"
#include "quant/smile_fit.hpp"
#include "quant/vol_skew.hpp"

namespace ms::quant {

struct HeatmapDiff {
  std::vector<std::uint32_t> changed;  // slot ids, ascending
  std::vector<TileKey> removed;
  bool atm_iv_changed = false;
  bool expirations_changed = false;
  bool empty() const {
    return changed.empty() && removed.empty() && !atm_iv_changed && !expirations_changed;
  }
};

struct HeatmapExpiry {
  int dte = 0;
  std::string date;
  double years = 0;      // after the config's floor
  double atm_iv = 0;     // fitted: the smile's vol at the forward; fallback: the base IV
  double forward = 0;    // the forward theoretical values use (0 without a spot)
  SmileSource smile = SmileSource::fallback;
};

// A butterfly's debits as published (rounded), for the trade selector: theoretical
// (call_debit/put_debit) and from the legs' market prices (market_*) where every leg has one.
struct ButterflyTile {
  TileKey key;
  std::optional<double> call_debit;
  std::optional<double> put_debit;
  std::optional<double> market_call_debit = std::nullopt;  // initialised: older aggregate
  std::optional<double> market_put_debit = std::nullopt;   // initialisers stay warning-free
};

class HeatmapBuilder {
 public:
  // Throws ms::core::Error "invalid_heatmap_config" (no widths, width <= 0, duplicates, …).
  explicit HeatmapBuilder(HeatmapConfig config);

  // Throws ms::core::Error "invalid_heatmap_input" naming the offending field; the builder is
  // unchanged when it throws.
  void rebuild(const HeatmapInput& input);

  // `contract` indexes the contracts of the last rebuild. Returns false when that contract
  // feeds no tile (a shadowed root, an expired or out-of-range expiry). Throws
  // "unknown_contract" for an index past the end.
  bool update_quote(std::size_t contract, const LegQuote& quote);
  // Throws "invalid_heatmap_input" for a negative or non-finite value.
  void set_market(double spot, double vix);
  // `expiry` indexes the expiries of the last rebuild; no-op for a dropped expiry.
  void set_years_to_expiry(std::size_t expiry, double years);
  // The minute the caller's years are measured from (published; changes no value).
  void set_pricing_minute(std::int64_t minute_ms) { pricing_minute_ms_ = minute_ms; }
  // Refits the stale smiles (see above); returns how many expiries were refitted.
  std::size_t refit_smiles();

  std::optional<std::size_t> find_contract(std::string_view root, std::string_view expiry_date,
                                           double strike, OptionType type) const;

  HeatmapDiff take_diff();

  // Reading the current state.
  const std::string& symbol() const { return symbol_; }
  double spot() const { return spot_; }
  double vix() const { return vix_; }
  std::int64_t pricing_minute_ms() const { return pricing_minute_ms_; }
  // The fit of the expiry at position `expiry` of expirations().
  const SmileFit& smile_fit(std::size_t expiry) const { return expiries_[expiry].fit; }
  VolRegime regime() const { return regime_; }
  std::size_t tile_count() const { return slots_.size(); }
  const TileKey& tile_key(std::uint32_t slot) const { return slots_[slot].key; }
  const TileValue& tile_value(std::uint32_t slot) const { return values_[slot]; }
  std::optional<std::uint32_t> find_tile(const TileKey& key) const;
  std::vector<HeatmapExpiry> expirations() const;
  std::vector<std::pair<int, std::size_t>> dte_tile_counts() const;
  std::vector<ButterflyTile> butterfly_tiles() const;
  const HeatmapConfig& config() const { return config_; }

  // Pre-rendered JSON pieces, for heatmap_json.cpp.
  std::string_view tile_key_json(std::uint32_t slot) const;     // "\"butterfly:0:30:6000\""
  std::string_view tile_prefix_json(std::uint32_t slot) const;  // {"symbol":…,"width":30

 private:
  static constexpr std::int32_t kNoLeg = -1;

  struct Expiry {
    int dte = 0;
    std::string date;
    std::uint32_t input_index = 0;
    double years = 0;
    double base_iv = 0;
    SmileFit fit;
    bool smile_stale = true;
    std::uint32_t first_strike = 0, strike_count = 0;
    std::uint32_t first_slot = 0, slot_count = 0;
  };
  struct StrikeRow {
    std::int64_t milli = 0;
    double strike = 0;
    std::int32_t call_leg = kNoLeg, put_leg = kNoLeg;
  };
  struct Leg {
    std::uint32_t contract = 0;
    std::uint32_t expiry = 0;
    double strike = 0;
    OptionType type = OptionType::call;
    double iv = 0;       // NaN when absent
    double bid = 0;      // NaN when absent
    double ask = 0;      // NaN when absent
    double market = 0;   // NaN when absent
    double theo = 0;     // NaN when there is no spot
  };
  // The per-tick loop touches only SlotLegs, values_ and dirty_: kept in their own arrays so
  // they stay in cache (the whole slot record would not fit in L2 for an SPX chain).
  struct SlotLegs {
    // single: call, put; butterfly: call L K H, put L K H; vertical: call K H, put K L.
    std::int32_t legs[6] = {kNoLeg, kNoLeg, kNoLeg, kNoLeg, kNoLeg, kNoLeg};
    TileStrategy strategy = TileStrategy::single;
  };
  struct Slot {
    TileKey key;
    TileValue published;
    bool has_published = false;
    std::uint32_t key_offset = 0, key_length = 0, prefix_offset = 0, prefix_length = 0;
  };

  // A validated, root-resolved view of an input; rebuild() commits it only when complete.
  struct Plan;
  Plan plan(const HeatmapInput& input) const;
  bool same_geometry(const Plan& plan) const;
  void adopt_geometry();
  void render_slot_text();

  void reprice_all();
  void refit_all();
  void refit_expiry(std::uint32_t expiry);
  double published_atm_iv(const Expiry& e) const;
  void reprice_expiry(std::uint32_t expiry);
  bool refresh_base_iv(std::uint32_t expiry);
  void recompute_slot(std::uint32_t slot);
  TileValue compute_slot(std::uint32_t slot) const;
  void mark_dirty(std::uint32_t slot);

  HeatmapConfig config_;
  std::string symbol_;
  double spot_ = 0;
  double vix_ = 0;
  std::int64_t pricing_minute_ms_ = 0;
  VolRegime regime_ = VolRegime::normal;
  SkewShape skew_;

  std::vector<Expiry> expiries_;
  std::vector<std::int32_t> expiry_of_input_;  // input expiry index → expiries_ index or -1
  std::vector<StrikeRow> strikes_;
  std::vector<Leg> legs_;
  std::vector<std::int32_t> leg_of_contract_;  // input contract index → legs_ index or -1
  std::vector<std::uint32_t> leg_slot_offsets_;  // CSR: slots touching each leg
  std::vector<std::uint32_t> leg_slots_;
  std::vector<Slot> slots_;
  std::vector<SlotLegs> slot_legs_;
  std::vector<TileValue> values_;
  std::vector<std::uint8_t> dirty_;
  std::unordered_map<TileKey, std::uint32_t, TileKeyHash> slot_of_key_;
  struct ContractIdentity {
    std::string root;
    std::uint32_t expiry = 0;  // input expiry index
    std::int64_t strike_milli = 0;
    OptionType type = OptionType::call;
  };
  std::vector<ContractIdentity> contract_ids_;
  std::vector<std::string> input_expiry_dates_;
  // Built on the first find_contract() after a rebuild; most callers keep their own index.
  mutable std::unordered_map<std::string, std::size_t> contract_lookup_;
  std::string text_arena_;
  std::vector<std::uint32_t> dirty_slots_;

  // Publication state that outlives a geometry change.
  std::unordered_map<TileKey, TileValue, TileKeyHash> unpublished_removals_;
  std::vector<std::pair<int, std::int64_t>> published_atm_iv_;  // (dte, iv·1e6)
  std::vector<std::pair<int, std::string>> published_expirations_;
};

}  // namespace ms::quant
