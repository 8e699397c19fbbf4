#pragma once
// Python-compatible rounding (spec Q19): Python's round() is round-half-to-even on the exact
// binary value. It decides ATM strikes, strike ranges and volume-profile buckets, so the C++
// results must match the original to the bit. Money uses core/money.hpp (half away from zero).
#include <cstdint>

namespace ms::quant {

// Python round(x) as a double: ties go to the even neighbour (2.5 -> 2, 3.5 -> 4, -2.5 -> -2).
// Independent of the floating-point rounding mode. NaN and infinities pass through.
double round_half_even(double x);
// Python round(x, ndigits) for ndigits 0..17: the exact binary value rounded to ndigits decimals,
// exact ties to even (round(2.675, 2) == 2.67 because 2.675 is 2.67499999...; round(0.125, 2) ==
// 0.12). NaN and infinities pass through; other ndigits throw core::Error("bad_decimals").
double round_half_even(double x, int ndigits);
// round_half_even(x) as an integer; throws core::Error("bad_number") for NaN, infinities and
// values outside +-9.2e18.
std::int64_t round_half_even_to_int(double x);
// numerator / denominator rounded half to even, exactly in integers (denominator > 0, else
// core::Error("bad_number")).
std::int64_t div_round_half_even(std::int64_t numerator, std::int64_t denominator);

}  // namespace ms::quant
