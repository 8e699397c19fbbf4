#include "quant/chain_geometry.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "quant/rounding.hpp"

namespace ms::quant {

namespace {

void require_positive(double v, const char* what) {
  if (!std::isfinite(v) || v <= 0.0) {
    throw core::Error("bad_input", std::string(what) + " must be a positive number, got " +
                                       std::to_string(v));
  }
}

}  // namespace

ChainSymbolSettings default_chain_settings(std::string_view symbol) {
  if (symbol == "I:NDX") return {3.5, 10.0, true};
  return {2.25, 5.0, false};
}

double atm_strike(double spot, double increment) {
  require_positive(spot, "spot");
  require_positive(increment, "strike increment");
  return round_half_even(spot / increment) * increment;
}

double vix_expected_move(double spot, double vix, int dte) {
  const int days = std::max(1, dte);
  return spot * (vix / 100.0) * std::sqrt(double(days) / 252.0);
}

std::int64_t strike_range(double spot, std::optional<double> vix, int dte, double em_mult) {
  require_positive(spot, "spot");
  const int days = std::max(1, dte);
  if (!vix || !std::isfinite(*vix) || *vix <= 0.0) {
    return std::int64_t(std::trunc(spot * 0.03 * std::sqrt(double(days))));
  }
  const std::int64_t range = round_half_even_to_int(em_mult * vix_expected_move(spot, *vix, days));
  return range == 0 ? 50 : range;
}

StrikeWindow strike_window(double spot, std::optional<double> vix, int dte,
                           const ChainSymbolSettings& settings) {
  const double atm = atm_strike(spot, settings.strike_increment);
  const std::int64_t range = strike_range(spot, vix, dte, settings.em_mult);
  return {atm, range, atm - double(range), atm + double(range)};
}

bool strike_on_grid(std::int64_t strike_milli, double increment) {
  require_positive(increment, "strike increment");
  const double inc_milli = std::round(increment * 1000.0);
  if (inc_milli < 1.0) return false;
  return strike_milli % std::int64_t(inc_milli) == 0;
}

}  // namespace ms::quant
