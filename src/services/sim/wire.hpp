#pragma once
// WebSocket wire formats of the vendor (spec massive.md §2.2b), byte for byte what the simulator
// sends. Every frame is a JSON array of event objects; field order follows the vendor's.
//
//   status      {"ev":"status","status":"connected","message":"Connected Successfully"}
//               {"ev":"status","status":"auth_success","message":"authenticated"}
//               {"ev":"status","status":"auth_failed","message":"authentication failed"}
//               {"ev":"status","status":"success","message":"subscribed to: T.O:SPXW..."}
//               {"ev":"status","status":"success","message":"unsubscribed to: T.O:SPXW..."}
//               {"ev":"status","status":"error","message":"..."}
//   option T    {"ev":"T","sym":"O:SPXW260210C06000000","x":65,"p":7.7,"s":1,"c":[209],"t":ms,"q":n}
//   stock T     {"ev":"T","sym":"SPY","i":"123","x":11,"p":697.53,"s":100,"c":[37],"t":ms,"q":n,"z":2}
//               ("c" omitted when there are no conditions)
//   option Q    {"ev":"Q","sym":..,"bx":65,"ax":65,"bp":7.6,"ap":7.8,"bs":12,"as":30,"t":ms,"q":n}
//   stock Q     {"ev":"Q","sym":"SPY","bx":..,"bp":..,"bs":..,"ax":..,"ap":..,"as":..,"t":ms,"q":n,"z":2}
//   A / AM      {"ev":"A","sym":..,"v":..,"av":..,"op":..,"vw":..,"o":..,"c":..,"h":..,"l":..,
//                "a":..,"z":..,"s":start ms,"e":end ms}; index aggregates carry no volume fields:
//               {"ev":"AM","sym":"I:SPX","op":..,"o":..,"c":..,"h":..,"l":..,"s":..,"e":..}
//   V           {"ev":"V","val":6001.23,"T":"I:SPX","t":ms}   (the ticker is in "T", not "sym")
// `q` increases per symbol on each connection (the scheduler numbers what it sends).
//
// SIMULATOR EXTENSION — the market clock (DESIGN §4, §9). The vendor never sends this; the
// simulator sends it every market second on every authenticated connection, as its own frame,
// so massive can publish massive:clock from the simulator's session clock even when nothing
// trades. A client talking to the real vendor never sees it and falls back to the wall clock:
//   {"ev":"status","status":"clock","message":"market clock","ts_ms":1770733800000,
//    "session_date":"2026-02-10","phase":"open","speed":60,"source":"sim"}
// Every other event's "t" is market time too (epoch ms of the simulated session).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/market_calendar.hpp"
#include "services/sim/events.hpp"

namespace ms::sim {

std::string status_event(std::string_view status, std::string_view message);
std::string frame_of(const std::vector<std::string>& events);  // "[e1,e2,...]"
std::string frame_of(const std::vector<std::string>& events, std::size_t begin, std::size_t end);

std::string connected_frame();
std::string auth_success_frame();
std::string auth_failed_frame();
std::string subscribed_event(std::string_view param);    // one status per param
std::string unsubscribed_event(std::string_view param);
std::string error_event(std::string_view message);

struct ClockStatus {
  EpochMs ts_ms = 0;
  core::Date session_date{};
  core::SessionPhase phase = core::SessionPhase::open;
  double speed = 1.0;
};
std::string clock_event(const ClockStatus& clock);

// A market event as vendor JSON. `q` is used by trades and quotes, ignored by the rest.
std::string encode_event(const MarketEvent& event, std::uint64_t q);
std::string encode_quote(std::string_view symbol, const QuotePrint& quote, EpochMs t,
                         std::uint64_t q);

}  // namespace ms::sim
