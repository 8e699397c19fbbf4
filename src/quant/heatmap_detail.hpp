#pragma once
// Pieces shared by the heatmap builder's two translation units (heatmap_builder.cpp: values,
// ticks, diffs; heatmap_geometry.cpp: inputs, slots, text). Not for use outside them.
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "quant/heatmap_types.hpp"

namespace ms::quant::heatmap_detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Prices beyond this are feed garbage; treating them as absent keeps the fixed-point values in
// range.
inline constexpr double kMaxPrice = 1e11;

[[noreturn]] inline void bad_input(const std::string& what) {
  throw core::Error("invalid_heatmap_input", "heatmap input: " + what);
}

inline double present(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? *v : kNaN;
}

// The market price rule (massive spec §5.1 step 8); NaN when the leg has none.
inline double market_price(const LegQuote& q) {
  double mid = present(q.mid);
  if (std::isnan(mid)) {
    const double bid = present(q.bid);
    const double ask = present(q.ask);
    if (!std::isnan(bid) && !std::isnan(ask)) mid = 0.5 * (bid + ask);
  }
  if (mid > 0 && mid < kMaxPrice) return mid;
  const double last = present(q.last);
  if (last > 0 && last < kMaxPrice) return last;
  return kNaN;
}

inline std::int64_t to_ticks(double v, std::int64_t scale) {
  return round_half_away(v * static_cast<double>(scale));
}

}  // namespace ms::quant::heatmap_detail
