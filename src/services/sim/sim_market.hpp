#pragma once
// The whole simulated market in market time: the underlying model, the session's option chain
// and the day's activity (trades, volumes, aggregates), advanced one tick at a time.
//
// Ticks fall every tick_ms (1 s) from the session's open through its close inclusive: a session
// of 09:30-16:00 has ticks at 09:30:00, 09:30:01, ..., 16:00:00. The close tick carries the
// last trades and minute bars; the next tick is the next trading day's open (core's session
// calendar, the same sessions core::SimSessionMap maps wall time onto), where the chain is
// listed anew around the new opening spot and the day's counters restart.
//
// Per tick: the model's 100 ms substeps up to the tick (SPY trades drawn per substep from their
// own stream), then index values V for I:SPX/I:NDX/I:VIX, option trades for every listed contract
// (a counter-based draw per contract and tick, so a contract's trades do not depend on which
// other contracts exist or are subscribed), second aggregates A for what traded, and at minute
// boundaries AM. Events of a tick are in time order. Quotes are not events here: they are a pure
// function of the state (quote()), and each connection's scheduler emits them when they change.
//
// Not thread-safe: one strand owns a SimMarket; quote()/valuation() memoise per tick.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/sim/events.hpp"
#include "services/sim/market_model.hpp"
#include "services/sim/option_chain.hpp"
#include "services/sim/option_pricing.hpp"

namespace ms::sim {

// Official values (the vendor's daily summary, GET /v1/open-close/{T}/{date}). Times are
// simulated market time elapsed since the event: the simulator has no evening (its clock goes
// on at the next open), so "5 minutes after the close" is 09:35 of the next session.
struct SettlementConfig {
  EpochMs open_final_after_ms = 5 * 60'000;   // the official opening value is published then
  EpochMs close_final_after_ms = 5 * 60'000;  // the official close is published then
  EpochMs correction_after_ms = 20 * 60'000;  // a drawn restatement of the close replaces it
  double correction_probability = 0.25;       // per symbol and session
  double max_offset_bp = 3.0;  // |official - tick| <= this many basis points (>= 1 cent, never 0)
};

struct SimConfig {
  std::uint64_t seed = 1;  // overrides model.seed and chain.seed
  MarketModelConfig model;
  ChainConfig chain;
  EpochMs tick_ms = 1000;                 // a multiple of kSubstepMs
  double option_trades_per_second = 0.15;  // an at-the-money 0-DTE contract at midday
  double spy_trades_per_second = 6.0;
  SettlementConfig settlement;
};

enum class Index : std::uint8_t { spx, ndx, vix };
inline constexpr Index kAllIndices[] = {Index::spx, Index::ndx, Index::vix};
std::string_view index_ticker(Index i);  // "I:SPX"
std::string_view index_name(Index i);    // "S&P 500"
std::optional<Index> parse_index_ticker(std::string_view ticker);

inline constexpr std::string_view kSpyTicker = "SPY";

// The stocks (ETFs) the simulator serves. SPY prints trades and quotes on the stocks WebSocket
// (the volume profile's source); QQQ and IWM trade too (their day, minute and last trade move)
// but are served on REST only.
enum class Stock : std::uint8_t { spy, qqq, iwm };
inline constexpr Stock kAllStocks[] = {Stock::spy, Stock::qqq, Stock::iwm};
std::string_view stock_ticker(Stock s);  // "SPY"
std::string_view stock_name(Stock s);    // "SPDR S&P 500 ETF Trust"
std::optional<Stock> parse_stock_ticker(std::string_view ticker);

// One bar being built (or just finished) from prices.
struct Bar {
  bool has_data = false;
  double open = 0, high = 0, low = 0, close = 0;
  std::int64_t volume = 0;
  double notional = 0;  // sum of price x size, for the vwap
  std::int64_t trades = 0;
  void add(double price, std::int64_t size);
  double vwap() const { return volume > 0 ? notional / double(volume) : close; }
};

struct ContractDay {
  std::int64_t previous_close_cents = 0;  // the opening mid (the sim has no yesterday)
  Bar day;                                 // from trades
  Bar minute;                              // current minute
  std::int64_t last_price_cents = 0;
  std::int64_t last_size = 0;
  int last_exchange = 0;
  EpochMs last_trade_ms = 0;
};

struct IndexDay {
  double previous_close = 0;
  Bar day;
  Bar second;
  Bar minute;
};

struct StockDay {
  double previous_close = 0;
  Bar day;
  Bar second;
  Bar minute;
  Bar last_minute;  // the last completed minute with trades ("min" of the snapshot)
  EpochMs last_minute_start = 0;
  TradePrint last_trade;
  EpochMs last_trade_ms = 0;
  std::uint64_t trade_count = 0;
};

// One symbol's official values of one session (see SettlementConfig).
struct OfficialValues {
  double first_tick = 0;      // the session's first value
  double official_open = 0;   // the opening (AM settlement) value: first tick + a seeded offset
  double last_tick = 0;       // the value at the close tick
  double official_close = 0;  // last tick + a seeded offset
  std::optional<double> corrected_close;  // a seeded restatement, when drawn
  Bar day;                    // the session's bar (index values or stock trades); final at the close
};

struct SessionRecord {
  core::Date date{};
  EpochMs open_elapsed = 0;   // elapsed_ms() at the session's first tick
  EpochMs close_elapsed = 0;  // elapsed_ms() at its close tick
  bool closed = false;
  std::map<std::string, OfficialValues, std::less<>> values;  // by ticker: I:SPX … IWM
};

// What the vendor's daily summary shows at a moment: a field is absent until it is official.
struct DaySummary {
  std::string ticker;
  core::Date date{};
  bool stock = false;
  double open = 0;
  std::optional<double> close;  // after close_final_after_ms (the restatement after correction_after_ms)
  double high = 0, low = 0;     // the session so far, final at the close
  std::int64_t volume = 0;      // stocks
};

struct MarketTick {
  EpochMs t = 0;
  core::Date session_date{};
  std::int64_t session_index = 0;  // 0 for the first session
  bool session_opened = false;     // first tick of a session (a new chain is listed)
  bool session_closed = false;     // the close tick
  std::vector<MarketEvent> events;
};

class SimMarket {
 public:
  // `first_session` moves to the first trading day on or after it. `start_offset` fast-forwards
  // that far into the first session (the skipped ticks run but their events are dropped); it
  // must be < the session length, else core::Error("bad_offset").
  SimMarket(SimConfig config, core::Date first_session,
            std::chrono::milliseconds start_offset = std::chrono::milliseconds{0});

  EpochMs next_tick_ms() const;
  // The returned tick stays valid until the next advance.
  const MarketTick& advance_one_tick();
  // Runs every tick at or before market_ms, calling on_tick for each.
  void advance_to(EpochMs market_ms, const std::function<void(const MarketTick&)>& on_tick);

  const SimConfig& config() const { return config_; }
  EpochMs now_ms() const { return now_ms_; }  // the last tick's time
  bool started() const { return ticks_ > 0; }
  const core::Session& session() const { return session_; }
  std::int64_t session_index() const { return session_index_; }
  const MarketState& state() const { return model_.state(); }
  const MarketModel& model() const { return model_; }
  const OptionChain& chain() const { return chain_; }
  // +1 whenever a new chain is listed (a subscriber's contract indices are stale then).
  std::uint64_t chain_generation() const { return chain_generation_; }

  double spot(Underlying u) const;
  double index_value(Index i) const;
  const IndexDay& index_day(Index i) const { return index_days_[static_cast<int>(i)]; }
  const StockDay& spy_day() const { return stocks_[0]; }
  QuotePrint spy_quote() const { return stock_quote(Stock::spy); }
  double stock_value(Stock s) const;
  const StockDay& stock_day(Stock s) const { return stocks_[static_cast<int>(s)]; }
  QuotePrint stock_quote(Stock s) const;
  // The previous session's bar of a stock (nullopt before the simulator has run one).
  std::optional<Bar> previous_stock_bar(Stock s) const;

  // Market time simulated since the first session's open (a session's close and the next open
  // are one instant, as in core::SimSessionMap).
  EpochMs elapsed_ms() const { return completed_ms_ + (now_ms_ - session_.open_ms); }
  // The vendor's daily summary of `ticker` (I:SPX, I:NDX, I:VIX, SPY, QQQ, IWM) for `date`, as
  // published now: nullopt (404 "Data not found.") for unknown tickers, days the simulator did
  // not run (or no longer keeps: the last kKeptSessions), and until the opening value is official.
  std::optional<DaySummary> day_summary(std::string_view ticker, core::Date date) const;
  const SessionRecord* session_record(core::Date date) const;
  static constexpr std::size_t kKeptSessions = 10;

  Valuation valuation(std::uint32_t contract) const;
  OptionQuote quote(std::uint32_t contract) const;
  const ContractDay& contract_day(std::uint32_t contract) const { return days_[contract]; }

 private:
  void open_session(const core::Session& s);
  void on_substep(MarketTick& tick);
  void trade_options(MarketTick& tick, EpochMs t);
  void close_second(MarketTick& tick, EpochMs t);
  void close_minute(MarketTick& tick, EpochMs t);
  void ensure_memo() const;
  void record_open();
  void record_close();
  void trade_stock(Stock s, MarketTick& tick, const MarketState& st);
  double offset(std::string_view ticker, double value, std::uint64_t what) const;

  SimConfig config_;
  core::Session session_;
  std::int64_t session_index_ = 0;
  MarketModel model_;
  OptionChain chain_;
  std::uint64_t chain_generation_ = 0;
  std::vector<ContractDay> days_;
  IndexDay index_days_[3];
  StockDay stocks_[3];
  Rng spy_rng_;
  EpochMs completed_ms_ = 0;          // market ms of the sessions before this one
  std::deque<SessionRecord> records_;  // oldest first, at most kKeptSessions
  EpochMs next_tick_ms_ = 0;
  EpochMs now_ms_ = 0;
  std::uint64_t ticks_ = 0;
  bool opened_ = false;
  MarketTick tick_;
  // Compact per-contract inputs of the trade draw, so the per-tick scan stays in cache.
  struct TradeCandidate {
    std::uint64_t hash;
    double strike;
    float expiry_factor;
    std::uint16_t group;  // index into groups_
  };
  struct ExpiryGroup {
    Underlying underlying;
    EpochMs expiration_ms;
    double scale = 0;  // spot x atm vol x sqrt(T): one standard deviation in points, per tick
  };
  std::vector<TradeCandidate> candidates_;
  std::vector<ExpiryGroup> groups_;
  std::vector<MarketEvent> option_trades_;
  std::vector<std::uint32_t> traded_this_tick_;
  std::vector<std::uint32_t> traded_this_minute_;

  mutable EpochMs memo_at_ = -1;
  mutable std::vector<std::uint8_t> memo_state_;  // 0 none, 1 valuation, 2 valuation + quote
  mutable std::vector<Valuation> memo_valuation_;
  mutable std::vector<OptionQuote> memo_quote_;
};

}  // namespace ms::sim
