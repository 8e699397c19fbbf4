// MassiveEngine: the input boundary. Every feed event and REST value passes one of these before
// it touches market state; what fails is counted (massive_rejected_inputs_total{feed,reason})
// and dropped, so the models go on with the values that can be true.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it

#include "core/option_ticker.hpp"
#include "services/massive/engine_support.hpp"
#include "services/massive/massive_engine.hpp"

namespace ms::massive {

std::optional<GuardClock> MassiveEngine::guard_clock() const {
  // Before massive has the market clock, market_now() is not the feed's time (the simulator's
  // session may be another day): times are not judged until then.
  if (!clock_ready_) return std::nullopt;
  return GuardClock{market_now(), ctx_.clock().speed()};
}

void MassiveEngine::count_rejected(std::string_view feed, RejectReason reason) {
  std::string key(feed);
  key += '|';
  key += to_string(reason);
  auto it = rejected_.find(key);
  if (it == rejected_.end()) {
    auto& c = ctx_.metrics().counter("massive_rejected_inputs_total",
                                     "Market data rejected at the input boundary (never reached a model)",
                                     {{"feed", std::string(feed)}, {"reason", std::string(to_string(reason))}});
    it = rejected_.emplace(std::move(key), &c).first;
  }
  it->second->inc();
}

bool MassiveEngine::admit_option_quote(const SymbolChain& chain, const ChainContract& c, const marketdata::QuoteEvent& q) {
  Verdict v = guard_.check_time(q.t_ms, guard_clock());
  if (!v) v = guard_.check_size(q.bid_size);
  if (!v) v = guard_.check_size(q.ask_size);
  if (!v) v = guard_.check_option_quote(q.bid, q.ask, c.strike, spot_of(chain.symbol()));
  if (v) count_rejected("options", *v);
  return !v;
}

bool MassiveEngine::admit_option_trade(const SymbolChain& chain, const ChainContract& c, const marketdata::TradeEvent& t) {
  Verdict v = guard_.check_time(t.t_ms, guard_clock());
  if (!v) v = guard_.check_size(t.size);
  if (!v) v = guard_.check_option_trade(t.price, c.strike, spot_of(chain.symbol()));
  if (v) count_rejected("options", *v);
  return !v;
}

void MassiveEngine::screen_unknown_option(std::string_view sym) {
  // Not in the chain: usually a contract that just left the strike window (nothing to count).
  // A ticker that is no option, or a strike nowhere near spot, is bad data.
  const auto parsed = core::parse_option_ticker(sym);
  if (!parsed) {
    count_rejected("options", RejectReason::ticker_unparsable);
    return;
  }
  const auto underlying = underlying_of_option(sym);
  if (underlying.empty()) return;  // a root massive does not model
  if (auto v = guard_.check_strike(parsed->strike(), spot_of(std::string(underlying)))) count_rejected("options", *v);
}

bool MassiveEngine::admit_stock_trade(const marketdata::TradeEvent& t) {
  Verdict v = guard_.check_time(t.t_ms, guard_clock());
  if (!v) v = guard_.check_size(t.size);
  if (!v) v = guard_.check_level(t.sym, t.price);
  if (v) count_rejected("stocks", *v);
  return !v;
}

bool MassiveEngine::admit_spot(const std::string& symbol, double value, core::EpochMs t_ms, std::string_view source) {
  // The indices feed's V events and the REST snapshots share one reference per symbol.
  const std::string_view feed = source == "massive/ws" ? "indices" : "rest";
  Verdict v = guard_.check_time(t_ms, guard_clock());
  if (!v) v = guard_.check_level(symbol, value);
  if (v) count_rejected(feed, *v);
  return !v;
}

}  // namespace ms::massive
