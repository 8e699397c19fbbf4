#pragma once
// The one market clock every service asks "what time is it in the market" (DESIGN §4, §9).
//
// Modes:
//   pinned    tests and benchmarks: time moves only through set()/advance(); speed reports 0.
//   wall      live: the system clock (UTC instants; dates and phases in America/New_York).
//   follower  every service but the publisher: follows `massive:clock`
//             {"ts_ms","session_date","phase","source":"live|sim","speed","seq"}. Between updates
//             it extrapolates ts_ms by elapsed steady time x speed. Updates whose seq is not newer
//             than the last accepted one are ignored, except after `restart_grace` without any
//             accepted update (a restarted publisher starts its seq again). Before the first
//             update it answers wall-clock time with source `live`.
// session_date() and phase() are always derived from now_ms() through the exchange calendar, so
// they cannot disagree with the instant. now_ms() follows the publisher and may step back by
// the publisher's own corrections (a new simulated session, a restarted feed).
//
// Thread-safe: any number of threads may read while one feeds updates.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "core/market_calendar.hpp"

namespace ms::core {

enum class ClockSource { live, sim };
std::string_view to_string(ClockSource source);
std::optional<ClockSource> parse_clock_source(std::string_view text);

// The massive:clock payload.
struct ClockState {
  EpochMs ts_ms = 0;
  Date session_date{};
  SessionPhase phase = SessionPhase::closed;
  ClockSource source = ClockSource::live;
  double speed = 1.0;
  std::uint64_t seq = 0;
};

// {"ts_ms","session_date":"YYYY-MM-DD","phase","source","speed","seq"}
nlohmann::json clock_state_to_json(const ClockState& state);
// Throws Error("bad_clock_state", ...) naming the missing or malformed field.
ClockState clock_state_from_json(const nlohmann::json& json);
// The state a publisher announces at `ts_ms`: session date and phase from the calendar.
ClockState clock_state_at(EpochMs ts_ms, ClockSource source, double speed, std::uint64_t seq);

// Where the clock reads real time; tests inject their own.
struct TimeSources {
  std::function<EpochMs()> wall_ms;                           // UTC epoch ms
  std::function<std::chrono::steady_clock::time_point()> steady;  // for extrapolation
  static TimeSources system();
};

enum class ClockUpdate { accepted, stale, invalid };

class MarketClock {
 public:
  enum class Mode { pinned, wall, follower };

  struct Options {
    Mode mode = Mode::wall;
    EpochMs pinned_start_ms = 0;                  // pinned only
    ClockSource pinned_source = ClockSource::sim;  // pinned only
    TimeSources sources = TimeSources::system();
    std::chrono::milliseconds restart_grace{5000};  // follower only
  };
  explicit MarketClock(Options options);

  static MarketClock pinned(EpochMs start_ms, ClockSource source = ClockSource::sim);
  static MarketClock wall(TimeSources sources = TimeSources::system());
  static MarketClock follower(TimeSources sources = TimeSources::system(),
                              std::chrono::milliseconds restart_grace = std::chrono::seconds(5));

  MarketClock(const MarketClock&) = delete;
  MarketClock& operator=(const MarketClock&) = delete;

  Mode mode() const { return mode_; }
  EpochMs now_ms() const;
  Date session_date() const;
  SessionPhase phase() const;
  bool is_open() const;
  ClockSource source() const;
  double speed() const;
  std::uint64_t seq() const;  // last accepted update's seq (0 in pinned/wall mode)
  // One consistent reading of everything above.
  ClockState state() const;
  nlohmann::json to_json() const;

  // Pinned mode only; elsewhere throws Error("clock_not_pinned").
  void set(EpochMs ms);
  void advance(std::chrono::milliseconds by);

  // Follower mode only; elsewhere throws Error("clock_not_follower"). A malformed payload
  // returns `invalid` (and the reason in *error) and leaves the clock unchanged.
  ClockUpdate update(const ClockState& state);
  ClockUpdate update(const nlohmann::json& json, std::string* error = nullptr);
  ClockUpdate update_from_text(std::string_view json_text, std::string* error = nullptr);
  bool has_update() const;

 private:
  void require_follower() const;
  ClockState state_locked() const;
  EpochMs now_locked() const;

  const Mode mode_;
  const TimeSources sources_;
  const std::chrono::milliseconds restart_grace_;
  mutable std::mutex mu_;
  // pinned: the pinned instant; follower: ts_ms of the last accepted update.
  EpochMs base_ms_ = 0;
  std::chrono::steady_clock::time_point base_steady_{};
  ClockSource source_ = ClockSource::live;
  double speed_ = 1.0;
  std::uint64_t seq_ = 0;
  bool has_update_ = false;
};

// ---- Simulator session mapping --------------------------------------------------------------
//
// The simulator always plays a regular session (DESIGN §4): market time runs from 09:30 ET of
// its session date at `speed` x wall time. At the session close it continues at 09:30 of the next
// trading day (a long `make up` keeps showing a live market), so each session occupies
// [open, close) and the close instant itself belongs to the next session's open. A simulator that
// writes the closing value watches `session_index` change.

// The simulator's session date: the first trading day on or after the New York date of `wall`.
Date sim_session_date(EpochMs wall_ms);

struct SimPosition {
  EpochMs market_ms;
  Date session_date;
  std::int64_t session_index;  // 0 for the first session, +1 per session rolled over
};

class SimSessionMap {
 public:
  // `first_session` is moved to the first trading day on or after it. `start_offset` is how far
  // into that session the simulation starts. Throws Error("bad_speed") unless 0 < speed <= 10000,
  // and Error("bad_offset") unless the offset lies inside the first session.
  SimSessionMap(EpochMs wall_start_ms, Date first_session, double speed,
                std::chrono::milliseconds start_offset = std::chrono::milliseconds{0});

  // Wall instants before the start map to the start.
  SimPosition at(EpochMs wall_ms) const;
  EpochMs market_ms(EpochMs wall_ms) const { return at(wall_ms).market_ms; }
  double speed() const { return speed_; }
  Date first_session() const { return first_session_; }

 private:
  EpochMs wall_start_ms_;
  Date first_session_;
  double speed_;
  std::int64_t start_offset_ms_;
  // Rolling forward session by session is linear in the sessions elapsed; remembering where the
  // last call ended keeps monotonic callers O(1).
  mutable std::mutex mu_;
  mutable Date cache_session_;
  mutable std::int64_t cache_index_ = 0;
  mutable std::int64_t cache_elapsed_at_open_ = 0;  // market ms elapsed when that session opened
};

}  // namespace ms::core
