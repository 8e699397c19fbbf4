#pragma once
// The vendor's WebSocket events as plain structs (spec massive.md §2.2b), decoded from text
// frames by FrameDecoder. Times are epoch milliseconds; on the simulator they are market time.
//
//   T  trade        {"ev":"T","sym":"O:SPXW260210C06000000","x":65,"p":7.7,"s":1,"c":[209],"t":ms,"q":n}
//   Q  quote        {"ev":"Q","sym":..,"bx":..,"ax":..,"bp":7.6,"ap":7.8,"bs":12,"as":30,"t":ms,"q":n}
//   V  index value  {"ev":"V","val":6001.23,"T":"I:SPX","t":ms}
//   A / AM          {"ev":"A","sym":..,"o","h","l","c","v"?,"s":start ms,"e":end ms}
//   status          {"ev":"status","status":"auth_success","message":"authenticated"}
//   clock           the simulator's market clock (services/sim/wire.hpp), a status event with
//                   "status":"clock" and ts_ms/session_date/phase/speed
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace ms::marketdata {

using EpochMs = std::int64_t;

struct TradeEvent {
  std::string sym;
  double price = 0;
  std::int64_t size = 0;
  EpochMs t_ms = 0;
  int exchange = 0;
  std::uint64_t q = 0;
};

struct QuoteEvent {
  std::string sym;
  double bid = 0;
  double ask = 0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
  EpochMs t_ms = 0;
  std::uint64_t q = 0;
};

struct IndexValueEvent {
  std::string ticker;  // "I:SPX"
  double value = 0;
  EpochMs t_ms = 0;
};

struct AggregateEvent {
  std::string sym;
  bool minute = false;  // AM (true) or A (per second)
  double open = 0, high = 0, low = 0, close = 0;
  std::optional<std::int64_t> volume;  // index aggregates carry none
  EpochMs start_ms = 0;
  EpochMs end_ms = 0;
};

struct StatusEvent {
  std::string status;   // connected | auth_success | auth_failed | success | error | ...
  std::string message;
};

// Simulator extension: where the market is. `phase` is core's session phase name
// ("pre_market", "open", "closed", ...) as the simulator wrote it.
struct ClockEvent {
  EpochMs ts_ms = 0;
  std::string session_date;  // "2026-02-10"
  std::string phase;
  double speed = 1.0;
};

using FeedEvent =
    std::variant<TradeEvent, QuoteEvent, IndexValueEvent, AggregateEvent, StatusEvent, ClockEvent>;

}  // namespace ms::marketdata
