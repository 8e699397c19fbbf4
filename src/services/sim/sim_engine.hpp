#pragma once
// Wall clock -> simulated market: the one place the simulator's session clock is applied.
// The session date is the first trading day on or after the New York date of the wall start
// (DESIGN §9); core::SimSessionMap maps wall time to market time at `speed` (09:30 -> close of
// that day, then the next trading day's session), and the market is advanced tick by tick to
// that market time. The server calls advance_to_wall() from its timer and hands every tick to
// the connections (WsSession::on_tick) before the next one.
#include <chrono>
#include <functional>

#include "core/market_clock.hpp"
#include "services/sim/sim_market.hpp"

namespace ms::sim {

struct SimEngineConfig {
  SimConfig market;
  double speed = 1.0;  // market ms per wall ms, (0, 10000]
  std::chrono::milliseconds start_offset{0};  // into the first session
};

class SimEngine {
 public:
  // Throws core::Error("bad_speed" | "bad_offset" | "bad_sim_config" | ...) for bad settings.
  SimEngine(SimEngineConfig config, core::EpochMs wall_start_ms);

  // Runs every tick whose market time the wall clock has reached; returns how many ran.
  std::size_t advance_to_wall(core::EpochMs wall_ms,
                              const std::function<void(const MarketTick&)>& on_tick);

  const SimMarket& market() const { return market_; }
  double speed() const { return map_.speed(); }
  core::Date first_session() const { return map_.first_session(); }
  core::EpochMs market_ms_at(core::EpochMs wall_ms) const { return map_.market_ms(wall_ms); }
  // The massive:clock payload for the market's current tick (source sim).
  core::ClockState clock_state(std::uint64_t seq) const;

 private:
  core::SimSessionMap map_;
  SimMarket market_;
};

}  // namespace ms::sim
