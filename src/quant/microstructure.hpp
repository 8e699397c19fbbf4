#pragma once
// The 0-DTE microstructure model copilot's MEL reads (DESIGN §9 "MEL inputs"):
// `massive:micro:model:{SYM}:latest`. Pure: the caller feeds spot, option quotes and option
// trades of ONE symbol's 0-DTE contracts with their market-clock times; nothing here reads a
// clock or does I/O. Not thread-safe: one owner feeds it.
//
// Rules (thresholds in MicroParams):
//   quotes      the contracts whose strike is within ±band_pct % of the current spot
//               (|K − S| ≤ S·band_pct/100, inclusive), with a usable quote (finite, ask > 0,
//               0 ≤ bid ≤ ask; anything else withdraws the contract's quote). Membership follows
//               the spot: a contract enters and leaves the list as spot moves.
//   trade side  from the trade price against the contract's current quote: price ≥ ask → buy,
//               else price ≤ bid → sell, else (or no quote yet) unknown.
//   sweep       ≥ sweep_min_trades buys (or sells) of one option type on ≥ sweep_min_strikes
//               distinct strikes, all within sweep_window_ms (first to last, inclusive). The
//               trades that form a sweep are consumed; same-side same-type trades arriving within
//               sweep_window_ms of the sweep's first trade extend it (trades, contracts, strikes)
//               instead of starting another. Unknown-side trades never count.
//   absorption  ≥ absorption_min_contracts traded (any side) at one strike and type within the
//               trailing absorption_window_ms, while spot moved < absorption_max_spot_move over
//               that window (max − min of the spot over the window: the samples inside it and
//               the one prevailing at its start).
//               While the condition keeps holding at that strike (trades no more than a window
//               apart), later trades extend the same event; once it fails, the next qualifying
//               trade starts a new event. Needs a spot.
//   Sweeps and absorption look at every trade passed in, inside or outside the band. Each list
//   keeps the newest max_events events.
//
// JSON (model_json; keys print in nlohmann's sorted order):
//   {symbol, epoch, seq, ts (int ms), spot (2 dp | null), band_pct,
//    quotes:[{ticker, strike, type:"call"|"put", bid, ask, mid, spread, bid_size, ask_size,
//             t (int ms, last quote)}]            ascending strike, call before put
//    summary:{contracts, avg_spread, median_spread, avg_bid_size, avg_ask_size,
//             total_bid_size, total_ask_size}      averages null when there are no quotes
//    sweeps:[{t, last_t, side:"buy"|"sell", type, strikes:[…ascending], trades, contracts}]
//    absorption:[{t, last_t, strike, type, contracts, spot_move}]}
//   Lists newest first. bid/ask 2 dp, mid/spread/avg_spread/median_spread 3 dp, average sizes
//   1 dp, spot_move 2 dp (half away from zero). t = first trade of the event, last_t = latest.
//
// Cost: on_quote / on_trade are a hash lookup of the ticker plus O(1) amortised window work; no
// allocation per event in steady state (only a first-seen ticker, a new event, or a window
// growing past its largest size so far allocates). model_json sorts the band (~1 Hz).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "quant/black_scholes.hpp"

namespace ms::quant {

struct MicroParams {
  double band_pct = 0.5;                      // quotes within ±band_pct % of spot
  std::int64_t sweep_window_ms = 1000;
  int sweep_min_trades = 3;
  int sweep_min_strikes = 3;
  std::int64_t absorption_window_ms = 10000;
  std::int64_t absorption_min_contracts = 50;
  double absorption_max_spot_move = 1.0;      // points; the move must stay strictly below
  std::size_t max_events = 50;                // kept sweeps, and kept absorptions
};

enum class TradeSide : std::uint8_t { unknown, buy, sell };

struct SweepEvent {
  std::uint64_t id = 0;
  std::int64_t t_ms = 0;       // first trade
  std::int64_t last_t_ms = 0;  // latest trade
  TradeSide side = TradeSide::buy;
  OptionType type = OptionType::call;
  std::vector<double> strikes;  // distinct, ascending
  int trades = 0;
  std::int64_t contracts = 0;
};

struct AbsorptionEvent {
  std::uint64_t id = 0;
  std::int64_t t_ms = 0;       // the trade that met the condition
  std::int64_t last_t_ms = 0;  // latest trade that kept it
  double strike = 0;
  OptionType type = OptionType::call;
  std::int64_t contracts = 0;  // the window's contracts when detected, plus later trades
  double spot_move = 0;        // largest window spot range seen during the event
};

namespace detail {
// Growable power-of-two ring buffer: a deque that keeps its storage (no allocation in steady
// state, unlike std::deque which allocates and frees blocks as it slides).
template <class T>
class Ring {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  T& front() { return buf_[head_]; }
  T& back() { return buf_[(head_ + size_ - 1) & mask_]; }
  T& operator[](std::size_t i) { return buf_[(head_ + i) & mask_]; }
  void push_back(const T& v) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & mask_] = v;
    ++size_;
  }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  void pop_back() { --size_; }
  void clear() { head_ = size_ = 0; }

 private:
  void grow() {
    std::vector<T> next(buf_.empty() ? 16 : buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) next[i] = (*this)[i];
    buf_.swap(next);
    head_ = 0;
    mask_ = buf_.size() - 1;
  }
  std::vector<T> buf_;
  std::size_t head_ = 0, size_ = 0, mask_ = 0;
};
}  // namespace detail

class MicroBuilder {
 public:
  // Throws core::Error("invalid_micro_params") for a non-positive band, window, minimum or
  // spot move, or max_events == 0.
  explicit MicroBuilder(std::string symbol, MicroParams params = {});

  // Non-finite or non-positive spots are ignored.
  void set_spot(double spot, std::int64_t t_ms);
  // The contract's latest quote replaces the previous one. A re-quote with the same values only
  // refreshes `t` and does not count as a change.
  void on_quote(std::string_view ticker, double strike, OptionType type, double bid, double ask,
                std::int64_t bid_size, std::int64_t ask_size, std::int64_t t_ms);
  // The side it was classified as. Trades with a non-finite or non-positive price or a
  // non-positive size are ignored (unknown).
  TradeSide on_trade(std::string_view ticker, double strike, OptionType type, double price,
                     std::int64_t size, std::int64_t t_ms);
  // New session / new chain: forgets contracts, quotes, trade windows and events (the spot and
  // its recent samples stay: the index did not move because the chain changed).
  void clear();

  // Whether the model changed since the last model_json: spot value, an in-band quote's values,
  // a sweep or absorption found or extended, clear().
  bool changed() const { return changed_; }
  nlohmann::json model_json(std::string_view epoch, std::uint64_t seq, std::int64_t ts_ms);

  const std::string& symbol() const { return symbol_; }
  const MicroParams& params() const { return params_; }
  std::optional<double> spot() const { return spot_; }
  const std::deque<SweepEvent>& sweeps() const { return sweeps_; }          // oldest first
  const std::deque<AbsorptionEvent>& absorptions() const { return absorptions_; }  // oldest first

 private:
  struct StrikeSlot {
    std::int64_t strike_milli = 0;
    double strike = 0;
    OptionType type = OptionType::call;
    int sweep_count[2] = {0, 0};   // trades in the sweep window, by side (buy, sell)
    std::int64_t abs_contracts = 0;  // contracts in the absorption window
    std::int64_t abs_event = -1;     // id of the ongoing absorption, -1 when none
    std::int64_t abs_last_t = 0;
  };
  struct Contract {
    std::string ticker;
    std::uint64_t hash = 0;
    std::uint32_t slot = 0;
    bool quoted = false;
    double bid = 0, ask = 0;
    std::int64_t bid_size = 0, ask_size = 0, t_ms = 0;
  };
  struct WindowTrade {
    std::int64_t t_ms = 0;
    std::uint32_t slot = 0;
    std::int64_t size = 0;
  };
  struct SweepGroup {  // one option type and side
    detail::Ring<WindowTrade> window;
    int distinct = 0;
    std::int64_t ongoing = -1;  // id of the sweep still extending, -1 when none
  };
  struct SpotSample {
    std::int64_t t_ms = 0;
    double value = 0;
  };
  Contract& contract(std::string_view ticker, double strike, OptionType type);
  void grow_index();
  bool in_band(double strike) const;
  void on_sweep_trade(std::uint32_t slot, TradeSide side, std::int64_t size, std::int64_t t_ms);
  void on_absorption_trade(std::uint32_t slot, std::int64_t size, std::int64_t t_ms);
  void evict_spot(std::int64_t cutoff_ms);
  SweepEvent* sweep_by_id(std::int64_t id);
  AbsorptionEvent* absorption_by_id(std::int64_t id);

  std::string symbol_;
  MicroParams params_;
  bool changed_ = false;

  std::optional<double> spot_;
  std::int64_t spot_t_ = 0;
  // Spot changes over the absorption window, plus the sample prevailing at its start.
  detail::Ring<SpotSample> spot_hist_;
  bool spot_range_valid_ = false;  // spot_lo_/spot_hi_ hold the range of spot_hist_
  double spot_lo_ = 0, spot_hi_ = 0;

  std::vector<Contract> contracts_;
  // Open-addressing index of contracts_ by ticker (linear probing, load <= 1/2; kNoContract
  // marks a free cell): one flat array, no node chasing on the per-event lookup.
  static constexpr std::uint32_t kNoContract = 0xffffffffu;
  std::vector<std::uint32_t> index_;
  std::vector<StrikeSlot> slots_;
  std::unordered_map<std::int64_t, std::uint32_t> slot_by_key_;  // strike_milli·2 + type

  SweepGroup groups_[4];  // [type][side]
  detail::Ring<WindowTrade> abs_window_;
  std::deque<SweepEvent> sweeps_;
  std::deque<AbsorptionEvent> absorptions_;
  std::uint64_t next_sweep_id_ = 0, next_absorption_id_ = 0;
};

std::string_view trade_side_name(TradeSide side);  // "buy" / "sell" / "unknown"

}  // namespace ms::quant
