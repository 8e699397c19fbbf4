#pragma once
// Vendor REST objects built from the simulated market's current state (spec massive.md §2.2b):
// the option contract snapshot (absent fields omitted, never null; fair value as "fmv"), the
// index snapshot result and the stock ticker snapshot. Nanosecond fields (last_updated,
// sip_timestamp, updated) are market time x 1e6.
#include <cstdint>
#include <string>
#include <string_view>

#include "services/sim/sim_market.hpp"

namespace ms::sim {

void append_contract_json(std::string& out, const SimMarket& market, std::uint32_t contract,
                          bool include_fmv);
void append_index_result_json(std::string& out, const SimMarket& market, Index index);
// The "results" entry for a ticker the simulator does not have.
void append_not_found_result_json(std::string& out, std::string_view ticker);
// The "ticker" object of /v2/snapshot/locale/us/markets/stocks/tickers/SPY.
void append_stock_ticker_json(std::string& out, const SimMarket& market);

// "open" | "early_trading" | "late_trading" | "closed", from the calendar phase at the market time.
std::string_view market_status_at(EpochMs market_ms);

}  // namespace ms::sim
