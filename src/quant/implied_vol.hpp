#pragma once
// Implied volatility: the vol at which Black-Scholes reproduces a price.
//
// Newton steps on the price, kept inside a bracket that always holds the root; a step that
// would leave the bracket (or has no vega to steer by) is replaced by bisection, so the
// solver converges for every price the model can produce. No answer (nullopt) when:
// - an input is not finite, spot/strike <= 0, years <= 0, or price <= 0;
// - the price breaks a no-arbitrage bound: below the discounted intrinsic value
//   (call max(S - K·e^{-rT}, 0), put max(K·e^{-rT} - S, 0)) or at/above the upper bound
//   (call S, put K·e^{-rT});
// - the price is at the lower bound (no time value: every small vol fits);
// - the vol needed lies outside [min_vol, max_vol].
#include <optional>

#include "quant/black_scholes.hpp"

namespace ms::quant {

struct ImpliedVolQuery {
  OptionType type = OptionType::call;
  double price = 0;
  double spot = 0;
  double strike = 0;
  double years = 0;
  double rate = 0;
};

struct ImpliedVolOptions {
  double min_vol = 1e-6;
  double max_vol = 10.0;            // 1000 %
  double price_tolerance = 1e-12;   // stop when the repriced value is within price·tolerance
  int max_iterations = 200;
};

std::optional<double> implied_vol(const ImpliedVolQuery& q, const ImpliedVolOptions& options = {});

}  // namespace ms::quant
