// GEX kernels on the same 488-contract SPX chain as the heatmap benchmarks.
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "quant/bias_lfi.hpp"
#include "quant/gex.hpp"
#include "quant/gex_json.hpp"
#include "quant/synthetic_chain.hpp"

namespace {

using namespace ms::quant;

const GexInput& spx_gex_input() {
  static const GexInput input = [] {
    const HeatmapInput chain = synthetic_chain({});
    GexInput in;
    in.symbol = chain.symbol;
    in.spot = chain.spot;
    for (const auto& c : chain.contracts) {
      const auto& e = chain.expiries[c.expiry];
      const auto g = black_scholes_greeks(c.type, {chain.spot, c.strike, e.years, 0.05, *c.quote.iv});
      const double oi = 200 + std::fmod(c.strike * 7.0, 1900.0);
      in.contracts.push_back({"2026-02-1" + std::to_string(e.dte), c.strike, c.type, g.gamma, oi});
    }
    return in;
  }();
  return input;
}

void BM_Gex_Build(benchmark::State& state) {
  const auto& in = spx_gex_input();
  for (auto _ : state) {
    auto m = build_gex(in);
    benchmark::DoNotOptimize(m.all.data());
  }
  state.counters["contracts"] = static_cast<double>(in.contracts.size());
}
BENCHMARK(BM_Gex_Build)->Unit(benchmark::kMicrosecond);

// What one GEX publish costs: build, both side documents (with levels), Bias/LFI + mode.
void BM_Gex_BuildJsonBiasLfi(benchmark::State& state) {
  const auto& in = spx_gex_input();
  std::string calls, puts;
  for (auto _ : state) {
    const auto m = build_gex(in);
    calls.clear();
    puts.clear();
    write_gex_side_json(calls, m, GexSide::calls, {1770737400500, "2026-02-10", 1, 0});
    write_gex_side_json(puts, m, GexSide::puts, {1770737400500, "2026-02-10", 1, 0});
    const auto bias = compute_bias_lfi(m.all, in.spot);
    benchmark::DoNotOptimize(bias.market_mode_score);
  }
  state.counters["bytes"] = static_cast<double>(calls.size() + puts.size());
}
BENCHMARK(BM_Gex_BuildJsonBiasLfi)->Unit(benchmark::kMicrosecond);

// Baseline: the original's nested dicts keyed by text, then a JSON dump of each side.
void BM_Baseline_NaiveGexBuildJson(benchmark::State& state) {
  const auto& in = spx_gex_input();
  for (auto _ : state) {
    std::map<std::string, std::map<std::string, std::map<std::string, double>>> bucket;
    for (const auto& c : in.contracts) {
      if (!c.gamma || !c.open_interest || *c.open_interest == 0) continue;
      bucket[c.type == OptionType::call ? "calls" : "puts"][c.expiry_date]
            [std::to_string(static_cast<long long>(c.strike))] = *c.gamma * *c.open_interest * 100;
    }
    for (const auto& [side, expirations] : bucket) {
      nlohmann::json doc = {{"ts", 1770737400.5}, {"symbol", in.symbol}, {"expirations", expirations}};
      auto text = doc.dump();
      benchmark::DoNotOptimize(text.data());
    }
  }
}
BENCHMARK(BM_Baseline_NaiveGexBuildJson)->Unit(benchmark::kMicrosecond);

}  // namespace
