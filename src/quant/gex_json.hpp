#pragma once
// JSON of `massive:gex:model:{SYM}:calls` / `:puts` (massive spec §5.3 + DESIGN §9 levels):
//   {"ts":<ms>,"symbol":"I:SPX","epoch":…,"seq":…,
//    "expirations":{"2026-03-20":{"5980":10.0,"5990":40.0,…},…},
//    "levels":{"2026-03-20":{"net":5.0,"flip":5995.0,"call_wall":6010.0,"put_wall":5990.0},
//              "all":{…}}}
// Both documents carry the same "levels" so a consumer of either side sees them. Expirations
// ascend by date, strikes by value (the original kept chain order); strike keys are written as
// integers when integral ("6000") and with their decimals otherwise ("6002.5"). Only strikes
// where that side has a contract appear; an expiry without one is left out. GEX values and
// "net" are rounded to 4 decimals so unchanged inputs give identical text.
#include <string>

#include "quant/gex.hpp"
#include "quant/model_envelope.hpp"

namespace ms::quant {

enum class GexSide { calls, puts };

void write_gex_side_json(std::string& out, const GexModel& model, GexSide side,
                         const ModelEnvelope& envelope);

}  // namespace ms::quant
