// Heatmap kernels on a realistic SPX chain: 4 expiries (dte 0/1/2/5), strikes every 5 points
// ±150 around 6000, calls and puts (488 contracts), widths 20..50 → 3,268 tiles.
#include <benchmark/benchmark.h>

#include "naive_heatmap_baseline.hpp"
#include "quant/heatmap_builder.hpp"
#include "quant/heatmap_json.hpp"
#include "quant/synthetic_chain.hpp"

namespace {

using namespace ms::quant;

const std::vector<int> kSpxWidths = {20, 25, 30, 35, 40, 45, 50};

const HeatmapInput& spx_chain() {
  static const HeatmapInput chain = synthetic_chain({});
  return chain;
}

HeatmapConfig spx_config() {
  HeatmapConfig c;
  c.widths = kSpxWidths;
  return c;
}

// The same chain with every quote a tick higher: a chain refresh with unchanged geometry.
HeatmapInput requoted_chain() {
  HeatmapInput in = spx_chain();
  for (auto& c : in.contracts) {
    c.quote.mid = *c.quote.mid + 0.05;
    c.quote.bid = *c.quote.bid + 0.05;
    c.quote.ask = *c.quote.ask + 0.05;
  }
  return in;
}

HeatmapBuilder built_builder() {
  HeatmapBuilder b(spx_config());
  b.rebuild(spx_chain());
  (void)b.take_diff();
  return b;
}

bool expect_tile_count(benchmark::State& state, const HeatmapBuilder& b) {
  state.counters["tiles"] = static_cast<double>(b.tile_count());
  if (b.tile_count() != 3268) {
    state.SkipWithError("unexpected tile count");
    return false;
  }
  return true;
}

// Geometry + every value from scratch (a new chain shape: strikes entered or left).
void BM_Heatmap_RebuildNewGeometry(benchmark::State& state) {
  for (auto _ : state) {
    HeatmapBuilder b(spx_config());
    b.rebuild(spx_chain());
    benchmark::DoNotOptimize(b.tile_count());
  }
  expect_tile_count(state, built_builder());
}
BENCHMARK(BM_Heatmap_RebuildNewGeometry)->Unit(benchmark::kMicrosecond);

// A chain refresh with the same strikes: slots kept, every quote and value refreshed.
void BM_Heatmap_RebuildSameGeometry(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  const HeatmapInput a = spx_chain(), c = requoted_chain();
  bool flip = false;
  for (auto _ : state) {
    b.rebuild(flip ? a : c);
    flip = !flip;
  }
  expect_tile_count(state, b);
}
BENCHMARK(BM_Heatmap_RebuildSameGeometry)->Unit(benchmark::kMicrosecond);

// Compute: spot moves → every theoretical value of every tile is recomputed.
void BM_Heatmap_RepriceAll(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  double bump = 0;
  for (auto _ : state) {
    bump = bump == 0 ? 0.5 : 0;
    b.set_market(6000 + bump, 16);
  }
  expect_tile_count(state, b);
}
BENCHMARK(BM_Heatmap_RepriceAll)->Unit(benchmark::kMicrosecond);

// The minute's smile refit: a spot move marks every expiry's smile stale; refit all 4 expiries
// (filter, forward, IVs, local regression, arbitrage check) and re-price their tiles.
void BM_Heatmap_RefitSmiles(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  double bump = 0;
  for (auto _ : state) {
    bump = bump == 0 ? 0.5 : 0;
    b.set_market(6000 + bump, 16);
    benchmark::DoNotOptimize(b.refit_smiles());
  }
  expect_tile_count(state, b);
}
BENCHMARK(BM_Heatmap_RefitSmiles)->Unit(benchmark::kMicrosecond);

// Compute + diff + serialise: spot moves, take the diff (every tile) and write the full model.
void BM_Heatmap_RepriceDiffModelJson(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  std::string out;
  double bump = 0;
  std::size_t changed = 0;
  for (auto _ : state) {
    bump = bump == 0 ? 0.5 : 0;
    b.set_market(6000 + bump, 16);
    const auto diff = b.take_diff();
    changed = diff.changed.size();
    out.clear();
    write_heatmap_model_json(out, b, {1770737401250, "2026-02-10", 1, 0});
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["changed"] = static_cast<double>(changed);
  state.counters["bytes"] = static_cast<double>(out.size());
  expect_tile_count(state, b);
}
BENCHMARK(BM_Heatmap_RepriceDiffModelJson)->Unit(benchmark::kMicrosecond);

// The same with the diff document (every tile changed) instead of the model.
void BM_Heatmap_RepriceDiffJson(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  std::string out;
  double bump = 0;
  for (auto _ : state) {
    bump = bump == 0 ? 0.5 : 0;
    b.set_market(6000 + bump, 16);
    const auto diff = b.take_diff();
    out.clear();
    write_heatmap_diff_json(out, b, diff, {1770737401250, "2026-02-10", 2, 1});
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_Heatmap_RepriceDiffJson)->Unit(benchmark::kMicrosecond);

// Serialising the full model alone.
void BM_Heatmap_ModelJson(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  std::string out;
  for (auto _ : state) {
    out.clear();
    write_heatmap_model_json(out, b, {1770737401250, "2026-02-10", 1, 0});
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_Heatmap_ModelJson)->Unit(benchmark::kMicrosecond);

// One quote tick: the contract's mid moves a nickel, only its tiles are recomputed.
void BM_Heatmap_Tick(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  const auto& chain = spx_chain();
  std::size_t i = 0;
  std::int64_t n = 0;
  for (auto _ : state) {
    LegQuote q = chain.contracts[i].quote;
    q.mid = *q.mid + ((n & 1) ? 0.0 : 0.05);
    b.update_quote(i, q);
    if (++i == chain.contracts.size()) {
      i = 0;
      ++n;
    }
  }
  (void)b.take_diff();
}
BENCHMARK(BM_Heatmap_Tick);

// A typical publish at 4 Hz: one tick, then its diff and the diff document.
void BM_Heatmap_TickDiffJson(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  const auto& chain = spx_chain();
  const auto atm_call = *b.find_contract("SPXW", "D+0", 6000, OptionType::call);
  std::string out;
  std::size_t changed = 0;
  bool up = false;
  for (auto _ : state) {
    LegQuote q = chain.contracts[atm_call].quote;
    up = !up;
    q.mid = *q.mid + (up ? 0.05 : 0.0);
    b.update_quote(atm_call, q);
    const auto diff = b.take_diff();
    changed = diff.changed.size();
    out.clear();
    write_heatmap_diff_json(out, b, diff, {1770737401250, "2026-02-10", 2, 1});
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["changed"] = static_cast<double>(changed);
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_Heatmap_TickDiffJson)->Unit(benchmark::kMicrosecond);

// The minute step of dte 0's time to expiry: one expiry re-priced, diff, diff document.
void BM_Heatmap_MinuteStepDiffJson(benchmark::State& state) {
  HeatmapBuilder b = built_builder();
  const double years = spx_chain().expiries[0].years;
  std::string out;
  std::size_t changed = 0;
  bool step = false;
  for (auto _ : state) {
    step = !step;
    b.set_years_to_expiry(0, step ? years - 1.0 / (365 * 24 * 60) : years);
    const auto diff = b.take_diff();
    changed = diff.changed.size();
    out.clear();
    write_heatmap_diff_json(out, b, diff, {1770737401250, "2026-02-10", 2, 1});
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["changed"] = static_cast<double>(changed);
}
BENCHMARK(BM_Heatmap_MinuteStepDiffJson)->Unit(benchmark::kMicrosecond);

// Baseline: the original's approach (ms/bench/naive_heatmap_baseline.hpp).
void BM_Baseline_NaiveBuild(benchmark::State& state) {
  const auto& chain = spx_chain();
  std::size_t tiles = 0;
  for (auto _ : state) {
    auto t = ms::bench::naive_build(chain, kSpxWidths);
    tiles = t.size();
    benchmark::DoNotOptimize(t);
  }
  state.counters["tiles"] = static_cast<double>(tiles);
}
BENCHMARK(BM_Baseline_NaiveBuild)->Unit(benchmark::kMicrosecond);

void BM_Baseline_NaiveBuildDiffModelJson(benchmark::State& state) {
  HeatmapInput a = spx_chain();
  HeatmapInput c = spx_chain();
  c.spot += 0.5;
  auto previous = ms::bench::naive_build(a, kSpxWidths);
  bool flip = false;
  std::size_t bytes = 0;
  for (auto _ : state) {
    flip = !flip;
    auto next = ms::bench::naive_build(flip ? c : a, kSpxWidths);
    const auto diff = ms::bench::naive_diff(previous, next);
    const auto text = ms::bench::naive_model_text("I:SPX", next);
    bytes = text.size();
    benchmark::DoNotOptimize(diff.changed.size());
    previous = std::move(next);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Baseline_NaiveBuildDiffModelJson)->Unit(benchmark::kMicrosecond);

void BM_Baseline_NaiveTickDiffJson(benchmark::State& state) {
  // The original rebuilds everything on every 250 ms emit, even for one changed quote.
  HeatmapInput a = spx_chain();
  auto previous = ms::bench::naive_build(a, kSpxWidths);
  bool up = false;
  for (auto _ : state) {
    up = !up;
    a.contracts[0].quote.mid = *a.contracts[0].quote.mid + (up ? 0.05 : -0.05);
    auto next = ms::bench::naive_build(a, kSpxWidths);
    const auto diff = ms::bench::naive_diff(previous, next);
    const auto text = ms::bench::naive_diff_text("I:SPX", diff);
    benchmark::DoNotOptimize(text.data());
    previous = std::move(next);
  }
}
BENCHMARK(BM_Baseline_NaiveTickDiffJson)->Unit(benchmark::kMicrosecond);

}  // namespace
