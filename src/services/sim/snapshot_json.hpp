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
// The "ticker" object of /v2/snapshot/locale/us/markets/stocks/tickers/{SPY|QQQ|IWM}: `day`
// is all zeros before the stock's first trade of the session (as the vendor's is before the
// open); `prevDay` is the previous session's full bar {o,h,l,c,v,vw} (in the first session,
// which has no yesterday: the previous close in every price field and no volume).
void append_stock_ticker_json(std::string& out, const SimMarket& market, Stock stock = Stock::spy);

// One result of the universal snapshot GET /v3/snapshot?ticker.any_of=… (the vendor's shape:
// ticker, type "indices"|"stocks"|"options", market_status, session{…}, last_quote, last_trade,
// last_minute, and for options details/greeks/underlying_asset). Unknown tickers get the
// NOT_FOUND entry.
void append_universal_result_json(std::string& out, const SimMarket& market, std::string_view ticker,
                                  bool include_fmv);

// The body of GET /v1/open-close/{ticker}/{date}: {"status":"OK","from","symbol","open","high",
// "low","close","afterHours","preMarket"[,"volume"]}; close and afterHours only once official.
std::string open_close_json(const DaySummary& summary);

// "open" | "early_trading" | "late_trading" | "closed", from the calendar phase at the market time.
std::string_view market_status_at(EpochMs market_ms);

}  // namespace ms::sim
