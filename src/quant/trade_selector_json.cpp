#include "quant/trade_selector_json.hpp"

#include <cmath>
#include <cstdio>

#include "quant/json_text.hpp"
#include "quant/rounding.hpp"

namespace ms::quant {
namespace {

double r1(double v) { return round_half_even(v, 1); }
double r2(double v) { return round_half_even(v, 2); }

std::string side_name(OptionType side) { return side == OptionType::call ? "call" : "put"; }

// "9-12", "105-140": a range of whole numbers as the original printed it.
std::string range_text(double lo, double hi) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f-%.0f", lo, hi);
  return buf;
}

std::string ratio_vs(double r, double lo, double hi) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.1f vs %.0f-%.0f", r, lo, hi);
  return buf;
}

void envelope_fields(json::Writer& w, std::string_view symbol, const ModelEnvelope& envelope) {
  w.key("ts").integer(envelope.ts_ms)
      .key("ts_iso").string(iso8601_utc(envelope.ts_ms))
      .key("symbol").string(symbol)
      .key("epoch").string(envelope.epoch)
      .key("seq").integer(envelope.seq);
}

void write_score(json::Writer& w, const ScoreRow& row) {
  w.begin_object()
      .key("tile_key").string(row.tile_key)
      .key("composite").number(r1(row.composite))
      .key("confidence").number(r2(row.confidence))
      .key("components").begin_object()
      .key("r2r").number(r1(row.r2r))
      .key("convexity").number(r1(row.convexity.total))
      .key("width_fit").number(r1(row.width_fit))
      .key("gamma_alignment").number(r1(row.gamma_alignment))
      .end_object()
      .end_object();
}

void write_tile_fields(json::Writer& w, const ScoreRow& row) {
  const double width = row.key.width;
  w.key("side").string(side_name(row.side))
      .key("strike").number(milli_to_strike(row.key.strike_milli))
      .key("width").integer(row.key.width)
      .key("dte").integer(row.key.dte)
      .key("debit").number(r2(row.debit))
      .key("debit_pct").number(r1(100 * row.debit / width))
      .key("max_profit").number(r2(width - row.debit))
      .key("max_loss").number(r2(row.debit))
      .key("r2r_ratio").number(r2(row.r2r_ratio))
      .key("distance_to_spot").number(r1(row.distance_to_spot));
}

void write_recommendation(json::Writer& w, const SelectorResult& r, const ScoreRow& row,
                          std::size_t rank) {
  const auto e = r2r_expectation(row.key.dte);
  const double p = round_half_even(r.context.breach.probability, 3);
  const auto block = convexity_block(r2(row.r2r_ratio), p, row.key.dte);
  const std::string vs_typical = ratio_vs(row.r2r_ratio, e.typical_low, e.typical_high);
  w.begin_object().key("rank").integer(static_cast<std::int64_t>(rank)).key("tile_key").string(row.tile_key);
  w.key("score");
  write_score(w, row);
  w.key("campaign").string(row.campaign).key("edge_cases").begin_array();
  for (auto edge : row.edge_cases) w.string(edge);
  w.end_array().key("r2r_vs_typical").string(vs_typical).key("strategy").string("butterfly");
  write_tile_fields(w, row);
  w.key("distance_to_gamma_magnet");
  if (row.distance_to_gamma_magnet) w.number(r1(*row.distance_to_gamma_magnet));
  else w.null();
  w.key("convexity").begin_object()
      .key("convexity_score").number(block.convexity_score)
      .key("r2r_quality").string(block.quality)
      .key("r2r_vs_typical").string(vs_typical)
      .key("r2r_vs_max").string(ratio_vs(row.r2r_ratio, e.max_low, e.max_high))
      .key("ev_per_risk").number(block.ev_per_risk)
      .key("ev_positive").boolean(block.ev_positive)
      .end_object();
  w.end_object();
}

void write_window(json::Writer& w, const GammaScalpWindow& g) {
  w.begin_object().key("active").boolean(g.active);
  if (g.active) {
    w.key("window_start").number(g.window.min)
        .key("window_end").number(g.window.max)
        .key("progress").number(r2(g.progress))
        .key("time_remaining_hrs").number(r2(g.time_remaining_hrs))
        .key("urgency").string(g.urgency);
  } else if (g.before) {
    w.key("reason").string("before_window").key("starts_in_hrs").number(r2(g.starts_in_hrs));
  } else {
    w.key("reason").string("after_window");
  }
  w.end_object();
}

void write_gamma_scalp_row(json::Writer& w, const SelectorResult& r, const GammaScalpRow& g) {
  const ScoreRow& row = r.rows[g.row];
  std::string_view style = "net_caster", hold = "high";
  std::pair<int, int> zones{2, 3};
  if (r.context.regime == SelectorRegime::zombieland) {
    style = "sniper";
    hold = "low";
    zones = {1, 2};
  } else if (r.context.regime == SelectorRegime::goldilocks_1) {
    style = "balanced";
    hold = "medium";
    zones = {1, 2};
  }
  w.begin_object()
      .key("tile_key").string(row.tile_key)
      .key("gamma_scalp_score").number(g.score.score)
      .key("gamma_scalp_details").begin_object()
      .key("is_candidate").boolean(true)
      .key("disqualify_reasons").begin_array().end_array()
      .key("distance_from_spot").number(r1(row.distance_to_spot))
      .key("distance_pct").number(round_half_even(g.distance_pct, 4))
      .key("scores").begin_object()
      .key("atm_proximity").number(g.score.atm_proximity)
      .key("width_efficiency").number(r1(g.score.width_efficiency))
      .key("debit_cheapness").number(g.score.debit_cheapness)
      .end_object()
      .key("style").string(style)
      .key("target_zones").begin_array().integer(zones.first).integer(zones.second).end_array()
      .key("hold_tolerance").string(hold)
      .end_object()
      .key("campaign").string("0dte_tactical")
      .key("edge_case").string("gamma_scalp")
      .key("strategy").string("gamma_scalp");
  write_tile_fields(w, row);
  w.end_object();
}

void write_session_info(json::Writer& w, const SessionInfo& s) {
  w.begin_object().key("name").string(session_name(s.session));
  if (s.start) {
    w.key("start").number(*s.start)
        .key("end").number(*s.end)
        .key("is_entry_optimal").boolean(s.is_entry_optimal)
        .key("is_exercise_window").boolean(s.is_exercise_window)
        .key("is_outlier_zone").boolean(s.is_outlier_zone);
  } else {
    w.key("is_entry_optimal").boolean(false);
  }
  w.end_object();
}

void write_breach(json::Writer& w, const BreachEstimate& b) {
  w.begin_object()
      .key("breach_probability").number(round_half_even(b.probability, 3))
      .key("breach_pct").number(r1(100 * b.probability))
      .key("likelihood").string(b.likelihood)
      .key("color").string(b.color)
      .key("factors").begin_object()
      .key("base_rate").number(0.195)
      .key("regime_mult").number(b.regime_mult)
      .key("session_mult").number(b.session_mult)
      .key("vix_mult").number(b.vix_mult)
      .end_object()
      .end_object();
}

void write_static_sections(json::Writer& w) {
  w.key("scoring").begin_object()
      .key("weights").begin_object()
      .key("convexity").number(0.4).key("r2r").number(0.25)
      .key("width_fit").number(0.2).key("gamma_alignment").number(0.15)
      .end_object()
      .key("hard_filter").string("debit <= 10.0% of width")
      .key("ml_enabled").boolean(false)
      .key("ml_weight").number(0.0)
      .key("ml_scored_count").integer(0)
      .end_object();
  struct Campaign {
    const char* name;
    int dte_lo, dte_hi, r2r_lo, r2r_hi;
    double debit_lo, debit_hi;
    const char* frequency;
  };
  static constexpr Campaign kCampaigns[] = {
      {"0dte_tactical", 0, 2, 9, 18, 0.07, 0.1, "3-7/week"},
      {"convex_stack", 3, 5, 15, 30, 0.05, 0.07, "2/week overlapping"},
      {"sigma_drift", 5, 10, 20, 50, 0.03, 0.05, "6/month"}};
  w.key("campaigns").begin_object();
  for (const auto& c : kCampaigns) {
    w.key(c.name).begin_object()
        .key("dte_range").begin_array().integer(c.dte_lo).integer(c.dte_hi).end_array()
        .key("r2r_typical").begin_array().integer(c.r2r_lo).integer(c.r2r_hi).end_array()
        .key("debit_pct_range").begin_array().number(c.debit_lo).number(c.debit_hi).end_array()
        .key("frequency").string(c.frequency)
        .end_object();
  }
  w.end_object();
}

void write_payoff_zones(json::Writer& w) {
  struct Zone {
    const char* name;
    double probability, lo, hi;
    const char* label;
  };
  static constexpr Zone kZones[] = {{"zone_0", 0.5, 0, 0, "Loss"},
                                    {"zone_1", 0.375, 0.5, 2.5, "Standard Win"},
                                    {"zone_2", 0.1, 2.5, 4.5, "Strong Win"},
                                    {"zone_3", 0.025, 8.0, 19.0, "Pin Trade"}};
  w.key("payoff_zones").begin_object();
  for (const auto& z : kZones) {
    w.key(z.name).begin_object()
        .key("probability").number(z.probability)
        .key("return_range").begin_array().number(z.lo).number(z.hi).end_array()
        .key("label").string(z.label)
        .end_object();
  }
  w.end_object();
}

}  // namespace

void write_selector_model_json(std::string& out, const SelectorResult& r,
                               const ModelEnvelope& envelope) {
  const auto& c = r.context;
  const double scale = r.params.point_scale;
  const auto* bl = r.bias_lfi ? &*r.bias_lfi : nullptr;
  auto bl_value = [&](auto member) -> std::optional<double> {
    if (!bl) return std::nullopt;
    return member(*bl);
  };
  const std::optional<double> magnet = bl_value([](const BiasLfiResult& b) { return b.max_net_gex_strike; });
  const std::optional<double> zero_gamma = bl_value([](const BiasLfiResult& b) { return b.flip.nearest; });

  json::Writer w(out);
  w.begin_object();
  envelope_fields(w, r.symbol, envelope);
  w.key("spot").number(c.spot)
      .key("vix").number(c.vix)
      .key("vix_defaulted").boolean(r.vix_defaulted)
      .key("vix_regime").string(selector_regime_name(c.regime))
      .key("vix_special").string(special_condition_name(c.special));
  write_static_sections(w);
  w.key("playbook").begin_object()
      .key("regime").string(selector_regime_name(c.regime))
      .key("session").string(session_name(c.session.session))
      .key("ideal_width").string(range_text(c.ideal_width.min * scale, c.ideal_width.max * scale))
      .key("ideal_dte").string(range_text(c.ideal_dte.min, c.ideal_dte.max))
      .key("max_debit_pct").number(10.0)
      .key("decay_factor").number(c.decay)
      .key("entry_optimal").boolean(c.session.is_entry_optimal)
      .key("exercise_window").boolean(c.session.is_exercise_window)
      .key("outlier_zone").boolean(c.session.is_outlier_zone)
      .end_object();
  w.key("edge_cases").begin_object()
      .key("batman_available").boolean(c.vix >= 24)
      .key("timewarp_available").boolean(c.vix <= 17)
      .key("gamma_scalp_active").boolean(c.gamma_scalp.active)
      .end_object();
  w.key("expected_move").begin_object()
      .key("em_0dte").number(c.expected_move)
      .key("em_1dte").number(c.expected_move)
      .key("em_upper").number(r2(c.spot + c.expected_move))
      .key("em_lower").number(r2(c.spot - c.expected_move))
      .key("breach");
  write_breach(w, c.breach);
  write_payoff_zones(w);
  w.end_object();

  w.key("gamma_scalp").begin_object().key("active").boolean(c.gamma_scalp.active).key("window");
  write_window(w, c.gamma_scalp);
  w.key("candidates").begin_array();
  for (std::size_t i = 0; i < r.gamma_scalp.size() && i < r.params.gamma_scalp_top; ++i) {
    write_gamma_scalp_row(w, r, r.gamma_scalp[i]);
  }
  w.end_array()
      .key("total_candidates").integer(static_cast<std::int64_t>(r.gamma_scalp.size()))
      .end_object();
  w.key("gamma_magnet").number_or_null(magnet).key("zero_gamma").number_or_null(zero_gamma);

  w.key("indicator_snapshot").begin_object()
      .key("spot").number(c.spot)
      .key("vix").number(c.vix)
      .key("vix_regime").string(selector_regime_name(c.regime))
      .key("vix_special").string(special_condition_name(c.special))
      .key("session").string(session_name(c.session.session))
      .key("session_info");
  write_session_info(w, c.session);
  w.key("expected_move_0dte").number(c.expected_move)
      .key("expected_move_1dte").number(c.expected_move)
      .key("em_breach_probability").number(round_half_even(c.breach.probability, 3))
      .key("em_breach_pct").number(r1(100 * c.breach.probability))
      .key("em_breach_likelihood").string(c.breach.likelihood)
      .key("ideal_width_min").number(c.ideal_width.min * scale)
      .key("ideal_width_max").number(c.ideal_width.max * scale)
      .key("ideal_dte_min").integer(static_cast<std::int64_t>(c.ideal_dte.min))
      .key("ideal_dte_max").integer(static_cast<std::int64_t>(c.ideal_dte.max))
      .key("decay_factor").number(c.decay)
      .key("max_debit_pct").number(10.0)
      .key("gamma_magnet").number_or_null(magnet)
      .key("zero_gamma").number_or_null(zero_gamma)
      .key("flip_above").number_or_null(bl_value([](const BiasLfiResult& b) { return b.flip.above; }))
      .key("flip_below").number_or_null(bl_value([](const BiasLfiResult& b) { return b.flip.below; }))
      .key("directional_strength")
      .number_or_null(bl_value([](const BiasLfiResult& b) -> std::optional<double> { return r1(b.directional_strength); }))
      .key("lfi_score")
      .number_or_null(bl_value([](const BiasLfiResult& b) -> std::optional<double> { return r1(b.lfi_score); }))
      .key("market_mode_score")
      .number_or_null(bl_value([](const BiasLfiResult& b) -> std::optional<double> { return r1(b.market_mode_score); }))
      .key("total_net_gex")
      .number_or_null(bl_value([](const BiasLfiResult& b) -> std::optional<double> { return round_half_even(b.total_net_gex, 4); }))
      .key("max_call_gex_strike").number_or_null(bl_value([](const BiasLfiResult& b) { return b.max_call_gex_strike; }))
      .key("max_put_gex_strike").number_or_null(bl_value([](const BiasLfiResult& b) { return b.max_put_gex_strike; }))
      .end_object();

  w.key("scores").begin_object();
  for (const auto& row : r.rows) {
    w.key(row.tile_key);
    write_score(w, row);
  }
  w.end_object();
  w.key("recommendations").begin_array();
  for (std::size_t i = 0; i < r.ranked.size() && i < r.params.top_n; ++i) {
    write_recommendation(w, r, r.rows[r.ranked[i]], i + 1);
  }
  w.end_array()
      .key("total_scored").integer(static_cast<std::int64_t>(r.rows.size()))
      .key("filtered_by_debit_rule").integer(static_cast<std::int64_t>(r.filtered_by_debit_rule))
      .end_object();
}

void write_selector_no_spot_json(std::string& out, std::string_view symbol,
                                 const ModelEnvelope& envelope) {
  json::Writer w(out);
  w.begin_object();
  envelope_fields(w, symbol, envelope);
  w.key("spot").null()
      .key("error").string("No spot data available")
      .key("recommendations").begin_array().end_array()
      .key("total_scored").integer(0)
      .end_object();
}

}  // namespace ms::quant
