// Diffs (TV8) and the incremental path: after any sequence of ticks the builder must hold what a
// full rebuild from the same inputs holds, and the published diffs must reproduce it exactly.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "quant/heatmap_builder.hpp"
#include "quant/heatmap_json.hpp"
#include "quant/synthetic_chain.hpp"

namespace ms::quant {
namespace {

using TileMap = std::map<std::string, std::string>;

HeatmapConfig widths(std::vector<int> w) {
  HeatmapConfig c;
  c.widths = std::move(w);
  return c;
}

TileMap all_tiles(const HeatmapBuilder& b) {
  TileMap m;
  for (std::uint32_t i = 0; i < b.tile_count(); ++i) {
    std::string json;
    append_tile_json(json, b, i);
    m[format_tile_key(b.tile_key(i))] = json;
  }
  return m;
}

// Applies a diff the way the gateway does; fails the test if the diff carries a tile whose text
// did not change.
void apply(TileMap& published, const HeatmapBuilder& b, const HeatmapDiff& diff) {
  for (auto slot : diff.changed) {
    std::string json;
    append_tile_json(json, b, slot);
    auto& entry = published[format_tile_key(b.tile_key(slot))];
    EXPECT_NE(entry, json) << "diff carries an unchanged tile " << format_tile_key(b.tile_key(slot));
    entry = json;
  }
  for (const auto& key : diff.removed) {
    EXPECT_EQ(published.erase(format_tile_key(key)), 1u) << format_tile_key(key);
  }
}

HeatmapInput singles_chain(std::vector<double> call_strikes) {
  HeatmapInput in;
  in.symbol = "I:SPX";
  in.spot = 6003;
  in.vix = 16;
  in.expiries.push_back({0, "2026-02-10", 2.0 / (365 * 24)});
  for (double k : call_strikes) {
    ContractInput c;
    c.root = "SPXW";
    c.strike = k;
    c.quote.mid = k == 6000 ? 5.0 : 1.0;
    in.contracts.push_back(c);
  }
  return in;
}

TEST(HeatmapDiffTv8, ChangedAndRemoved) {
  HeatmapBuilder b(widths({50}));  // wider than the chain: singles only
  b.rebuild(singles_chain({6000, 6010}));  // a = 6000, b = 6010
  const auto first = b.take_diff();
  EXPECT_EQ(first.changed.size(), 2u);
  EXPECT_TRUE(first.expirations_changed);
  EXPECT_TRUE(first.atm_iv_changed);
  b.rebuild(singles_chain({6000, 6020}));  // a unchanged, b gone, c new
  const auto diff = b.take_diff();
  ASSERT_EQ(diff.changed.size(), 1u);
  EXPECT_EQ(format_tile_key(b.tile_key(diff.changed[0])), "single:0:0:6020");
  ASSERT_EQ(diff.removed.size(), 1u);
  EXPECT_EQ(format_tile_key(diff.removed[0]), "single:0:0:6010");
  EXPECT_FALSE(diff.atm_iv_changed);
  EXPECT_FALSE(diff.expirations_changed);
  // The model after the diff is {a, c}.
  std::vector<std::string> keys;
  for (std::uint32_t i = 0; i < b.tile_count(); ++i) keys.push_back(format_tile_key(b.tile_key(i)));
  EXPECT_EQ(keys, (std::vector<std::string>{"single:0:0:6000", "single:0:0:6020"}));
}

TEST(HeatmapDiffTv8, IdenticalSurfacesPublishNothing) {
  HeatmapBuilder b(widths({20, 25, 30}));
  const auto chain = synthetic_chain({});
  b.rebuild(chain);
  EXPECT_FALSE(b.take_diff().empty());
  b.rebuild(chain);
  EXPECT_TRUE(b.take_diff().empty());
  b.set_market(chain.spot, chain.vix);
  b.set_years_to_expiry(0, chain.expiries[0].years);
  b.update_quote(10, chain.contracts[10].quote);
  const auto diff = b.take_diff();
  EXPECT_TRUE(diff.empty());
  EXPECT_TRUE(diff.changed.empty());
  EXPECT_TRUE(diff.removed.empty());
}

TEST(HeatmapDiff, RemovedThenRestoredBeforePublishIsNoChange) {
  HeatmapBuilder b(widths({50}));
  b.rebuild(singles_chain({6000, 6010}));
  (void)b.take_diff();
  b.rebuild(singles_chain({6000}));
  b.rebuild(singles_chain({6000, 6010}));
  EXPECT_TRUE(b.take_diff().empty());
  b.rebuild(singles_chain({6000}));
  const auto diff = b.take_diff();
  ASSERT_EQ(diff.removed.size(), 1u);
  b.rebuild(singles_chain({6000, 6010}));
  EXPECT_EQ(b.take_diff().changed.size(), 1u);  // published as removed, so it is new again
}

TEST(HeatmapDiff, ATickTouchesOnlyItsTiles) {
  HeatmapBuilder b(widths({20, 25, 30, 35, 40, 45, 50}));
  auto chain = synthetic_chain({});
  b.rebuild(chain);
  (void)b.take_diff();
  // A 0-DTE call at 6000 (far from the base-IV band edge: IV unchanged).
  const auto contract = *b.find_contract("SPXW", "D+0", 6000, OptionType::call);
  LegQuote q = chain.contracts[contract].quote;
  q.mid = *q.mid + 0.35;
  ASSERT_TRUE(b.update_quote(contract, q));
  const auto diff = b.take_diff();
  // single 6000; per width: verticals at 6000 and 6000−w, butterflies at 6000 and 6000±w.
  EXPECT_EQ(diff.changed.size(), 1u + 7 * 2 + 7 * 3);
  for (auto slot : diff.changed) {
    const auto& key = b.tile_key(slot);
    EXPECT_EQ(key.dte, 0);
    EXPECT_LE(std::llabs(key.strike_milli - 6000000), 50000);
  }
}

TEST(HeatmapDiff, ClockAloneChangesNothingUntilTheQuantisedTimeMoves) {
  HeatmapBuilder b(widths({20, 25, 30}));
  auto chain = synthetic_chain({});
  b.rebuild(chain);
  (void)b.take_diff();
  // The caller quantises T to the minute: within a minute it passes the same value.
  for (int second = 0; second < 60; ++second) b.set_years_to_expiry(1, chain.expiries[1].years);
  EXPECT_TRUE(b.take_diff().empty());
  // One minute later only that expiry's theoretical values move.
  b.set_years_to_expiry(1, chain.expiries[1].years - 1.0 / (365 * 24 * 60));
  const auto diff = b.take_diff();
  EXPECT_FALSE(diff.changed.empty());
  for (auto slot : diff.changed) EXPECT_EQ(b.tile_key(slot).dte, 1);
}

// Refits are the caller's to throttle: quote changes leave the held smile in place (market values
// move at once), refit_smiles() then brings theory to what a rebuild computes.
TEST(HeatmapIncremental, SmileIsHeldUntilRefit) {
  const HeatmapConfig config = widths({10});
  SyntheticChainSpec spec;
  spec.strikes_each_side = 40;
  spec.dtes = {0, 2};
  HeatmapInput input = synthetic_chain(spec);
  HeatmapBuilder b(config);
  b.rebuild(input);
  const auto single = *b.find_tile({TileStrategy::single, 2, 0, 6000000});
  const TileValue before = b.tile_value(single);
  for (std::size_t i = 0; i < input.contracts.size(); ++i) {
    auto& q = input.contracts[i].quote;
    if (input.contracts[i].expiry != 1) continue;
    *q.iv += 0.02;  // the market re-marks the 2-day smile two vol points up
    *q.bid += 0.5;
    *q.ask += 0.5;
    *q.mid += 0.5;
    b.update_quote(i, q);
  }
  EXPECT_EQ(b.tile_value(single).call.theo, before.call.theo);
  EXPECT_NE(b.tile_value(single).call.market, before.call.market);
  EXPECT_EQ(b.refit_smiles(), 1u);  // the 2-day expiry; the 0-day's fit is current
  EXPECT_GT(b.tile_value(single).call.theo, before.call.theo);
  HeatmapBuilder full(config);
  full.rebuild(input);
  EXPECT_EQ(all_tiles(b), all_tiles(full));
  EXPECT_EQ(b.refit_smiles(), 0u);  // nothing stale: free
}

// The property test: random ticks, spot moves, minute steps and geometry changes; after each
// publish the incremental builder, a fresh full rebuild and the diff-maintained copy agree.
TEST(HeatmapIncremental, EqualsFullRebuildAfterRandomTicks) {
  const HeatmapConfig config = widths({10, 20, 25});
  SyntheticChainSpec spec;
  spec.strikes_each_side = 60;
  spec.dtes = {0, 1, 3};
  HeatmapInput input = synthetic_chain(spec);
  // Holes and an AM root sharing strikes, so geometry and root choice matter.
  input.contracts.erase(input.contracts.begin() + 7);
  input.contracts.erase(input.contracts.begin() + 30);
  for (std::size_t i = 0; i < 12; ++i) {
    ContractInput am = input.contracts[i * 5];
    am.root = "SPX";
    am.quote.mid = 1.0 + i;
    input.contracts.push_back(am);
  }

  std::mt19937_64 rng(20260210);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng); };
  auto chance = [&](double p) { return uniform(0, 1) < p; };
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };

  HeatmapBuilder incremental(config);
  incremental.rebuild(input);
  TileMap published;
  apply(published, incremental, incremental.take_diff());
  int publishes = 0, empty_diffs = 0;

  for (int step = 0; step < 1500; ++step) {
    const double op = uniform(0, 1);
    if (op < 0.75) {
      const auto i = pick(input.contracts.size());
      LegQuote q = input.contracts[i].quote;
      if (chance(0.6)) q.mid = chance(0.1) ? std::optional<double>() : std::optional(uniform(0, 40));
      if (chance(0.2)) q.last = chance(0.3) ? std::optional<double>() : std::optional(uniform(-1, 40));
      if (chance(0.1)) {
        q.bid = uniform(0, 20);
        q.ask = *q.bid + 0.1;
      }
      if (chance(0.15)) q.iv = chance(0.2) ? std::optional<double>() : std::optional(uniform(0, 6));
      input.contracts[i].quote = q;
      incremental.update_quote(i, q);
    } else if (op < 0.83) {
      input.spot = 6000 + std::round(uniform(-25, 25) * 4) / 4;
      const double vixes[] = {0, 12, 16, 22, 35};
      input.vix = vixes[pick(5)];
      incremental.set_market(input.spot, input.vix);
    } else if (op < 0.91) {
      const auto e = pick(input.expiries.size());
      input.expiries[e].years = std::max(0.0, input.expiries[e].years - 1.0 / (365 * 24 * 60));
      incremental.set_years_to_expiry(e, input.expiries[e].years);
    } else if (op < 0.95) {
      // A strike leaves or a contract comes back: a geometry change through rebuild().
      if (chance(0.5) && input.contracts.size() > 150) {
        input.contracts.erase(input.contracts.begin() + static_cast<long>(pick(input.contracts.size())));
      } else {
        ContractInput c = input.contracts[pick(input.contracts.size())];
        c.root = "SPXW";
        c.strike += 5 * static_cast<double>(pick(5));
        c.quote.mid = uniform(0.5, 30);
        bool exists = false;
        for (const auto& o : input.contracts) {
          exists = exists || (o.root == c.root && o.expiry == c.expiry && o.strike == c.strike &&
                              o.type == c.type);
        }
        if (!exists) input.contracts.push_back(c);
      }
      incremental.rebuild(input);
    } else {
      incremental.rebuild(input);  // same geometry: values only
    }

    if (step % 7 == 0 || step == 1499) {
      // Smiles refit on the caller's throttle; the equivalence holds after a refit.
      incremental.refit_smiles();
      const auto diff = incremental.take_diff();
      ++publishes;
      if (diff.empty()) ++empty_diffs;
      apply(published, incremental, diff);
      HeatmapBuilder full(config);
      full.rebuild(input);
      const TileMap expected = all_tiles(full);
      ASSERT_EQ(all_tiles(incremental), expected) << "after step " << step;
      ASSERT_EQ(published, expected) << "after step " << step;
      ASSERT_EQ(incremental.expirations().size(), full.expirations().size());
      for (std::size_t e = 0; e < full.expirations().size(); ++e) {
        ASSERT_EQ(incremental.expirations()[e].atm_iv, full.expirations()[e].atm_iv);
      }
      // A second take without changes publishes nothing.
      ASSERT_TRUE(incremental.take_diff().empty());
    }
  }
  EXPECT_GT(publishes, 200);
  EXPECT_LT(empty_diffs, publishes);
}

}  // namespace
}  // namespace ms::quant
