#include "quant/smile_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "quant/implied_vol.hpp"

namespace ms::quant {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool usable(const SmileQuote& q) {
  if (!(std::isfinite(q.bid) && std::isfinite(q.ask) && q.bid > 0 && q.ask >= q.bid)) return false;
  const double mid = 0.5 * (q.bid + q.ask);
  return (q.ask - q.bid) <= kMaxRelativeSpread * mid;
}

double mid_of(const SmileQuote& q) { return 0.5 * (q.bid + q.ask); }

struct Point {
  double k = 0;
  double w = 0;
  double weight = 0;
};

// Weighted least squares of w on (1, u, u²), u = k − x0, with Gaussian kernel weights; returns
// value and slope at x0. Degrades to a local line, then a weighted mean, when the points do not
// determine a parabola.
struct LocalFit {
  double value = 0, slope = 0;
};

LocalFit local_quadratic(const std::vector<Point>& pts, double x0, double h) {
  // Only points within 4 bandwidths matter (e^{-8} ≈ 3e-4).
  const auto lo = std::lower_bound(pts.begin(), pts.end(), x0 - 4 * h,
                                   [](const Point& p, double k) { return p.k < k; });
  const auto hi = std::upper_bound(pts.begin(), pts.end(), x0 + 4 * h,
                                   [](double k, const Point& p) { return k < p.k; });
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
  for (auto it = lo; it != hi; ++it) {
    const double u = (it->k - x0) / h;  // scaled, so the normal equations stay conditioned
    const double a = it->weight * std::exp(-0.5 * u * u);
    const double u2 = u * u;
    s0 += a;
    s1 += a * u;
    s2 += a * u2;
    s3 += a * u2 * u;
    s4 += a * u2 * u2;
    t0 += a * it->w;
    t1 += a * it->w * u;
    t2 += a * it->w * u2;
  }
  LocalFit out;
  if (!(s0 > 0)) return out;
  // Parabola: solve the 3×3 system by Cramer's rule.
  const double det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2);
  const double scale = s0 * s2 * s4;
  if (scale > 0 && std::fabs(det) > 1e-9 * scale) {
    const double a0 = (t0 * (s2 * s4 - s3 * s3) - s1 * (t1 * s4 - s3 * t2) + s2 * (t1 * s3 - s2 * t2)) / det;
    const double a1 = (s0 * (t1 * s4 - t2 * s3) - t0 * (s1 * s4 - s3 * s2) + s2 * (s1 * t2 - t1 * s2)) / det;
    out.value = a0;
    out.slope = a1 / h;
    return out;
  }
  const double det2 = s0 * s2 - s1 * s1;
  if (s0 * s2 > 0 && det2 > 1e-9 * s0 * s2) {
    out.value = (t0 * s2 - s1 * t1) / det2;
    out.slope = (s0 * t1 - s1 * t0) / det2 / h;
    return out;
  }
  out.value = t0 / s0;
  return out;
}

// Distance from x0 to its n-th nearest point (points sorted by k).
double nth_nearest(const std::vector<Point>& pts, double x0, int n) {
  auto right = std::lower_bound(pts.begin(), pts.end(), x0,
                                [](const Point& p, double k) { return p.k < k; });
  auto left = right;
  double d = 0;
  for (int i = 0; i < n; ++i) {
    const bool has_left = left != pts.begin();
    const bool has_right = right != pts.end();
    if (!has_left && !has_right) break;
    const double dl = has_left ? x0 - std::prev(left)->k : std::numeric_limits<double>::infinity();
    const double dr = has_right ? right->k - x0 : std::numeric_limits<double>::infinity();
    if (dl <= dr) {
      d = dl;
      --left;
    } else {
      d = dr;
      ++right;
    }
  }
  return d;
}

SmileCurve build_curve(const std::vector<Point>& pts, double years, double bandwidth) {
  const double k_lo = pts.front().k, k_hi = pts.back().k;
  const int nodes = std::clamp(static_cast<int>(pts.size()), 8, 96);
  const double dk = (k_hi - k_lo) / (nodes - 1);
  std::vector<double> w(static_cast<std::size_t>(nodes)), dw(static_cast<std::size_t>(nodes));
  const double floor_w = kMinSmileVol * kMinSmileVol * years;
  for (int i = 0; i < nodes; ++i) {
    const double x = k_lo + dk * i;
    const double h = std::max(bandwidth, nth_nearest(pts, x, kMinNeighbours));
    const auto f = local_quadratic(pts, x, h);
    w[static_cast<std::size_t>(i)] = std::max(f.value, floor_w);
    dw[static_cast<std::size_t>(i)] = f.value > floor_w ? f.slope : 0.0;
  }
  return SmileCurve::from_nodes(years, k_lo, dk, std::move(w), std::move(dw));
}

// Undiscounted Black call on a unit forward.
double unit_call(double k, double w) {
  if (!(w > 0)) return std::max(1.0 - std::exp(k), 0.0);
  const double s = std::sqrt(w);
  const double d1 = -k / s + 0.5 * s;
  return normal_cdf(d1) - std::exp(k) * normal_cdf(d1 - s);
}

}  // namespace

std::string_view smile_source_name(SmileSource s) {
  return s == SmileSource::fitted ? "fitted" : "fallback";
}

SmileCurve SmileCurve::from_nodes(double years, double k0, double dk, std::vector<double> w,
                                  std::vector<double> dw) {
  SmileCurve c;
  c.years_ = years;
  c.k0_ = k0;
  c.dk_ = dk;
  c.w_ = std::move(w);
  c.dw_ = std::move(dw);
  if (!c.w_.empty()) {
    c.left_slope_ = std::clamp(c.dw_.front(), -kMaxWingSlope, 0.0);
    c.right_slope_ = std::clamp(c.dw_.back(), 0.0, kMaxWingSlope);
  }
  return c;
}

double SmileCurve::total_variance(double k) const {
  if (w_.empty()) return 0;
  const std::size_t n = w_.size();
  if (n == 1 || !(dk_ > 0)) return w_.front();
  const double x = (k - k0_) / dk_;
  if (x <= 0) return w_.front() + left_slope_ * (k - k0_);
  if (x >= static_cast<double>(n - 1)) return w_.back() + right_slope_ * (k - k_max());
  const auto i = static_cast<std::size_t>(x);
  const double t = x - static_cast<double>(i);
  const double t2 = t * t, t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * w_[i] + (t3 - 2 * t2 + t) * dk_ * dw_[i] +
         (-2 * t3 + 3 * t2) * w_[i + 1] + (t3 - t2) * dk_ * dw_[i + 1];
}

double SmileCurve::slope(double k) const {
  if (w_.size() < 2 || !(dk_ > 0)) return 0;
  const std::size_t n = w_.size();
  const double x = (k - k0_) / dk_;
  if (x <= 0) return left_slope_;
  if (x >= static_cast<double>(n - 1)) return right_slope_;
  const auto i = static_cast<std::size_t>(x);
  const double t = x - static_cast<double>(i);
  const double t2 = t * t;
  return ((6 * t2 - 6 * t) * w_[i] + (-6 * t2 + 6 * t) * w_[i + 1]) / dk_ +
         (3 * t2 - 4 * t + 1) * dw_[i] + (3 * t2 - 2 * t) * dw_[i + 1];
}

double SmileCurve::vol(double k) const {
  const double w = total_variance(k);
  return years_ > 0 && w > 0 ? std::sqrt(w / years_) : 0;
}

void SmileCurve::floor_to(const SmileCurve& shorter) {
  if (w_.empty() || shorter.empty()) return;
  for (std::size_t i = 0; i < w_.size(); ++i) {
    const double k = k0_ + dk_ * static_cast<double>(i);
    const double floor = shorter.total_variance(k);
    if (w_[i] < floor) {
      w_[i] = floor;
      dw_[i] = shorter.slope(k);
    }
  }
  // Beyond this curve's nodes the wings are lines: steep enough to stay above the shorter
  // curve's own slopes there (its nodes further out and its wing).
  double left = left_slope_, right = right_slope_;
  for (std::size_t i = 0; i < shorter.w_.size(); ++i) {
    const double k = shorter.k0_ + shorter.dk_ * static_cast<double>(i);
    if (k < k0_) left = std::min(left, shorter.dw_[i]);
    if (k > k_max()) right = std::max(right, shorter.dw_[i]);
  }
  left_slope_ = std::max(std::min(left, shorter.left_slope_), -kMaxWingSlope);
  right_slope_ = std::min(std::max(right, shorter.right_slope_), kMaxWingSlope);
}

namespace {

// Every grid point where call prices rise with K or lose convexity (at most `limit`).
std::vector<double> butterfly_violations(const SmileCurve& curve, double k_lo, double k_hi, int grid,
                                         std::size_t limit) {
  std::vector<double> out;
  if (curve.empty() || !(k_hi > k_lo) || grid < 3) return out;
  // A uniform grid in strike (K/F = e^k), where convexity is stated.
  const double x_lo = std::exp(k_lo), x_hi = std::exp(k_hi);
  const double dx = (x_hi - x_lo) / (grid - 1);
  constexpr double kTolerance = 1e-13;  // unit-forward prices: far below any quote's tick
  double prev2 = kNaN, prev1 = kNaN, prev_k = kNaN;
  for (int i = 0; i < grid && out.size() < limit; ++i) {
    const double x = x_lo + dx * i;
    const double k = std::log(x);
    const double c = unit_call(k, curve.total_variance(k));
    if (i >= 1 && c > prev1 + kTolerance) out.push_back(k);                     // calls fall with K
    else if (i >= 2 && prev2 - 2 * prev1 + c < -kTolerance) out.push_back(prev_k);  // convex in K
    prev2 = prev1;
    prev1 = c;
    prev_k = k;
  }
  return out;
}

}  // namespace

std::optional<double> butterfly_violation(const SmileCurve& curve, double k_lo, double k_hi, int grid) {
  const auto v = butterfly_violations(curve, k_lo, k_hi, grid, 1);
  if (v.empty()) return std::nullopt;
  return v.front();
}

bool butterfly_free(const SmileCurve& curve, double k_lo, double k_hi, int grid) {
  return !butterfly_violation(curve, k_lo, k_hi, grid);
}

bool calendar_free(const SmileCurve& shorter, const SmileCurve& longer, double k_lo, double k_hi,
                   int grid, double tolerance) {
  for (int i = 0; i < grid; ++i) {
    const double k = k_lo + (k_hi - k_lo) * i / std::max(grid - 1, 1);
    const double s = shorter.total_variance(k);
    if (longer.total_variance(k) < s * (1 - tolerance) - tolerance) return false;
  }
  return true;
}

SmileFit fit_smile(const SmileInput& in, const SmileCurve* shorter) {
  SmileFit fit;
  if (!(std::isfinite(in.spot) && in.spot > 0 && std::isfinite(in.years) && in.years > 0 &&
        std::isfinite(in.rate) && std::isfinite(in.dividend_yield))) {
    fit.reason = SmileFallbackReason::no_spot;
    return fit;
  }
  const double T = in.years;
  const double model_forward = in.spot * std::exp((in.rate - in.dividend_yield) * T);
  const double discount = std::exp(-in.rate * T);

  // Usable sides, by strike.
  struct Row {
    double strike = 0;
    const SmileQuote* call = nullptr;
    const SmileQuote* put = nullptr;
  };
  std::vector<const SmileQuote*> good;
  good.reserve(in.quotes.size());
  for (const auto& q : in.quotes) {
    if (std::isfinite(q.strike) && q.strike > 0 && usable(q)) good.push_back(&q);
    else ++fit.rejected_quotes;
  }
  std::sort(good.begin(), good.end(), [](const SmileQuote* a, const SmileQuote* b) {
    return a->strike != b->strike ? a->strike < b->strike : a->type < b->type;
  });
  std::vector<Row> rows;
  for (const auto* q : good) {
    if (rows.empty() || rows.back().strike != q->strike) rows.push_back({q->strike});
    auto& slot = q->type == OptionType::call ? rows.back().call : rows.back().put;
    if (slot) {
      ++fit.rejected_quotes;  // a repeated side: the first wins
      continue;
    }
    slot = q;
  }

  // Forward from parity near the money.
  std::vector<std::pair<double, double>> parity;  // (|K − F_model|, F_K)
  for (const auto& r : rows) {
    if (r.call && r.put) {
      parity.emplace_back(std::fabs(r.strike - model_forward),
                          r.strike + (mid_of(*r.call) - mid_of(*r.put)) / discount);
    }
  }
  fit.forward = model_forward;
  if (!parity.empty()) {
    std::sort(parity.begin(), parity.end());
    const std::size_t n = std::min<std::size_t>(parity.size(), kParityStrikes);
    std::vector<double> f;
    for (std::size_t i = 0; i < n; ++i) f.push_back(parity[i].second);
    std::sort(f.begin(), f.end());
    const double median = n % 2 ? f[n / 2] : 0.5 * (f[n / 2 - 1] + f[n / 2]);
    if (median > 0 && std::fabs(std::log(median / model_forward)) <= kMaxParityBasis) {
      fit.forward = median;
      fit.forward_from_parity = true;
    }
  }
  fit.basis = fit.forward / model_forward;
  const double F = fit.forward;
  const double spot_equivalent = F * discount;  // Black-76 through Black-Scholes

  // One IV per strike from its OTM side.
  std::vector<Point> pts;
  pts.reserve(rows.size());
  for (const auto& r : rows) {
    const SmileQuote* q = r.strike < F ? r.put : r.call;
    if (!q) continue;
    double iv = q->iv;
    if (!(std::isfinite(iv) && iv > 0.01 && iv < 5.0)) {
      const auto solved = implied_vol({q->type, mid_of(*q), spot_equivalent, r.strike, T, in.rate});
      if (!solved) {
        ++fit.rejected_quotes;
        continue;
      }
      iv = *solved;
    }
    const double k = std::log(r.strike / F);
    const double sqrt_t = std::sqrt(T);
    const double d1 = (-k + 0.5 * iv * iv * T) / (iv * sqrt_t);
    const double vega = spot_equivalent * normal_pdf(d1) * sqrt_t;  // per unit of vol
    const double half_spread = std::max(0.5 * (q->ask - q->bid), 1e-4);
    const double iv_error = std::max(half_spread / std::max(vega, 1e-12), 1e-4);
    const double w_error = 2 * iv * T * iv_error;
    pts.push_back({k, iv * iv * T, 1.0 / (w_error * w_error)});
  }
  fit.usable_strikes = static_cast<int>(pts.size());
  if (fit.usable_strikes < kMinSmileQuotes) {
    fit.reason = SmileFallbackReason::too_few_quotes;
    return fit;
  }
  // No single quote may dominate its neighbours by more than 1e6 in weight.
  double max_weight = 0;
  for (const auto& p : pts) max_weight = std::max(max_weight, p.weight);
  for (auto& p : pts) p.weight = std::max(p.weight / max_weight, 1e-6);

  std::vector<double> gaps;
  for (std::size_t i = 1; i < pts.size(); ++i) gaps.push_back(pts[i].k - pts[i - 1].k);
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
  double bandwidth = kBandwidthSpacings * gaps[gaps.size() / 2];

  // Arbitrage repair. A violation in a wing's outer half comes from quotes that are themselves
  // arbitrageable there (a vendor's clamped or stale far wing): those points are dropped and the
  // wing becomes the bounded line from the new end. A violation nearer the money is noise: the
  // bandwidth doubles (at most kMaxSmoothingRounds times).
  int smoothing = 0;
  for (int round = 0; round <= kMaxSmoothingRounds + kMaxTrimRounds; ++round) {
    SmileCurve curve = build_curve(pts, T, bandwidth);
    if (shorter && !shorter->empty()) curve.floor_to(*shorter);
    const auto bad = butterfly_violations(curve, curve.k_min(), curve.k_max(), 400, 400);
    if (bad.empty()) {
      fit.source = SmileSource::fitted;
      fit.reason = SmileFallbackReason::none;
      fit.curve = std::move(curve);
      fit.usable_strikes = static_cast<int>(pts.size());
      return fit;
    }
    // Each wing is cut at its innermost violation in the wing's outer half.
    const double k_lo = pts.front().k, k_hi = pts.back().k;
    double cut_lo = -std::numeric_limits<double>::infinity();
    double cut_hi = std::numeric_limits<double>::infinity();
    bool central = false;
    for (double k : bad) {
      if (k < 0 && k < 0.5 * k_lo) cut_lo = std::max(cut_lo, k);
      else if (k > 0 && k > 0.5 * k_hi) cut_hi = std::min(cut_hi, k);
      else central = true;
    }
    if (!central) {
      std::erase_if(pts, [&](const Point& p) { return p.k <= cut_lo || p.k >= cut_hi; });
      ++fit.trimmed_wings;
    } else if (smoothing < kMaxSmoothingRounds) {
      bandwidth *= 2;
      fit.smoothing_rounds = ++smoothing;
    } else {
      break;
    }
    if (static_cast<int>(pts.size()) < kMinSmileQuotes) break;
  }
  fit.reason = SmileFallbackReason::arbitrage;
  return fit;
}

}  // namespace ms::quant
