#include "quant/black_scholes.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace ms::quant {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

bool degenerate(const OptionInputs& in) { return in.years <= 0 || in.vol <= 0; }

double intrinsic(OptionType type, const OptionInputs& in) {
  return type == OptionType::call ? std::max(in.spot - in.strike, 0.0)
                                  : std::max(in.strike - in.spot, 0.0);
}

struct D1D2 {
  double d1;
  double d2;
  double vol_sqrt_t;
};

D1D2 d1_d2(const OptionInputs& in) {
  const double vol_sqrt_t = in.vol * std::sqrt(in.years);
  const double d1 =
      (std::log(in.spot / in.strike) + (in.rate + 0.5 * in.vol * in.vol) * in.years) / vol_sqrt_t;
  return {d1, d1 - vol_sqrt_t, vol_sqrt_t};
}

[[noreturn]] void reject(const char* field, const std::string& why) {
  throw core::Error("invalid_option_inputs", std::string("option inputs: ") + field + " " + why);
}

}  // namespace

double normal_cdf(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }

double normal_pdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

void validate_option_inputs(const OptionInputs& in) {
  if (!(std::isfinite(in.spot) && in.spot > 0)) reject("spot", "must be a finite number > 0");
  if (!(std::isfinite(in.strike) && in.strike > 0)) reject("strike", "must be a finite number > 0");
  if (!std::isfinite(in.years)) reject("years", "must be finite");
  if (!std::isfinite(in.rate)) reject("rate", "must be finite");
  if (!std::isfinite(in.vol)) reject("vol", "must be finite");
}

CallPut black_scholes_prices(const OptionInputs& in) {
  validate_option_inputs(in);
  if (degenerate(in)) return {intrinsic(OptionType::call, in), intrinsic(OptionType::put, in)};
  const auto [d1, d2, vst] = d1_d2(in);
  const double discounted_strike = in.strike * std::exp(-in.rate * in.years);
  const double call = in.spot * normal_cdf(d1) - discounted_strike * normal_cdf(d2);
  const double put = discounted_strike * normal_cdf(-d2) - in.spot * normal_cdf(-d1);
  // Cancellation can leave -1e-16 on a worthless leg; an option is never worth less than 0.
  return {std::max(call, 0.0), std::max(put, 0.0)};
}

double black_scholes_price(OptionType type, const OptionInputs& in) {
  validate_option_inputs(in);
  if (degenerate(in)) return intrinsic(type, in);
  const auto [d1, d2, vst] = d1_d2(in);
  const double discounted_strike = in.strike * std::exp(-in.rate * in.years);
  const double price = type == OptionType::call
                           ? in.spot * normal_cdf(d1) - discounted_strike * normal_cdf(d2)
                           : discounted_strike * normal_cdf(-d2) - in.spot * normal_cdf(-d1);
  return std::max(price, 0.0);
}

Greeks black_scholes_greeks(OptionType type, const OptionInputs& in) {
  validate_option_inputs(in);
  Greeks g;
  if (degenerate(in)) {
    if (type == OptionType::call) g.delta = in.spot > in.strike ? 1.0 : 0.0;
    else g.delta = in.spot < in.strike ? -1.0 : 0.0;
    return g;
  }
  const auto [d1, d2, vol_sqrt_t] = d1_d2(in);
  const double sqrt_t = std::sqrt(in.years);
  const double pdf_d1 = normal_pdf(d1);
  const double discounted_strike = in.strike * std::exp(-in.rate * in.years);
  const double time_decay = -in.spot * pdf_d1 * in.vol / (2.0 * sqrt_t);
  if (type == OptionType::call) {
    g.delta = normal_cdf(d1);
    g.theta_per_year = time_decay - in.rate * discounted_strike * normal_cdf(d2);
    g.rho = in.years * discounted_strike * normal_cdf(d2) / 100.0;
  } else {
    g.delta = -normal_cdf(-d1);
    g.theta_per_year = time_decay + in.rate * discounted_strike * normal_cdf(-d2);
    g.rho = -in.years * discounted_strike * normal_cdf(-d2) / 100.0;
  }
  g.gamma = pdf_d1 / (in.spot * vol_sqrt_t);
  g.theta_per_day = g.theta_per_year / 365.0;
  g.vega = in.spot * pdf_d1 * sqrt_t / 100.0;
  return g;
}

}  // namespace ms::quant
