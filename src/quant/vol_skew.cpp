#include "quant/vol_skew.hpp"

#include <algorithm>
#include <cmath>

namespace ms::quant {

VolRegime vol_regime_for_vix(double vix) {
  if (!(vix > 0)) return VolRegime::normal;
  if (vix <= 14) return VolRegime::low_vol;
  if (vix <= 18) return VolRegime::normal;
  if (vix <= 30) return VolRegime::elevated;
  return VolRegime::panic;
}

SkewShape skew_shape(VolRegime regime) {
  switch (regime) {
    case VolRegime::low_vol: return {0.10, 0.02, 0.0};
    case VolRegime::normal: return {0.15, 0.03, 0.0};
    case VolRegime::elevated: return {0.30, 0.05, 0.0};
    case VolRegime::panic: return {0.50, 0.08, 0.05};
  }
  return {0.15, 0.03, 0.0};
}

std::string_view vol_regime_name(VolRegime regime) {
  switch (regime) {
    case VolRegime::low_vol: return "low_vol";
    case VolRegime::normal: return "normal";
    case VolRegime::elevated: return "elevated";
    case VolRegime::panic: return "panic";
  }
  return "normal";
}

double skewed_vol(double base_iv, double spot, double strike, const SkewShape& shape) {
  const double m = (strike - spot) / spot;
  double skew = 0.0;
  if (m < 0) skew = shape.put_skew * -m * 10.0;
  else if (m > 0) skew = shape.call_skew * m * 10.0;
  const double boost = shape.atm_boost == 0.0 ? 0.0 : shape.atm_boost * std::exp(-50.0 * m * m);
  return base_iv * (1.0 + skew + boost);
}

double fallback_base_iv(double vix) { return vix > 0 ? std::max(5.0, vix) / 100.0 : 0.20; }

}  // namespace ms::quant
