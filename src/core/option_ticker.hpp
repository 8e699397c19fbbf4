#pragma once
// Vendor option tickers: O:<ROOT><YYMMDD><C|P><STRIKE x 1000 as 8 digits>
// (O:SPXW260210C06000000 = SPXW, 2026-02-10, call, 6000.0; 6002.5 is 06002500).
// The tail after the root has a fixed length (6 + 1 + 8), so the root is whatever precedes it:
// 1-6 characters, uppercase letters then at most one digit (adjusted OCC roots such as SPY1).
// Only this strict grammar is accepted; the original builder's 8-digit-date variant is not
// produced by the vendor and is rejected.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/market_calendar.hpp"

namespace ms::core {

enum class OptionRight { call, put };

struct OptionTicker {
  std::string root;
  Date expiry;
  OptionRight right = OptionRight::call;
  std::int64_t strike_milli = 0;  // strike x 1000, exact
  double strike() const { return double(strike_milli) / 1000.0; }
  bool operator==(const OptionTicker&) const = default;
};

// nullopt for anything outside the grammar (never throws).
std::optional<OptionTicker> parse_option_ticker(std::string_view ticker);
// Throws Error("bad_option_ticker") naming the ticker; for callers validating at their edge.
OptionTicker parse_option_ticker_or_throw(std::string_view ticker);
// Throws Error("bad_option_ticker") when the parts do not fit the grammar.
std::string format_option_ticker(const OptionTicker& ticker);
// Strike (dollars) to the exact 8-digit milli value; nullopt unless 0 < strike < 100000 and a
// multiple of 0.001 (within binary noise).
std::optional<std::int64_t> strike_to_milli(double strike);
OptionTicker make_option_ticker(std::string root, Date expiry, OptionRight right, double strike);

// SPX|SPXW|SPXM -> "I:SPX", NDX|NDXP -> "I:NDX"; nullopt for every other root.
std::optional<std::string_view> underlying_for_root(std::string_view root);
// SPXW, NDXP (and the non-standard SPXM series) settle PM; SPX and NDX monthlies settle AM;
// nullopt for roots this platform does not model.
std::optional<Settlement> settlement_for_root(std::string_view root);

std::string_view to_string(OptionRight right);  // "call" / "put"
char right_letter(OptionRight right);           // 'C' / 'P'

// Expired when its expiry date is before the session date (spec Q10).
bool is_expired(const OptionTicker& ticker, Date session);
// The instant its value is fixed, from the root's settlement style (PM for unknown roots).
EpochMs expiration_ms(const OptionTicker& ticker);

}  // namespace ms::core
