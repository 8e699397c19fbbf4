#include "quant/heatmap_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "quant/synthetic_chain.hpp"

namespace ms::quant {
namespace {

using nlohmann::json;

HeatmapBuilder built(std::vector<int> widths, const HeatmapInput& in) {
  HeatmapConfig c;
  c.widths = std::move(widths);
  HeatmapBuilder b(c);
  b.rebuild(in);
  return b;
}

TEST(HeatmapJson, ModelDocument) {
  SyntheticChainSpec spec;
  spec.strikes_each_side = 20;
  spec.dtes = {0, 2};
  const auto b = built({10}, synthetic_chain(spec));
  std::string out;
  write_heatmap_model_json(out, b, {1770737401250, "2026-02-10", 42, 0});
  const auto doc = json::parse(out);
  EXPECT_EQ(doc["ts"], 1770737401250);
  EXPECT_EQ(doc["version"], 1770737401250);
  EXPECT_EQ(doc["symbol"], "I:SPX");
  EXPECT_EQ(doc["epoch"], "2026-02-10");
  EXPECT_EQ(doc["seq"], 42);
  EXPECT_EQ(doc["dtes_available"], json::parse("[0,2]"));
  // What a consumer needs to reproduce a theoretical value.
  EXPECT_EQ(doc["spot"], 6000.0);
  EXPECT_EQ(doc["pricing_ts"], 0);  // the synthetic chain names no minute
  EXPECT_EQ(doc["rate"], 0.05);
  EXPECT_EQ(doc["dividend_yield"], 0.0);
  ASSERT_EQ(doc["expirations"].size(), 2u);
  const auto expirations = b.expirations();
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& e = doc["expirations"][i];
    EXPECT_EQ(e["dte"], expirations[i].dte);
    EXPECT_EQ(e["date"], expirations[i].date);
    EXPECT_EQ(e["index"], i);
    EXPECT_EQ(e["smile"], "fitted");
    EXPECT_DOUBLE_EQ(e["years"].get<double>(), expirations[i].years);
    EXPECT_DOUBLE_EQ(e["forward"].get<double>(), expirations[i].forward);
  }
  EXPECT_EQ(doc["expirations"][0]["date"], "D+0");
  EXPECT_EQ(doc["expirations"][1]["dte"], 2);
  EXPECT_EQ(doc["dte_tile_counts"]["0"].get<std::size_t>() + doc["dte_tile_counts"]["2"].get<std::size_t>(),
            b.tile_count());
  EXPECT_EQ(doc["tiles"].size(), b.tile_count());
  EXPECT_TRUE(doc["tiles"].contains("butterfly:2:10:6000"));
  EXPECT_EQ(doc["tiles"]["butterfly:2:10:6000"]["dte"], 2);
  EXPECT_EQ(doc["tiles"]["single:0:0:5990"]["strike"], 5990.0);
  ASSERT_TRUE(doc.contains("atm_iv"));
  EXPECT_NEAR(doc["atm_iv"]["0"].get<double>(), b.expirations()[0].atm_iv, 5e-7);
  // Every tile's max_profit + max_loss is its width.
  for (const auto& [key, tile] : doc["tiles"].items()) {
    for (const char* side : {"call", "put"}) {
      if (!tile.contains(side) || !tile[side].contains("max_profit")) continue;
      EXPECT_NEAR(tile[side]["max_profit"].get<double>() + tile[side]["max_loss"].get<double>(),
                  tile["width"].get<double>(), 1e-9)
          << key;
    }
  }
}

TEST(HeatmapJson, DiffDocument) {
  SyntheticChainSpec spec;
  spec.strikes_each_side = 20;
  spec.dtes = {0};
  auto in = synthetic_chain(spec);
  HeatmapConfig c;
  c.widths = {10};
  HeatmapBuilder b(c);
  b.rebuild(in);
  (void)b.take_diff();
  in.contracts.pop_back();  // the 6020 put leaves
  b.rebuild(in);
  LegQuote q = in.contracts[0].quote;
  q.mid = 77.0;
  b.update_quote(0, q);
  const auto diff = b.take_diff();
  std::string out;
  write_heatmap_diff_json(out, b, diff, {1000, "e1", 8, 7});
  const auto doc = json::parse(out);
  EXPECT_EQ(doc["seq"], 8);
  EXPECT_EQ(doc["base_seq"], 7);
  EXPECT_EQ(doc["changed"].size(), diff.changed.size());
  EXPECT_EQ(doc["changed"]["single:0:0:5980"]["call"]["market_mid"], 77.0);
  // Without the 6020 put the 6010 butterfly loses a leg, and the 6020 vertical its only side.
  EXPECT_EQ(doc["removed"], json::parse(R"(["butterfly:0:10:6010","vertical:0:10:6020"])"));
  EXPECT_FALSE(doc["changed"]["single:0:0:6020"].contains("put"));
  EXPECT_EQ(doc["dtes_available"], json::parse("[0]"));
  EXPECT_TRUE(doc.contains("atm_iv"));
}

TEST(HeatmapJson, EmptyBuilderWritesAnEmptyModel) {
  HeatmapConfig c;
  c.widths = {10};
  HeatmapBuilder b(c);
  HeatmapInput in;
  in.symbol = "I:NDX";
  b.rebuild(in);
  std::string out;
  write_heatmap_model_json(out, b, {1, "e", 1, 0});
  EXPECT_EQ(out,
            R"({"ts":1,"symbol":"I:NDX","epoch":"e","seq":1,"version":1,"spot":null,"pricing_ts":0,)"
            R"("rate":0.05,"dividend_yield":0.0,"dtes_available":[],)"
            R"("expirations":[],"dte_tile_counts":{},"tiles":{}})");
}

TEST(HeatmapJson, SymbolIsEscaped) {
  SyntheticChainSpec spec;
  spec.symbol = "I:\"X";
  spec.strikes_each_side = 0;
  spec.dtes = {0};
  const auto b = built({10}, synthetic_chain(spec));
  std::string out;
  write_heatmap_model_json(out, b, {1, "e", 1, 0});
  EXPECT_EQ(json::parse(out)["tiles"]["single:0:0:6000"]["symbol"], "I:\"X");
}

}  // namespace
}  // namespace ms::quant
