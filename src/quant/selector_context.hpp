#pragma once
// The trade selector's market context (massive spec §5.5 "Context"): session from the New
// York time of day, VIX regime, special conditions, decay, expected move, breach probability
// and the gamma-scalp window. Time is a parameter: `hour` is the New York wall-clock hour as
// a fraction (10:15 → 10.25) from the market clock — never the server's local time (Q9).
//
// One deliberate change from the original: "special" tests the gamma-scalp window with the
// fractional hour like everything else (the original used ⌊h⌋ there only, Q13).
#include <optional>
#include <string>
#include <string_view>

namespace ms::quant {

enum class Session { overnight, premarket, morning, afternoon, closing, after_hours };
enum class SelectorRegime { zombieland, goldilocks_1, goldilocks_2, chaos };
enum class SpecialCondition { none, batman, timewarp, gamma_scalp };

std::string_view session_name(Session s);
std::string_view selector_regime_name(SelectorRegime r);
std::string_view special_condition_name(SpecialCondition s);

struct SessionInfo {
  Session session = Session::overnight;
  std::optional<double> start;  // absent for overnight / after_hours
  std::optional<double> end;
  bool is_entry_optimal = false;
  bool is_exercise_window = false;
  bool is_outlier_zone = false;
};

struct Range {
  double min = 0;
  double max = 0;
};

struct BreachEstimate {
  double probability = 0;  // unrounded; the model shows round3 / round1(100p)
  std::string_view likelihood;  // high / elevated / normal / low
  std::string_view color;       // green / yellow / neutral / red
  double regime_mult = 1, session_mult = 1, vix_mult = 1;
};

struct GammaScalpWindow {
  Range window;
  bool active = false;
  bool before = false;        // not yet open (else: closed, when not active)
  double progress = 0;        // unrounded, active only
  double time_remaining_hrs = 0;
  double starts_in_hrs = 0;   // before only
  std::string_view urgency;   // high / medium / low, active only
};

struct SelectorContext {
  double spot = 0;
  double vix = 0;
  double hour = 0;
  SessionInfo session;
  SelectorRegime regime = SelectorRegime::zombieland;
  SpecialCondition special = SpecialCondition::none;
  double decay = 1;           // rounded to 2 decimals, as published and used
  double expected_move = 0;   // em_0dte = em_1dte, rounded to 2 decimals
  BreachEstimate breach;
  GammaScalpWindow gamma_scalp;
  Range ideal_width;          // in SPX-equivalent points (see trade_selector.hpp)
  Range ideal_dte;
};

Session session_at(double hour);
SessionInfo session_info_at(double hour);
SelectorRegime selector_regime_for_vix(double vix);
Range gamma_scalp_window(SelectorRegime regime);
double decay_factor(Session session, SelectorRegime regime);
BreachEstimate breach_estimate(SelectorRegime regime, Session session, double vix);
GammaScalpWindow gamma_scalp_window_at(SelectorRegime regime, double hour);

// Throws ms::core::Error "invalid_selector_input" for spot <= 0, vix <= 0 or an hour outside
// [0, 24).
SelectorContext selector_context(double spot, double vix, double hour);

}  // namespace ms::quant
