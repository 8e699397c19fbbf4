#include "quant/volume_profile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace ms::quant {
namespace {

using Levels = std::vector<std::pair<double, double>>;

ProfileOptions opts(double bin, int window) {
  ProfileOptions o;
  o.bin = bin;
  o.smoothing_window = window;
  return o;
}

// ---- Live accumulator -----------------------------------------------------------------------

TEST(VolumeAccumulator, Tv7SpyToSpxBucket) {
  EXPECT_EQ(spy_to_spx_bucket(697.53), 697530);
  EXPECT_EQ(spy_to_spx_bucket(600.005), 600000);  // the product is 60000.5 in binary -> 60000
  EXPECT_EQ(spy_to_spx_bucket(0.125), 120);       // 12.5 -> 12 (half to even)
  VolumeAccumulator acc;
  EXPECT_TRUE(acc.add_trade(697.53, 100));
  const auto flushed = acc.take(1000);
  EXPECT_EQ(flushed, (std::map<std::int64_t, std::int64_t>{{697530, 100}}));
  EXPECT_EQ(acc.pending_buckets(), 0u);
  EXPECT_EQ(acc.trades_processed(), 1);
  EXPECT_EQ(acc.volume_added(), 100);
}

TEST(VolumeAccumulator, SumsPerBucketAndSkipsBadTrades) {
  VolumeAccumulator acc;
  EXPECT_TRUE(acc.add_trade(697.53, 100));
  EXPECT_TRUE(acc.add_trade(697.53, 50));
  EXPECT_TRUE(acc.add_trade(697.54, 7));
  EXPECT_FALSE(acc.add_trade(697.53, 0));
  EXPECT_FALSE(acc.add_trade(697.53, -10));
  EXPECT_FALSE(acc.add_trade(0.0, 10));
  EXPECT_FALSE(acc.add_trade(-1.0, 10));
  EXPECT_FALSE(acc.add_trade(std::nan(""), 10));
  EXPECT_FALSE(acc.add_trade(INFINITY, 10));
  EXPECT_EQ(acc.pending_buckets(), 2u);
  EXPECT_EQ(acc.trades_processed(), 3);
  EXPECT_EQ(acc.take(5000),
            (std::map<std::int64_t, std::int64_t>{{697530, 150}, {697540, 7}}));
}

TEST(VolumeAccumulator, FlushIsDueAfterTheInterval) {
  VolumeAccumulator acc(1000);
  EXPECT_FALSE(acc.flush_due(10'000));  // nothing pending
  acc.add_trade(697.53, 1);
  EXPECT_TRUE(acc.flush_due(10'000));
  acc.take(10'000);
  EXPECT_EQ(acc.last_flush_ms(), 10'000);
  acc.add_trade(697.53, 1);
  EXPECT_FALSE(acc.flush_due(10'999));
  EXPECT_TRUE(acc.flush_due(11'000));
}

// ---- Profile model --------------------------------------------------------------------------

TEST(VolumeProfile, SinglePeak) {
  // 10 20 50 30 10 at 100..104; total 120, 70 % = 84.
  // Value area: 102 (50) -> above 30 beats below 20: +103 (80) -> below 20 beats 10: +101 (100).
  // Smoothed (window 3): 15, 26.7, 33.3, 30, 20 -> one peak at 102, no trough.
  const auto p = build_volume_profile(
      Levels{{100, 10}, {101, 20}, {102, 50}, {103, 30}, {104, 10}}, opts(1.0, 3));
  EXPECT_EQ(p.total, 120.0);
  EXPECT_EQ(p.poc, 102.0);
  EXPECT_EQ(p.val, 101.0);
  EXPECT_EQ(p.vah, 103.0);
  EXPECT_EQ(p.hvns, (std::vector<double>{102.0}));
  EXPECT_TRUE(p.lvns.empty());
  ASSERT_EQ(p.levels.size(), 5u);
  EXPECT_EQ(p.levels[0], (std::pair<double, double>{100.0, 10.0}));
}

TEST(VolumeProfile, TwoPeaksWithAGap) {
  // 100..108: 5 30 5 _ _ 2 40 2 1 (the gap is zero volume). Total 85, 70 % = 59.5.
  // POC 106 (40). Tie 2/2 -> both (44); 1 beats 0 -> +108 (45); then only below: 104 (45),
  // 103 (45), 102 (50), 101 (80) >= 59.5 -> VAL 101, VAH 108.
  // No smoothing: peaks 101 and 106; the zero run 103-104 is a trough (reported at 103).
  const auto p = build_volume_profile(
      Levels{{100, 5}, {101, 30}, {102, 5}, {105, 2}, {106, 40}, {107, 2}, {108, 1}},
      opts(1.0, 1));
  EXPECT_EQ(p.total, 85.0);
  EXPECT_EQ(p.poc, 106.0);
  EXPECT_EQ(p.val, 101.0);
  EXPECT_EQ(p.vah, 108.0);
  EXPECT_EQ(p.hvns, (std::vector<double>{101.0, 106.0}));
  EXPECT_EQ(p.lvns, (std::vector<double>{103.0}));
  ASSERT_EQ(p.levels.size(), 9u);
  EXPECT_EQ(p.levels[3], (std::pair<double, double>{103.0, 0.0}));
}

TEST(VolumeProfile, PocTieGoesToTheLowerPrice) {
  const auto p =
      build_volume_profile(Levels{{200, 10}, {201, 30}, {202, 30}, {203, 10}}, opts(1.0, 1));
  EXPECT_EQ(p.poc, 201.0);
  // 30 -> above 30 beats below 10 (60 of 80 = 75 %).
  EXPECT_EQ(p.val, 201.0);
  EXPECT_EQ(p.vah, 202.0);
  // The 30/30 plateau is one HVN, at its lower middle.
  EXPECT_EQ(p.hvns, (std::vector<double>{201.0}));
}

TEST(VolumeProfile, EmptyAndSingleLevel) {
  const auto empty = build_volume_profile({}, opts(1.0, 5));
  EXPECT_TRUE(empty.levels.empty());
  EXPECT_FALSE(empty.poc.has_value());
  EXPECT_FALSE(empty.vah.has_value());
  EXPECT_FALSE(empty.val.has_value());
  EXPECT_EQ(empty.total, 0.0);
  const auto zero = build_volume_profile(Levels{{6000, 0}, {6001, -5}}, opts(1.0, 5));
  EXPECT_TRUE(zero.levels.empty());
  EXPECT_FALSE(zero.poc.has_value());

  const auto one = build_volume_profile(Levels{{6000, 7}}, opts(1.0, 5));
  EXPECT_EQ(one.poc, 6000.0);
  EXPECT_EQ(one.vah, 6000.0);
  EXPECT_EQ(one.val, 6000.0);
  EXPECT_EQ(one.total, 7.0);
  EXPECT_TRUE(one.hvns.empty());  // an end is never a node
  EXPECT_TRUE(one.lvns.empty());
}

TEST(VolumeProfile, BinsToTheNearestMultipleHalfEven) {
  // bin 5: 6002.4 -> 6000, 6002.5 -> 1200.5 -> 1200 -> 6000, 6007.5 -> 1201.5 -> 1202 -> 6010,
  // 6003 -> 6005.
  const auto p = build_volume_profile(
      Levels{{6002.4, 1}, {6002.5, 2}, {6007.5, 4}, {6003, 8}}, opts(5.0, 1));
  EXPECT_EQ(p.bin, 5.0);
  EXPECT_EQ(p.levels, (Levels{{6000, 3}, {6005, 8}, {6010, 4}}));
  EXPECT_EQ(p.poc, 6005.0);
}

TEST(VolumeProfile, FromTheLiveHash) {
  const std::vector<std::pair<std::string, std::string>> hash{
      {"697530", "100"}, {"697540", "50"}, {"bad", "1"}, {"697550", "x"}, {"697560", ""},
      {"6975.7", "9"},   {"697520", "25.5"}};
  const auto p = build_volume_profile_from_hash(hash, opts(0.1, 1));
  EXPECT_EQ(p.levels, (Levels{{6975.2, 25.5}, {6975.3, 100}, {6975.4, 50}}));
  EXPECT_EQ(p.poc, 6975.3);
  EXPECT_EQ(p.total, 175.5);
}

TEST(VolumeProfile, PriceRangeFilter) {
  ProfileOptions o = opts(1.0, 1);
  o.min_price = 101;
  o.max_price = 103;
  const auto p = build_volume_profile(
      Levels{{100, 10}, {101, 20}, {102, 50}, {103, 30}, {104, 10}}, o);
  EXPECT_EQ(p.levels.front().first, 101.0);
  EXPECT_EQ(p.levels.back().first, 103.0);
  EXPECT_EQ(p.total, 100.0);
}

TEST(VolumeProfile, MaxNodesKeepsTheStrongest) {
  // Peaks at 101 (5), 103 (9), 105 (7); troughs at 102 (1), 104 (3).
  const Levels levels{{100, 1}, {101, 5}, {102, 1}, {103, 9}, {104, 3}, {105, 7}, {106, 1}};
  ProfileOptions o = opts(1.0, 1);
  o.max_nodes = 1;
  auto p = build_volume_profile(levels, o);
  EXPECT_EQ(p.hvns, (std::vector<double>{103.0}));
  EXPECT_EQ(p.lvns, (std::vector<double>{102.0}));
  o.max_nodes = 0;
  p = build_volume_profile(levels, o);
  EXPECT_EQ(p.hvns, (std::vector<double>{101.0, 103.0, 105.0}));
  EXPECT_EQ(p.lvns, (std::vector<double>{102.0, 104.0}));
}

TEST(VolumeProfile, DefaultSmoothingFlattensNoise) {
  // A saw-tooth on a broad hill: unsmoothed it has many extrema; the default 5-bin average
  // leaves the one hill.
  Levels levels;
  for (int i = 0; i <= 20; ++i) {
    const double hill = 100.0 - 4.0 * std::abs(i - 10);
    levels.push_back({6000.0 + i, hill + (i % 2 == 0 ? 6.0 : 0.0)});
  }
  const auto raw = build_volume_profile(levels, opts(1.0, 1));
  EXPECT_GT(raw.hvns.size(), 3u);
  const auto smooth = build_volume_profile(levels, ProfileOptions{});
  EXPECT_EQ(smooth.hvns, (std::vector<double>{6010.0}));
  EXPECT_TRUE(smooth.lvns.empty());
}

TEST(VolumeProfile, RejectsBadOptions) {
  const Levels levels{{100, 1}};
  for (auto o : {opts(0.0, 1), opts(-1.0, 1), opts(0.001, 1), opts(1.0, 0), opts(1.0, 4),
                 opts(std::nan(""), 1)}) {
    try {
      build_volume_profile(levels, o);
      FAIL();
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_input");
    }
  }
  ProfileOptions va = opts(1.0, 1);
  va.value_area = 0.0;
  EXPECT_THROW(build_volume_profile(levels, va), core::Error);
  ProfileOptions range = opts(1.0, 1);
  range.min_price = 10;
  range.max_price = 5;
  EXPECT_THROW(build_volume_profile(levels, range), core::Error);
  ProfileOptions no_bins = opts(1.0, 1);
  no_bins.max_bins = 0;
  EXPECT_THROW(build_volume_profile(levels, no_bins), core::Error);
}

// Issue 7: one absurd SPY print (1e9, i.e. SPX 1e10) made the profile span ~1e12 bins and the
// builder threw inside massive's publish loop. Absurd but finite data never throws: the densest
// window of max_bins bins is kept and the rest reported.
TEST(VolumeProfile, AnAbsurdPrintNeverThrowsAndLeavesTheBulkAlone) {
  const Levels bulk{{6900, 100}, {6901, 300}, {6902, 200}};
  Levels poisoned = bulk;
  poisoned.push_back({1e10, 5});
  poisoned.push_back({-6900, 50});  // not a price: skipped, not counted as outside
  poisoned.push_back({1e13, 7});    // beyond what cents can hold: skipped
  const auto clean = build_volume_profile(bulk);
  const auto p = build_volume_profile(poisoned);
  EXPECT_EQ(p.levels, clean.levels);
  EXPECT_EQ(p.poc, clean.poc);
  EXPECT_EQ(p.vah, clean.vah);
  EXPECT_EQ(p.val, clean.val);
  EXPECT_EQ(p.total, 600);
  EXPECT_EQ(p.outside_bins, 1u);
  EXPECT_EQ(p.outside_volume, 5);
  EXPECT_EQ(clean.outside_bins, 0u);
}

TEST(VolumeProfile, MaxBinsKeepsTheDensestWindowLowestOnATie) {
  ProfileOptions o = opts(1.0, 1);
  o.max_bins = 3;
  // Windows of 3 bins: [100..102] holds 4, [200..202] holds 9, [300] holds 9 → the lower wins.
  const auto p = build_volume_profile(Levels{{100, 1}, {102, 3}, {200, 4}, {202, 5}, {300, 9}}, o);
  EXPECT_EQ(p.levels, (Levels{{200, 4}, {201, 0}, {202, 5}}));
  EXPECT_EQ(p.poc, 202);
  EXPECT_EQ(p.outside_bins, 3u);
  EXPECT_EQ(p.outside_volume, 13);
  o.max_bins = 1;
  EXPECT_EQ(build_volume_profile(Levels{{100, 1}, {101, 2}}, o).levels, (Levels{{101, 2}}));
}

TEST(VolumeProfile, SkipsNonFiniteInput) {
  const auto p = build_volume_profile(
      Levels{{std::nan(""), 5}, {100, std::nan("")}, {INFINITY, 1}, {101, INFINITY}, {102, 3}},
      opts(1.0, 1));
  EXPECT_EQ(p.levels, (Levels{{102, 3}}));
}

TEST(VolumeProfile, JsonShape) {
  const auto p = build_volume_profile(
      Levels{{100, 10}, {101, 20}, {102, 50}, {103, 30}, {104, 10}}, opts(1.0, 3));
  const auto j = volume_profile_to_json(p, "SPX", 9, 1770737400000);
  EXPECT_EQ(j["symbol"], "SPX");
  EXPECT_EQ(j["seq"], 9);
  EXPECT_EQ(j["ts"], 1770737400000);
  EXPECT_EQ(j["bin"], 1.0);
  EXPECT_EQ(j["levels"][2], (nlohmann::json{102.0, 50.0}));
  EXPECT_EQ(j["poc"], 102.0);
  EXPECT_EQ(j["vah"], 103.0);
  EXPECT_EQ(j["val"], 101.0);
  EXPECT_EQ(j["hvns"], (nlohmann::json{102.0}));
  EXPECT_EQ(j["lvns"], nlohmann::json::array());
  EXPECT_EQ(j["total"], 120.0);
  EXPECT_EQ(j.size(), 11u);
  const auto e = volume_profile_to_json(build_volume_profile({}), "SPX", 1, 0);
  EXPECT_TRUE(e["poc"].is_null());
  EXPECT_TRUE(e["vah"].is_null());
  EXPECT_EQ(e["levels"], nlohmann::json::array());
}

}  // namespace
}  // namespace ms::quant
