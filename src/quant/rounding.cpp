#include "quant/rounding.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace ms::quant {

namespace {
constexpr double kTwoPow52 = 4503599627370496.0;  // from here on every double is an integer
}

double round_half_even(double x) {
  if (!std::isfinite(x) || std::fabs(x) >= kTwoPow52) return x;
  const double lower = std::floor(x);
  const double fraction = x - lower;  // exact below 2^52
  double r = lower;
  if (fraction > 0.5 || (fraction == 0.5 && std::fmod(lower, 2.0) != 0.0)) r = lower + 1.0;
  return r == 0.0 ? std::copysign(0.0, x) : r;  // Python keeps the sign: round(-0.4) == -0.0
}

double round_half_even(double x, int ndigits) {
  if (ndigits < 0 || ndigits > 17) {
    throw core::Error("bad_decimals", "ndigits must be 0..17, got " + std::to_string(ndigits));
  }
  if (ndigits == 0) return round_half_even(x);
  if (!std::isfinite(x) || std::fabs(x) >= kTwoPow52) return x;
  // to_chars with a precision rounds the exact binary value correctly, exact ties to even.
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, ndigits);
  double out = 0.0;
  std::from_chars(buf, r.ptr, out);
  return out;
}

std::int64_t round_half_even_to_int(double x) {
  const double r = round_half_even(x);
  if (!std::isfinite(r) || r < -9.2e18 || r > 9.2e18) {
    throw core::Error("bad_number", "cannot round " + std::to_string(x) + " to a 64-bit integer");
  }
  return std::int64_t(r);
}

std::int64_t div_round_half_even(std::int64_t numerator, std::int64_t denominator) {
  if (denominator <= 0) {
    throw core::Error("bad_number", "denominator must be positive, got " + std::to_string(denominator));
  }
  // Floor division, then compare the remainder with half the denominator.
  std::int64_t q = numerator / denominator;
  std::int64_t r = numerator % denominator;
  if (r < 0) {
    r += denominator;
    --q;
  }
  const std::int64_t rest = denominator - r;  // r vs rest, no overflow
  if (r > rest || (r == rest && (q % 2 != 0))) ++q;
  return q;
}

}  // namespace ms::quant
