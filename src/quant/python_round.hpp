#pragma once
// Python's round(x, n): the exact binary value of x rounded to n decimals, exact ties to even.
// The original published its scores, percentages and distances through round(); the test
// vectors (width_fit 91.25 → 91.2) depend on it. Money never goes through here: money uses the
// half-away-from-zero rule of core (DESIGN §9).
namespace ms::quant {

// x unchanged when it is not finite; n in [0, 15].
double python_round(double x, int ndigits);

}  // namespace ms::quant
