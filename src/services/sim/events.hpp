#pragma once
// Market events as data, before any wire encoding. The simulator produces them once per tick;
// each connection's scheduler picks the subscribed ones and wire.hpp turns them into vendor JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/market_calendar.hpp"

namespace ms::sim {

using core::EpochMs;

// The vendor's event prefixes: T trades, Q quotes, A second and AM minute aggregates, V index values.
enum class Channel : std::uint8_t { trade, quote, second_agg, minute_agg, value };
std::string_view channel_prefix(Channel c);  // "T", "Q", "A", "AM", "V"
std::optional<Channel> parse_channel(std::string_view prefix);

// What kind of instrument a symbol names: "O:..." option, "I:..." index, anything else a stock.
enum class AssetClass : std::uint8_t { option, stock, index };
AssetClass asset_class_of(std::string_view symbol);

struct TradePrint {
  std::int64_t price_cents = 0;
  std::int64_t size = 0;
  int exchange = 0;
  std::vector<int> conditions;
  std::string trade_id;  // stocks only ("i")
  int tape = 0;          // stocks only ("z"); 0 = omitted
};

struct QuotePrint {
  std::int64_t bid_cents = 0;
  std::int64_t ask_cents = 0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
  int bid_exchange = 0;
  int ask_exchange = 0;
  int tape = 0;  // stocks only
  bool operator==(const QuotePrint&) const = default;
};

struct Aggregate {
  double open = 0, high = 0, low = 0, close = 0;
  EpochMs start_ms = 0, end_ms = 0;
  double day_open = 0;  // "op"
  // Traded instruments carry volumes; index aggregates have none and omit those fields.
  bool has_volume = false;
  std::int64_t volume = 0;      // "v"
  std::int64_t day_volume = 0;  // "av"
  double vwap = 0;              // "vw"
  double day_vwap = 0;          // "a"
  std::int64_t average_size = 0;  // "z"
};

struct IndexValue {
  double value = 0;
};

struct MarketEvent {
  Channel channel = Channel::trade;
  std::string symbol;
  EpochMs t = 0;
  std::variant<TradePrint, QuotePrint, Aggregate, IndexValue> data;
};

}  // namespace ms::sim
