#include "quant/bias_lfi.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace ms::quant {

BiasLfiParams BiasLfiParams::spx() { return {}; }

BiasLfiParams BiasLfiParams::for_symbol(std::string_view symbol, double spot) {
  if (symbol == "I:SPX" || symbol == "SPX") return spx();
  if (!(std::isfinite(spot) && spot > 0)) {
    throw core::Error("invalid_bias_lfi_params",
                      "bias/lfi params for " + std::string(symbol) + ": spot must be a finite number > 0");
  }
  BiasLfiParams p;
  p.centre_divisor_points = 50 / kSpxReferenceSpot * spot;
  p.gex_normaliser = GexNormaliser::own_gross;
  return p;
}

std::string_view market_mode_name(MarketMode mode) {
  switch (mode) {
    case MarketMode::compression: return "compression";
    case MarketMode::transition: return "transition";
    case MarketMode::expansion: return "expansion";
  }
  return "transition";
}

namespace {

double logistic(double x) { return 100.0 / (1.0 + std::exp(-x)); }

double base_bias(const std::vector<StrikeGex>& all, double spot, double total_abs,
                 const BiasLfiParams& p) {
  if (total_abs == 0) return 0;
  double above = 0, below = 0, weighted_distance = 0;
  for (const auto& s : all) {
    const double n = s.net();
    if (s.strike > spot) above += n;
    else if (s.strike < spot) below += n;
    weighted_distance += std::fabs(n) * (s.strike - spot);
  }
  const double support = std::max(0.0, above) + std::max(0.0, below);
  const double hostile = std::fabs(std::min(0.0, above)) + std::fabs(std::min(0.0, below));
  if (support + hostile == 0) return 0;
  const double centre =
      std::clamp(weighted_distance / total_abs / p.centre_divisor_points, -1.0, 1.0);
  const double imbalance = (support - hostile) / (support + hostile);
  return std::clamp(100.0 * (0.6 * imbalance + 0.4 * centre), -100.0, 100.0);
}

struct NearSums {
  double near_net = 0;   // Σ N, |K−S|/S ≤ near band
  double near_abs = 0;   // Σ |N| over the same strikes
  double mid_abs = 0;    // Σ |N|, |K−S|/S ≤ mid band
};

NearSums near_sums(const std::vector<StrikeGex>& all, double spot, const BiasLfiParams& p) {
  NearSums sums;
  for (const auto& s : all) {
    const double distance = std::fabs(s.strike - spot) / spot;
    const double n = s.net();
    if (distance <= p.near_band) {
      sums.near_net += n;
      sums.near_abs += std::fabs(n);
    }
    if (distance <= p.mid_band) sums.mid_abs += std::fabs(n);
  }
  return sums;
}

double base_lfi(const NearSums& sums, double total_abs) {
  if (total_abs == 0) return 50;
  const double net_ratio = sums.near_abs > 0 ? sums.near_net / sums.near_abs : 0;
  return std::clamp(0.5 * (net_ratio + 1) * 50 + 0.3 * (30 + 40 * sums.mid_abs / total_abs) +
                        0.2 * (40 + 40 * sums.near_abs / total_abs),
                    0.0, 100.0);
}

}  // namespace

BiasLfiResult compute_bias_lfi(const std::vector<StrikeGex>& all, double spot,
                               const BiasLfiParams& p) {
  if (!(std::isfinite(spot) && spot > 0)) {
    throw core::Error("invalid_bias_lfi_input", "bias/lfi input: spot must be a finite number > 0");
  }
  if (!(p.centre_divisor_points > 0) || !(p.gex_band_of_gross > 0) || !(p.gex_score_scale > 0) ||
      !(p.no_flip_threshold_of_gross >= 0)) {
    throw core::Error("invalid_bias_lfi_params", "bias/lfi params: divisors and scales must be > 0");
  }
  BiasLfiResult r;
  r.spot = spot;
  double total_abs = 0;
  const StrikeGex *max_call = nullptr, *max_put = nullptr, *max_net = nullptr;
  for (const auto& s : all) {
    total_abs += std::fabs(s.net());
    r.total_call_gex += s.call;
    r.total_put_gex -= s.put;
    if (!max_call || s.call > max_call->call) max_call = &s;
    if (!max_put || s.put > max_put->put) max_put = &s;
    if (!max_net || s.net() > max_net->net()) max_net = &s;
  }
  r.total_net_gex = r.total_call_gex + r.total_put_gex;
  if (!all.empty()) {
    r.max_call_gex_strike = max_call->strike;
    r.max_put_gex_strike = max_put->strike;
    r.max_net_gex_strike = max_net->strike;
    r.strike_min = all.front().strike;
    r.strike_max = all.back().strike;
  }

  r.base_bias = base_bias(all, spot, total_abs, p);
  const NearSums sums = near_sums(all, spot, p);
  r.base_lfi = base_lfi(sums, total_abs);

  r.flip = find_flip_levels(all, spot);
  if (r.flip.nearest) {
    const double nearest = *r.flip.nearest;
    const double dp = std::fabs(spot - nearest) / spot;
    const double pf = dp >= p.proximity_zero_band   ? 0.0
                      : dp <= p.proximity_full_band ? 1.0
                                                    : 1.0 - (dp - p.proximity_full_band) /
                                                                (p.proximity_zero_band - p.proximity_full_band);
    double pp = 0;
    if (r.flip.below) {
      if (spot < *r.flip.below) pp = 0.3;
      else if ((spot - *r.flip.below) / spot < p.below_flip_band) pp = 0.2;
    }
    r.proximity_bias_adj = std::max(-50.0, -50.0 * (pf + pp));
    r.proximity_lfi_adj = std::max(-30.0, -30.0 * (pf + 0.5 * pp));
    if (nearest != 0) r.distance_to_flip = std::fabs(spot - nearest);
  }
  r.directional_strength = std::clamp(r.base_bias + r.proximity_bias_adj, -100.0, 100.0);
  r.lfi_score = std::clamp(r.base_lfi + r.proximity_lfi_adj, 0.0, 100.0);

  const double total = r.total_net_gex;
  const double gross = r.total_call_gex - r.total_put_gex;
  const bool own = p.gex_normaliser == GexNormaliser::own_gross;
  if (!r.flip.nearest || *r.flip.nearest <= 0) {
    const double t = own ? p.no_flip_threshold_of_gross * gross : p.no_flip_gex_threshold;
    r.flip_score = total < -t ? 15 : total < 0 ? 30 : total > t ? 85 : total > 0 ? 70 : 50;
  } else {
    r.flip_score = logistic(3.0 * ((spot - *r.flip.nearest) / spot) / p.flip_score_scale);
  }
  if (!own) {
    r.gex_score = logistic(0.03 * total / (spot * spot * p.gex_score_scale));
  } else if (gross > 0) {
    r.gex_score = logistic(3.0 * total / (p.gex_band_of_gross * gross));
  } else {
    r.gex_score = 50;  // no GEX at all: neutral, as the spec's formula gives for tot = 0
  }
  if (total_abs == 0 || sums.near_abs == 0) {
    r.concentration_score = 50;
  } else {
    const double base = (sums.near_net / sums.near_abs + 1) * 50;
    const double weight = std::min(1.0, (sums.near_abs / total_abs) / 0.3);
    r.concentration_score = 50 + (base - 50) * weight;
  }
  r.market_mode_score = std::clamp(0.40 * r.flip_score + 0.25 * r.gex_score + 0.25 * r.lfi_score +
                                       0.10 * r.concentration_score,
                                   0.0, 100.0);
  r.market_mode = r.market_mode_score >= 67   ? MarketMode::expansion
                  : r.market_mode_score >= 34 ? MarketMode::transition
                                              : MarketMode::compression;
  return r;
}

}  // namespace ms::quant
