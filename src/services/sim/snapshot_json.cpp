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

// The parts of an option's snapshot that the options chain snapshot and the universal snapshot
// write alike.
void contract_details_fields(Obj& d, const ContractSpec& c) {
  d.str("contract_type", c.type == quant::OptionType::call ? "call" : "put");
  d.str("exercise_style", "european");
  d.str("expiration_date", c.expiry_text);
  d.integer("shares_per_contract", 100);
  append_number(d.key("strike_price"), c.strike);
}

// "fmv" (when served), "greeks" and "implied_volatility", in the vendor's key order.
void valuation_fields(Obj& o, const Valuation& v, const quant::Greeks& g, bool include_fmv) {
  if (include_fmv) o.rounded("fmv", v.theo, 4);
  {
    Obj d(o.key("greeks"));
    d.rounded("delta", g.delta, 6);
    d.rounded("gamma", g.gamma, 8);
    d.rounded("theta", g.theta_per_day, 6);
    d.rounded("vega", g.vega, 6);
  }
  o.rounded("implied_volatility", v.vol, 6);
}

// "last_quote" of a contract or a stock; the universal snapshot's contract quote names no
// exchanges.
template <class Quote>
void last_quote_field(Obj& o, const Quote& q, std::int64_t now_ns, bool with_exchanges) {
  Obj d(o.key("last_quote"));
  d.cents("ask", q.ask_cents);
  if (with_exchanges) d.integer("ask_exchange", q.ask_exchange);
  d.integer("ask_size", q.ask_size);
  d.cents("bid", q.bid_cents);
  if (with_exchanges) d.integer("bid_exchange", q.bid_exchange);
  d.integer("bid_size", q.bid_size);
  d.integer("last_updated", now_ns);
  append_number(d.key("midpoint"), double(q.bid_cents + q.ask_cents) / 200.0);
  d.str("timeframe", "REAL-TIME");
}

// "last_trade", present once the contract has traded.
void last_trade_field(Obj& o, const ContractDay& day) {
  if (day.last_trade_ms <= 0) return;
  Obj d(o.key("last_trade"));
  d.key("conditions") += "[209]";
  d.integer("exchange", day.last_exchange);
  d.cents("price", day.last_price_cents);
  d.integer("sip_timestamp", day.last_trade_ms * kNsPerMs);
  d.integer("size", day.last_size);
  d.str("timeframe", "REAL-TIME");
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

namespace {

// What both contract writers read of one contract at the market's current tick.
struct ContractState {
  ContractState(const SimMarket& market, std::uint32_t i)
      : c(market.chain()[i]),
        spec(underlying_spec(c.underlying)),
        spot(market.spot(c.underlying)),
        v(market.valuation(i)),
        q(market.quote(i)),
        g(greeks_of(c, spot, v, market.config().chain.rate)),
        day(market.contract_day(i)) {}
  const ContractSpec& c;
  const UnderlyingSpec& spec;
  double spot;
  Valuation v;
  OptionQuote q;
  quant::Greeks g;
  const ContractDay& day;
};

}  // namespace

void append_contract_json(std::string& out, const SimMarket& market, std::uint32_t i,
                          bool include_fmv) {
  const ContractState st(market, i);
  const auto& [c, spec, spot, v, q, g, day] = st;
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
      // Not traded this session: the vendor's object is still complete — prices at the
      // previous close, no change, no volume, stamped at the session's open.
      const std::int64_t prev = day.previous_close_cents;
      d.integer("change", 0);
      d.integer("change_percent", 0);
      d.cents("close", prev);
      d.cents("high", prev);
      d.integer("last_updated", market.session().open_ms * kNsPerMs);
      d.cents("low", prev);
      d.cents("open", prev);
      d.cents("previous_close", prev);
      d.integer("volume", 0);
      d.cents("vwap", prev);
    }
  }
  {
    Obj d(o.key("details"));
    contract_details_fields(d, c);
    d.str("ticker", c.ticker);
  }
  valuation_fields(o, v, g, include_fmv);
  last_quote_field(o, q, now_ns, true);
  last_trade_field(o, day);
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

void append_stock_ticker_json(std::string& out, const SimMarket& market, Stock stock) {
  const auto& spy = market.stock_day(stock);
  const double last = spy.last_trade_ms > 0 ? double(spy.last_trade.price_cents) / 100.0
                                            : market.stock_value(stock);
  Obj o(out);
  o.str("ticker", stock_ticker(stock));
  o.rounded("todaysChange", last - spy.previous_close, 2);
  o.rounded("todaysChangePerc",
            spy.previous_close > 0 ? 100.0 * (last - spy.previous_close) / spy.previous_close : 0.0, 4);
  o.integer("updated", market.now_ms() * kNsPerMs);
  {
    Obj d(o.key("day"));
    bar_fields(d, spy.day.has_data ? spy.day : Bar{}, 2);
  }
  {
    const QuotePrint q = market.stock_quote(stock);
    Obj d(o.key("lastQuote"));
    d.cents("P", q.ask_cents);
    d.integer("S", q.ask_size);
    d.cents("p", q.bid_cents);
    d.integer("s", q.bid_size);
    d.integer("t", market.now_ms() * kNsPerMs);
  }
  if (spy.last_trade_ms > 0) {
    Obj d(o.key("lastTrade"));
    if (!spy.last_trade.conditions.empty()) append_int_array(d.key("c"), spy.last_trade.conditions);
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
    Bar prev;
    if (const auto b = market.previous_stock_bar(stock)) {
      prev = *b;
    } else {
      prev.add(spy.previous_close, 0);
    }
    prev.close = spy.previous_close;  // the close the day's change is measured from
    bar_fields(d, prev, 2);
  }
}

namespace {

// The universal snapshot's "session" of a ticker with a day bar.
void universal_session(Obj& o, double price, double previous_close, const Bar& day, EpochMs now_ms,
                       bool with_volume) {
  Obj s(o.key("session"));
  const double change = price - previous_close;
  const double pct = previous_close > 0 ? 100.0 * change / previous_close : 0.0;
  s.rounded("change", change, 2);
  s.rounded("change_percent", pct, 4);
  s.rounded("close", price, 2);
  s.integer("early_trading_change", 0);
  s.integer("early_trading_change_percent", 0);
  s.rounded("high", day.has_data ? day.high : price, 2);
  s.integer("last_updated", now_ms * kNsPerMs);
  s.integer("late_trading_change", 0);
  s.integer("late_trading_change_percent", 0);
  s.rounded("low", day.has_data ? day.low : price, 2);
  s.rounded("open", day.has_data ? day.open : price, 2);
  s.rounded("previous_close", previous_close, 2);
  s.rounded("price", price, 2);
  const double regular = day.has_data ? price - day.open : 0.0;
  s.rounded("regular_trading_change", regular, 2);
  s.rounded("regular_trading_change_percent", day.has_data && day.open > 0 ? 100.0 * regular / day.open : 0.0, 4);
  if (with_volume) {
    s.integer("volume", day.volume);
    s.rounded("vwap", day.vwap(), 4);
  }
}

void universal_stock(std::string& out, const SimMarket& market, Stock stock) {
  const StockDay& d = market.stock_day(stock);
  const EpochMs now = market.now_ms();
  const double price = d.last_trade_ms > 0 ? double(d.last_trade.price_cents) / 100.0 : market.stock_value(stock);
  Obj o(out);
  o.str("market_status", market_status_at(now));
  o.str("name", stock_name(stock));
  o.str("ticker", stock_ticker(stock));
  o.str("type", "stocks");
  o.str("timeframe", "REAL-TIME");
  o.integer("last_updated", now * kNsPerMs);
  last_quote_field(o, market.stock_quote(stock), now * kNsPerMs, true);
  if (d.last_trade_ms > 0) {
    Obj l(o.key("last_trade"));
    append_int_array(l.key("conditions"), d.last_trade.conditions);
    l.integer("exchange", d.last_trade.exchange);
    l.str("id", d.last_trade.trade_id);
    l.integer("last_updated", d.last_trade_ms * kNsPerMs);
    l.integer("participant_timestamp", d.last_trade_ms * kNsPerMs);
    l.cents("price", d.last_trade.price_cents);
    l.integer("sip_timestamp", d.last_trade_ms * kNsPerMs);
    l.integer("size", d.last_trade.size);
    l.str("timeframe", "REAL-TIME");
  }
  if (d.last_minute.has_data) {
    Obj l(o.key("last_minute"));
    l.rounded("close", d.last_minute.close, 2);
    l.rounded("high", d.last_minute.high, 2);
    l.integer("last_updated", (d.last_minute_start + 60'000) * kNsPerMs);
    l.rounded("low", d.last_minute.low, 2);
    l.rounded("open", d.last_minute.open, 2);
    l.integer("transactions", d.last_minute.trades);
    l.integer("volume", d.last_minute.volume);
    l.rounded("vwap", d.last_minute.vwap(), 4);
  }
  universal_session(o, price, d.previous_close, d.day, now, true);
}

void universal_index(std::string& out, const SimMarket& market, Index index) {
  const double value = market.index_value(index);
  const auto& day = market.index_day(index);
  Obj o(out);
  o.str("market_status", market_status_at(market.now_ms()));
  o.str("name", index_name(index));
  o.str("ticker", index_ticker(index));
  o.str("type", "indices");
  o.str("timeframe", "REAL-TIME");
  o.integer("last_updated", market.now_ms() * kNsPerMs);
  o.rounded("value", value, 2);
  universal_session(o, value, day.previous_close, day.day, market.now_ms(), false);
}

void universal_option(std::string& out, const SimMarket& market, std::uint32_t i, bool include_fmv) {
  const ContractState st(market, i);
  const auto& [c, spec, spot, v, q, g, day] = st;
  const EpochMs now = market.now_ms();
  const bool call = c.type == quant::OptionType::call;
  const double mid = q.mid();
  const double break_even = call ? c.strike + mid : c.strike - mid;
  Obj o(out);
  o.rounded("break_even_price", break_even, 3);
  {
    Obj d(o.key("details"));
    contract_details_fields(d, c);
  }
  valuation_fields(o, v, g, include_fmv);
  last_quote_field(o, q, now * kNsPerMs, false);
  last_trade_field(o, day);
  o.str("market_status", market_status_at(now));
  o.str("name", std::string(spec.bare) + " " + c.expiry_text + " " + (call ? "Call" : "Put"));
  o.integer("open_interest", c.open_interest);
  {
    const double prev = double(day.previous_close_cents) / 100.0;
    Bar bar = day.day;
    const double price = day.last_trade_ms > 0 ? double(day.last_price_cents) / 100.0 : prev;
    if (!bar.has_data) bar.add(prev, 0);
    universal_session(o, price, prev, bar, now, true);
  }
  o.str("ticker", c.ticker);
  o.str("timeframe", "REAL-TIME");
  o.str("type", "options");
  {
    Obj d(o.key("underlying_asset"));
    d.rounded("change_to_break_even", break_even - spot, 2);
    d.integer("last_updated", now * kNsPerMs);
    d.str("ticker", spec.index_ticker);
    d.str("timeframe", "REAL-TIME");
    d.rounded("value", spot, 2);
  }
}

}  // namespace

void append_universal_result_json(std::string& out, const SimMarket& market, std::string_view ticker,
                                  bool include_fmv) {
  if (const auto i = parse_index_ticker(ticker)) return universal_index(out, market, *i);
  if (const auto st = parse_stock_ticker(ticker)) return universal_stock(out, market, *st);
  if (ticker.substr(0, 2) == "O:") {
    if (const auto i = market.chain().find(ticker)) return universal_option(out, market, *i, include_fmv);
  }
  append_not_found_result_json(out, ticker);
}

std::string open_close_json(const DaySummary& d) {
  std::string out;
  {
    Obj o(out);  // closes the object when it goes out of scope
    o.str("status", "OK");
    o.str("from", core::format_date(d.date));
    o.str("symbol", d.ticker);
    o.rounded("open", d.open, 2);
    o.rounded("high", d.high, 2);
    o.rounded("low", d.low, 2);
    if (d.close) o.rounded("close", *d.close, 2);
    if (d.stock) o.integer("volume", d.volume);
    if (d.close) o.rounded("afterHours", *d.close, 2);
    o.rounded("preMarket", d.open, 2);
  }
  return out;
}

}  // namespace ms::sim
