#include "quant/implied_vol.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ms::quant {
namespace {

bool finite_positive(double x) { return std::isfinite(x) && x > 0; }

}  // namespace

std::optional<double> implied_vol(const ImpliedVolQuery& q, const ImpliedVolOptions& options) {
  if (!finite_positive(q.price) || !finite_positive(q.spot) || !finite_positive(q.strike) ||
      !finite_positive(q.years) || !std::isfinite(q.rate)) {
    return std::nullopt;
  }
  if (!(options.min_vol > 0 && options.max_vol > options.min_vol)) return std::nullopt;

  const double discounted_strike = q.strike * std::exp(-q.rate * q.years);
  const double lower = q.type == OptionType::call ? std::max(q.spot - discounted_strike, 0.0)
                                                  : std::max(discounted_strike - q.spot, 0.0);
  const double upper = q.type == OptionType::call ? q.spot : discounted_strike;
  // Time value below a few ulps of the price scale cannot be told apart from rounding noise.
  const double noise = 4 * std::numeric_limits<double>::epsilon() * std::max(q.spot, q.strike);
  if (q.price <= lower + noise || q.price >= upper) return std::nullopt;

  OptionInputs in{q.spot, q.strike, q.years, q.rate, 0.0};
  auto price_at = [&](double vol) {
    in.vol = vol;
    return black_scholes_price(q.type, in);
  };

  // Price rises strictly with vol, so [lo, hi] brackets the root once the ends straddle it.
  double lo = options.min_vol;
  double hi = options.max_vol;
  if (price_at(lo) > q.price || price_at(hi) < q.price) return std::nullopt;

  // Start near the vol at which the option is at its inflection in vol (Manaster-Koehler),
  // where Newton's method converges from either side.
  const double log_moneyness = std::log(q.spot / discounted_strike);
  double vol = std::sqrt(2.0 * std::fabs(log_moneyness) / q.years);
  if (!(vol > lo && vol < hi)) vol = std::clamp(0.2, lo, hi);

  const double tolerance = options.price_tolerance * std::max(q.price, noise);
  for (int i = 0; i < options.max_iterations; ++i) {
    const double diff = price_at(vol) - q.price;
    if (std::fabs(diff) <= tolerance) return vol;
    if (diff > 0) hi = vol;
    else lo = vol;
    if (hi - lo <= 1e-15 * hi) return 0.5 * (lo + hi);
    const double vega_per_unit = black_scholes_greeks(q.type, in).vega * 100.0;
    double next = vega_per_unit > 0 ? vol - diff / vega_per_unit : lo - 1.0;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    vol = next;
  }
  return vol;
}

}  // namespace ms::quant
