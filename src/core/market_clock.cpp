#include "core/market_clock.hpp"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace ms::core {

namespace {

constexpr double kMaxSpeed = 10000.0;

bool valid_speed(double speed) { return std::isfinite(speed) && speed >= 0.0 && speed <= kMaxSpeed; }

[[noreturn]] void bad_field(const char* field, const std::string& why) {
  throw Error("bad_clock_state", std::string("massive:clock field '") + field + "' " + why);
}

const nlohmann::json& require_field(const nlohmann::json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) bad_field(field, "is missing");
  return *it;
}

}  // namespace

std::string_view to_string(ClockSource source) {
  return source == ClockSource::sim ? "sim" : "live";
}

std::optional<ClockSource> parse_clock_source(std::string_view text) {
  if (text == "live") return ClockSource::live;
  if (text == "sim") return ClockSource::sim;
  return std::nullopt;
}

nlohmann::json clock_state_to_json(const ClockState& s) {
  return nlohmann::json{{"ts_ms", s.ts_ms},
                        {"session_date", format_date(s.session_date)},
                        {"phase", std::string(to_string(s.phase))},
                        {"source", std::string(to_string(s.source))},
                        {"speed", s.speed},
                        {"seq", s.seq}};
}

ClockState clock_state_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("bad_clock_state", "massive:clock payload is not a JSON object");
  ClockState s;

  const auto& ts = require_field(j, "ts_ms");
  if (ts.is_number_integer()) {
    s.ts_ms = ts.get<std::int64_t>();
  } else if (ts.is_number_float() && std::isfinite(ts.get<double>()) &&
             std::abs(ts.get<double>()) < 9e15) {
    s.ts_ms = std::int64_t(std::floor(ts.get<double>()));
  } else {
    bad_field("ts_ms", "is not epoch milliseconds");
  }

  const auto& sd = require_field(j, "session_date");
  if (!sd.is_string()) bad_field("session_date", "is not a string");
  const auto date = parse_date(sd.get_ref<const std::string&>());
  if (!date) bad_field("session_date", "is not YYYY-MM-DD");
  s.session_date = *date;

  const auto& ph = require_field(j, "phase");
  if (!ph.is_string()) bad_field("phase", "is not a string");
  const auto phase = parse_session_phase(ph.get_ref<const std::string&>());
  if (!phase) bad_field("phase", "is not one of closed|pre_market|open|post_market");
  s.phase = *phase;

  const auto& src = require_field(j, "source");
  if (!src.is_string()) bad_field("source", "is not a string");
  const auto source = parse_clock_source(src.get_ref<const std::string&>());
  if (!source) bad_field("source", "is not live|sim");
  s.source = *source;

  const auto& sp = require_field(j, "speed");
  if (!sp.is_number() || !valid_speed(sp.get<double>())) {
    bad_field("speed", "is not a number in [0, 10000]");
  }
  s.speed = sp.get<double>();

  const auto& seq = require_field(j, "seq");
  if (seq.is_number_unsigned()) {
    s.seq = seq.get<std::uint64_t>();
  } else if (seq.is_number_integer() && seq.get<std::int64_t>() >= 0) {
    s.seq = std::uint64_t(seq.get<std::int64_t>());
  } else {
    bad_field("seq", "is not a non-negative integer");
  }
  return s;
}

ClockState clock_state_at(EpochMs ts_ms, ClockSource source, double speed, std::uint64_t seq) {
  return ClockState{ts_ms, session_date(ts_ms), session_phase_at(ts_ms), source, speed, seq};
}

TimeSources TimeSources::system() {
  return TimeSources{
      [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      },
      [] { return std::chrono::steady_clock::now(); }};
}

// ---- MarketClock ----------------------------------------------------------------------------

MarketClock::MarketClock(Options o)
    : mode_(o.mode), sources_(std::move(o.sources)), restart_grace_(o.restart_grace) {
  if (!sources_.wall_ms || !sources_.steady) {
    throw Error("bad_clock_sources", "market clock needs both a wall and a steady time source");
  }
  if (mode_ == Mode::pinned) {
    base_ms_ = o.pinned_start_ms;
    source_ = o.pinned_source;
    speed_ = 0.0;
  }
}

MarketClock MarketClock::pinned(EpochMs start_ms, ClockSource source) {
  Options o;
  o.mode = Mode::pinned;
  o.pinned_start_ms = start_ms;
  o.pinned_source = source;
  return MarketClock(std::move(o));
}

MarketClock MarketClock::wall(TimeSources sources) {
  Options o;
  o.mode = Mode::wall;
  o.sources = std::move(sources);
  return MarketClock(std::move(o));
}

MarketClock MarketClock::follower(TimeSources sources, std::chrono::milliseconds restart_grace) {
  Options o;
  o.mode = Mode::follower;
  o.sources = std::move(sources);
  o.restart_grace = restart_grace;
  return MarketClock(std::move(o));
}

EpochMs MarketClock::now_locked() const {
  switch (mode_) {
    case Mode::pinned: return base_ms_;
    case Mode::wall: return sources_.wall_ms();
    case Mode::follower: break;
  }
  if (!has_update_) return sources_.wall_ms();
  const auto elapsed = sources_.steady() - base_steady_;
  const double elapsed_ms =
      std::chrono::duration_cast<std::chrono::duration<double, std::milli>>(elapsed).count();
  // A steady clock never runs backwards, but an injected one might: never extrapolate backwards.
  return base_ms_ + EpochMs(std::floor(std::max(0.0, elapsed_ms) * speed_));
}

ClockState MarketClock::state_locked() const {
  const EpochMs now = now_locked();
  const double speed = (mode_ == Mode::follower && has_update_) ? speed_
                       : mode_ == Mode::pinned                  ? 0.0
                                                                : 1.0;
  const ClockSource source = (mode_ == Mode::wall || (mode_ == Mode::follower && !has_update_))
                                 ? ClockSource::live
                                 : source_;
  return ClockState{now, ms::core::session_date(now), session_phase_at(now), source, speed,
                    mode_ == Mode::follower ? seq_ : 0};
}

EpochMs MarketClock::now_ms() const {
  std::lock_guard lock(mu_);
  return now_locked();
}

Date MarketClock::session_date() const { return ms::core::session_date(now_ms()); }

SessionPhase MarketClock::phase() const { return session_phase_at(now_ms()); }

bool MarketClock::is_open() const { return phase() == SessionPhase::open; }

ClockSource MarketClock::source() const {
  std::lock_guard lock(mu_);
  if (mode_ == Mode::wall || (mode_ == Mode::follower && !has_update_)) return ClockSource::live;
  return source_;
}

double MarketClock::speed() const {
  std::lock_guard lock(mu_);
  if (mode_ == Mode::pinned) return 0.0;
  if (mode_ == Mode::follower && has_update_) return speed_;
  return 1.0;
}

std::uint64_t MarketClock::seq() const {
  std::lock_guard lock(mu_);
  return mode_ == Mode::follower ? seq_ : 0;
}

ClockState MarketClock::state() const {
  std::lock_guard lock(mu_);
  return state_locked();
}

nlohmann::json MarketClock::to_json() const { return clock_state_to_json(state()); }

void MarketClock::set(EpochMs ms) {
  if (mode_ != Mode::pinned) throw Error("clock_not_pinned", "set() needs a pinned market clock");
  std::lock_guard lock(mu_);
  base_ms_ = ms;
}

void MarketClock::advance(std::chrono::milliseconds by) {
  if (mode_ != Mode::pinned) {
    throw Error("clock_not_pinned", "advance() needs a pinned market clock");
  }
  std::lock_guard lock(mu_);
  base_ms_ += by.count();
}

void MarketClock::require_follower() const {
  if (mode_ != Mode::follower) {
    throw Error("clock_not_follower", "update() needs a follower market clock");
  }
}

ClockUpdate MarketClock::update(const ClockState& s) {
  require_follower();
  if (!valid_speed(s.speed)) return ClockUpdate::invalid;
  std::lock_guard lock(mu_);
  const auto steady_now = sources_.steady();
  if (has_update_ && s.seq <= seq_) {
    const bool publisher_restarted = steady_now - base_steady_ >= restart_grace_;
    if (!publisher_restarted) return ClockUpdate::stale;
  }
  base_ms_ = s.ts_ms;
  base_steady_ = steady_now;
  source_ = s.source;
  speed_ = s.speed;
  seq_ = s.seq;
  has_update_ = true;
  return ClockUpdate::accepted;
}

ClockUpdate MarketClock::update(const nlohmann::json& json, std::string* error) {
  require_follower();
  ClockState s;
  try {
    s = clock_state_from_json(json);
  } catch (const Error& e) {
    if (error) *error = e.what();
    return ClockUpdate::invalid;
  }
  return update(s);
}

ClockUpdate MarketClock::update_from_text(std::string_view text, std::string* error) {
  require_follower();
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    if (error) *error = "massive:clock payload is not valid JSON";
    return ClockUpdate::invalid;
  }
  return update(json, error);
}

bool MarketClock::has_update() const {
  std::lock_guard lock(mu_);
  return has_update_;
}

// ---- Simulator session mapping --------------------------------------------------------------

Date sim_session_date(EpochMs wall_ms) { return trading_day_on_or_after(session_date(wall_ms)); }

SimSessionMap::SimSessionMap(EpochMs wall_start_ms, Date first_session, double speed,
                             std::chrono::milliseconds start_offset)
    : wall_start_ms_(wall_start_ms),
      first_session_(trading_day_on_or_after(first_session)),
      speed_(speed),
      start_offset_ms_(start_offset.count()),
      cache_session_(first_session_) {
  if (!(std::isfinite(speed) && speed > 0.0 && speed <= kMaxSpeed)) {
    throw Error("bad_speed", "simulator speed must be in (0, 10000], got " + std::to_string(speed));
  }
  const auto s = session_for(first_session_);
  if (start_offset_ms_ < 0 || start_offset_ms_ >= s->close_ms - s->open_ms) {
    throw Error("bad_offset", "simulator start offset " + std::to_string(start_offset_ms_) +
                                  " ms is outside the session of " + format_date(first_session_));
  }
}

SimPosition SimSessionMap::at(EpochMs wall_ms) const {
  const double wall_elapsed = double(std::max<EpochMs>(0, wall_ms - wall_start_ms_));
  const double market_elapsed = std::floor(wall_elapsed * speed_);
  // Far beyond any real run; keeps the integer conversion defined.
  const double cap = double(std::numeric_limits<std::int64_t>::max() / 4);
  const std::int64_t total = start_offset_ms_ + std::int64_t(std::min(market_elapsed, cap));

  std::lock_guard lock(mu_);
  if (total < cache_elapsed_at_open_) {
    cache_session_ = first_session_;
    cache_index_ = 0;
    cache_elapsed_at_open_ = 0;
  }
  auto session = session_for(cache_session_);
  while (total - cache_elapsed_at_open_ >= session->close_ms - session->open_ms) {
    cache_elapsed_at_open_ += session->close_ms - session->open_ms;
    cache_session_ = next_trading_day(cache_session_);
    ++cache_index_;
    session = session_for(cache_session_);
  }
  return SimPosition{session->open_ms + (total - cache_elapsed_at_open_), cache_session_,
                     cache_index_};
}

}  // namespace ms::core
