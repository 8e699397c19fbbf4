#pragma once
// Helpers shared by the simulator's tests (header only; not part of the library's API).
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/market_calendar.hpp"
#include "services/sim/sim_market.hpp"

namespace ms::sim::test {

inline core::Date date(int y, unsigned m, unsigned d) {
  return core::Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// 2026-02-10 is a Tuesday, an ordinary trading day.
inline core::Date tuesday() { return date(2026, 2, 10); }

inline core::Session session_of(core::Date d) { return *core::session_for(d); }

// A chain small enough that a test can tick through minutes of it quickly.
inline SimConfig small_config(std::uint64_t seed = 7) {
  SimConfig c;
  c.seed = seed;
  c.chain.daily_expirations = 2;
  c.chain.include_monthly = true;
  c.chain.strike_range_fraction = 0.02;
  return c;
}

inline double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = a.size();
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= double(n);
  mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

inline double stdev(const std::vector<double>& a) {
  double m = 0;
  for (double x : a) m += x;
  m /= double(a.size());
  double s = 0;
  for (double x : a) s += (x - m) * (x - m);
  return std::sqrt(s / double(a.size() - 1));
}

// True when no value anywhere in the document is null (the vendor omits absent fields).
inline bool has_no_nulls(const nlohmann::json& j) {
  if (j.is_null()) return false;
  if (j.is_object() || j.is_array()) {
    for (const auto& v : j) {
      if (!has_no_nulls(v)) return false;
    }
  }
  return true;
}

}  // namespace ms::sim::test
