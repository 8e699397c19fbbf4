#include "services/massive/selector_tracking.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/market_calendar.hpp"
#include "core/money.hpp"
#include "quant/heatmap_types.hpp"
#include "quant/model_envelope.hpp"

namespace ms::massive {

namespace {

using nlohmann::json;

double r1(double x) { return core::round_half_away(x, 1); }
double r2(double x) { return core::round_half_away(x, 2); }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// "2026-02-10T21:00:00+00:00": the instant with an explicit offset, like the original's field.
std::string iso_with_offset(std::int64_t ms) {
  std::string s = quant::iso8601_utc(ms);
  if (!s.empty() && s.back() == 'Z') s.replace(s.size() - 1, 1, "+00:00");
  return s;
}

// Hour of day and weekday (Mon = 0) on the New York wall clock. The original used the server's
// local time and assumed it was Eastern (Q9); the market clock's instant is converted here.
struct NewYorkTime {
  double hour;
  int day_of_week;
};

NewYorkTime new_york_time(std::int64_t ms) {
  const std::int64_t local =
      ms + std::int64_t(core::new_york_utc_offset_minutes(ms)) * core::kMsPerMinute;
  const std::int64_t day = floor_div(local, core::kMsPerDay);
  const int dow = int(((day + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday (3)
  return {r2(core::new_york_hour(ms)), dow};
}

std::string number_text(double x) { return json(x).dump(); }

// The totals hash of the active ideas (by trade_id; the tracker's private Idea, hence deduced).
template <class ActiveIdeas>
std::map<std::string, std::string> totals_of(const ActiveIdeas& active, std::int64_t now_ms) {
  double total_current = 0, total_max = 0;
  for (const auto& [id, idea] : active) {
    total_current += idea.current_pnl;
    total_max += idea.max_pnl;
  }
  return {{"total_current_pnl", number_text(r2(total_current))},
          {"total_max_pnl", number_text(r2(total_max))},
          {"active_count", std::to_string(active.size())},
          {"updated_at", quant::iso8601_utc(now_ms)}};
}

json optional_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

std::int64_t expiration_for(const TrackingContext& ctx, int dte) {
  if (ctx.expiration_ms) {
    if (auto ms = ctx.expiration_ms(dte)) return *ms;
  }
  const core::Date expiry = core::add_days(core::session_date(ctx.now_ms), dte);
  return core::expiration_ms(expiry, core::Settlement::pm);
}

template <class T>
std::optional<T> field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return std::nullopt;
  } else {
    if (!it->is_number()) return std::nullopt;
  }
  return it->template get<T>();
}

}  // namespace

bool TrackingWrites::empty() const {
  return active_set.empty() && active_del.empty() && history_push.empty() && history_remove.empty() &&
         stats_incr.empty() && stats_incr_float.empty() && totals.empty() &&
         settled_json.empty();
}

SelectorTracker::SelectorTracker(std::string symbol, std::size_t top_n)
    : symbol_(std::move(symbol)), top_n_(top_n) {}

double SelectorTracker::pnl(double spot, double strike, double width, double debit) {
  return r2(std::max(0.0, width - std::fabs(spot - strike)) - debit);
}

const nlohmann::json* SelectorTracker::active_record(const std::string& trade_id) const {
  const auto it = active_.find(trade_id);
  return it == active_.end() ? nullptr : &it->second.record;
}

std::size_t SelectorTracker::restore(const std::map<std::string, std::string>& active_hash) {
  active_.clear();
  active_tiles_.clear();
  previous_.clear();
  for (const auto& [id, text] : active_hash) {
    const json rec = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!rec.is_object()) continue;
    if (field<std::string>(rec, "symbol") != symbol_) continue;
    if (const auto s = field<std::string>(rec, "status"); s && *s != "active") continue;
    const auto tile = field<std::string>(rec, "tile_key");
    const auto rank = field<int>(rec, "entry_rank");
    const auto strike = field<double>(rec, "strike");
    const auto width = field<double>(rec, "width");
    const auto debit = field<double>(rec, "debit");
    const auto expiration = field<std::int64_t>(rec, "expiration_ts");
    if (!tile || !rank || !strike || !width || !debit || !expiration) continue;
    Idea idea;
    idea.tile_key = *tile;
    idea.rank = *rank;
    idea.strike = *strike;
    idea.width = *width;
    idea.debit = *debit;
    idea.expiration_ms = *expiration;
    idea.current_pnl = field<double>(rec, "current_pnl").value_or(0.0);
    idea.max_pnl = field<double>(rec, "max_pnl").value_or(idea.current_pnl);
    idea.record = rec;
    idea.record["trade_id"] = id;
    previous_.insert(idea.tile_key);
    active_tiles_[idea.tile_key] = id;
    active_.insert_or_assign(id, std::move(idea));
  }
  return active_.size();
}

bool SelectorTracker::apply_pnl(Idea& idea, const TrackingContext& ctx) {
  const double p = pnl(ctx.spot, idea.strike, idea.width, idea.debit);
  bool changed = false;
  if (p != idea.current_pnl) {
    idea.current_pnl = p;
    idea.record["current_pnl"] = p;
    changed = true;
  }
  if (p > idea.max_pnl) {
    idea.max_pnl = p;
    idea.record["max_pnl"] = p;
    idea.record["max_pnl_time"] = quant::iso8601_utc(ctx.now_ms);
    idea.record["max_pnl_spot"] = r2(ctx.spot);
    changed = true;
  }
  return changed;
}

SelectorTracker::Idea SelectorTracker::make_idea(const quant::ScoreRow& row, int rank,
                                                 const TrackingContext& ctx,
                                                 std::int64_t expiration_ms) const {
  Idea idea;
  idea.tile_key = row.tile_key;
  idea.rank = rank;
  idea.strike = quant::milli_to_strike(row.key.strike_milli);
  idea.width = row.key.width;
  idea.debit = r2(row.debit);
  idea.expiration_ms = expiration_ms;
  idea.current_pnl = pnl(ctx.spot, idea.strike, idea.width, idea.debit);
  idea.max_pnl = idea.current_pnl;

  const std::string id =
      symbol_ + ":" + row.tile_key + ":" + std::to_string(floor_div(ctx.now_ms, 1000));
  const std::string now_iso = quant::iso8601_utc(ctx.now_ms);
  const NewYorkTime ny = new_york_time(ctx.now_ms);
  json edge_cases = json::array();
  for (auto e : row.edge_cases) edge_cases.push_back(e);
  idea.record = {
      {"trade_id", id},
      {"symbol", symbol_},
      {"tile_key", row.tile_key},
      {"entry_rank", rank},
      {"entry_time", now_iso},
      {"entry_ts", ctx.now_ms},
      {"entry_spot", r2(ctx.spot)},
      {"entry_vix", r2(ctx.vix)},
      {"entry_regime", ctx.regime},
      {"entry_hour", ny.hour},
      {"entry_day_of_week", ny.day_of_week},
      {"entry_gex_flip", optional_number(ctx.gex_flip)},
      {"entry_gex_call_wall", optional_number(ctx.call_wall)},
      {"entry_gex_put_wall", optional_number(ctx.put_wall)},
      {"strategy", "butterfly"},
      {"side", row.side == quant::OptionType::call ? "call" : "put"},
      {"strike", idea.strike},
      {"width", row.key.width},
      {"dte", row.key.dte},
      {"debit", idea.debit},
      {"max_profit_theoretical", r2(idea.width - idea.debit)},
      {"r2r_predicted", r2(row.r2r_ratio)},
      {"campaign", row.campaign},
      {"edge_cases", std::move(edge_cases)},
      {"expiration", iso_with_offset(expiration_ms)},
      {"expiration_ts", expiration_ms},
      {"current_pnl", idea.current_pnl},
      {"max_pnl", idea.max_pnl},
      {"max_pnl_time", now_iso},
      {"max_pnl_spot", r2(ctx.spot)},
      {"status", "active"},
      {"settled", false}};
  return idea;
}

TrackingWrites SelectorTracker::update(const quant::SelectorResult& result,
                                       const TrackingContext& ctx) {
  if (result.symbol != symbol_) {
    throw core::Error("tracking_symbol_mismatch",
                      "selector tracking for " + symbol_ + " got a result for " + result.symbol);
  }
  TrackingWrites w;
  if (!std::isfinite(ctx.spot) || ctx.spot <= 0) return w;

  // 1. Active ideas: P&L until their expiration; from then on they wait for settle().
  for (auto& [id, idea] : active_) {
    if (ctx.now_ms >= idea.expiration_ms) continue;
    if (apply_pnl(idea, ctx)) w.active_set.emplace_back(id, idea.record.dump());
  }

  // 2. New entries of this cycle's top N.
  const std::size_t n = std::min({top_n_, result.params.top_n, result.ranked.size()});
  if (n > 0) {
    std::set<std::string> current;
    for (std::size_t i = 0; i < n; ++i) {
      const quant::ScoreRow& row = result.rows.at(result.ranked[i]);
      current.insert(row.tile_key);
      if (previous_.count(row.tile_key) || active_tiles_.count(row.tile_key)) continue;
      const std::int64_t expiration = expiration_for(ctx, row.key.dte);
      if (ctx.now_ms >= expiration) continue;
      Idea idea = make_idea(row, int(i + 1), ctx, expiration);
      std::string id = idea.record["trade_id"].get<std::string>();
      w.active_set.emplace_back(id, idea.record.dump());
      active_tiles_[idea.tile_key] = id;
      active_.insert_or_assign(std::move(id), std::move(idea));
    }
    previous_ = std::move(current);
  }

  // 3. Totals, when anything was written.
  if (!w.active_set.empty() || !w.active_del.empty()) {
    w.totals = totals_of(active_, ctx.now_ms);
  }
  return w;
}

std::set<std::int64_t> SelectorTracker::awaiting_settlement(std::int64_t now_ms) const {
  std::set<std::int64_t> out;
  for (const auto& [id, idea] : active_) {
    if (idea.expiration_ms <= now_ms) out.insert(idea.expiration_ms);
  }
  return out;
}

TrackingWrites SelectorTracker::settle(const SettlementValue& v) {
  TrackingWrites w;
  if (!std::isfinite(v.value) || v.value <= 0) return w;
  auto write_settlement = [&](Idea& idea, int revision) {
    json& rec = idea.record;
    idea.current_pnl = pnl(v.value, idea.strike, idea.width, idea.debit);
    const double final_pnl = idea.current_pnl;
    rec["current_pnl"] = final_pnl;
    rec["status"] = "settled";
    rec["settled"] = true;
    rec["settlement_time"] = quant::iso8601_utc(v.now_ms);
    rec["settlement_spot"] = r2(v.value);
    rec["settlement_source"] = v.source;
    rec["settlement_final"] = v.final;
    rec["settlement_style"] = v.style;
    rec["settlement_revision"] = revision;
    rec["final_pnl"] = final_pnl;
    rec["pnl_captured_pct"] = idea.max_pnl > 0 ? r1(100.0 * final_pnl / idea.max_pnl) : 0.0;
    rec["is_winner"] = final_pnl > 0;
    rec["r2r_achieved"] = idea.debit > 0 ? r2(final_pnl / idea.debit) : 0.0;
  };

  // Corrections of ideas already settled at this instant.
  for (auto& [id, idea] : settled_) {
    if (idea.expiration_ms != v.expiration_ms) continue;
    const double old_value = idea.record.value("settlement_spot", 0.0);
    const bool old_final = idea.record.value("settlement_final", true);
    if (old_value == r2(v.value) && old_final == v.final) continue;
    const std::string old_text = idea.record.dump();
    const double old_pnl = idea.current_pnl;
    const bool old_winner = old_pnl > 0;
    write_settlement(idea, idea.record.value("settlement_revision", 1) + 1);
    const std::string rank = "rank" + std::to_string(idea.rank);
    if (idea.current_pnl != old_pnl) w.stats_incr_float[rank + ":total_pnl"] += idea.current_pnl - old_pnl;
    const bool winner = idea.current_pnl > 0;
    if (winner != old_winner) w.stats_incr[rank + ":wins"] += winner ? 1 : -1;
    std::string text = idea.record.dump();
    w.history_remove.push_back(old_text);
    w.history_push.push_back(text);
    w.settled_json.push_back(std::move(text));
  }

  // First settlement of the active ideas of this instant.
  for (auto it = active_.begin(); it != active_.end();) {
    Idea& idea = it->second;
    if (idea.expiration_ms != v.expiration_ms) {
      ++it;
      continue;
    }
    write_settlement(idea, 1);
    std::string text = idea.record.dump();
    const std::string rank = "rank" + std::to_string(idea.rank);
    w.stats_incr[rank + ":count"] += 1;
    if (idea.current_pnl > 0) w.stats_incr[rank + ":wins"] += 1;
    w.stats_incr_float[rank + ":total_pnl"] += idea.current_pnl;
    w.stats_incr_float[rank + ":total_max_pnl"] += idea.max_pnl;
    w.active_del.push_back(it->first);
    w.history_push.push_back(text);
    w.settled_json.push_back(std::move(text));
    active_tiles_.erase(idea.tile_key);
    settled_order_.push_back(it->first);
    settled_.insert_or_assign(it->first, std::move(idea));
    it = active_.erase(it);
  }
  while (settled_order_.size() > kRecentSettled) {
    settled_.erase(settled_order_.front());
    settled_order_.erase(settled_order_.begin());
  }

  if (!w.active_del.empty()) {
    w.totals = totals_of(active_, v.now_ms);
  }
  return w;
}

}  // namespace ms::massive
