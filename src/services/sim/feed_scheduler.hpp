#pragma once
// Per WebSocket connection: which events of a market tick go out, in which frames.
//
// Selection: an event goes out when the connection subscribed to its channel and symbol (or
// "<channel>.*") and the symbol belongs to the connection's cluster (/options: O: tickers,
// /stocks: plain tickers, /indices: I: tickers) — a subscription the cluster cannot serve is
// acknowledged (as the vendor does) and simply delivers nothing.
// Quotes are computed from the market state at the tick and sent only when they changed since
// the last one this connection was sent; so call frames_for_tick right after the tick, before
// the market advances again.
// Order inside a tick: the market's events in time order, then quotes (stamped with the tick
// time); the clock status (simulator extension, see wire.hpp) comes first in its own frame.
// `q` counts per symbol on this connection: 1, 2, 3, ...
//
// Load mode (messages_per_second > 0): the connection receives at least that many events per
// wall second (converted to market time with `speed`): when the natural flow of a tick falls
// short, the scheduler re-sends current quotes of its Q subscriptions and values of its V
// subscriptions round-robin (new q, same prices) to make up the difference. Natural events are
// never dropped; a connection with no Q or V subscription cannot be padded (counted in
// stats().shortfall). Everything is a function of the market and the call sequence, so the
// same seed and ticks give byte-identical frames.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "services/sim/sim_market.hpp"
#include "services/sim/ws_action.hpp"

namespace ms::sim {

enum class Cluster : std::uint8_t { options, stocks, indices };
std::string_view cluster_path(Cluster c);  // "/options", "/stocks", "/indices"
std::optional<Cluster> parse_cluster_path(std::string_view path);
AssetClass cluster_asset_class(Cluster c);
// Channels the cluster serves: options T Q A AM; stocks T Q A AM; indices V A AM.
bool cluster_serves(Cluster c, Channel ch);

struct SchedulerConfig {
  Cluster cluster = Cluster::options;
  double messages_per_second = 0;  // 0 = natural flow
  double speed = 1.0;              // market ms per wall ms, for the load budget and the clock
  std::size_t max_events_per_frame = 100;
  bool clock_events = true;
};

struct SchedulerStats {
  std::uint64_t events = 0;  // market events sent (padding included, clock excluded)
  std::uint64_t padded = 0;
  std::uint64_t shortfall = 0;  // events the load budget wanted but nothing could pad
  std::uint64_t frames = 0;
  std::uint64_t clock_frames = 0;
};

class FeedScheduler {
 public:
  // Throws core::Error("bad_scheduler_config") for a negative rate, a speed <= 0 or a zero
  // frame size.
  explicit FeedScheduler(SchedulerConfig config);

  void subscribe(const Subscription& s);
  void unsubscribe(const Subscription& s);
  bool subscribed(Channel channel, std::string_view symbol) const;
  // Exactly this param is subscribed ("T.*" only by a wildcard subscription, "T.X" only by X).
  bool has_subscription(const Subscription& s) const;
  std::size_t subscription_count() const;

  std::vector<std::string> frames_for_tick(const SimMarket& market, const MarketTick& tick);

  const SchedulerConfig& config() const { return config_; }
  const SchedulerStats& stats() const { return stats_; }

 private:
  struct ChannelSubs {
    bool all = false;
    std::unordered_set<std::string> symbols;
  };
  ChannelSubs& subs(Channel c) { return subs_[static_cast<std::size_t>(c)]; }
  const ChannelSubs& subs(Channel c) const { return subs_[static_cast<std::size_t>(c)]; }
  bool matches(Channel c, std::string_view symbol) const;
  std::uint64_t next_q(const std::string& symbol);
  void resolve_quotes(const SimMarket& market);
  void append_quotes(const SimMarket& market, const MarketTick& tick, std::vector<std::string>& out);
  std::size_t pad(const SimMarket& market, const MarketTick& tick, std::size_t wanted,
                  std::vector<std::string>& out);

  SchedulerConfig config_;
  ChannelSubs subs_[5];
  std::unordered_map<std::string, std::uint64_t> q_;
  SchedulerStats stats_;
  double budget_ = 0;
  std::size_t pad_cursor_ = 0;

  // Quote subscriptions resolved against the current chain.
  std::uint64_t resolved_generation_ = 0;
  bool resolved_dirty_ = true;
  std::vector<std::uint32_t> quote_contracts_;
  std::vector<OptionQuote> last_quote_;  // by contract index
  std::vector<std::uint8_t> has_last_quote_;
  std::optional<QuotePrint> last_spy_quote_;
};

}  // namespace ms::sim
