#include "quant/candles.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/market_calendar.hpp"

namespace ms::quant {

namespace {

bool usable_price(double price) { return std::isfinite(price) && price > 0.0; }

[[noreturn]] void bad_model(const std::string& why) {
  throw core::Error("bad_candle_model", "candle model: " + why);
}

// New York midnight of the date holding `ts_ms`, with the last day remembered: consecutive
// candles mostly share a date, and the time-zone lookup is the expensive part.
class DayStartCache {
 public:
  std::int64_t day_start(std::int64_t ts_ms) {
    if (!(valid_ && ts_ms >= start_ && ts_ms < end_)) {
      const auto bounds = core::new_york_day_bounds(core::session_date(ts_ms));
      start_ = bounds.start_ms;
      end_ = bounds.end_ms;
      valid_ = true;
    }
    return start_;
  }

 private:
  bool valid_ = false;
  std::int64_t start_ = 0, end_ = 0;
};

std::vector<Candle> series_from_json(const nlohmann::json& model, CandleInterval interval) {
  const auto field = std::string(model_field(interval));
  const auto it = model.find(field);
  if (it == model.end() || it->is_null()) return {};
  if (!it->is_array()) bad_model("'" + field + "' is not an array");
  std::vector<Candle> out;
  out.reserve(it->size());
  for (const auto& c : *it) out.push_back(candle_from_json(c));
  std::stable_sort(out.begin(), out.end(),
                   [](const Candle& a, const Candle& b) { return a.t_ms < b.t_ms; });
  // One candle per bucket; the later entry wins.
  std::vector<Candle> unique;
  for (const auto& c : out) {
    if (!unique.empty() && unique.back().t_ms == c.t_ms) {
      unique.back() = c;
    } else {
      unique.push_back(c);
    }
  }
  return unique;
}

nlohmann::json series_to_json(const auto& candles) {
  auto arr = nlohmann::json::array();
  for (const auto& c : candles) arr.push_back(candle_to_json(c));
  return arr;
}

}  // namespace

std::int64_t interval_ms(CandleInterval interval) {
  switch (interval) {
    case CandleInterval::m5: return 5 * core::kMsPerMinute;
    case CandleInterval::m15: return 15 * core::kMsPerMinute;
    case CandleInterval::h1: break;
  }
  return core::kMsPerHour;
}

std::string_view model_field(CandleInterval interval) {
  switch (interval) {
    case CandleInterval::m5: return "candles_5m";
    case CandleInterval::m15: return "candles_15m";
    case CandleInterval::h1: break;
  }
  return "candles_1h";
}

std::int64_t candle_bucket(std::int64_t ts_ms, std::int64_t size_ms) {
  if (size_ms <= 0) throw core::Error("bad_input", "candle size must be positive");
  std::int64_t q = ts_ms / size_ms;
  if (ts_ms % size_ms < 0) --q;
  return q * size_ms;
}

std::vector<Candle> build_candles(std::vector<TrailPoint> points, std::int64_t size_ms) {
  if (size_ms <= 0) throw core::Error("bad_input", "candle size must be positive");
  std::stable_sort(points.begin(), points.end(),
                   [](const TrailPoint& a, const TrailPoint& b) { return a.ts_ms < b.ts_ms; });
  std::vector<Candle> out;
  for (const auto& p : points) {
    if (!usable_price(p.price)) continue;
    const std::int64_t b = candle_bucket(p.ts_ms, size_ms);
    if (out.empty() || out.back().t_ms != b) {
      out.push_back({b, p.price, p.price, p.price, p.price});
    } else {
      auto& c = out.back();
      c.h = std::max(c.h, p.price);
      c.l = std::min(c.l, p.price);
      c.c = p.price;
    }
  }
  return out;
}

nlohmann::json candle_to_json(const Candle& c) {
  return nlohmann::json{{"t", c.t_ms}, {"o", c.o}, {"h", c.h}, {"l", c.l}, {"c", c.c}};
}

Candle candle_from_json(const nlohmann::json& j) {
  if (!j.is_object()) bad_model("a candle is not an object");
  Candle c{};
  const auto t = j.find("t");
  if (t == j.end() || !t->is_number_integer()) bad_model("a candle's 't' is not integer epoch ms");
  c.t_ms = t->get<std::int64_t>();
  auto price = [&](const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number() || !std::isfinite(it->get<double>())) {
      bad_model(std::string("a candle's '") + key + "' is not a finite number");
    }
    return it->get<double>();
  };
  c.o = price("o");
  c.h = price("h");
  c.l = price("l");
  c.c = price("c");
  return c;
}

std::vector<Candle> last_sessions(const std::vector<Candle>& candles, int sessions) {
  if (sessions <= 0 || candles.empty()) return {};
  std::vector<Candle> sorted = candles;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Candle& a, const Candle& b) { return a.t_ms < b.t_ms; });
  DayStartCache days;
  int seen = 0;
  std::int64_t current_day = 0;
  std::size_t first_kept = sorted.size();
  for (std::size_t i = sorted.size(); i-- > 0;) {
    const std::int64_t day = days.day_start(sorted[i].t_ms);
    if (seen == 0 || day != current_day) {
      if (seen == sessions) break;
      ++seen;
      current_day = day;
    }
    first_kept = i;
  }
  return {sorted.begin() + std::ptrdiff_t(first_kept), sorted.end()};
}

nlohmann::json filter_candle_model(const nlohmann::json& model, int days) {
  if (!model.is_object()) bad_model("the model is not an object");
  days = std::clamp(days, 1, 7);
  nlohmann::json out = model;
  for (auto interval : kCandleIntervals) {
    out[std::string(model_field(interval))] =
        series_to_json(last_sessions(series_from_json(model, interval), days));
  }
  out["days"] = days;
  return out;
}

std::vector<Candle>& CandleChanges::of(CandleInterval interval) {
  return interval == CandleInterval::m5 ? m5 : interval == CandleInterval::m15 ? m15 : h1;
}

const std::vector<Candle>& CandleChanges::of(CandleInterval interval) const {
  return interval == CandleInterval::m5 ? m5 : interval == CandleInterval::m15 ? m15 : h1;
}

// ---- CandleBuilder --------------------------------------------------------------------------

CandleBuilder::CandleBuilder(std::string symbol, std::size_t keep_sessions)
    : symbol_(std::move(symbol)), keep_sessions_(std::max<std::size_t>(1, keep_sessions)) {}

void CandleBuilder::note_session(std::int64_t ts_ms) {
  if (!session_starts_.empty() && ts_ms >= day_start_ms_ && ts_ms < day_end_ms_) return;
  const auto bounds = core::new_york_day_bounds(core::session_date(ts_ms));
  day_start_ms_ = bounds.start_ms;
  day_end_ms_ = bounds.end_ms;
  if (session_starts_.empty() || bounds.start_ms > session_starts_.back()) {
    session_starts_.push_back(bounds.start_ms);
  }
  if (session_starts_.size() > keep_sessions_) {
    while (session_starts_.size() > keep_sessions_) session_starts_.pop_front();
    prune();
  }
}

void CandleBuilder::prune() {
  if (session_starts_.empty()) return;
  const std::int64_t cutoff = session_starts_.front();
  for (auto& series : series_) {
    while (!series.empty() && series.front().t_ms < cutoff) series.pop_front();
  }
  for (auto& dirty : dirty_) dirty.erase(dirty.begin(), dirty.lower_bound(cutoff));
}

bool CandleBuilder::add(std::int64_t ts_ms, double price) {
  if (!usable_price(price)) return false;
  if (last_ts_ && ts_ms < *last_ts_) return false;
  note_session(ts_ms);
  for (auto interval : kCandleIntervals) {
    auto& series = series_[index(interval)];
    const std::int64_t b = candle_bucket(ts_ms, interval_ms(interval));
    if (series.empty() || series.back().t_ms < b) {
      series.push_back({b, price, price, price, price});
    } else {
      // Restored candles may end after the first new point's bucket start only when the stored
      // model was ahead of the trail; such points fold into the last candle.
      auto& c = series.back();
      c.h = std::max(c.h, price);
      c.l = std::min(c.l, price);
      c.c = price;
    }
    dirty_[index(interval)].insert(series.back().t_ms);
  }
  last_ts_ = ts_ms;
  spot_ = price;
  return true;
}

bool CandleBuilder::has_changes() const {
  return std::any_of(dirty_.begin(), dirty_.end(), [](const auto& d) { return !d.empty(); });
}

CandleChanges CandleBuilder::take_changes() {
  CandleChanges out;
  for (auto interval : kCandleIntervals) {
    const auto& series = series_[index(interval)];
    auto& dirty = dirty_[index(interval)];
    for (std::int64_t t : dirty) {
      const auto it = std::lower_bound(series.begin(), series.end(), t,
                                       [](const Candle& c, std::int64_t v) { return c.t_ms < v; });
      if (it != series.end() && it->t_ms == t) out.of(interval).push_back(*it);
    }
    dirty.clear();
  }
  return out;
}

const std::deque<Candle>& CandleBuilder::candles(CandleInterval interval) const {
  return series_[index(interval)];
}

nlohmann::json CandleBuilder::model_json(std::string_view epoch, std::uint64_t seq) const {
  nlohmann::json j{{"symbol", symbol_}, {"epoch", std::string(epoch)}, {"seq", seq}};
  j["ts"] = last_ts_ ? nlohmann::json(*last_ts_) : nlohmann::json(nullptr);
  j["spot"] = spot_ ? nlohmann::json(*spot_) : nlohmann::json(nullptr);
  for (auto interval : kCandleIntervals) {
    j[std::string(model_field(interval))] = series_to_json(series_[index(interval)]);
  }
  return j;
}

nlohmann::json CandleBuilder::update_json(const CandleChanges& changes, std::string_view epoch,
                                          std::uint64_t seq) const {
  nlohmann::json j{{"symbol", symbol_}, {"epoch", std::string(epoch)}, {"seq", seq}};
  j["ts"] = last_ts_ ? nlohmann::json(*last_ts_) : nlohmann::json(nullptr);
  j["spot"] = spot_ ? nlohmann::json(*spot_) : nlohmann::json(nullptr);
  for (auto interval : kCandleIntervals) {
    j[std::string(model_field(interval))] = series_to_json(changes.of(interval));
  }
  return j;
}

void CandleBuilder::restore(const nlohmann::json& model) {
  if (!model.is_object()) bad_model("the model is not an object");
  const auto sym = model.find("symbol");
  if (sym == model.end() || !sym->is_string()) bad_model("'symbol' is missing");
  if (sym->get<std::string>() != symbol_) {
    bad_model("model is for " + sym->get<std::string>() + ", builder is for " + symbol_);
  }
  std::array<std::vector<Candle>, 3> loaded;
  for (auto interval : kCandleIntervals) loaded[index(interval)] = series_from_json(model, interval);
  std::optional<std::int64_t> ts;
  if (const auto it = model.find("ts"); it != model.end() && !it->is_null()) {
    if (!it->is_number_integer()) bad_model("'ts' is not integer epoch ms");
    ts = it->get<std::int64_t>();
  }
  std::optional<double> spot;
  if (const auto it = model.find("spot"); it != model.end() && !it->is_null()) {
    if (!it->is_number() || !usable_price(it->get<double>())) bad_model("'spot' is not a price");
    spot = it->get<double>();
  }

  // Everything parsed: now replace the state.
  for (auto interval : kCandleIntervals) {
    auto& v = loaded[index(interval)];
    series_[index(interval)] = std::deque<Candle>(v.begin(), v.end());
    dirty_[index(interval)].clear();
  }
  session_starts_.clear();
  std::vector<std::int64_t> starts;
  DayStartCache days;
  for (const auto& series : series_) {
    for (const auto& c : series) starts.push_back(days.day_start(c.t_ms));
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  session_starts_.assign(starts.begin(), starts.end());
  while (session_starts_.size() > keep_sessions_) session_starts_.pop_front();
  prune();
  day_start_ms_ = day_end_ms_ = 0;
  if (!session_starts_.empty()) {
    // Re-derive the cached day from the latest session so note_session sees it as known.
    const auto bounds =
        core::new_york_day_bounds(core::session_date(session_starts_.back()));
    day_start_ms_ = bounds.start_ms;
    day_end_ms_ = bounds.end_ms;
  }
  last_ts_ = ts;
  if (!last_ts_) {
    for (const auto& series : series_) {
      if (!series.empty()) last_ts_ = std::max(last_ts_.value_or(series.back().t_ms), series.back().t_ms);
    }
  }
  spot_ = spot;
}

}  // namespace ms::quant
