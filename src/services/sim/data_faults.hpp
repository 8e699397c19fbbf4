#pragma once
// Bad market data inside well-formed frames (issue 7): the frame stays valid vendor JSON, but
// one event in it carries a value no real market prints, so massive's input boundary can be
// tested through the very feed it reads. Pure text in, text out; deterministic.
//
//   bad_price   T "p", V "val", Q "ap"/"bp": form 0 → 1e9 (T/V/Q ask), form 1 → 0 (T/V; a Q
//               gets a bid of −0.05 instead: a 0/0 quote is a legitimately empty book),
//               form 2 → the negated price
//   bad_size    T "s", Q "bs": form 0 → the negated size (−1 for 0), form 1 → 10^12
//   far_strike  an option's ticker with its strike ×10 (capped at 99999.999): a contract
//               nowhere near the chain
//   bad_time    T/Q/V "t": form 0 → 30 days ahead, form 1 → ten years back
// The first event of the frame the fault applies to is rewritten (V events have no size, only
// O: tickers a strike); a frame without one is left as it is.
#include <cstdint>
#include <string>
#include <string_view>

namespace ms::sim {

enum class DataFault : std::uint8_t { bad_price, bad_size, far_strike, bad_time };
std::string_view to_string(DataFault f);

// Rewrites `frame` (a JSON array of events) with `fault` in its form `form % forms(fault)`.
// False, and `frame` untouched, when no event of the frame takes the fault or the frame is not
// a JSON array.
bool apply_data_fault(std::string& frame, DataFault fault, std::uint64_t form);
std::uint64_t data_fault_forms(DataFault fault);

// The REST side of bad_price: a spot snapshot body (GET /v3/snapshot/indices: the first result's
// "value"; a stock snapshot: ticker.lastTrade.p) with its price in the bad_price form `form`.
// False, and `body` untouched, when the body holds no such price.
bool apply_rest_price_fault(std::string& body, std::uint64_t form);

}  // namespace ms::sim
