#pragma once
// The heatmap's fallback volatility model (massive spec §5.1 steps 3, 4 and 6): one base IV per
// expiry, bent by a VIX-regime skew so out-of-the-money puts are dearer than calls. Since issue 7
// the heatmap prices from the smile fitted to the chain (smile_fit.hpp); this model is used only
// for an expiry with too few usable quotes (kMinSmileQuotes) or no arbitrage-free fit.
#include <string_view>

namespace ms::quant {

enum class VolRegime { low_vol, normal, elevated, panic };

struct SkewShape {
  double put_skew = 0;
  double call_skew = 0;
  double atm_boost = 0;
};

// V <= 14 low_vol, <= 18 normal, <= 30 elevated, else panic; an unknown VIX (<= 0) is normal.
VolRegime vol_regime_for_vix(double vix);
SkewShape skew_shape(VolRegime regime);
std::string_view vol_regime_name(VolRegime regime);

// σ(K) = base·(1 + skew + atm_boost·e^{-50m²}), m = (K−S)/S, skew = put_skew·|m|·10 below
// spot, call_skew·m·10 above.
double skewed_vol(double base_iv, double spot, double strike, const SkewShape& shape);

// Base IV when no leg near spot has a usable IV: max(5, V)/100, or 0.20 without a VIX.
double fallback_base_iv(double vix);

}  // namespace ms::quant
