#include "services/sim/market_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace ms::sim {

namespace {

constexpr double kTradingMsPerYear = 252.0 * 6.5 * 3600.0 * 1000.0;

void require(bool ok, const std::string& what) {
  if (!ok) throw core::Error("bad_model_config", "market model: " + what);
}

void validate(const MarketModelConfig& c) {
  require(std::isfinite(c.spx_start) && c.spx_start > 0, "spx_start must be > 0");
  require(std::isfinite(c.ndx_start) && c.ndx_start > 0, "ndx_start must be > 0");
  require(std::isfinite(c.vix_start) && c.vix_start > 0, "vix_start must be > 0");
  require(std::isfinite(c.vix_mean) && c.vix_mean > 0, "vix_mean must be > 0");
  require(c.rho_spx_ndx >= -1 && c.rho_spx_ndx <= 1, "rho_spx_ndx must be in [-1, 1]");
  require(c.rho_spx_vix >= -1 && c.rho_spx_vix <= 1, "rho_spx_vix must be in [-1, 1]");
  require(c.jumps_per_session >= 0, "jumps_per_session must be >= 0");
  require(c.jump_stdev >= 0 && c.overnight_gap_stdev >= 0, "stdevs must be >= 0");
  require(c.u_shape_depth >= 0, "u_shape_depth must be >= 0");
  require(c.spy_ratio > 0 && c.spx_start * c.spy_ratio > c.spy_basis, "SPY must stay > 0");
  require(std::isfinite(c.qqq_ratio) && c.qqq_ratio > 0 && std::isfinite(c.iwm_start) && c.iwm_start > 0 &&
              std::isfinite(c.iwm_beta) && c.iwm_beta > 0 && c.iwm_beta < 5,
          "QQQ and IWM need a positive ratio, start and beta");
  require(c.vix_vol_of_vol >= 0 && c.vix_reversion_per_year >= 0 && c.ndx_vol_ratio > 0 &&
              c.realised_to_implied > 0,
          "vol parameters must be > 0");
}

}  // namespace

double MarketModel::intraday_vol_factor(double f, double depth) {
  f = std::clamp(f, 0.0, 1.0);
  const double x = 2.0 * f - 1.0;
  // E[(1 + d x^2)^2] over x uniform in [-1, 1] = 1 + 2d/3 + d^2/5.
  const double c = 1.0 / std::sqrt(1.0 + 2.0 * depth / 3.0 + depth * depth / 5.0);
  return c * (1.0 + depth * x * x);
}

double MarketModel::intraday_vol_factor_at(EpochMs ts_ms) const {
  const double len = double(session_.close_ms - session_.open_ms);
  return intraday_vol_factor(double(ts_ms - session_.open_ms) / len, config_.u_shape_depth);
}

MarketModel::MarketModel(MarketModelConfig config, const core::Session& session)
    : config_(config), session_(session), rng_(mix(config.seed, 0x4D4F44454CULL /* "MODEL" */)) {
  validate(config_);
  if (session.close_ms <= session.open_ms) {
    throw core::Error("bad_session", "market model: session closes before it opens");
  }
  state_.spx = config_.spx_start;
  state_.ndx = config_.ndx_start;
  state_.vix = config_.vix_start;
  refresh_spy();
  previous_close_ = {state_.spx, state_.ndx, state_.spy, state_.vix, state_.qqq, state_.iwm};
  state_.ts_ms = session_.open_ms;
  apply_overnight_gap();
}

void MarketModel::refresh_spy() {
  state_.spy = state_.spx * config_.spy_ratio - config_.spy_basis;
  state_.qqq = state_.ndx * config_.qqq_ratio;
  state_.iwm = config_.iwm_start * std::pow(state_.spx / config_.spx_start, config_.iwm_beta);
}

void MarketModel::apply_overnight_gap() {
  const double z1 = rng_.normal();
  const double z2 = rng_.normal();
  const double z3 = rng_.normal();
  const double scale = state_.vix / config_.vix_mean;
  const double g = config_.overnight_gap_stdev * scale * z1;
  const double rho = config_.rho_spx_ndx;
  const double g_ndx = config_.overnight_gap_stdev * scale * config_.ndx_vol_ratio *
                       (rho * z1 + std::sqrt(1 - rho * rho) * z2);
  state_.spx *= std::exp(g);
  state_.ndx *= std::exp(g_ndx);
  // Overnight VIX: a third of the way back to its mean, plus the reaction to the gap.
  const double lv = std::log(state_.vix), lm = std::log(config_.vix_mean);
  state_.vix = std::exp(lv + (lm - lv) / 3.0 + config_.vix_jump_beta * g * 0.5 + 0.03 * z3);
  refresh_spy();
  state_.substeps = 0;
  state_.jumped = false;
}

bool MarketModel::step() {
  const EpochMs next = state_.ts_ms + kSubstepMs;
  if (next > session_.close_ms) return false;
  const double dt = double(kSubstepMs) / kTradingMsPerYear;
  const double sqdt = std::sqrt(dt);
  const double session_ms = double(session_.close_ms - session_.open_ms);
  const double f = (double(state_.ts_ms - session_.open_ms) + 0.5 * kSubstepMs) / session_ms;
  const double u = intraday_vol_factor(f, config_.u_shape_depth);

  // Fixed draw count per substep (see the header).
  const double z1 = rng_.normal();
  const double z2 = rng_.normal();
  const double z3 = rng_.normal();
  const double jump_u = rng_.uniform();
  const double jump_z = rng_.normal();

  const double sigma = config_.realised_to_implied * state_.vix / 100.0 * u;
  const double sigma_ndx = sigma * config_.ndx_vol_ratio;
  const double rho = config_.rho_spx_ndx;
  const double z_ndx = rho * z1 + std::sqrt(1.0 - rho * rho) * z2;
  double r_spx = sigma * sqdt * z1 - 0.5 * sigma * sigma * dt;
  double r_ndx = sigma_ndx * sqdt * z_ndx - 0.5 * sigma_ndx * sigma_ndx * dt;

  const double rv = config_.rho_spx_vix;
  const double z_vix = rv * z1 + std::sqrt(1.0 - rv * rv) * z3;
  const double lv = std::log(state_.vix);
  double d_lv = config_.vix_reversion_per_year * (std::log(config_.vix_mean) - lv) * dt +
                config_.vix_vol_of_vol * sqdt * z_vix;

  const double jump_probability = config_.jumps_per_session * double(kSubstepMs) / session_ms;
  state_.jumped = jump_u < jump_probability;
  if (state_.jumped) {
    const double j = config_.jump_mean + config_.jump_stdev * jump_z;
    r_spx += j;
    r_ndx += j * config_.ndx_jump_ratio;
    d_lv += config_.vix_jump_beta * j;
    ++jumps_;
  }

  state_.spx *= std::exp(r_spx);
  state_.ndx *= std::exp(r_ndx);
  // VIX has never printed below 9 or above 90; keeping it there keeps the chain sane.
  state_.vix = std::clamp(std::exp(lv + d_lv), 9.0, 90.0);
  refresh_spy();
  state_.ts_ms = next;
  ++state_.substeps;
  return true;
}

void MarketModel::advance_to(EpochMs ts_ms) {
  const EpochMs target = std::min(ts_ms, session_.close_ms);
  while (state_.ts_ms + kSubstepMs <= target) step();
}

void MarketModel::start_session(const core::Session& session) {
  if (session.open_ms < session_.close_ms || session.close_ms <= session.open_ms) {
    throw core::Error("bad_session", "market model: the next session must open after " +
                                         core::format_date(session_.date) + " closes");
  }
  previous_close_ = {state_.spx, state_.ndx, state_.spy, state_.vix, state_.qqq, state_.iwm};
  session_ = session;
  state_.ts_ms = session.open_ms;
  jumps_ = 0;
  apply_overnight_gap();
}

}  // namespace ms::sim
