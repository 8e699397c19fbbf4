#pragma once
// Fault knobs for a simulator connection, so massive's integration tests can see the failures a
// real feed has: a frame that is not JSON, a frame cut short, a connection that drops.
// Only data frames count (what the scheduler produces for a tick, clock frames included), never
// the connection's status replies, so a handshake always completes.
//   garbage_every = N   every Nth data frame is replaced by bytes that are not JSON
//   truncate_every = N  every Nth data frame is cut to half its length (garbage wins a tie)
//   drop_after = N      after N data frames the connection is closed instead of sending more
//   bad_price = N       every Nth market-data frame: one event's price is absurd (1e9, 0, negative)
//   bad_size = N        every Nth market-data frame: one event's size is negative or 10^12
//   far_strike = N      every Nth market-data frame: one option event's strike is ×10
//   bad_time = N        every Nth market-data frame: one event's time is 30 days ahead or ten
//                       years back
//   rest_bad_price = N  every Nth spot snapshot REST response (indices, stocks): its price is
//                       absurd, in bad_price's forms (the server applies it; not per connection)
// (data_faults.hpp has the exact rewrites; each knob cycles through its forms in that order.)
// Market-data frames are the data frames that are not the clock status; a frame that a data
// knob finds nothing to rewrite in is sent as it is and does not count as faulted. The data
// knobs apply to frames that are neither garbage nor truncated.
// 0 disables a knob. Deterministic: a function of the frame sequence only.
#include <cstdint>
#include <string>
#include <string_view>

namespace ms::sim {

struct FaultConfig {
  std::uint64_t garbage_every = 0;
  std::uint64_t truncate_every = 0;
  std::uint64_t drop_after = 0;
  std::uint64_t bad_price_every = 0;
  std::uint64_t bad_size_every = 0;
  std::uint64_t far_strike_every = 0;
  std::uint64_t bad_time_every = 0;
  std::uint64_t rest_bad_price_every = 0;
  bool any_data() const { return bad_price_every || bad_size_every || far_strike_every || bad_time_every; }
  bool any() const { return garbage_every || truncate_every || drop_after || any_data() || rest_bad_price_every; }
  bool operator==(const FaultConfig&) const = default;
};

// "garbage=100,truncate=250,drop=1000,bad_price=50,bad_size=60,far_strike=70,bad_time=80,
// rest_bad_price=5" (any subset, any order; "" or "none" = no faults).
// Throws core::Error("bad_fault_spec") naming the bad part.
FaultConfig parse_fault_spec(std::string_view spec);

enum class FaultAction { send, send_garbage, send_truncated, drop };

struct FaultStats {
  std::uint64_t frames = 0;
  std::uint64_t garbage = 0;
  std::uint64_t truncated = 0;
  bool dropped = false;
  std::uint64_t data_frames = 0;  // market-data frames seen by the data knobs
  std::uint64_t bad_price = 0;    // events rewritten, per knob
  std::uint64_t bad_size = 0;
  std::uint64_t far_strike = 0;
  std::uint64_t bad_time = 0;
};

class FaultInjector {
 public:
  explicit FaultInjector(FaultConfig config = {}) : config_(config) {}
  // Decides the fate of the next data frame and rewrites `frame` accordingly. After `drop`,
  // every later call answers drop again.
  FaultAction apply(std::string& frame);
  const FaultStats& stats() const { return stats_; }
  const FaultConfig& config() const { return config_; }

  static constexpr std::string_view kGarbage = "\x01\x02garbage{{not json";

 private:
  FaultConfig config_;
  FaultStats stats_;
};

}  // namespace ms::sim
