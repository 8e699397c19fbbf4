#pragma once
// Money is integer cents (DESIGN §4, §9). The one rounding rule for money is half away from
// zero (1.005 -> 1.01, -1.505 -> -1.51). Doubles such as 1.005 are not exact in binary
// (1.00499999999999989...), so rounding works on the shortest decimal that reads back as the same
// double, i.e. the number the person or the upstream JSON wrote, not on its binary expansion.
// Python-compatible round-half-even lives in quant/rounding.hpp; it is not for money.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ms::core {

using Cents = std::int64_t;

// Throws Error("bad_money") for NaN/infinity and Error("money_out_of_range") beyond +-9e16 dollars.
Cents to_cents(double dollars);
double from_cents(Cents cents);
// `x` rounded half away from zero to `decimals` (0..15) places; NaN and infinities pass through.
// Throws Error("bad_decimals") for other decimal counts.
double round_half_away(double x, int decimals);
// The same rounding as a fixed-point string with exactly `decimals` places ("1.01", "-1.51").
std::string format_half_away(double x, int decimals);
// "12.34", "-0.05", "1234567.00": no thousands separators, always two decimals.
std::string format_cents(Cents cents);
// Exact decimal text ("12.34", "-1.505", "7", "+0.5") to cents, rounding half away from zero past
// two places; nullopt for anything else (exponents, spaces, empty, overflow).
std::optional<Cents> parse_cents(std::string_view text);
// numerator / denominator rounded half away from zero, in integers (for ledgers that keep finer
// units, e.g. 1e-4 dollars, and round to cents once). Throws Error("bad_money") on a zero
// denominator.
std::int64_t div_round_half_away(std::int64_t numerator, std::int64_t denominator);

}  // namespace ms::core
