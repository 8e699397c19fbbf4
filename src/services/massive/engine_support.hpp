#pragma once
// Small helpers of the engine: option ticker → chain symbol without a full parse (per feed
// event), and the New York hour of a market instant (the selector's session windows).
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "core/market_calendar.hpp"
#include "core/option_ticker.hpp"

namespace ms::massive {

// "O:SPXW260210C06000000" → "I:SPX"; "" for anything that is not an SPX/NDX-family option.
inline std::string_view underlying_of_option(std::string_view sym) {
  if (sym.size() < 3 || sym.substr(0, 2) != "O:") return {};
  std::size_t end = 2;
  while (end < sym.size() && sym[end] >= 'A' && sym[end] <= 'Z') ++end;
  const auto u = core::underlying_for_root(sym.substr(2, end - 2));
  return u ? *u : std::string_view{};
}

inline std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// 10:15 New York → 10.25 (DST-aware).
inline double new_york_hour(core::EpochMs t_ms) {
  const double local_ms = double(t_ms) + double(core::new_york_utc_offset_minutes(t_ms)) * 60000.0;
  double h = std::fmod(local_ms / 3'600'000.0, 24.0);
  if (h < 0) h += 24.0;
  return h;
}

}  // namespace ms::massive
