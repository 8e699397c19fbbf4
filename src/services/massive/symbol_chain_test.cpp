#include "services/massive/symbol_chain.hpp"

#include <gtest/gtest.h>

#include "core/market_calendar.hpp"
#include "quant/heatmap_json.hpp"

namespace ms::massive {
namespace {

using core::Date;

Date day(int y, unsigned m, unsigned d) { return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}}; }

marketdata::OptionContractSnapshot contract(const std::string& ticker, double bid, double ask, double gamma = 0.002,
                                        double oi = 100) {
  marketdata::OptionContractSnapshot c;
  c.ticker = ticker;
  c.bid = bid;
  c.ask = ask;
  c.midpoint = (bid + ask) / 2;
  c.gamma = gamma;
  c.open_interest = oi;
  c.implied_volatility = 0.15;
  c.wire = {{"details", {{"ticker", ticker}}}};
  return c;
}

// SPXW 0-DTE and 1-DTE around 6000, an AM-settled SPX monthly sharing a strike, an expired
// contract and an NDX contract that belongs to another chain.
std::vector<marketdata::OptionContractSnapshot> snapshot() {
  std::vector<marketdata::OptionContractSnapshot> out;
  for (int k = 5950; k <= 6050; k += 25) {
    const std::string ks = "0" + std::to_string(k) + "000";
    out.push_back(contract("O:SPXW260320C" + ks, 10, 11));
    out.push_back(contract("O:SPXW260320P" + ks, 9, 10));
    out.push_back(contract("O:SPXW260323C" + ks, 20, 21));
    out.push_back(contract("O:SPXW260323P" + ks, 19, 20));
  }
  out.push_back(contract("O:SPX260323C06000000", 50, 60, 0.001, 1000));  // AM-settled, shares 6000
  out.push_back(contract("O:SPXW260319C06000000", 1, 2));                // expired yesterday
  out.push_back(contract("O:NDXP260320C21000000", 1, 2));                // another chain
  return out;
}

constexpr core::EpochMs kNoon = 1774022400000;  // 2026-03-20 16:00 UTC = 12:00 ET (EDT)

quant::HeatmapConfig config() {
  quant::HeatmapConfig c;
  c.widths = {25, 50};
  return c;
}

TEST(SymbolChain, KeepsItsOwnUnexpiredContractsAndRootsApart) {
  SymbolChain chain("I:SPX", config());
  EXPECT_TRUE(chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6000, 16));
  EXPECT_EQ(chain.contracts().size(), 5u * 4 + 1);  // no expired, no NDX
  EXPECT_NE(chain.find("O:SPX260323C06000000"), nullptr);
  EXPECT_NE(chain.find("O:SPXW260323C06000000"), nullptr);
  EXPECT_EQ(chain.find("O:SPXW260319C06000000"), nullptr);
  EXPECT_EQ(chain.find("O:NDXP260320C21000000"), nullptr);
  // The PM root prices the tile at the shared strike, not the AM-settled one.
  const auto slot = chain.heatmap().find_tile({quant::TileStrategy::single, 3, 0, 6000000});
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(chain.heatmap().tile_value(*slot).call.market, 20500);  // SPXW mid 20.5 x 1000
  const auto exps = chain.heatmap().expirations();
  ASSERT_EQ(exps.size(), 2u);
  EXPECT_EQ(exps[0].date, "2026-03-20");
  EXPECT_EQ(exps[0].dte, 0);
  EXPECT_EQ(exps[1].dte, 3);
}

TEST(SymbolChain, SameTickersIsNoGeometryChangeAndQuotesUpdateOnlyTheirTiles) {
  SymbolChain chain("I:SPX", config());
  chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6000, 16);
  chain.heatmap().take_diff();
  EXPECT_FALSE(chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6000, 16));
  EXPECT_TRUE(chain.heatmap().take_diff().empty());

  EXPECT_TRUE(chain.on_quote("O:SPXW260320C06000000", 12, 13, 5, 7));
  EXPECT_FALSE(chain.on_quote("O:SPXW260320C06000000", 12, 13, 5, 7));  // unchanged
  EXPECT_FALSE(chain.on_quote("O:SPXW999999C06000000", 12, 13, 5, 7));  // unknown
  const auto diff = chain.heatmap().take_diff();
  ASSERT_FALSE(diff.changed.empty());
  for (auto slot : diff.changed) {
    const auto& key = chain.heatmap().tile_key(slot);
    EXPECT_EQ(key.dte, 0);
    EXPECT_LE(std::abs(key.strike_milli - 6000000), 50000);  // the leg or its wings
  }
  // A feed quote survives the next snapshot (it is fresher than the snapshot's) ...
  chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6000, 16);
  EXPECT_EQ(*chain.find("O:SPXW260320C06000000")->quote.bid, 12);
  // ... but not the one after, when the feed said nothing more about the contract.
  chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6000, 16);
  EXPECT_EQ(*chain.find("O:SPXW260320C06000000")->quote.bid, 10);
}

TEST(SymbolChain, TheClockMovesTheoryOnlyOnMinuteBoundaries) {
  SymbolChain chain("I:SPX", config());
  chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6000, 16);
  chain.heatmap().take_diff();
  chain.set_time(kNoon + 30'000);
  EXPECT_TRUE(chain.heatmap().take_diff().empty());
  chain.set_time(kNoon + 60'000);
  EXPECT_FALSE(chain.heatmap().take_diff().empty());
}

// T runs from the start of the market-clock minute to the close, with no one-hour floor: the
// last minutes of a 0-DTE are priced with their own time; only the final minute is floored (at
// one minute, so T stays > 0). The heatmap publishes the minute it priced at.
TEST(SymbolChain, TimeToExpiryIsQuantisedToTheMinuteDownToTheClose) {
  SymbolChain chain("I:SPX", config());
  const auto session = day(2026, 3, 20);
  const core::EpochMs close = core::expiration_ms(session, core::Settlement::pm);
  constexpr double kMinute = 1.0 / (365.0 * 24 * 60);
  chain.replace(snapshot(), session, close - 30 * 60'000 + 20'000, 6000, 16);  // 15:30:20
  EXPECT_NEAR(chain.heatmap().expirations()[0].years, 30 * kMinute, 1e-15);
  EXPECT_EQ(chain.heatmap().pricing_minute_ms(), close - 30 * 60'000);
  chain.set_time(close - 10 * 60'000 + 59'999);  // 15:50:59.999 → the 15:50 minute
  EXPECT_NEAR(chain.heatmap().expirations()[0].years, 10 * kMinute, 1e-15);
  EXPECT_EQ(chain.heatmap().pricing_minute_ms(), close - 10 * 60'000);
  chain.set_time(close - 60'000 + 30'000);  // 15:59:30: the last minute
  EXPECT_NEAR(chain.heatmap().expirations()[0].years, kMinute, 1e-15);
  // Theory is still priced (the original floored T at one hour here).
  const auto slot = chain.heatmap().find_tile({quant::TileStrategy::single, 0, 0, 6000000});
  ASSERT_TRUE(slot);
  EXPECT_TRUE(chain.heatmap().tile_value(*slot).call.has_theo);
}

TEST(SymbolChain, ANewSessionDropsTheExpiredExpiry) {
  SymbolChain chain("I:SPX", config());
  chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6000, 16);
  // Monday: the 03-20 contracts have expired; the same snapshot must not merge them into 0-DTE.
  EXPECT_TRUE(chain.replace(snapshot(), day(2026, 3, 23), kNoon + 3 * core::kMsPerDay, 6000, 16));
  const auto exps = chain.heatmap().expirations();
  ASSERT_EQ(exps.size(), 1u);
  EXPECT_EQ(exps[0].date, "2026-03-23");
  EXPECT_EQ(exps[0].dte, 0);
  EXPECT_EQ(chain.contracts().size(), 10u);  // the SPXW 03-23 series; the AM call settled at the open
}

TEST(SymbolChain, EnteredAndExitedTickers) {
  SymbolChain chain("I:SPX", config());
  chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6000, 16);
  EXPECT_EQ(chain.entered().size(), chain.contracts().size());
  EXPECT_TRUE(chain.exited().empty());
  auto next = snapshot();
  next.erase(next.begin());  // O:SPXW260320C05950000 leaves
  next.push_back(contract("O:SPXW260320C06075000", 1, 2));
  EXPECT_TRUE(chain.replace(next, day(2026, 3, 20), kNoon, 6000, 16));
  EXPECT_EQ(chain.entered(), std::vector<std::string>{"O:SPXW260320C06075000"});
  EXPECT_EQ(chain.exited(), std::vector<std::string>{"O:SPXW260320C05950000"});
  EXPECT_EQ(chain.version(), 2u);
}

TEST(SymbolChain, AtTheCloseTodaysSeriesLeaves) {
  SymbolChain chain("I:SPX", config());
  const core::EpochMs close = core::new_york_time_ms(day(2026, 3, 20), 16, 0);
  chain.replace(snapshot(), day(2026, 3, 20), close - 1000, 6000, 16);
  EXPECT_NE(chain.find("O:SPXW260320C06000000"), nullptr);
  EXPECT_FALSE(chain.replace(snapshot(), day(2026, 3, 20), close - 1, 6000, 16));
  // The same session date, one second after the close: the 0-DTE series has settled.
  EXPECT_TRUE(chain.replace(snapshot(), day(2026, 3, 20), close + 1000, 6000, 16));
  EXPECT_EQ(chain.find("O:SPXW260320C06000000"), nullptr);
  const auto exps = chain.heatmap().expirations();
  ASSERT_EQ(exps.size(), 1u);
  EXPECT_EQ(exps[0].date, "2026-03-23");
  // An AM-settled series is gone from its expiry morning's open.
  const core::EpochMs monday_open = core::new_york_time_ms(day(2026, 3, 23), 9, 30);
  chain.replace(snapshot(), day(2026, 3, 23), monday_open - 1000, 6000, 16);
  EXPECT_NE(chain.find("O:SPX260323C06000000"), nullptr);
  chain.replace(snapshot(), day(2026, 3, 23), monday_open + 1000, 6000, 16);
  EXPECT_EQ(chain.find("O:SPX260323C06000000"), nullptr);
  EXPECT_NE(chain.find("O:SPXW260323C06000000"), nullptr);
}

TEST(SymbolChain, GexSumsRootsAndRanksSubscriptionsNearestFirst) {
  SymbolChain chain("I:SPX", config());
  chain.replace(snapshot(), day(2026, 3, 20), kNoon, 6010, 16);
  const auto gex = quant::build_gex(chain.gex_input(6010));
  bool found = false;
  for (const auto& e : gex.expirations) {
    if (e.date != "2026-03-23") continue;
    for (const auto& s : e.strikes) {
      if (s.strike == 6000) {
        found = true;
        EXPECT_DOUBLE_EQ(s.call, 0.002 * 100 * 100 + 0.001 * 1000 * 100);  // SPXW + SPX
      }
    }
  }
  EXPECT_TRUE(found);
  const auto ranked = chain.ranked_contracts(6010);
  ASSERT_FALSE(ranked.empty());
  EXPECT_EQ(ranked.front().dte, 0);
  EXPECT_NE(ranked.front().ticker.find("06000000"), std::string::npos);
  EXPECT_EQ(ranked.back().dte, 3);
}

// The weekend DST change (2026-03-08) and Good Friday (2026-04-03): dte counts calendar days,
// time to expiry runs to 16:00 New York on the expiry date with the right UTC offset.
TEST(SymbolChain, DstWeekendAndHolidayExpirations) {
  std::vector<marketdata::OptionContractSnapshot> snap = {contract("O:SPXW260306C06000000", 10, 11),
                                                      contract("O:SPXW260309C06000000", 20, 21)};
  SymbolChain chain("I:SPX", config());
  const core::EpochMs friday_noon = core::new_york_time_ms(day(2026, 3, 6), 12, 0);
  chain.replace(snap, day(2026, 3, 6), friday_noon, 6000, 16);
  auto exps = chain.heatmap().expirations();
  ASSERT_EQ(exps.size(), 2u);
  EXPECT_EQ(exps[1].dte, 3);
  // Monday 16:00 EDT is 20:00 UTC (Friday 16:00 EST was 21:00 UTC): 3 days + 3 h, less one hour.
  const double hours = (core::expiration_ms(day(2026, 3, 9), core::Settlement::pm) - friday_noon) / 3.6e6;
  EXPECT_DOUBLE_EQ(hours, 3 * 24 + 4 - 1);
  EXPECT_NEAR(exps[1].years, hours / (365 * 24), 1e-12);

  snap = {contract("O:SPXW260402C06000000", 10, 11), contract("O:SPXW260406C06000000", 20, 21)};
  chain.replace(snap, day(2026, 4, 2), core::new_york_time_ms(day(2026, 4, 2), 12, 0), 6000, 16);
  exps = chain.heatmap().expirations();
  ASSERT_EQ(exps.size(), 2u);
  EXPECT_EQ(exps[0].dte, 0);
  EXPECT_EQ(exps[1].dte, 4);  // over Good Friday and the weekend
  EXPECT_FALSE(core::is_trading_day(day(2026, 4, 3)));
}

}  // namespace
}  // namespace ms::massive
