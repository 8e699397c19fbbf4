#pragma once
// Where market data comes from (DESIGN §10): node.market.source is live | sim | auto, and auto
// means the simulator unless a MASSIVE_API_KEY is available to massive (environment or the
// secrets file). `up` and massive decide the same way through this one function.
#include <string>

#include "core/truth/truth.hpp"

namespace ms::core {

// "live" or "sim".
std::string resolve_market_source(const Truth& truth);

}  // namespace ms::core
