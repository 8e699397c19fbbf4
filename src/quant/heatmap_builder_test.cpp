#include "quant/heatmap_builder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "quant/heatmap_json.hpp"
#include "quant/synthetic_chain.hpp"

namespace ms::quant {
namespace {

LegQuote quote_mid(double mid) {
  LegQuote q;
  q.mid = mid;
  return q;
}

ContractInput contract(const char* root, std::uint32_t expiry, double strike, OptionType type,
                       LegQuote q = {}) {
  ContractInput c;
  c.root = root;
  c.expiry = expiry;
  c.strike = strike;
  c.type = type;
  c.quote = q;
  return c;
}

// TV3: S = 6000, T = 1/365, base IV 0.15 (from the ATM legs), V = 16, w = 30.
HeatmapInput tv3_input() {
  HeatmapInput in;
  in.symbol = "I:SPX";
  in.spot = 6000;
  in.vix = 16;
  in.expiries.push_back({0, "2026-02-10", 1.0 / 365});
  LegQuote atm;
  atm.iv = 0.15;
  in.contracts.push_back(contract("SPXW", 0, 5970, OptionType::call, quote_mid(25.10)));
  in.contracts.push_back(contract("SPXW", 0, 6000, OptionType::call, quote_mid(12.40)));
  in.contracts.back().quote.iv = 0.15;
  in.contracts.push_back(contract("SPXW", 0, 6030, OptionType::call, quote_mid(4.30)));
  in.contracts.push_back(contract("SPXW", 0, 5970, OptionType::put));
  in.contracts.push_back(contract("SPXW", 0, 6000, OptionType::put, atm));
  in.contracts.push_back(contract("SPXW", 0, 6030, OptionType::put));
  return in;
}

HeatmapConfig widths(std::vector<int> w) {
  HeatmapConfig c;
  c.widths = std::move(w);
  return c;
}

std::string tile_json(const HeatmapBuilder& b, TileStrategy s, int dte, int w, double strike) {
  const auto slot = b.find_tile({s, dte, w, strike_to_milli(strike)});
  if (!slot) return "<missing>";
  std::string out;
  append_tile_json(out, b, *slot);
  return out;
}

TEST(HeatmapTv3, SkewedVolsAndLegPrices) {
  const auto shape = skew_shape(vol_regime_for_vix(16));
  EXPECT_NEAR(skewed_vol(0.15, 6000, 5970, shape), 0.151125, 1e-12);
  EXPECT_NEAR(skewed_vol(0.15, 6000, 6000, shape), 0.15, 1e-12);
  EXPECT_NEAR(skewed_vol(0.15, 6000, 6030, shape), 0.150225, 1e-12);
  auto prices = [&](double k) {
    return black_scholes_prices({6000, k, 1.0 / 365, 0.05, skewed_vol(0.15, 6000, k, shape)});
  };
  EXPECT_NEAR(prices(5970).call, 38.16082, 5e-6);
  EXPECT_NEAR(prices(6000).call, 19.20589, 5e-6);
  EXPECT_NEAR(prices(6030).call, 7.76046, 5e-6);
  EXPECT_NEAR(prices(5970).put, 7.34307, 5e-6);
  EXPECT_NEAR(prices(6000).put, 18.38403, 5e-6);
  EXPECT_NEAR(prices(6030).put, 36.93449, 5e-6);
  const double call_fly = prices(5970).call - 2 * prices(6000).call + prices(6030).call;
  const double put_fly = prices(6030).put - 2 * prices(6000).put + prices(5970).put;
  EXPECT_NEAR(call_fly, 7.50950, 5e-6);
  EXPECT_NEAR(put_fly, call_fly, 1e-9);  // parity: identical legs on both sides
  EXPECT_NEAR(prices(6000).call - prices(6030).call, 11.44543, 5e-6);
  EXPECT_NEAR(prices(6000).put - prices(5970).put, 11.04096, 5e-6);
}

TEST(HeatmapTv3, TilesMatchTheSpecExamples) {
  HeatmapBuilder b(widths({30}));
  b.rebuild(tv3_input());
  ASSERT_EQ(b.expirations().size(), 1u);
  EXPECT_DOUBLE_EQ(b.expirations()[0].atm_iv, 0.15);
  EXPECT_EQ(tile_json(b, TileStrategy::butterfly, 0, 30, 6000),
            R"({"symbol":"I:SPX","strategy":"butterfly","dte":0,"strike":6000.0,"width":30,)"
            R"("call":{"debit":7.5095,"max_profit":22.4905,"max_loss":7.5095,"market_debit":4.6},)"
            R"("put":{"debit":7.5095,"max_profit":22.4905,"max_loss":7.5095}})");
  EXPECT_EQ(tile_json(b, TileStrategy::vertical, 0, 30, 6000),
            R"({"symbol":"I:SPX","strategy":"vertical","dte":0,"strike":6000.0,"width":30,)"
            R"("call":{"debit":11.4454,"max_profit":18.5546,"max_loss":11.4454,"market_debit":8.1},)"
            R"("put":{"debit":11.041,"max_profit":18.959,"max_loss":11.041}})");
  EXPECT_EQ(tile_json(b, TileStrategy::single, 0, 0, 6000),
            R"({"symbol":"I:SPX","strategy":"single","dte":0,"strike":6000.0,"width":0,)"
            R"("call":{"mid":19.2059,"market_mid":12.4},"put":{"mid":18.384}})");
  // Only the call side exists above (no put at 6060), only the put side below.
  EXPECT_EQ(tile_json(b, TileStrategy::vertical, 0, 30, 6030),
            R"({"symbol":"I:SPX","strategy":"vertical","dte":0,"strike":6030.0,"width":30,)"
            R"("put":{"debit":18.5505,"max_profit":11.4495,"max_loss":18.5505}})");
  EXPECT_EQ(tile_json(b, TileStrategy::butterfly, 0, 30, 5970), "<missing>");
  // 3 singles + 1 butterfly + 3 verticals (5970 call side, 6000 both, 6030 put side).
  EXPECT_EQ(b.tile_count(), 7u);
}

TEST(HeatmapTiles, ArithmeticToTheCent) {
  HeatmapBuilder b(widths({30}));
  auto in = tv3_input();
  in.contracts[3].quote = quote_mid(7.35);
  in.contracts[4].quote.mid = 18.40;
  in.contracts[5].quote = quote_mid(36.95);
  b.rebuild(in);
  const auto& fly = b.tile_value(*b.find_tile({TileStrategy::butterfly, 0, 30, 6000000}));
  EXPECT_EQ(fly.call.market, 4600);                  // 25.10 − 2·12.40 + 4.30
  EXPECT_EQ(fly.put.market, 36950 - 2 * 18400 + 7350);  // 7.50
  const auto& vertical = b.tile_value(*b.find_tile({TileStrategy::vertical, 0, 30, 6000000}));
  EXPECT_EQ(vertical.call.market, 8100);
  EXPECT_EQ(vertical.put.market, 11050);             // 18.40 − 7.35
  EXPECT_EQ(vertical.call.theo + vertical.put.theo, 114454 + 110410);
}

TEST(HeatmapTiles, MarketPriceRule) {
  HeatmapBuilder b(widths({30}));
  auto in = tv3_input();
  LegQuote only_last;
  only_last.last = 3.2;
  only_last.mid = 0.0;  // zero mid: fall back to last
  in.contracts[2].quote = only_last;
  LegQuote both_sides;
  both_sides.bid = 25.0;
  both_sides.ask = 25.4;
  in.contracts[0].quote = both_sides;
  LegQuote nothing;
  nothing.last = -1.0;
  nothing.mid = std::nan("");
  in.contracts[3].quote = nothing;
  b.rebuild(in);
  const auto& fly = b.tile_value(*b.find_tile({TileStrategy::butterfly, 0, 30, 6000000}));
  EXPECT_EQ(fly.call.market, 25200 - 24800 + 3200);
  const auto& single = b.tile_value(*b.find_tile({TileStrategy::single, 0, 0, 5970000}));
  EXPECT_FALSE(single.put.has_market);
  EXPECT_TRUE(single.put.present);
}

TEST(HeatmapTiles, AbsurdQuotesCountAsAbsent) {
  HeatmapBuilder b(widths({30}));
  auto in = tv3_input();
  in.contracts[0].quote.mid = 1e300;
  in.contracts[0].quote.last = 3.0;
  in.contracts[2].quote.mid = std::numeric_limits<double>::infinity();
  b.rebuild(in);
  const auto& single = b.tile_value(*b.find_tile({TileStrategy::single, 0, 0, 5970000}));
  EXPECT_EQ(single.call.market, 3000);  // the garbage mid is skipped, last is used
  const auto& fly = b.tile_value(*b.find_tile({TileStrategy::butterfly, 0, 30, 6000000}));
  EXPECT_FALSE(fly.call.has_market);    // no usable price for the 6030 call
}

TEST(HeatmapTiles, RoundHalfAwayMatchesLlround) {
  const double samples[] = {0.0, 0.5, -0.5, 1.4999999999999998, 2.5, -2.5, 192058.9,
                            4611686018427387.5, -123456.49999999999, 0.49999999999999994};
  for (double x : samples) EXPECT_EQ(round_half_away(x), std::llround(x)) << x;
  double x = -1e6;
  for (int i = 0; i < 100000; ++i, x += 20.0000003) {
    ASSERT_EQ(round_half_away(x), std::llround(x)) << x;
  }
}

TEST(HeatmapTiles, WithoutSpotOnlyMarketValues) {
  HeatmapBuilder b(widths({30}));
  auto in = tv3_input();
  in.spot = 0;
  b.rebuild(in);
  EXPECT_EQ(tile_json(b, TileStrategy::single, 0, 0, 6000),
            R"({"symbol":"I:SPX","strategy":"single","dte":0,"strike":6000.0,"width":0,)"
            R"("call":{"market_mid":12.4},"put":{"mid":null}})");
  EXPECT_EQ(tile_json(b, TileStrategy::butterfly, 0, 30, 6000),
            R"({"symbol":"I:SPX","strategy":"butterfly","dte":0,"strike":6000.0,"width":30,)"
            R"("call":{"debit":null,"max_profit":null,"max_loss":null,"market_debit":4.6},)"
            R"("put":{"debit":null,"max_profit":null,"max_loss":null}})");
  // Without spot no leg is "near" it: the base IV is the VIX fallback.
  EXPECT_DOUBLE_EQ(b.expirations()[0].atm_iv, 0.16);
}

TEST(HeatmapTiles, BaseIvFallbacks) {
  HeatmapBuilder b(widths({30}));
  auto in = tv3_input();
  in.contracts[1].quote.iv = 7.0;     // outside (0.01, 5): ignored
  in.contracts[4].quote.iv = 0.005;   // ignored
  in.contracts[0].quote.iv = 0.5;     // 30 points away: not < 30, ignored
  b.rebuild(in);
  EXPECT_DOUBLE_EQ(b.expirations()[0].atm_iv, 0.16);  // max(5, 16)/100
  in.vix = 3;
  b.rebuild(in);
  EXPECT_DOUBLE_EQ(b.expirations()[0].atm_iv, 0.05);  // max(5, 3)/100
  in.vix = 0;
  b.rebuild(in);
  EXPECT_DOUBLE_EQ(b.expirations()[0].atm_iv, 0.20);
  in.contracts[1].quote.iv = 0.2;
  in.contracts[4].quote.iv = 0.3;
  b.rebuild(in);
  EXPECT_DOUBLE_EQ(b.expirations()[0].atm_iv, 0.25);  // mean of both ATM legs
}

TEST(HeatmapTiles, RegimeFollowsVix) {
  EXPECT_EQ(vol_regime_for_vix(0), VolRegime::normal);
  EXPECT_EQ(vol_regime_for_vix(14), VolRegime::low_vol);
  EXPECT_EQ(vol_regime_for_vix(14.01), VolRegime::normal);
  EXPECT_EQ(vol_regime_for_vix(18), VolRegime::normal);
  EXPECT_EQ(vol_regime_for_vix(30), VolRegime::elevated);
  EXPECT_EQ(vol_regime_for_vix(30.5), VolRegime::panic);
  const auto panic = skew_shape(VolRegime::panic);
  // At the money the panic regime lifts vol by atm_boost.
  EXPECT_NEAR(skewed_vol(0.2, 6000, 6000, panic), 0.21, 1e-12);
  EXPECT_NEAR(skewed_vol(0.2, 6000, 5940, panic),
              0.2 * (1 + 0.5 * 0.01 * 10 + 0.05 * std::exp(-50 * 0.0001)), 1e-12);
}

TEST(HeatmapGeometry, SpxChainHasTheExpectedTileCount) {
  HeatmapBuilder b(widths({20, 25, 30, 35, 40, 45, 50}));
  b.rebuild(synthetic_chain({}));
  // Per expiry: 61 singles, 329 butterflies, 427 verticals (see bench/README.md).
  EXPECT_EQ(b.tile_count(), 3268u);
  const auto counts = b.dte_tile_counts();
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [dte, n] : counts) EXPECT_EQ(n, 817u) << dte;
}

TEST(HeatmapGeometry, SlotOrderIsDteStrikeThenStrategy) {
  HeatmapBuilder b(widths({10, 5}));
  SyntheticChainSpec spec;
  spec.strikes_each_side = 10;
  spec.dtes = {1, 0};
  b.rebuild(synthetic_chain(spec));
  std::vector<std::string> keys;
  for (std::uint32_t i = 0; i < 8; ++i) keys.push_back(format_tile_key(b.tile_key(i)));
  EXPECT_EQ(keys, (std::vector<std::string>{"single:0:0:5990", "vertical:0:10:5990",
                                            "vertical:0:5:5990", "single:0:0:5995",
                                            "vertical:0:10:5995", "butterfly:0:5:5995",
                                            "vertical:0:5:5995", "single:0:0:6000"}));
}

TEST(HeatmapGeometry, PrefersPmRootAtSharedStrikes) {
  HeatmapBuilder b(widths({30}));
  auto in = tv3_input();
  in.contracts.push_back(contract("SPX", 0, 6000, OptionType::call, quote_mid(99.0)));
  const std::size_t am_call = in.contracts.size() - 1;
  in.contracts.push_back(contract("SPX", 0, 6060, OptionType::call, quote_mid(1.0)));
  b.rebuild(in);
  const auto single = *b.find_tile({TileStrategy::single, 0, 0, 6000000});
  EXPECT_EQ(b.tile_value(single).call.market, 12400);   // SPXW's mid, not SPX's 99
  EXPECT_TRUE(b.find_tile({TileStrategy::single, 0, 0, 6060000}));  // SPX alone still counts
  EXPECT_FALSE(b.update_quote(am_call, quote_mid(50)));  // shadowed: feeds no tile
  EXPECT_EQ(b.find_contract("SPX", "2026-02-10", 6000, OptionType::call), am_call);
  EXPECT_EQ(b.find_contract("SPXW", "2026-02-10", 6000, OptionType::call), 1u);
  EXPECT_FALSE(b.find_contract("SPXW", "2026-02-10", 6005, OptionType::call));

  HeatmapConfig am_first = widths({30});
  am_first.preferred_roots = {"SPX"};
  HeatmapBuilder am(am_first);
  am.rebuild(in);
  EXPECT_EQ(am.tile_value(*am.find_tile({TileStrategy::single, 0, 0, 6000000})).call.market, 99000);
}

TEST(HeatmapGeometry, DropsExpiredAndFarExpiries) {
  HeatmapConfig config = widths({30});
  config.max_dte = 3;
  HeatmapBuilder b(config);
  auto in = tv3_input();
  in.expiries.push_back({-1, "2026-02-09", 0.0});  // expired yesterday (Q10)
  in.expiries.push_back({4, "2026-02-14", 4.0 / 365});
  in.contracts.push_back(contract("SPXW", 1, 6000, OptionType::call, quote_mid(1)));
  in.contracts.push_back(contract("SPXW", 2, 6000, OptionType::call, quote_mid(1)));
  b.rebuild(in);
  ASSERT_EQ(b.expirations().size(), 1u);
  EXPECT_EQ(b.expirations()[0].dte, 0);
  EXPECT_EQ(b.tile_value(*b.find_tile({TileStrategy::single, 0, 0, 6000000})).call.market, 12400);
  EXPECT_FALSE(b.update_quote(6, quote_mid(2)));
  EXPECT_FALSE(b.update_quote(7, quote_mid(2)));
  EXPECT_THROW(b.update_quote(8, quote_mid(2)), core::Error);
}

// MASSIVE_MODEL_DTES as a list: "0,4" builds dte 0 and 4, not the dte 1 and 2 in between.
TEST(HeatmapGeometry, BuildsExactlyTheListedDtes) {
  HeatmapConfig config = widths({30});
  config.max_dte = 4;
  config.dtes = {0, 4};
  HeatmapBuilder b(config);
  auto in = tv3_input();
  in.expiries.push_back({1, "2026-02-11", 1.0 / 365});
  in.expiries.push_back({2, "2026-02-12", 2.0 / 365});
  in.expiries.push_back({4, "2026-02-14", 4.0 / 365});
  for (std::uint32_t e = 1; e <= 3; ++e) in.contracts.push_back(contract("SPXW", e, 6000, OptionType::call, quote_mid(1)));
  b.rebuild(in);
  ASSERT_EQ(b.expirations().size(), 2u);
  EXPECT_EQ(b.expirations()[0].dte, 0);
  EXPECT_EQ(b.expirations()[1].dte, 4);
  EXPECT_TRUE(b.find_tile({TileStrategy::single, 4, 0, 6000000}));
  EXPECT_FALSE(b.find_tile({TileStrategy::single, 1, 0, 6000000}));
  EXPECT_FALSE(b.find_tile({TileStrategy::single, 2, 0, 6000000}));
  config.dtes = {0, 5};  // beyond max_dte
  EXPECT_THROW(HeatmapBuilder{config}, core::Error);
}

TEST(HeatmapGeometry, HalfPointStrikesKeepTheirOwnKeys) {
  HeatmapBuilder b(widths({5}));
  HeatmapInput in = tv3_input();
  in.contracts.push_back(contract("SPXW", 0, 6002.5, OptionType::call, quote_mid(18)));
  b.rebuild(in);
  const auto slot = b.find_tile({TileStrategy::single, 0, 0, 6002500});
  ASSERT_TRUE(slot);
  EXPECT_EQ(b.tile_key_json(*slot), "\"single:0:0:6002.5\"");
  EXPECT_EQ(format_tile_key(b.tile_key(*slot)), "single:0:0:6002.5");
  EXPECT_EQ(parse_tile_key("single:0:0:6002.5")->strike_milli, 6002500);
  EXPECT_EQ(parse_tile_key("butterfly:3:30:6000")->width, 30);
  EXPECT_FALSE(parse_tile_key("butterfly:3:30"));
  EXPECT_FALSE(parse_tile_key("condor:3:30:6000"));
  EXPECT_FALSE(parse_tile_key("single:x:0:6000"));
  EXPECT_FALSE(parse_tile_key("single:0:0:-5"));
}

TEST(HeatmapInputErrors, NameTheField) {
  auto code_and_message = [](const HeatmapInput& in) -> std::string {
    HeatmapBuilder b(widths({30}));
    try {
      b.rebuild(in);
    } catch (const core::Error& e) {
      return e.code() + ": " + e.what();
    }
    return "accepted";
  };
  auto in = tv3_input();
  in.spot = -1;
  EXPECT_EQ(code_and_message(in), "invalid_heatmap_input: heatmap input: spot must be a finite number in [0, 1e11)");
  in = tv3_input();
  in.spot = 2e11;
  EXPECT_NE(code_and_message(in).find("spot"), std::string::npos);
  in = tv3_input();
  in.vix = std::nan("");
  EXPECT_NE(code_and_message(in).find("vix"), std::string::npos);
  in = tv3_input();
  in.symbol.clear();
  EXPECT_NE(code_and_message(in).find("symbol"), std::string::npos);
  in = tv3_input();
  in.contracts[2].expiry = 5;
  EXPECT_NE(code_and_message(in).find("contracts[2].expiry is out of range"), std::string::npos);
  in = tv3_input();
  in.contracts[1].strike = 0;
  EXPECT_NE(code_and_message(in).find("contracts[1].strike"), std::string::npos);
  in = tv3_input();
  in.contracts[1].root.clear();
  EXPECT_NE(code_and_message(in).find("contracts[1].root"), std::string::npos);
  in = tv3_input();
  in.contracts.push_back(in.contracts[0]);
  EXPECT_NE(code_and_message(in).find("contracts[6] duplicates contracts[0]"), std::string::npos);
  in = tv3_input();
  in.expiries.push_back({0, "2026-02-11", 1.0 / 365});
  in.contracts.push_back(contract("SPXW", 1, 6000, OptionType::call));
  EXPECT_NE(code_and_message(in).find("same dte 0"), std::string::npos);
  in = tv3_input();
  in.expiries[0].years = INFINITY;
  EXPECT_NE(code_and_message(in).find("expiries[0].years"), std::string::npos);
  in = tv3_input();
  in.expiries[0].date.clear();
  EXPECT_NE(code_and_message(in).find("expiries[0].date"), std::string::npos);
}

TEST(HeatmapInputErrors, FailedRebuildKeepsThePreviousState) {
  HeatmapBuilder b(widths({30}));
  b.rebuild(tv3_input());
  (void)b.take_diff();
  auto bad = tv3_input();
  bad.contracts[0].strike = -5;
  EXPECT_THROW(b.rebuild(bad), core::Error);
  EXPECT_EQ(b.tile_count(), 7u);
  EXPECT_TRUE(b.take_diff().empty());
  EXPECT_THROW(b.set_market(-1, 16), core::Error);
  EXPECT_THROW(b.set_market(6000, -16), core::Error);
  EXPECT_THROW(b.set_years_to_expiry(0, std::nan("")), core::Error);
  EXPECT_THROW(b.set_years_to_expiry(3, 0.1), core::Error);
  EXPECT_TRUE(b.take_diff().empty());
}

TEST(HeatmapConfigErrors, AreRejected) {
  auto code = [](HeatmapConfig c) -> std::string {
    try {
      HeatmapBuilder b(std::move(c));
    } catch (const core::Error& e) {
      return e.code() + ": " + e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(code(widths({})), "invalid_heatmap_config: heatmap config: widths must not be empty");
  EXPECT_NE(code(widths({20, 0})).find("width 0"), std::string::npos);
  EXPECT_NE(code(widths({20, 20})).find("listed twice"), std::string::npos);
  HeatmapConfig c = widths({20});
  c.min_years = 0;
  EXPECT_NE(code(c).find("min_years"), std::string::npos);
  c = widths({20});
  c.max_dte = -1;
  EXPECT_NE(code(c).find("max_dte"), std::string::npos);
  EXPECT_EQ(code(widths({20})), "accepted");
}

}  // namespace
}  // namespace ms::quant
