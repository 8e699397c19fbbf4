#include "quant/python_round.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ms::quant {

double python_round(double x, int ndigits) {
  if (!std::isfinite(x)) return x;
  if (ndigits < 0) ndigits = 0;
  if (ndigits > 15) ndigits = 15;
  // glibc's printf converts the exact binary value and breaks exact ties to even, which is
  // what CPython's correctly rounded round() does; a scale-and-nearbyint would double-round.
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.*f", ndigits, x);
  return std::strtod(buf, nullptr);
}

}  // namespace ms::quant
