#include "quant/selector_scoring.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "quant/heatmap_types.hpp"
#include "quant/rounding.hpp"

namespace ms::quant {

R2rExpectation r2r_expectation(int dte) {
  static constexpr R2rExpectation kTable[] = {
      {9, 12, 15, 18},  {10, 14, 16, 20}, {12, 16, 18, 24}, {15, 22, 25, 30},
      {18, 25, 28, 35}, {20, 30, 30, 40}, {22, 35, 35, 45}, {25, 38, 38, 48},
      {28, 42, 42, 52}, {30, 45, 45, 55}, {35, 50, 50, 60}};
  return kTable[std::clamp(dte, 0, 10)];
}

double r2r_score(double debit, double width, int dte) {
  if (debit <= 0.10) return 0;
  const double r = (width - debit) / debit;
  if (r <= 0) return 0;
  const auto e = r2r_expectation(dte);
  double score;
  if (r >= e.max_high) score = 95;
  else if (r >= e.max_low) score = 85 + 10 * (r - e.max_low) / (e.max_high - e.max_low);
  else if (r >= e.typical_high) score = 75 + 10 * (r - e.typical_high) / (e.max_low - e.typical_high);
  else if (r >= e.typical_low) score = 60 + 15 * (r - e.typical_low) / (e.typical_high - e.typical_low);
  else if (r >= 0.8 * e.typical_low) score = 45 + 15 * (r - 0.8 * e.typical_low) / (0.2 * e.typical_low);
  else score = std::max(20.0, 45 * r / (0.8 * e.typical_low));
  if (debit < 0.5) score *= debit / 0.5;
  return std::clamp(score, 0.0, 95.0);
}

double convexity_efficiency(double debit, double width) {
  const double r = (width - debit) / debit;
  const double debit_pct = 100 * debit / width;
  const double mult = debit_pct <= 3 ? 1.15 : debit_pct <= 5 ? 1.10 : debit_pct <= 7 ? 1.05 : 1.0;
  const double raw = r > 0 ? 30 * std::log2(r + 1) : 0;
  return std::min(95.0, mult * std::min(95.0, raw));
}

ConvexityScore convexity_score(double debit, double width, const std::vector<double>& neighbours) {
  ConvexityScore c;
  c.efficiency = convexity_efficiency(debit, width);
  if (!neighbours.empty()) {
    const double n = static_cast<double>(neighbours.size());
    const double mean = std::accumulate(neighbours.begin(), neighbours.end(), 0.0) / n;
    const double pc = 100 * (mean - debit) / mean;  // % cheaper than the neighbours
    if (pc >= 15) c.local = 95;
    else if (pc >= 10) c.local = 85 + (pc - 10);
    else if (pc >= 5) c.local = 70 + 3 * (pc - 5);
    else if (pc >= 0) c.local = 50 + 4 * pc;
    else c.local = std::max(20.0, 50 + 2 * pc);
    if (debit < *std::min_element(neighbours.begin(), neighbours.end())) {
      c.local = std::min(98.0, c.local + 10);
    }
    if (neighbours.size() >= 3) {
      double variance = 0;
      for (double d : neighbours) variance += (d - mean) * (d - mean);
      const double sigma = std::sqrt(variance / n);
      const double z = sigma <= 0.01 ? 0 : (mean - debit) / sigma;
      if (z >= 2) c.neighbourhood = 95;
      else if (z >= 1.5) c.neighbourhood = 85;
      else if (z >= 1) c.neighbourhood = 75;
      else if (z >= 0.5) c.neighbourhood = 65;
      else if (z >= 0) c.neighbourhood = 55;
      else c.neighbourhood = std::max(25.0, 50 + 15 * z);
    }
  }
  c.total = 0.5 * c.local + 0.3 * c.neighbourhood + 0.2 * c.efficiency;
  return c;
}

double width_fit_score(double width, int dte, const SelectorContext& ctx) {
  const auto [wmin, wmax] = ctx.ideal_width;
  double ws;
  if (width >= wmin && width <= wmax) ws = 95;
  else if (width > wmax) ws = std::max(70.0, 95 - 0.5 * (width - wmax));
  else if (width >= wmin - 5) ws = 75;
  else if (width >= wmin - 10) ws = 55;
  else ws = 30;
  if (ctx.decay > 1 && width < wmin) ws = std::min(1.1 * ws, 70.0);

  const auto [dmin, dmax] = ctx.ideal_dte;
  double ds;
  if (dte >= dmin && dte <= dmax) ds = 95;
  else if (dte == dmax + 1) ds = 70;
  else if (ctx.regime == SelectorRegime::chaos && dte == 0) ds = 40;
  else if (ctx.regime == SelectorRegime::zombieland && dte > 1) ds = 50;
  else ds = 60;

  const Session s = ctx.session.session;
  double ss;
  if (dte == 0) {
    ss = s == Session::morning     ? 95
         : s == Session::premarket ? 80
         : s == Session::afternoon ? 50
         : s == Session::closing   ? 40
                                   : 30;
  } else if (dte == 1) {
    ss = (s == Session::morning || s == Session::afternoon) ? 85 : s == Session::closing ? 75 : 60;
  } else {
    ss = 70;
  }

  const double wb = width >= 50 ? 95 : width >= 40 ? 85 : width >= 30 ? 70 : width >= 20 ? 55 : 40;
  return 0.40 * ws + 0.25 * ds + 0.20 * ss + 0.15 * wb;
}

double gamma_alignment_score(OptionType side, double strike, double width,
                             std::optional<double> magnet, std::optional<double> zero_gamma,
                             const std::vector<StrikeGex>& gex, double point_scale) {
  double ms = 60;
  if (magnet) {
    const double d = std::fabs(strike - *magnet) / point_scale;
    ms = d <= 10 ? 95 : d <= 25 ? 80 : d <= 50 ? 60 : 40;
  }
  double zs = 50;
  if (zero_gamma) {
    const bool aligned = (side == OptionType::call && strike > *zero_gamma) ||
                         (side == OptionType::put && strike < *zero_gamma);
    zs = aligned ? 80 : 30;
  }
  auto positive_net_at = [&](double k) {
    const auto milli = strike_to_milli(k);
    const auto it = std::lower_bound(gex.begin(), gex.end(), milli,
                                     [](const StrikeGex& s, std::int64_t m) { return s.strike_milli < m; });
    return it != gex.end() && it->strike_milli == milli && it->net() > 0;
  };
  double wing = 50;
  if (positive_net_at(strike - width)) wing += 15;
  if (positive_net_at(strike + width)) wing += 15;
  wing = std::min(wing, 95.0);
  return 0.4 * ms + 0.3 * zs + 0.3 * wing;
}

double composite_score(double r2r, double convexity, double width_fit, double gamma_alignment) {
  return 0.25 * r2r + 0.40 * convexity + 0.20 * width_fit + 0.15 * gamma_alignment;
}

double selector_confidence(bool have_gex, bool have_bias_lfi, double debit) {
  return std::min(1.0, 0.5 + (have_gex ? 0.25 : 0) + (have_bias_lfi ? 0.15 : 0) +
                           (debit >= 1.0 ? 0.10 : 0));
}

ConvexityBlock convexity_block(double r, double p, int dte) {
  const auto e = r2r_expectation(dte);
  ConvexityBlock b;
  if (r >= e.max_high) b = {"exceptional", 100};
  else if (r >= e.max_low) b = {"excellent", 90};
  else if (r >= e.typical_high) b = {"good", 75};
  else if (r >= e.typical_low) b = {"acceptable", 60};
  else b = {"below_target", 40};
  b.convexity_score = round_half_even(100 * p * b.quality_score / 100, 1);
  b.ev_per_risk = round_half_even(0.5 * (1.5 + 3 * p) - 0.5, 2);
  b.ev_positive = b.ev_per_risk > 0;
  return b;
}

std::optional<GammaScalpScore> gamma_scalp_score(double distance_pct, double width,
                                                 double debit_pct, bool urgency_high) {
  if (width < 15 || width > 25 || distance_pct > 0.5) return std::nullopt;
  GammaScalpScore g;
  g.atm_proximity = distance_pct <= 0.1 ? 100 : distance_pct <= 0.2 ? 90 : distance_pct <= 0.3 ? 75 : 60;
  g.width_efficiency = 100 - 40 * (width - 15) / 10;
  g.debit_cheapness = debit_pct <= 3 ? 100 : debit_pct <= 4 ? 85 : debit_pct <= 5 ? 70 : 50;
  double gs = 0.4 * g.atm_proximity + 0.3 * g.width_efficiency + 0.3 * g.debit_cheapness;
  if (urgency_high) gs *= 1.1;
  g.score = std::min(100.0, round_half_even(gs, 1));
  return g;
}

double tracking_pnl(double width, double strike, double debit, double spot) {
  return std::max(0.0, width - std::fabs(spot - strike)) - debit;
}

}  // namespace ms::quant
