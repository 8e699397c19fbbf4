#include "services/sim/feed_scheduler.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "services/sim/wire.hpp"

namespace ms::sim {

namespace {

constexpr std::size_t kMaxPadPerTick = 200'000;

QuotePrint print_of(const OptionQuote& q) {
  QuotePrint p;
  p.bid_cents = q.bid_cents;
  p.ask_cents = q.ask_cents;
  p.bid_size = q.bid_size;
  p.ask_size = q.ask_size;
  p.bid_exchange = q.bid_exchange;
  p.ask_exchange = q.ask_exchange;
  return p;
}

}  // namespace

std::string_view cluster_path(Cluster c) {
  switch (c) {
    case Cluster::options: return "/options";
    case Cluster::stocks: return "/stocks";
    case Cluster::indices: return "/indices";
  }
  return "";
}

std::optional<Cluster> parse_cluster_path(std::string_view path) {
  for (auto c : {Cluster::options, Cluster::stocks, Cluster::indices}) {
    if (path == cluster_path(c)) return c;
  }
  return std::nullopt;
}

AssetClass cluster_asset_class(Cluster c) {
  switch (c) {
    case Cluster::options: return AssetClass::option;
    case Cluster::stocks: return AssetClass::stock;
    case Cluster::indices: return AssetClass::index;
  }
  return AssetClass::stock;
}

bool cluster_serves(Cluster c, Channel ch) {
  if (c == Cluster::indices) return ch == Channel::value || ch == Channel::second_agg || ch == Channel::minute_agg;
  return ch != Channel::value;
}

FeedScheduler::FeedScheduler(SchedulerConfig config) : config_(config) {
  if (!(std::isfinite(config_.messages_per_second) && config_.messages_per_second >= 0)) {
    throw core::Error("bad_scheduler_config", "messages_per_second must be >= 0");
  }
  if (!(std::isfinite(config_.speed) && config_.speed > 0)) {
    throw core::Error("bad_scheduler_config", "speed must be > 0");
  }
  if (config_.max_events_per_frame == 0) {
    throw core::Error("bad_scheduler_config", "max_events_per_frame must be >= 1");
  }
}

void FeedScheduler::subscribe(const Subscription& s) {
  auto& c = subs(s.channel);
  if (s.wildcard()) {
    c.all = true;
  } else {
    c.symbols.insert(s.symbol);
  }
  if (s.channel == Channel::quote) resolved_dirty_ = true;
}

void FeedScheduler::unsubscribe(const Subscription& s) {
  auto& c = subs(s.channel);
  if (s.wildcard()) {
    c.all = false;
  } else {
    c.symbols.erase(s.symbol);
  }
  if (s.channel == Channel::quote) resolved_dirty_ = true;
}

bool FeedScheduler::matches(Channel ch, std::string_view symbol) const {
  if (!cluster_serves(config_.cluster, ch)) return false;
  if (asset_class_of(symbol) != cluster_asset_class(config_.cluster)) return false;
  const auto& c = subs(ch);
  return c.all || c.symbols.count(std::string(symbol)) > 0;
}

bool FeedScheduler::subscribed(Channel ch, std::string_view symbol) const { return matches(ch, symbol); }

bool FeedScheduler::has_subscription(const Subscription& s) const {
  const auto& c = subs(s.channel);
  return s.wildcard() ? c.all : c.symbols.count(s.symbol) > 0;
}

std::size_t FeedScheduler::subscription_count() const {
  std::size_t n = 0;
  for (const auto& c : subs_) n += c.symbols.size() + (c.all ? 1 : 0);
  return n;
}

std::uint64_t FeedScheduler::next_q(const std::string& symbol) { return ++q_[symbol]; }

void FeedScheduler::resolve_quotes(const SimMarket& market) {
  if (!resolved_dirty_ && resolved_generation_ == market.chain_generation()) return;
  resolved_dirty_ = false;
  resolved_generation_ = market.chain_generation();
  const auto& chain = market.chain();
  quote_contracts_.clear();
  last_spy_quote_.reset();
  if (config_.cluster != Cluster::options) return;
  last_quote_.assign(chain.size(), OptionQuote{});
  has_last_quote_.assign(chain.size(), 0);
  const auto& q = subs(Channel::quote);
  if (q.all) {
    quote_contracts_.resize(chain.size());
    for (std::uint32_t i = 0; i < chain.size(); ++i) quote_contracts_[i] = i;
    return;
  }
  for (const auto& sym : q.symbols) {
    if (auto i = chain.find(sym)) quote_contracts_.push_back(*i);
  }
  std::sort(quote_contracts_.begin(), quote_contracts_.end());
}

void FeedScheduler::append_quotes(const SimMarket& market, const MarketTick& tick,
                                  std::vector<std::string>& out) {
  if (config_.cluster == Cluster::options) {
    for (auto i : quote_contracts_) {
      const OptionQuote q = market.quote(i);
      if (has_last_quote_[i] && last_quote_[i] == q) continue;
      has_last_quote_[i] = 1;
      last_quote_[i] = q;
      const auto& ticker = market.chain()[i].ticker;
      out.push_back(encode_quote(ticker, print_of(q), tick.t, next_q(ticker)));
    }
  } else if (config_.cluster == Cluster::stocks && matches(Channel::quote, kSpyTicker)) {
    const QuotePrint q = market.spy_quote();
    if (!last_spy_quote_ || !(*last_spy_quote_ == q)) {
      last_spy_quote_ = q;
      const std::string sym(kSpyTicker);
      out.push_back(encode_quote(sym, q, tick.t, next_q(sym)));
    }
  }
}

std::size_t FeedScheduler::pad(const SimMarket& market, const MarketTick& tick, std::size_t wanted,
                               std::vector<std::string>& out) {
  // Pad items: quote contracts, then SPY's quote, then subscribed index values.
  std::vector<Index> indices;
  if (config_.cluster == Cluster::indices) {
    for (auto i : kAllIndices) {
      if (matches(Channel::value, index_ticker(i))) indices.push_back(i);
    }
  }
  const bool spy = config_.cluster == Cluster::stocks && matches(Channel::quote, kSpyTicker);
  const std::size_t items = quote_contracts_.size() + (spy ? 1 : 0) + indices.size();
  if (items == 0) return 0;
  for (std::size_t n = 0; n < wanted; ++n) {
    const std::size_t k = pad_cursor_++ % items;
    if (k < quote_contracts_.size()) {
      const auto i = quote_contracts_[k];
      const auto& ticker = market.chain()[i].ticker;
      out.push_back(encode_quote(ticker, print_of(market.quote(i)), tick.t, next_q(ticker)));
    } else if (spy && k == quote_contracts_.size()) {
      const std::string sym(kSpyTicker);
      out.push_back(encode_quote(sym, market.spy_quote(), tick.t, next_q(sym)));
    } else {
      const Index idx = indices[k - quote_contracts_.size() - (spy ? 1 : 0)];
      const MarketEvent e{Channel::value, std::string(index_ticker(idx)), tick.t,
                          IndexValue{market.index_value(idx)}};
      out.push_back(encode_event(e, 0));
    }
  }
  return wanted;
}

std::vector<std::string> FeedScheduler::frames_for_tick(const SimMarket& market,
                                                        const MarketTick& tick) {
  std::vector<std::string> frames;
  if (config_.clock_events) {
    ClockStatus c{tick.t, tick.session_date, core::session_phase_at(tick.t), config_.speed};
    frames.push_back("[" + clock_event(c) + "]");
    ++stats_.clock_frames;
  }
  resolve_quotes(market);
  std::vector<std::string> events;
  for (const auto& e : tick.events) {
    if (!matches(e.channel, e.symbol)) continue;
    const bool numbered = e.channel == Channel::trade || e.channel == Channel::quote;
    events.push_back(encode_event(e, numbered ? next_q(e.symbol) : 0));
  }
  append_quotes(market, tick, events);

  if (config_.messages_per_second > 0) {
    budget_ += config_.messages_per_second * double(market.config().tick_ms) / 1000.0 / config_.speed;
    const double natural = double(events.size());
    if (natural < budget_) {
      const auto wanted = std::min<std::size_t>(kMaxPadPerTick, std::size_t(budget_ - natural));
      const std::size_t got = pad(market, tick, wanted, events);
      stats_.padded += got;
      stats_.shortfall += wanted - got;
      budget_ -= natural + double(wanted);
      if (budget_ >= 1.0) budget_ -= std::floor(budget_);  // only when the cap cut the padding
    } else {
      budget_ = 0;
    }
  }

  stats_.events += events.size();
  for (std::size_t b = 0; b < events.size(); b += config_.max_events_per_frame) {
    frames.push_back(frame_of(events, b, std::min(events.size(), b + config_.max_events_per_frame)));
  }
  stats_.frames += frames.size();
  return frames;
}

}  // namespace ms::sim
