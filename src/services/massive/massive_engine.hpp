#pragma once
// The massive service's engine: vendor feeds in, every model out (spec massive.md §3–§5,
// DESIGN §9). One strand owns all market state, so workers never lock:
//
//   feeds     options (Q.+T. of the chain window, ≤ the vendor's quote-contract cap),
//             indices (V. of the spot symbols), stocks (T.SPY for the volume profile); the
//             simulator's clock status drives the one market clock (massive:clock)
//   spot      REST index + stock snapshots every spot interval, and every V. event: spot model,
//             trail, candles
//   chain     every chain interval (and at once on a new session): expirations cached per
//             session, one strike window per expiration (VIX expected move), heatmap rebuilt
//             when the window moves, then quotes/trades applied per tick (incremental)
//   analytics GEX with levels → Bias/LFI → market mode, from the same chain (Q20)
//   selector  every selector interval: top N with neighbour convexity, idea tracking
//   publish   every heatmap publish interval: heatmap diff + model (never empty), candles,
//             micro, volume profile — each with epoch and a per-symbol seq, PUBLISHed on its
//             truth channel
// Every worker is a named loop under runtime::LoopSupervisor (a loop that throws restarts with
// backoff; /readyz is red naming it meanwhile), and every feed event and REST value passes the
// InputGuard (engine_guard.cpp) before it touches market state.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/http_client.hpp"
#include "net/ops_routes.hpp"
#include "quant/bias_lfi.hpp"
#include "quant/candles.hpp"
#include "quant/gex.hpp"
#include "quant/microstructure.hpp"
#include "quant/trade_selector.hpp"
#include "quant/volume_profile.hpp"
#include "runtime/loop_supervisor.hpp"
#include "runtime/service.hpp"
#include "services/massive/input_guard.hpp"
#include "services/massive/command_queue.hpp"
#include "services/massive/massive_config.hpp"
#include "services/massive/replay_window.hpp"
#include "services/massive/selector_tracking.hpp"
#include "services/massive/symbol_chain.hpp"
#include "marketdata/recording.hpp"
#include "marketdata/rest_client.hpp"
#include "marketdata/ws_feed.hpp"

namespace ms::massive {

struct EngineOptions {
  std::string api_key;                           // the vendor key ("sim" on the simulator)
  std::optional<std::filesystem::path> record;   // --record FILE
  // Restart backoff of the worker loops (its metric_prefix is always "massive").
  runtime::SupervisorOptions supervision;
  // Test hook: the named loop ("publish", "chain", ... see start()) throws this many times when
  // it starts, before its body runs; the supervisor restarts it each time.
  std::map<std::string, int> loop_failures;
};

class MassiveEngine {
 public:
  MassiveEngine(runtime::ServiceContext& ctx, MassiveConfig config, EngineOptions options);
  ~MassiveEngine();
  MassiveEngine(const MassiveEngine&) = delete;
  MassiveEngine& operator=(const MassiveEngine&) = delete;

  void start();
  void stop();  // blocks until the workers have ended (bounded)
  net::Readiness readiness() const;

 private:
  using Strand = boost::asio::strand<boost::asio::any_io_executor>;

  // massive_engine.cpp: lifecycle, feeds, clock
  boost::asio::awaitable<void> run_feed(marketdata::WsFeed& feed);
  boost::asio::awaitable<void> live_clock_loop();
  void on_option_events(std::vector<marketdata::FeedEvent>& events);
  void on_index_events(std::vector<marketdata::FeedEvent>& events);
  void on_stock_events(std::vector<marketdata::FeedEvent>& events);
  void on_clock_event(const marketdata::ClockEvent& c);
  void on_clock(core::ClockState state);
  void on_new_session(core::Date previous, core::Date next);
  void on_session_change();  // engine_ideas.cpp: per-session state (micro)
  void wake_chain_loop();
  SymbolChain* chain_for_ticker(std::string_view sym);
  // Sleeps on the strand; false once the engine is stopping. With `handle`, *handle points at
  // the timer while it runs, so someone else can cut the sleep short (wake_chain_loop).
  boost::asio::awaitable<bool> pause(std::chrono::milliseconds d, boost::asio::steady_timer** handle = nullptr);
  boost::asio::awaitable<void> load_state();  // engine_publish.cpp: volume hash, stored candles
  core::EpochMs market_now() const;
  // The next seq of a model for a symbol; also counts the publication in /metrics.
  std::int64_t next_seq(const std::string& model, const std::string& symbol);
  void open_recording();  // --record: the header carries the market time it starts at
  void record_ws(std::string_view feed, std::string_view frame);
  void update_feed_metrics();
  // The input boundary (input_guard.hpp): false (and counted by feed and reason) when a value
  // must not reach the models.
  std::optional<GuardClock> guard_clock() const;
  void count_rejected(std::string_view feed, RejectReason reason);
  bool admit_option_quote(const SymbolChain& chain, const ChainContract& c, const marketdata::QuoteEvent& q);
  bool admit_option_trade(const SymbolChain& chain, const ChainContract& c, const marketdata::TradeEvent& t);
  void screen_unknown_option(std::string_view sym);  // an option the chain does not hold
  bool admit_stock_trade(const marketdata::TradeEvent& t);
  bool admit_spot(const std::string& symbol, double value, core::EpochMs t_ms, std::string_view source);

  // engine_spot.cpp: spot, trail, candles
  boost::asio::awaitable<void> spot_loop();
  // Spot ordering by the vendor's timestamps (engine_spot.cpp): the stamp to order a REST
  // snapshot by, or 0 when it is dropped (counted in massive_spot_dropped_total).
  core::EpochMs snapshot_stamp(const std::string& symbol, std::optional<core::EpochMs> stamp,
                               std::string_view source);
  void drop_spot(std::string_view reason, std::string_view source);
  core::EpochMs stamp_tolerance_ms() const;  // how far a vendor stamp may lead the market clock
  void on_spot(const std::string& symbol, double value, core::EpochMs t_ms, std::string_view source,
               const marketdata::StockSnapshot* stock = nullptr);
  double spot_of(const std::string& symbol) const;
  std::optional<double> vix() const;

  // engine_chain.cpp: chain geometry, subscriptions, GEX, Bias/LFI, selector
  boost::asio::awaitable<void> chain_loop();
  boost::asio::awaitable<void> refresh_chain(const std::string& symbol);
  boost::asio::awaitable<void> analytics_loop();
  boost::asio::awaitable<void> selector_loop();
  void write_chain_latest();
  void update_subscriptions();
  void run_analytics(const std::string& symbol);
  void run_selector(const std::string& symbol);
  // engine_ideas.cpp: trade-idea tracking
  void track_ideas(const std::string& symbol, const quant::SelectorResult& result);
  void apply_tracking_writes(const std::string& symbol, const TrackingWrites& writes);
  boost::asio::awaitable<void> restore_ideas();

  // engine_publish.cpp: coalesced publication
  boost::asio::awaitable<void> publish_loop();
  // The diff when tiles changed; the full model when ReplayWindow says it is due, or with
  // `final` (stop) whenever the model lags the diffs, so :latest ends equal to the newest state.
  void publish_heatmap(SymbolChain& chain, bool final = false);
  void publish_candles();
  void flush_volume();
  // engine_ideas.cpp: the 0-DTE microstructure model
  void publish_micro();
  void on_micro_quote(const SymbolChain& chain, const ChainContract& c, const marketdata::QuoteEvent& q);
  void on_micro_trade(const SymbolChain& chain, const ChainContract& c, const marketdata::TradeEvent& t);
  void on_micro_spot(const std::string& symbol, double value, core::EpochMs t_ms);
  quant::MicroBuilder& micro_for(const std::string& symbol);

  // ---- engine_close.cpp: official close and AM settlement (issue 7 item 3) ------------------
  // At the close: the last tick as a provisional massive:close:{SYM}:{date}, then a watch that
  // polls the vendor's daily summary until the official close is there, writes it (final) and
  // rechecks it for corrections; on an AM (monthly) expiry day the same for the opening
  // settlement value of the chain symbols into massive:settlement:{SYM}:{date}. Idea tracking
  // settles on those values (engine_ideas.cpp settle_ideas).
  enum class OfficialKind { close, am_settlement };
  struct OfficialValue {
    double value = 0;
    std::string source;  // "last_tick" | "first_tick" | "vendor"
    bool final = false;
    int revision = 0;    // vendor values written: 1, +1 per correction
  };
  void write_session_close(core::Date session);  // the provisional close, then the watch
  void on_session_open(core::Date session);      // AM expiry day: the settlement watch
  void watch_official(core::Date session, OfficialKind kind);
  boost::asio::awaitable<void> official_watch(core::Date session, OfficialKind kind);
  boost::asio::awaitable<void> recheck_official(core::Date session, OfficialKind kind,
                                                std::vector<std::string> symbols);
  void write_official(const std::string& symbol, core::Date session, OfficialKind kind, OfficialValue v,
                      core::EpochMs tick_ms);
  void watch_awaiting_ideas();  // after restore: the dates restored ideas still wait for
  // engine_ideas.cpp: settles (or re-settles) the symbol's ideas of that expiration instant.
  void settle_ideas(const std::string& symbol, core::EpochMs expiration_ms, const OfficialValue& v,
                    OfficialKind kind);
  std::map<std::string, OfficialValue> official_;  // "date|kind|SYM" -> the value written last
  std::set<std::pair<core::Date, OfficialKind>> watches_;  // started (one per date and kind)
  // Watches are one-shot tasks, not supervised loops (one per session and kind, overlapping
  // across sessions): stop() waits for them through this count and timer.
  int official_watches_running_ = 0;
  boost::asio::steady_timer* official_watches_ended_ = nullptr;
  std::set<core::Date> opened_sessions_;
  // ---- end engine_close.cpp ------------------------------------------------------------------

  runtime::ServiceContext& ctx_;
  MassiveConfig config_;
  EngineOptions options_;
  Strand strand_;
  runtime::LoopSupervisor loops_;  // every worker loop, restarted when it throws
  InputGuard guard_;
  std::map<std::string, core::Counter*, std::less<>> rejected_;  // "feed|reason" → counter
  std::shared_ptr<CommandQueue> out_;
  std::string epoch_;
  std::map<std::string, std::int64_t> seqs_;
  std::map<std::string, core::Counter*> built_;  // models_built_total per model
  struct HeatmapPublication {
    ReplayWindow window;
    std::int64_t seq = 0;             // the newest diff's
    std::uint64_t chain_version = 0;  // the chain geometry of the last model SET
    core::Counter* model_bytes = nullptr;
    core::Counter* diff_bytes = nullptr;
    core::Counter* model_writes = nullptr;
    core::Counter* diff_writes = nullptr;
    core::Gauge* replay_bytes = nullptr;
    core::Gauge* replay_entries = nullptr;
  };
  std::map<std::string, HeatmapPublication> heatmap_pubs_;  // per chain symbol
  HeatmapPublication& heatmap_publication(const std::string& symbol);

  net::HttpClient http_;
  std::unique_ptr<marketdata::RestClient> rest_;
  std::unique_ptr<marketdata::WsFeed> options_feed_, indices_feed_, stocks_feed_;
  std::unique_ptr<marketdata::RecordingWriter> recorder_;

  // Market state (strand only).
  struct Spot {
    double value = 0;
    core::EpochMs t_ms = 0;
  };
  std::map<std::string, Spot> spots_;
  std::map<std::string, std::unique_ptr<SymbolChain>> chains_;
  struct Expirations {
    core::Date from{};
    std::vector<std::string> dates;
  };
  std::map<std::string, Expirations> expirations_;  // per chain symbol
  std::map<std::string, quant::GexModel> gex_;
  std::map<std::string, quant::BiasLfiResult> bias_;
  std::map<std::string, quant::CandleBuilder> candles_;
  std::map<std::string, quant::MicroBuilder> micro_;
  std::map<std::string, SelectorTracker> trackers_;
  quant::VolumeAccumulator volume_;
  std::map<std::int64_t, double> volume_totals_;  // bucket (SPX cents) → volume
  bool volume_loaded_ = false;
  std::vector<std::string> option_subscriptions_;
  std::vector<std::string> cycle_entered_, cycle_exited_;  // geometry changes of this chain cycle

  core::Date session_{};
  std::atomic<bool> clock_ready_{false};
  std::set<core::Date> closed_sessions_;
  std::set<boost::asio::steady_timer*> timers_;     // every running pause(), for stop()
  boost::asio::steady_timer* chain_timer_ = nullptr;  // the chain loop's pause()
  bool session_open_ = false;
  std::uint64_t clock_seq_ = 0;
  core::EpochMs last_clock_second_ = -1;
  bool chain_refresh_now_ = false;

  bool stopping_ = false;

  // Metrics.
  core::Counter* ticks_options_;
  core::Counter* ticks_indices_;
  core::Counter* ticks_stocks_;
  core::Histogram* build_heatmap_;
  core::Histogram* build_gex_;
  core::Histogram* build_selector_;
  core::Counter* rest_errors_;
  core::Gauge* volume_outside_;
};

}  // namespace ms::massive
