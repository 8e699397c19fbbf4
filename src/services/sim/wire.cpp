#include "services/sim/wire.hpp"

#include <variant>

#include "services/sim/json_out.hpp"

namespace ms::sim {

namespace {

using namespace json_out;

void key(std::string& out, std::string_view k) {
  out += ',';
  append_string(out, k);
  out += ':';
}

void begin(std::string& out, std::string_view ev) {
  out += "{\"ev\":";
  append_string(out, ev);
}

void encode_trade(std::string& out, const MarketEvent& e, const TradePrint& p, std::uint64_t q) {
  const bool stock = asset_class_of(e.symbol) == AssetClass::stock;
  begin(out, "T");
  key(out, "sym");
  append_string(out, e.symbol);
  if (stock) {
    key(out, "i");
    append_string(out, p.trade_id);
  }
  key(out, "x");
  append_int(out, p.exchange);
  key(out, "p");
  append_cents(out, p.price_cents);
  key(out, "s");
  append_int(out, p.size);
  if (!p.conditions.empty()) {
    key(out, "c");
    out += '[';
    for (std::size_t i = 0; i < p.conditions.size(); ++i) {
      if (i) out += ',';
      append_int(out, p.conditions[i]);
    }
    out += ']';
  }
  key(out, "t");
  append_int(out, e.t);
  key(out, "q");
  append_int(out, std::int64_t(q));
  if (stock && p.tape) {
    key(out, "z");
    append_int(out, p.tape);
  }
  out += '}';
}

void encode_aggregate(std::string& out, const MarketEvent& e, const Aggregate& a) {
  const bool index = asset_class_of(e.symbol) == AssetClass::index;
  const int price_decimals = index ? 2 : 4;
  begin(out, channel_prefix(e.channel));
  key(out, "sym");
  append_string(out, e.symbol);
  if (a.has_volume) {
    key(out, "v");
    append_int(out, a.volume);
    key(out, "av");
    append_int(out, a.day_volume);
  }
  key(out, "op");
  append_rounded(out, a.day_open, price_decimals);
  if (a.has_volume) {
    key(out, "vw");
    append_rounded(out, a.vwap, 4);
  }
  key(out, "o");
  append_rounded(out, a.open, price_decimals);
  key(out, "c");
  append_rounded(out, a.close, price_decimals);
  key(out, "h");
  append_rounded(out, a.high, price_decimals);
  key(out, "l");
  append_rounded(out, a.low, price_decimals);
  if (a.has_volume) {
    key(out, "a");
    append_rounded(out, a.day_vwap, 4);
    key(out, "z");
    append_int(out, a.average_size);
  }
  key(out, "s");
  append_int(out, a.start_ms);
  key(out, "e");
  append_int(out, a.end_ms);
  out += '}';
}

void encode_value(std::string& out, const MarketEvent& e, const IndexValue& v) {
  begin(out, "V");
  key(out, "val");
  append_rounded(out, v.value, 2);
  key(out, "T");
  append_string(out, e.symbol);
  key(out, "t");
  append_int(out, e.t);
  out += '}';
}

}  // namespace

std::string status_event(std::string_view status, std::string_view message) {
  std::string out;
  begin(out, "status");
  key(out, "status");
  append_string(out, status);
  key(out, "message");
  append_string(out, message);
  out += '}';
  return out;
}

std::string frame_of(const std::vector<std::string>& events) {
  return frame_of(events, 0, events.size());
}

std::string frame_of(const std::vector<std::string>& events, std::size_t b, std::size_t e) {
  std::size_t n = 2;
  for (std::size_t i = b; i < e; ++i) n += events[i].size() + 1;
  std::string out;
  out.reserve(n);
  out += '[';
  for (std::size_t i = b; i < e; ++i) {
    if (i != b) out += ',';
    out += events[i];
  }
  out += ']';
  return out;
}

std::string connected_frame() {
  return "[" + status_event("connected", "Connected Successfully") + "]";
}
std::string auth_success_frame() { return "[" + status_event("auth_success", "authenticated") + "]"; }
std::string auth_failed_frame() {
  return "[" + status_event("auth_failed", "authentication failed") + "]";
}
std::string subscribed_event(std::string_view param) {
  return status_event("success", "subscribed to: " + std::string(param));
}
std::string unsubscribed_event(std::string_view param) {
  return status_event("success", "unsubscribed to: " + std::string(param));
}
std::string error_event(std::string_view message) { return status_event("error", message); }

std::string clock_event(const ClockStatus& c) {
  std::string out;
  begin(out, "status");
  key(out, "status");
  append_string(out, "clock");
  key(out, "message");
  append_string(out, "market clock");
  key(out, "ts_ms");
  append_int(out, c.ts_ms);
  key(out, "session_date");
  append_string(out, core::format_date(c.session_date));
  key(out, "phase");
  append_string(out, core::to_string(c.phase));
  key(out, "speed");
  append_number(out, c.speed);
  key(out, "source");
  append_string(out, "sim");
  out += '}';
  return out;
}

std::string encode_quote(std::string_view symbol, const QuotePrint& p, EpochMs t, std::uint64_t q) {
  std::string out;
  begin(out, "Q");
  key(out, "sym");
  append_string(out, symbol);
  if (asset_class_of(symbol) == AssetClass::stock) {
    key(out, "bx");
    append_int(out, p.bid_exchange);
    key(out, "bp");
    append_cents(out, p.bid_cents);
    key(out, "bs");
    append_int(out, p.bid_size);
    key(out, "ax");
    append_int(out, p.ask_exchange);
    key(out, "ap");
    append_cents(out, p.ask_cents);
    key(out, "as");
    append_int(out, p.ask_size);
  } else {
    key(out, "bx");
    append_int(out, p.bid_exchange);
    key(out, "ax");
    append_int(out, p.ask_exchange);
    key(out, "bp");
    append_cents(out, p.bid_cents);
    key(out, "ap");
    append_cents(out, p.ask_cents);
    key(out, "bs");
    append_int(out, p.bid_size);
    key(out, "as");
    append_int(out, p.ask_size);
  }
  key(out, "t");
  append_int(out, t);
  key(out, "q");
  append_int(out, std::int64_t(q));
  if (asset_class_of(symbol) == AssetClass::stock && p.tape) {
    key(out, "z");
    append_int(out, p.tape);
  }
  out += '}';
  return out;
}

std::string encode_event(const MarketEvent& e, std::uint64_t q) {
  std::string out;
  out.reserve(160);
  std::visit(
      [&](const auto& d) {
        using D = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<D, TradePrint>) {
          encode_trade(out, e, d, q);
        } else if constexpr (std::is_same_v<D, QuotePrint>) {
          out = encode_quote(e.symbol, d, e.t, q);
        } else if constexpr (std::is_same_v<D, Aggregate>) {
          encode_aggregate(out, e, d);
        } else {
          encode_value(out, e, d);
        }
      },
      e.data);
  return out;
}

}  // namespace ms::sim
