#include "services/sim/sim_engine.hpp"

namespace ms::sim {

SimEngine::SimEngine(SimEngineConfig config, core::EpochMs wall_start_ms)
    : map_(wall_start_ms, core::sim_session_date(wall_start_ms), config.speed, config.start_offset),
      market_(config.market, map_.first_session(), config.start_offset) {}

std::size_t SimEngine::advance_to_wall(core::EpochMs wall_ms,
                                       const std::function<void(const MarketTick&)>& on_tick) {
  std::size_t n = 0;
  market_.advance_to(map_.market_ms(wall_ms), [&](const MarketTick& t) {
    ++n;
    if (on_tick) on_tick(t);
  });
  return n;
}

core::ClockState SimEngine::clock_state(std::uint64_t seq) const {
  return core::clock_state_at(market_.now_ms(), core::ClockSource::sim, map_.speed(), seq);
}

}  // namespace ms::sim
