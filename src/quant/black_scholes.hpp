#pragma once
// Black-Scholes for European options on an index without dividends.
//
// Units: years = time to expiry in years (the caller decides the day count; the market data
// service uses calendar time / 365 quantised to the market-clock minute); rate and vol are
// decimals (0.05, 0.20). When years <= 0 or vol <= 0 the price is the intrinsic value
// max(S-K, 0) / max(K-S, 0) — the original's rule, kept so tiles at expiry show payoff, and the
// greeks are those of the payoff (delta 0/±1, everything else 0).
//
// Inputs that no option can have (spot or strike <= 0, NaN, infinite years or vol) throw
// ms::core::Error with code "invalid_option_inputs" naming the field.
#include <cstdint>

namespace ms::quant {

enum class OptionType : std::uint8_t { call, put };

struct OptionInputs {
  double spot = 0;
  double strike = 0;
  double years = 0;
  double rate = 0;
  double vol = 0;
};

struct CallPut {
  double call = 0;
  double put = 0;
};

struct Greeks {
  double delta = 0;
  double gamma = 0;            // per 1 point of spot
  double theta_per_year = 0;   // dV/dt with t = calendar time (negative for a long option)
  double theta_per_day = 0;    // theta_per_year / 365 (calendar days)
  double vega = 0;             // per 1 vol point: price change when vol moves 0.20 → 0.21
  double rho = 0;              // per 1 rate point: price change when rate moves 0.05 → 0.06
};

// Φ through erfc, so far tails keep their relative precision (Φ(-10) ≈ 7.6e-24, not 0).
double normal_cdf(double x);
double normal_pdf(double x);

double black_scholes_price(OptionType type, const OptionInputs& in);
// Both prices from one d1/d2 evaluation; each leg is computed directly (not through parity) so
// a far out-of-the-money leg keeps its precision.
CallPut black_scholes_prices(const OptionInputs& in);
Greeks black_scholes_greeks(OptionType type, const OptionInputs& in);

// Throws on inputs no option can have; see the header comment.
void validate_option_inputs(const OptionInputs& in);

}  // namespace ms::quant
