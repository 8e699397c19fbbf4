#pragma once
// Idea tracking of the trade selector's top N (massive spec §5.5 "Idea tracking"), as a pure
// state machine per symbol: update() takes one selector cycle and returns the Redis writes as
// data; the caller performs them. No I/O, no clock: market time comes in TrackingContext.
//
// Rules:
//   entries     a recommendation (the first min(top_n, result.params.top_n) ranked rows) whose
//               tile_key was not in the previous cycle's top N, and for which no idea on the same
//               tile_key is still active (a tile flapping around rank N is tracked once, not once
//               per flap), and whose expiration has not passed. trade_id =
//               "{SYM}:{tile_key}:{trunc(now_s)}" (tile_key carries the side:
//               "I:SPX:butterfly:0:30:6050:call:1770737400").
//               A cycle with no recommendation leaves the previous top N as it was (the spec runs
//               no tracking then) but still updates P&L and settles.
//   P&L         points, one lot, intrinsic at expiry: max(0, w − |S − K|) − d, 2 dp, with d the
//               published (2 dp) debit. max_pnl/_time/_spot rise when exceeded.
//   writes      an active idea is written (HSET) only when its record changed: new, or its
//               rounded current_pnl or max_pnl moved (Q13: not every idea every second).
//   settlement  on the official value only (issue 7 item 3), never the cycle's spot: from its
//               expiration on an idea's P&L is frozen and it waits, still active, for settle()
//               with the official close (PM series) or the opening settlement value (AM series)
//               of its expiration instant. Then: final P&L at that value; HDEL active, LPUSH
//               history (then LTRIM 0 9999), stats increments, journal POST (settled_json).
//               A later correction of that value (resettle through settle() with another value)
//               rewrites the settled record in history (LREM the old record, LPUSH the new),
//               moves the stats by the difference and posts the record again; the last
//               kRecentSettled settled ideas are remembered for that.
//   totals      written whenever anything else is written.
//   restore     after a restart: the active hash reloaded for this symbol only; the restored
//               tile_keys count as the previous top N (Q13: the top 10 is not re-tracked).
//
// Record JSON (HSET massive:selector:tracking:active <trade_id> <record>):
//   {trade_id, symbol, tile_key, entry_rank, entry_time (ISO UTC "…Z"), entry_ts (int ms),
//    entry_spot, entry_vix, entry_regime, entry_hour (New York hour of day, 2 dp — the spec's
//    "UTC" hour was its server-local Eastern hour, Q9), entry_day_of_week (New York date,
//    Mon = 0), entry_gex_flip, entry_gex_call_wall, entry_gex_put_wall (GEX levels "all", null
//    when unknown), strategy, side, strike, width, dte, debit, max_profit_theoretical (w − d),
//    r2r_predicted (r2r_ratio, 2 dp), campaign, edge_cases, expiration (ISO of the expiration
//    instant, "+00:00" offset: 16:00 America/New_York of the expiry, Q9), expiration_ts (int ms),
//    current_pnl, max_pnl, max_pnl_time (ISO UTC), max_pnl_spot, status:"active", settled:false}
//   Settled records add status:"settled", settled:true, settlement_time (ISO UTC),
//   settlement_spot (the official value settled on), settlement_source ("vendor" or, when the
//   vendor never answered, "last_tick"), settlement_final, settlement_style ("pm"|"am"),
//   settlement_revision (1, +1 per correction), final_pnl, pnl_captured_pct (100·final/max if
//   max > 0 else 0, 1 dp), is_winner (final > 0), r2r_achieved (final/d, 2 dp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "quant/trade_selector.hpp"

namespace ms::massive {

struct TrackingWrites {
  // HSET massive:selector:tracking:active <id> <json> (then EXPIRE … 604800)
  std::vector<std::pair<std::string, std::string>> active_set;
  // HDEL massive:selector:tracking:active <id>
  std::vector<std::string> active_del;
  // LREM massive:selector:tracking:history 1 <json> (a record being corrected), before the pushes
  std::vector<std::string> history_remove;
  // LPUSH massive:selector:tracking:history <json> in order, then LTRIM 0 9999
  std::vector<std::string> history_push;
  // HINCRBY massive:selector:tracking:stats <field> <n> ("rank{r}:count", "rank{r}:wins")
  std::map<std::string, std::int64_t> stats_incr;
  // HINCRBYFLOAT … ("rank{r}:total_pnl", "rank{r}:total_max_pnl"); then EXPIRE stats 604800
  std::map<std::string, double> stats_incr_float;
  // HSET massive:selector:tracking:totals (total_current_pnl, total_max_pnl, active_count,
  // updated_at); empty when nothing changed
  std::map<std::string, std::string> totals;
  // POST {JOURNAL_API_URL}/api/internal/tracked-ideas, one per settled idea (errors ignored)
  std::vector<std::string> settled_json;

  bool empty() const;
};

struct TrackingContext {
  std::int64_t now_ms = 0;  // market-clock time
  double spot = 0;
  double vix = 0;
  std::string regime;       // the selector's vix_regime
  std::optional<double> gex_flip, call_wall, put_wall;  // GEX levels "all" (Q13: were null)
  // The expiration instant (16:00 America/New_York, early closes included) of the expiry with
  // that dte, from the heatmap's expirations; nullopt when unknown. When empty or nullopt the
  // PM expiration of (New York date of now + dte calendar days) is used, moved to the trading
  // day before when that is not a trading day.
  std::function<std::optional<std::int64_t>(int dte)> expiration_ms;
};

// The official value an expiration settles on.
struct SettlementValue {
  std::int64_t expiration_ms = 0;  // the ideas' expiration instant it settles
  double value = 0;
  std::string source = "vendor";   // "vendor" | "last_tick"
  bool final = true;
  std::string style = "pm";        // "pm" (official close) | "am" (opening settlement value)
  std::int64_t now_ms = 0;         // market time of the settlement
};

class SelectorTracker {
 public:
  explicit SelectorTracker(std::string symbol, std::size_t top_n = 10);

  // Reload the active hash (all symbols' ideas; other symbols', settled and malformed records
  // are skipped). Returns how many ideas were restored. Replaces the tracker's state.
  std::size_t restore(const std::map<std::string, std::string>& active_hash);
  // One selector cycle. Nothing when ctx.spot is not a positive number. Throws
  // core::Error("tracking_symbol_mismatch") when the result is another symbol's.
  TrackingWrites update(const quant::SelectorResult& result, const TrackingContext& ctx);

  const std::string& symbol() const { return symbol_; }
  std::size_t active_count() const { return active_.size(); }
  // The current record of an active idea (nullptr when not active).
  const nlohmann::json* active_record(const std::string& trade_id) const;
  const std::set<std::string>& previous_top() const { return previous_; }

  // Settles every active idea expiring at v.expiration_ms on v.value, and re-settles the
  // remembered settled ones of that instant whose value differs (a correction). Nothing for a
  // non-positive or non-finite value.
  TrackingWrites settle(const SettlementValue& v);
  // Expiration instants at or before now_ms of active ideas still waiting for their value.
  std::set<std::int64_t> awaiting_settlement(std::int64_t now_ms) const;
  static constexpr std::size_t kRecentSettled = 2000;

  // max(0, w − |S − K|) − d, rounded to 2 dp.
  static double pnl(double spot, double strike, double width, double debit);

 private:
  struct Idea {
    std::string tile_key;
    int rank = 0;
    double strike = 0, width = 0, debit = 0;
    std::int64_t expiration_ms = 0;
    double current_pnl = 0, max_pnl = 0;
    nlohmann::json record;
  };

  bool apply_pnl(Idea& idea, const TrackingContext& ctx);
  Idea make_idea(const quant::ScoreRow& row, int rank, const TrackingContext& ctx,
                 std::int64_t expiration_ms) const;

  std::string symbol_;
  std::size_t top_n_;
  std::map<std::string, Idea> active_;       // by trade_id
  std::map<std::string, std::string> active_tiles_;  // tile_key -> trade_id
  std::set<std::string> previous_;           // tile_keys of the previous cycle's top N
  std::map<std::string, Idea> settled_;      // recently settled, by trade_id (for corrections)
  std::vector<std::string> settled_order_;   // settled_ ids, oldest first
};

}  // namespace ms::massive
