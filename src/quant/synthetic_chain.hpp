#pragma once
// A deterministic, plausible option chain for tests and benchmarks (no randomness, no I/O):
// strikes on a grid around spot, calls and puts, IVs from a simple smile, quotes rounded to
// the 0.05 tick like SPX's. Not a market simulator: just realistic shapes and sizes.
#include <vector>

#include "quant/heatmap_types.hpp"

namespace ms::quant {

struct SyntheticChainSpec {
  const char* symbol = "I:SPX";
  const char* root = "SPXW";
  double spot = 6000;
  double vix = 16;
  double strike_step = 5;
  double strikes_each_side = 150;  // points on each side of the centre strike
  double centre_strike = 6000;
  std::vector<int> dtes = {0, 1, 2, 5};
  double hours_left_today = 3.0;   // dte 0 expires this many hours from now
};

// Expiry dates are synthetic ("D+0", "D+1", …); years = (dte days + hours_left_today) / 8760.
HeatmapInput synthetic_chain(const SyntheticChainSpec& spec);

}  // namespace ms::quant
