#pragma once
// Small helpers of the engine: option ticker → chain symbol without a full parse (per feed
// event), and the wall clock (epochs, flush deadlines).
#include <chrono>
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

}  // namespace ms::massive
