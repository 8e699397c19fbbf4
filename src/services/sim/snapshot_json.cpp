#include "services/sim/snapshot_json.hpp"

#include <cmath>

#include "services/sim/json_out.hpp"

namespace ms::sim {

namespace {

using namespace json_out;

constexpr std::int64_t kNsPerMs = 1'000'000;

// Writes comma-separated "key":value pairs inside one object.
class Obj {
 public:
  explicit Obj(std::string& out) : out_(out) { out_ += '{'; }
  ~Obj() { out_ += '}'; }
  std::string& key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    append_string(out_, k);
    out_ += ':';
    return out_;
  }
  void str(std::string_view k, std::string_view v) { append_string(key(k), v); }
  void integer(std::string_view k, std::int64_t v) { append_int(key(k), v); }
  void cents(std::string_view k, std::int64_t v) { append_cents(key(k), v); }
  void rounded(std::string_view k, double v, int d) { append_rounded(key(k), v, d); }

 private:
  std::string& out_;
  bool first_ = true;
};

void bar_fields(Obj& o, const Bar& b, int decimals) {
  o.rounded("o", b.open, decimals);
  o.rounded("h", b.high, decimals);
  o.rounded("l", b.low, decimals);
  o.rounded("c", b.close, decimals);
  o.integer("v", b.volume);
  o.rounded("vw", b.vwap(), 4);
}

}  // namespace

std::string_view market_status_at(EpochMs ms) {
  switch (core::session_phase_at(ms)) {
    case core::SessionPhase::open: return "open";
    case core::SessionPhase::pre_market: return "early_trading";
    case core::SessionPhase::post_market: return "late_trading";
    case core::SessionPhase::closed: return "closed";
  }
  return "closed";
}

void append_contract_json(std::string& out, const SimMarket& market, std::uint32_t i,
                          bool include_fmv) {
  const auto& c = market.chain()[i];
  const auto& spec = underlying_spec(c.underlying);
  const double spot = market.spot(c.underlying);
  const Valuation v = market.valuation(i);
  const OptionQuote q = market.quote(i);
  const auto g = greeks_of(c, spot, v, market.config().chain.rate);
  const auto& day = market.contract_day(i);
  const std::int64_t now_ns = market.now_ms() * kNsPerMs;
  const bool call = c.type == quant::OptionType::call;
  const double mid = q.mid();
  const double break_even = call ? c.strike + mid : c.strike - mid;

  Obj o(out);
  o.rounded("break_even_price", break_even, 3);
  {
    Obj d(o.key("day"));
    if (day.day.has_data) {
      const std::int64_t close = day.last_price_cents;
      const std::int64_t change = close - day.previous_close_cents;
      d.cents("change", change);
      d.rounded("change_percent",
                day.previous_close_cents > 0 ? 100.0 * double(change) / double(day.previous_close_cents) : 0.0,
                2);
      d.cents("close", close);
      d.cents("high", std::llround(day.day.high * 100.0));
      d.integer("last_updated", day.last_trade_ms * kNsPerMs);
      d.cents("low", std::llround(day.day.low * 100.0));
      d.cents("open", std::llround(day.day.open * 100.0));
      d.cents("previous_close", day.previous_close_cents);
      d.integer("volume", day.day.volume);
      d.rounded("vwap", day.day.vwap(), 4);
    } else {
      d.cents("previous_close", day.previous_close_cents);
    }
  }
  {
    Obj d(o.key("details"));
    d.str("contract_type", call ? "call" : "put");
    d.str("exercise_style", "european");
    d.str("expiration_date", c.expiry_text);
    d.integer("shares_per_contract", 100);
    append_number(d.key("strike_price"), c.strike);
    d.str("ticker", c.ticker);
  }
  if (include_fmv) o.rounded("fmv", v.theo, 4);
  {
    Obj d(o.key("greeks"));
    d.rounded("delta", g.delta, 6);
    d.rounded("gamma", g.gamma, 8);
    d.rounded("theta", g.theta_per_day, 6);
    d.rounded("vega", g.vega, 6);
  }
  o.rounded("implied_volatility", v.vol, 6);
  {
    Obj d(o.key("last_quote"));
    d.cents("ask", q.ask_cents);
    d.integer("ask_exchange", q.ask_exchange);
    d.integer("ask_size", q.ask_size);
    d.cents("bid", q.bid_cents);
    d.integer("bid_exchange", q.bid_exchange);
    d.integer("bid_size", q.bid_size);
    d.integer("last_updated", now_ns);
    append_number(d.key("midpoint"), mid);
    d.str("timeframe", "REAL-TIME");
  }
  if (day.last_trade_ms > 0) {
    Obj d(o.key("last_trade"));
    d.key("conditions") += "[209]";
    d.integer("exchange", day.last_exchange);
    d.cents("price", day.last_price_cents);
    d.integer("sip_timestamp", day.last_trade_ms * kNsPerMs);
    d.integer("size", day.last_size);
    d.str("timeframe", "REAL-TIME");
  }
  o.integer("open_interest", c.open_interest);
  {
    Obj d(o.key("underlying_asset"));
    d.rounded("change_to_break_even", break_even - spot, 2);
    d.integer("last_updated", now_ns);
    d.str("ticker", spec.index_ticker);
    d.str("timeframe", "REAL-TIME");
    d.rounded("value", spot, 2);
  }
}

void append_index_result_json(std::string& out, const SimMarket& market, Index index) {
  const double value = market.index_value(index);
  const auto& day = market.index_day(index);
  Obj o(out);
  o.str("ticker", index_ticker(index));
  o.str("name", index_name(index));
  o.str("type", "indices");
  o.str("market_status", market_status_at(market.now_ms()));
  o.rounded("value", value, 2);
  o.integer("last_updated", market.now_ms() * kNsPerMs);
  o.str("timeframe", "REAL-TIME");
  Obj s(o.key("session"));
  const double change = value - day.previous_close;
  s.rounded("change", change, 2);
  s.rounded("change_percent", day.previous_close > 0 ? 100.0 * change / day.previous_close : 0.0, 2);
  s.rounded("close", value, 2);
  if (day.day.has_data) {
    s.rounded("high", day.day.high, 2);
    s.rounded("low", day.day.low, 2);
    s.rounded("open", day.day.open, 2);
  }
  s.rounded("previous_close", day.previous_close, 2);
}

void append_not_found_result_json(std::string& out, std::string_view ticker) {
  Obj o(out);
  o.str("ticker", ticker);
  o.str("error", "NOT_FOUND");
  o.str("message", "Ticker not found.");
}

void append_stock_ticker_json(std::string& out, const SimMarket& market) {
  const auto& spy = market.spy_day();
  const double last = spy.last_trade_ms > 0 ? double(spy.last_trade.price_cents) / 100.0
                                            : market.state().spy;
  Obj o(out);
  o.str("ticker", kSpyTicker);
  o.rounded("todaysChange", last - spy.previous_close, 2);
  o.rounded("todaysChangePerc",
            spy.previous_close > 0 ? 100.0 * (last - spy.previous_close) / spy.previous_close : 0.0, 4);
  o.integer("updated", market.now_ms() * kNsPerMs);
  if (spy.day.has_data) {
    Obj d(o.key("day"));
    bar_fields(d, spy.day, 2);
  }
  {
    const QuotePrint q = market.spy_quote();
    Obj d(o.key("lastQuote"));
    d.cents("P", q.ask_cents);
    d.integer("S", q.ask_size);
    d.cents("p", q.bid_cents);
    d.integer("s", q.bid_size);
    d.integer("t", market.now_ms() * kNsPerMs);
  }
  if (spy.last_trade_ms > 0) {
    Obj d(o.key("lastTrade"));
    if (!spy.last_trade.conditions.empty()) {
      std::string& k = d.key("c");
      k += '[';
      for (std::size_t n = 0; n < spy.last_trade.conditions.size(); ++n) {
        if (n) k += ',';
        append_int(k, spy.last_trade.conditions[n]);
      }
      k += ']';
    }
    d.str("i", spy.last_trade.trade_id);
    d.cents("p", spy.last_trade.price_cents);
    d.integer("s", spy.last_trade.size);
    d.integer("t", spy.last_trade_ms * kNsPerMs);
    d.integer("x", spy.last_trade.exchange);
  }
  const Bar& minute = spy.last_minute.has_data ? spy.last_minute : spy.minute;
  if (minute.has_data) {
    Obj d(o.key("min"));
    d.integer("av", spy.day.volume);
    // The last completed minute, or the one in progress before any has completed.
    const EpochMs open = market.session().open_ms;
    const EpochMs in_progress = open + (market.now_ms() - open) / 60'000 * 60'000;
    d.integer("t", spy.last_minute.has_data ? spy.last_minute_start : in_progress);
    d.integer("n", minute.trades);
    bar_fields(d, minute, 2);
  }
  {
    Obj d(o.key("prevDay"));
    d.rounded("c", spy.previous_close, 2);
  }
}

}  // namespace ms::sim
