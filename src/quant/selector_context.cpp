#include "quant/selector_context.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "quant/rounding.hpp"

namespace ms::quant {

std::string_view session_name(Session s) {
  switch (s) {
    case Session::overnight: return "overnight";
    case Session::premarket: return "premarket";
    case Session::morning: return "morning";
    case Session::afternoon: return "afternoon";
    case Session::closing: return "closing";
    case Session::after_hours: return "after_hours";
  }
  return "overnight";
}

std::string_view selector_regime_name(SelectorRegime r) {
  switch (r) {
    case SelectorRegime::zombieland: return "zombieland";
    case SelectorRegime::goldilocks_1: return "goldilocks_1";
    case SelectorRegime::goldilocks_2: return "goldilocks_2";
    case SelectorRegime::chaos: return "chaos";
  }
  return "zombieland";
}

std::string_view special_condition_name(SpecialCondition s) {
  switch (s) {
    case SpecialCondition::none: return "none";
    case SpecialCondition::batman: return "batman";
    case SpecialCondition::timewarp: return "timewarp";
    case SpecialCondition::gamma_scalp: return "gamma_scalp";
  }
  return "none";
}

Session session_at(double hour) {
  if (hour < 7) return Session::overnight;
  if (hour < 9.5) return Session::premarket;
  if (hour < 12.5) return Session::morning;
  if (hour < 14.5) return Session::afternoon;
  if (hour < 16) return Session::closing;
  return Session::after_hours;
}

SessionInfo session_info_at(double hour) {
  SessionInfo info;
  info.session = session_at(hour);
  switch (info.session) {
    case Session::premarket: info.start = 7; info.end = 9.5; break;
    case Session::morning: info.start = 9.5; info.end = 12.5; break;
    case Session::afternoon: info.start = 12.5; info.end = 14.5; break;
    case Session::closing: info.start = 14.5; info.end = 16; break;
    case Session::overnight:
    case Session::after_hours: return info;
  }
  info.is_entry_optimal = info.session == Session::morning;
  info.is_exercise_window =
      (info.session == Session::morning || info.session == Session::afternoon) && hour >= 11;
  info.is_outlier_zone = info.session == Session::closing;
  return info;
}

SelectorRegime selector_regime_for_vix(double vix) {
  if (vix >= 32) return SelectorRegime::chaos;
  if (vix >= 23) return SelectorRegime::goldilocks_2;
  if (vix >= 17) return SelectorRegime::goldilocks_1;
  return SelectorRegime::zombieland;
}

Range gamma_scalp_window(SelectorRegime regime) {
  switch (regime) {
    case SelectorRegime::zombieland: return {12.5, 16};
    case SelectorRegime::goldilocks_1: return {14, 16};
    case SelectorRegime::goldilocks_2:
    case SelectorRegime::chaos: return {15, 16};
  }
  return {15, 16};
}

double decay_factor(Session session, SelectorRegime regime) {
  double by_session = 0.5;
  switch (session) {
    case Session::premarket: by_session = 0.8; break;
    case Session::morning: by_session = 1.0; break;
    case Session::afternoon: by_session = 1.3; break;
    case Session::closing: by_session = 1.6; break;
    case Session::overnight:
    case Session::after_hours: by_session = 0.5; break;
  }
  double by_regime = 1.0;
  switch (regime) {
    case SelectorRegime::zombieland: by_regime = 1.2; break;
    case SelectorRegime::goldilocks_1: by_regime = 1.1; break;
    case SelectorRegime::goldilocks_2: by_regime = 1.0; break;
    case SelectorRegime::chaos: by_regime = 0.9; break;
  }
  return round_half_even(by_session * by_regime, 2);
}

BreachEstimate breach_estimate(SelectorRegime regime, Session session, double vix) {
  BreachEstimate b;
  switch (regime) {
    case SelectorRegime::chaos: b.regime_mult = 1.4; break;
    case SelectorRegime::goldilocks_2: b.regime_mult = 1.2; break;
    case SelectorRegime::goldilocks_1: b.regime_mult = 1.0; break;
    case SelectorRegime::zombieland: b.regime_mult = 0.85; break;
  }
  switch (session) {
    case Session::premarket: b.session_mult = 0.8; break;
    case Session::morning: b.session_mult = 1.15; break;
    case Session::afternoon: b.session_mult = 0.95; break;
    case Session::closing: b.session_mult = 1.1; break;
    default: b.session_mult = 1.0; break;
  }
  b.vix_mult = vix >= 40 ? 1.5 : vix >= 30 ? 1.25 : vix <= 12 ? 0.8 : 1.0;
  b.probability = std::min(0.45, 0.195 * b.regime_mult * b.session_mult * b.vix_mult);
  if (b.probability >= 0.30) {
    b.likelihood = "high";
    b.color = "green";
  } else if (b.probability >= 0.22) {
    b.likelihood = "elevated";
    b.color = "yellow";
  } else if (b.probability >= 0.15) {
    b.likelihood = "normal";
    b.color = "neutral";
  } else {
    b.likelihood = "low";
    b.color = "red";
  }
  return b;
}

GammaScalpWindow gamma_scalp_window_at(SelectorRegime regime, double hour) {
  GammaScalpWindow g;
  g.window = gamma_scalp_window(regime);
  if (hour < g.window.min) {
    g.before = true;
    g.starts_in_hrs = g.window.min - hour;
  } else if (hour <= g.window.max) {
    g.active = true;
    g.progress = (hour - g.window.min) / (g.window.max - g.window.min);
    g.time_remaining_hrs = g.window.max - hour;
    g.urgency = g.progress > 0.7 ? "high" : g.progress > 0.4 ? "medium" : "low";
  }
  return g;
}

SelectorContext selector_context(double spot, double vix, double hour) {
  auto reject = [](const char* what) {
    throw core::Error("invalid_selector_input", std::string("trade selector input: ") + what);
  };
  if (!(std::isfinite(spot) && spot > 0)) reject("spot must be a finite number > 0");
  if (!(std::isfinite(vix) && vix > 0)) reject("vix must be a finite number > 0");
  if (!(std::isfinite(hour) && hour >= 0 && hour < 24)) reject("hour must be in [0, 24)");
  SelectorContext c;
  c.spot = spot;
  c.vix = vix;
  c.hour = hour;
  c.session = session_info_at(hour);
  c.regime = selector_regime_for_vix(vix);
  c.gamma_scalp = gamma_scalp_window_at(c.regime, hour);
  if (vix >= 24) c.special = SpecialCondition::batman;
  else if (vix <= 17) c.special = SpecialCondition::timewarp;
  else if (c.gamma_scalp.active) c.special = SpecialCondition::gamma_scalp;
  c.decay = decay_factor(c.session.session, c.regime);
  c.expected_move = round_half_even(spot * vix / 100.0 * std::sqrt(1.0 / 252.0), 2);
  c.breach = breach_estimate(c.regime, c.session.session, vix);
  const bool timewarp = c.special == SpecialCondition::timewarp;
  switch (c.regime) {
    case SelectorRegime::chaos: c.ideal_width = {50, 100}; c.ideal_dte = {1, 3}; break;
    case SelectorRegime::goldilocks_2: c.ideal_width = {40, 50}; c.ideal_dte = {0, 2}; break;
    case SelectorRegime::goldilocks_1: c.ideal_width = {30, 40}; c.ideal_dte = {0, 1}; break;
    case SelectorRegime::zombieland:
      c.ideal_width = timewarp ? Range{10, 20} : Range{20, 30};
      c.ideal_dte = timewarp ? Range{1, 2} : Range{0, 1};
      break;
  }
  return c;
}

}  // namespace ms::quant
