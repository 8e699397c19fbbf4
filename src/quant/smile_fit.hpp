#pragma once
// One expiry's volatility smile, fitted to the chain's own quotes (issue 7 item 5).
//
// Input: the expiry's quotes (per strike and side: bid, ask, mid, the vendor's implied vol when
// given), spot, time to expiry, rate r and dividend yield q. Steps:
// 1. Quotes are filtered: a side needs a bid > 0, an ask >= bid (not crossed), finite values and
//    a spread no wider than kMaxRelativeSpread of its mid. Everything else is counted and ignored.
// 2. Forward F: put-call parity K + e^{rT}(C − P) at the (up to kParityStrikes) usable strikes
//    nearest the money, median; the model forward S·e^{(r−q)T} when no strike has both sides or
//    the parity value strays more than kMaxParityBasis from it (a stale spot or bad quotes).
// 3. One implied vol per strike from its out-of-the-money side (puts below F, calls at/above):
//    the vendor's implied_volatility when given (0.01 < iv < 5), else solved from the mid with
//    implied_vol() on the forward (Black-76 through Black-Scholes with spot F·e^{−rT}).
// 4. Fewer than kMinSmileQuotes such strikes: no fit (source fallback; the heatmap keeps the
//    VIX-regime skew of vol_skew.hpp for that expiry).
// 5. The curve: total variance w = σ²T against log-moneyness k = ln(K/F), by kernel-weighted
//    local quadratic regression evaluated on a uniform node grid over the data's k range (one
//    node per usable strike, 8..96), with a
//    cubic Hermite interpolant through the nodes' values and slopes. Why this fit: it follows
//    any smile shape the market shows (a global low-order polynomial cannot hold both a steep put
//    wing and a flat call wing, and bends where the data end), it reproduces a smooth smile from
//    exact IVs to interpolation accuracy, and the quote weights (inverse variance of the IV
//    implied by the half-spread over vega) average tick noise of mid-solved IVs over the few
//    strikes the kernel spans; w rather than σ because calendar and wing rules are stated in w.
//    The bandwidth is kBandwidthSpacings × the median strike spacing in k, widened at a node
//    until it reaches the kMinNeighbours-th nearest data point: 2 spacings / 6 points average
//    the ±half-tick noise of mid-solved IVs (an IV from a 0.05-tick mid of a 1.00 option is off
//    by up to ~2 %) while the bias at a smile kink stays a fraction of the quoted spread (on the
//    simulator, whose smile has a slope kink at the money, 99.5 % of near-money theoretical mids
//    land inside bid/ask; services/massive/theoretical_vs_market_test.cpp).
// 6. Beyond the data: linear in w with the end slope clamped outward-non-negative and at most
//    kMaxWingSlope (Lee's moment bound is 2), so wings never turn down nor explode.
// 7. No negative butterflies: undiscounted call prices on a fine strike grid must be convex and
//    non-increasing in K. A violation in the outer half of a wing means the quotes there are
//    themselves arbitrageable (a vendor's clamped or stale far wing; the simulator's smile is
//    flat beyond 5 standard deviations, a concave kink; tick-rounded mids of cheap options):
//    the points from the wing's innermost such violation outward are dropped (at most
//    kMaxTrimRounds times) and the wing becomes the bounded line of step 6.
//    A violation nearer the money doubles the bandwidth (at most kMaxSmoothingRounds times).
//    Still violated, or fewer than kMinSmileQuotes points left: fallback, reason arbitrage.
// 8. No calendar inversion: given the previous (shorter) expiry's curve, w is floored to it at
//    every node and the wing slopes are made to dominate, so w(k) never decreases in T.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "quant/black_scholes.hpp"

namespace ms::quant {

inline constexpr int kMinSmileQuotes = 5;           // usable OTM strikes below this: fallback
inline constexpr double kMaxRelativeSpread = 0.5;   // (ask − bid) / mid above this: too wide
inline constexpr int kParityStrikes = 5;
inline constexpr double kMaxParityBasis = 0.02;     // |ln(F_parity / F_model)|
inline constexpr double kBandwidthSpacings = 2.0;
inline constexpr int kMinNeighbours = 6;
inline constexpr double kMaxWingSlope = 1.0;
inline constexpr int kMaxSmoothingRounds = 3;
inline constexpr int kMaxTrimRounds = 8;
inline constexpr double kMinSmileVol = 0.01;        // w is floored at kMinSmileVol²·T

struct SmileQuote {
  double strike = 0;
  OptionType type = OptionType::call;
  double bid = 0, ask = 0;  // NaN / <= 0 when absent
  double iv = 0;            // the vendor's; NaN when absent
};

struct SmileInput {
  double spot = 0;
  double years = 0;
  double rate = 0;
  double dividend_yield = 0;
  std::vector<SmileQuote> quotes;
};

// w(k) at the fit's time to expiry; vol(k) = sqrt(w(k) / years()).
class SmileCurve {
 public:
  SmileCurve() = default;
  double total_variance(double k) const;
  double slope(double k) const;  // dw/dk
  double vol(double k) const;
  double years() const { return years_; }
  double k_min() const { return k0_; }
  double k_max() const { return k0_ + dk_ * static_cast<double>(w_.empty() ? 0 : w_.size() - 1); }
  bool empty() const { return w_.empty(); }

  // Nodes k0 + i·dk with values and slopes; wings are lines from the end nodes.
  static SmileCurve from_nodes(double years, double k0, double dk, std::vector<double> w,
                               std::vector<double> dw);
  void floor_to(const SmileCurve& shorter);  // the calendar rule (step 8)

 private:
  double years_ = 0;
  double k0_ = 0, dk_ = 0;
  std::vector<double> w_, dw_;
  double left_slope_ = 0, right_slope_ = 0;
};

enum class SmileSource : std::uint8_t { fitted, fallback };
enum class SmileFallbackReason : std::uint8_t { none, no_spot, too_few_quotes, arbitrage };
std::string_view smile_source_name(SmileSource s);  // "fitted" | "fallback"

struct SmileFit {
  SmileSource source = SmileSource::fallback;
  SmileFallbackReason reason = SmileFallbackReason::no_spot;
  SmileCurve curve;               // when fitted
  double forward = 0;             // the forward k is measured from
  double basis = 1;               // forward / (spot·e^{(r−q)T}); 1 without parity
  bool forward_from_parity = false;
  int usable_strikes = 0;         // strikes whose OTM side fed the fit (after wing trims)
  int rejected_quotes = 0;        // sides dropped by the quote filters or the IV solver
  int smoothing_rounds = 0;       // bandwidth doublings the butterfly check needed
  int trimmed_wings = 0;          // wing trims the butterfly check needed
};

// `shorter`: the fitted curve of the previous expiry (for the calendar floor), or null.
SmileFit fit_smile(const SmileInput& input, const SmileCurve* shorter = nullptr);

// The checks of steps 7 and 8, for tests and for the fit itself. `grid` points over
// [k_lo, k_hi]; true when undiscounted call prices are convex and non-increasing in K there.
bool butterfly_free(const SmileCurve& curve, double k_lo, double k_hi, int grid = 400);
// The first grid point where that fails.
std::optional<double> butterfly_violation(const SmileCurve& curve, double k_lo, double k_hi,
                                          int grid = 400);
// True when longer.total_variance(k) >= shorter.total_variance(k) − tolerance on the grid.
bool calendar_free(const SmileCurve& shorter, const SmileCurve& longer, double k_lo, double k_hi,
                   int grid = 400, double tolerance = 1e-12);

}  // namespace ms::quant
