#include "quant/gex.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "quant/gex_json.hpp"

namespace ms::quant {
namespace {

GexContractInput leg(const char* date, double strike, OptionType type, double gamma, double oi) {
  return {date, strike, type, gamma, oi};
}

// TV1: one expiry, S = 6003.
GexInput tv1() {
  GexInput in;
  in.symbol = "I:SPX";
  in.spot = 6003;
  const double rows[][5] = {{5980, 0.0010, 100, 0.0010, 1200},
                            {5990, 0.0020, 200, 0.0020, 900},
                            {6000, 0.0030, 500, 0.0030, 400},
                            {6010, 0.0020, 800, 0.0020, 100},
                            {6020, 0.0010, 900, 0.0010, 50}};
  for (const auto& r : rows) {
    in.contracts.push_back(leg("2026-03-20", r[0], OptionType::call, r[1], r[2]));
    in.contracts.push_back(leg("2026-03-20", r[0], OptionType::put, r[3], r[4]));
  }
  return in;
}

TEST(GexTv1, PerStrikeValuesAndFlip) {
  const auto m = build_gex(tv1());
  ASSERT_EQ(m.expirations.size(), 1u);
  const auto& rows = m.expirations[0].strikes;
  ASSERT_EQ(rows.size(), 5u);
  const double calls[] = {10, 40, 150, 160, 90};
  const double puts[] = {120, 180, 120, 20, 5};
  const double net[] = {-110, -140, 30, 140, 85};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(rows[i].call, calls[i], 1e-9);
    EXPECT_NEAR(rows[i].put, puts[i], 1e-9);
    EXPECT_NEAR(rows[i].net(), net[i], 1e-9);
  }
  const auto flip = find_flip_levels(rows, 6003);
  EXPECT_EQ(flip.below, 5995.0);
  EXPECT_FALSE(flip.above);
  EXPECT_EQ(flip.nearest, 5995.0);
  const auto& levels = m.expirations[0].levels;
  EXPECT_NEAR(levels.net, 5.0, 1e-9);
  EXPECT_EQ(levels.flip, 5995.0);
  EXPECT_EQ(levels.call_wall, 6010.0);
  EXPECT_EQ(levels.put_wall, 5990.0);
  EXPECT_EQ(m.contracts_used, 10u);
}

TEST(GexTv1, CallsModelJson) {
  const auto m = build_gex(tv1());
  std::string out;
  write_gex_side_json(out, m, GexSide::calls, {1770737400500, "e", 3, 0});
  EXPECT_EQ(out,
            R"({"ts":1770737400500,"symbol":"I:SPX","epoch":"e","seq":3,)"
            R"("expirations":{"2026-03-20":{"5980":10.0,"5990":40.0,"6000":150.0,"6010":160.0,"6020":90.0}},)"
            R"("levels":{"2026-03-20":{"net":5.0,"flip":5995.0,"call_wall":6010.0,"put_wall":5990.0},)"
            R"("all":{"net":5.0,"flip":5995.0,"call_wall":6010.0,"put_wall":5990.0}}})");
  std::string puts;
  write_gex_side_json(puts, m, GexSide::puts, {1, "e", 3, 0});
  const auto doc = nlohmann::json::parse(puts);
  EXPECT_EQ(doc["expirations"]["2026-03-20"]["5990"], 180.0);
  EXPECT_EQ(doc["expirations"]["2026-03-20"].size(), 5u);
}

TEST(Gex, SumsRootsAtASharedStrike) {
  // SPX (AM) and SPXW (PM) on a monthly expiry: the original kept whichever came last (Q11).
  GexInput in;
  in.spot = 6000;
  in.contracts.push_back(leg("2026-03-20", 6000, OptionType::call, 0.003, 300));  // SPX
  in.contracts.push_back(leg("2026-03-20", 6000, OptionType::call, 0.003, 200));  // SPXW
  const auto m = build_gex(in);
  ASSERT_EQ(m.all.size(), 1u);
  EXPECT_NEAR(m.all[0].call, 150.0, 1e-9);
}

TEST(Gex, KeepsDecimalStrikes) {
  GexInput in;
  in.spot = 6000;
  in.contracts.push_back(leg("2026-03-20", 6002, OptionType::call, 0.001, 100));
  in.contracts.push_back(leg("2026-03-20", 6002.5, OptionType::call, 0.002, 100));
  const auto m = build_gex(in);
  ASSERT_EQ(m.all.size(), 2u);
  std::string out;
  write_gex_side_json(out, m, GexSide::calls, {});
  const auto doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc["expirations"]["2026-03-20"]["6002"], 10.0);
  EXPECT_EQ(doc["expirations"]["2026-03-20"]["6002.5"], 20.0);
  // No puts at all: the puts document has no expirations, the service skips writing it.
  EXPECT_TRUE(m.has_calls());
  EXPECT_FALSE(m.has_puts());
}

TEST(Gex, AllExpiriesAggregateAndPerExpiryLevelsDiffer) {
  GexInput in = tv1();
  in.contracts.push_back(leg("2026-03-13", 6010, OptionType::put, 0.01, 1000));  // earlier expiry
  in.contracts.push_back(leg("2026-03-13", 6030, OptionType::call, 0.001, 10));
  const auto m = build_gex(in);
  ASSERT_EQ(m.expirations.size(), 2u);
  EXPECT_EQ(m.expirations[0].date, "2026-03-13");  // ascending dates
  EXPECT_EQ(m.expirations[0].levels.put_wall, 6010.0);
  EXPECT_EQ(m.expirations[0].levels.call_wall, 6030.0);
  ASSERT_EQ(m.all.size(), 6u);
  EXPECT_NEAR(m.all[3].put, 20 + 1000, 1e-9);       // 6010 summed over both expiries
  EXPECT_NEAR(m.all_levels.net, 5.0 - 1000 + 1, 1e-9);
  EXPECT_EQ(m.all_levels.put_wall, 6010.0);
  // N: -110 -140 30 -860 85 1 → flips at 5995 (below) and 6005 (above, nearer: 2 vs 8).
  EXPECT_EQ(m.all_levels.flip, 6005.0);
  const auto flips = find_flip_levels(m.all, 6003);
  EXPECT_EQ(flips.below, 5995.0);
  EXPECT_EQ(flips.above, 6005.0);
}

TEST(Gex, FlipRuleEdgeCases) {
  auto row = [](double k, double net) {
    StrikeGex s;
    s.strike = k;
    s.strike_milli = static_cast<std::int64_t>(k * 1000);
    (net >= 0 ? s.call : s.put) = std::abs(net);
    s.has_call = s.has_put = true;
    return s;
  };
  // Zero-net strikes are skipped: the change is between 5990 and 6010.
  auto f = find_flip_levels({row(5990, -5), row(6000, 0), row(6010, 5)}, 6020);
  EXPECT_EQ(f.below, 6000.0);
  // A midpoint exactly at spot is ignored.
  f = find_flip_levels({row(5990, -5), row(6010, 5)}, 6000);
  EXPECT_FALSE(f.nearest);
  // Several changes below spot: the highest wins; above: the lowest.
  f = find_flip_levels({row(5900, 1), row(5910, -1), row(5950, 1), row(6100, -1), row(6200, 1)}, 6000);
  EXPECT_EQ(f.below, 5930.0);
  EXPECT_EQ(f.above, 6025.0);
  EXPECT_EQ(f.nearest, 6025.0);  // 25 above vs 70 below
  // Equidistant: below wins.
  f = find_flip_levels({row(5980, 1), row(5990, -1), row(6010, 1)}, 6000);
  EXPECT_EQ(f.nearest, 5985.0);
  f = find_flip_levels({row(5990, -1), row(6000, 1), row(6010, -1)}, 6000);
  EXPECT_EQ(f.nearest, 5995.0);  // 5995 and 6005 both 5 away
  // No spot, no flip.
  EXPECT_FALSE(find_flip_levels({row(5990, -1), row(6010, 1)}, 0).nearest);
  // Walls: ties keep the lowest strike.
  const auto levels = gex_levels({row(5990, 5), row(6000, 5), row(6010, -7), row(6020, -7)}, 6000);
  EXPECT_EQ(levels.call_wall, 5990.0);
  EXPECT_EQ(levels.put_wall, 6010.0);
}

TEST(Gex, SkipsUnusableContractsAndExpiredDates) {
  GexInput in;
  in.spot = 6000;
  in.min_expiry_date = "2026-03-20";
  in.contracts.push_back(leg("2026-03-19", 6000, OptionType::call, 0.003, 500));  // expired (Q10)
  in.contracts.push_back(leg("2026-03-20", 6000, OptionType::call, 0.003, 500));
  GexContractInput no_gamma{"2026-03-20", 6005, OptionType::call, std::nullopt, 10.0};
  GexContractInput zero_oi{"2026-03-20", 6010, OptionType::call, 0.001, 0.0};
  GexContractInput negative_gamma{"2026-03-20", 6015, OptionType::put, -0.001, 10.0};
  GexContractInput nan_oi{"2026-03-20", 6020, OptionType::put, 0.001, std::nan("")};
  in.contracts.push_back(no_gamma);
  in.contracts.push_back(zero_oi);
  in.contracts.push_back(negative_gamma);
  in.contracts.push_back(nan_oi);
  const auto m = build_gex(in);
  EXPECT_EQ(m.contracts_used, 1u);
  EXPECT_EQ(m.contracts_skipped, 4u);
  ASSERT_EQ(m.expirations.size(), 1u);
  EXPECT_EQ(m.expirations[0].date, "2026-03-20");
}

TEST(Gex, EmptyModelHasNullLevels) {
  GexInput in;
  in.symbol = "I:NDX";
  const auto m = build_gex(in);
  EXPECT_TRUE(m.all.empty());
  EXPECT_FALSE(m.all_levels.flip);
  std::string out;
  write_gex_side_json(out, m, GexSide::puts, {5, "e", 1, 0});
  EXPECT_EQ(out, R"({"ts":5,"symbol":"I:NDX","epoch":"e","seq":1,"expirations":{},)"
                 R"("levels":{"all":{"net":0.0,"flip":null,"call_wall":null,"put_wall":null}}})");
}

TEST(Gex, RejectsBadInputNamingTheField) {
  auto message = [](const GexInput& in) -> std::string {
    try {
      build_gex(in);
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "invalid_gex_input");
      return e.what();
    }
    return "accepted";
  };
  GexInput in = tv1();
  in.contracts[3].expiry_date = "20260320";
  EXPECT_EQ(message(in), "gex input: contracts[3].expiry_date must be YYYY-MM-DD, got \"20260320\"");
  in = tv1();
  in.contracts[4].strike = -1;
  EXPECT_EQ(message(in), "gex input: contracts[4].strike must be a finite number > 0");
  in = tv1();
  in.spot = std::nan("");
  EXPECT_NE(message(in).find("spot"), std::string::npos);
  in = tv1();
  in.min_expiry_date = "tomorrow";
  EXPECT_NE(message(in).find("min_expiry_date"), std::string::npos);
  in = tv1();
  in.contract_multiplier = 0;
  EXPECT_NE(message(in).find("contract_multiplier"), std::string::npos);
}

}  // namespace
}  // namespace ms::quant
