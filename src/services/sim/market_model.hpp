#pragma once
// The simulator's underlying market: SPX, NDX, SPY and VIX moving together in market time.
//
// Dynamics per fixed 100 ms market-time substep (dt in trading-time years, 252 x 6.5 h):
//   SPX  log-normal, vol = realised_to_implied x VIX/100 x u(f), where u is the U-shaped
//        intraday factor of the session fraction f (higher at the open and the close, mean of
//        u^2 = 1 so a session's variance matches the level);
//   NDX  the same shock correlated with rho_spx_ndx, vol x ndx_vol_ratio;
//   VIX  mean-reverting log-VIX (Ornstein-Uhlenbeck) whose shock is correlated with SPX's with
//        rho_spx_vix < 0, so it moves against the index;
//   jumps Poisson with jumps_per_session, normal log-size on SPX, x ndx_jump_ratio on NDX and
//        x vix_jump_beta on log-VIX;
//   SPY  = SPX x spy_ratio - spy_basis (no own noise: the ETF tracks the index);
//   QQQ  = NDX x qqq_ratio (tracks NDX);
//   IWM  = iwm_start x (SPX / spx_start)^iwm_beta (small caps move with a higher beta).
// The ETFs draw nothing, so adding them left every other path unchanged.
// Every substep draws the same number of variates whether a jump happens or not, so the path is
// a function of the seed and the number of substeps only. advance_to(t) runs the substeps whose
// end is <= t; a caller stepping in 100 ms, 1 s or 7.3 s chunks sees bit-identical states at the
// same substep, which is what makes the path independent of the simulator's speed multiplier.
//
// Between sessions start_session() applies one overnight gap (also drawn from the stream).
#include <cstdint>

#include "core/market_calendar.hpp"
#include "services/sim/rng.hpp"

namespace ms::sim {

using core::EpochMs;

inline constexpr EpochMs kSubstepMs = 100;

struct MarketModelConfig {
  std::uint64_t seed = 1;
  double spx_start = 6000.0;
  double ndx_start = 21500.0;
  double vix_start = 16.0;
  double spy_ratio = 0.1;
  double spy_basis = 0.35;
  double qqq_ratio = 0.0244;
  double iwm_start = 225.0;
  double iwm_beta = 1.2;
  double rho_spx_ndx = 0.9;
  double ndx_vol_ratio = 1.25;
  double realised_to_implied = 0.85;
  double vix_mean = 16.0;
  double vix_reversion_per_year = 6.0;
  double vix_vol_of_vol = 1.1;  // annualised vol of log-VIX
  double rho_spx_vix = -0.75;
  double jumps_per_session = 1.5;
  double jump_mean = -0.0008;  // log-return
  double jump_stdev = 0.003;
  double ndx_jump_ratio = 1.2;
  double vix_jump_beta = -6.0;  // d ln VIX per unit SPX jump log-return
  double overnight_gap_stdev = 0.004;
  double u_shape_depth = 1.5;  // open/close vol is (1 + depth) x the midday vol
};

struct MarketState {
  EpochMs ts_ms = 0;  // market time of the last completed substep (the open before any)
  double spx = 0;
  double ndx = 0;
  double spy = 0;
  double vix = 0;
  double qqq = 0;
  double iwm = 0;
  std::int64_t substeps = 0;  // completed in this session
  bool jumped = false;        // the last substep carried a jump
};

// The previous session's last values (for the first session: the configured start values).
struct PreviousClose {
  double spx = 0;
  double ndx = 0;
  double spy = 0;
  double vix = 0;
  double qqq = 0;
  double iwm = 0;
};

class MarketModel {
 public:
  // Starts at the open of `session` (after an overnight gap from the configured start values).
  // Throws core::Error("bad_model_config") for values no market can have.
  MarketModel(MarketModelConfig config, const core::Session& session);

  // Runs every substep ending at or before min(ts_ms, close). Earlier times are a no-op.
  void advance_to(EpochMs ts_ms);
  // One substep, unless the session is over. Returns false when nothing moved.
  bool step();
  // Rolls to the open of a later session (overnight gap, VIX drift). Throws
  // core::Error("bad_session") when `session` does not open after the current one's close.
  void start_session(const core::Session& session);

  const MarketState& state() const { return state_; }
  const PreviousClose& previous_close() const { return previous_close_; }
  const core::Session& session() const { return session_; }
  const MarketModelConfig& config() const { return config_; }
  std::uint64_t jumps_in_session() const { return jumps_; }

  // u(f) for f in [0, 1] (clamped): c x (1 + depth x (2f - 1)^2) with c chosen so the mean of
  // u^2 over the session is 1.
  static double intraday_vol_factor(double session_fraction, double depth);
  double intraday_vol_factor_at(EpochMs ts_ms) const;

 private:
  void apply_overnight_gap();
  void refresh_spy();

  MarketModelConfig config_;
  core::Session session_;
  MarketState state_;
  PreviousClose previous_close_;
  Rng rng_;
  std::uint64_t jumps_ = 0;
};

}  // namespace ms::sim
