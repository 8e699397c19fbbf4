#include "services/sim/option_chain.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/option_ticker.hpp"
#include "services/sim/sim_test_util.hpp"

namespace ms::sim {
namespace {

using test::date;
using test::tuesday;

OptionChain build(core::Date session, ChainConfig c = {}) {
  return OptionChain::build(c, session, 6000.0, 21500.0, 16.0);
}

std::set<std::string> roots_on(const OptionChain& chain, Underlying u, core::Date d) {
  std::set<std::string> out;
  for (auto i : chain.contracts_of(u)) {
    if (chain[i].expiry == d) out.insert(chain[i].root);
  }
  return out;
}

TEST(OptionChain, ListsZeroDteAndTheNextTradingDays) {
  const auto chain = build(tuesday());
  const auto spx = chain.expirations(Underlying::spx);
  // Six dailies from Tue 2026-02-10 (Mon 02-16 is Presidents' Day) plus the Feb monthly 02-20.
  const std::vector<core::Date> want = {date(2026, 2, 10), date(2026, 2, 11), date(2026, 2, 12),
                                        date(2026, 2, 13), date(2026, 2, 17), date(2026, 2, 18),
                                        date(2026, 2, 20)};
  EXPECT_EQ(spx, want);
  EXPECT_EQ(chain.expirations(Underlying::ndx), want);
  for (const auto& c : chain.contracts()) {
    EXPECT_TRUE(core::is_trading_day(c.expiry)) << c.ticker;
    EXPECT_EQ(c.dte, core::calendar_dte(tuesday(), c.expiry));
  }
  EXPECT_EQ(roots_on(chain, Underlying::spx, tuesday()), std::set<std::string>{"SPXW"});
}

TEST(OptionChain, NeverListsAHoliday) {
  // Friday before Presidents' Day: the next daily after 02-13 is Tuesday 02-17.
  const auto chain = build(date(2026, 2, 13));
  for (const auto& e : chain.expirations(Underlying::spx)) {
    EXPECT_NE(e, date(2026, 2, 16));
    EXPECT_TRUE(core::is_trading_day(e));
  }
  EXPECT_EQ(chain.expirations(Underlying::spx)[1], date(2026, 2, 17));
}

TEST(OptionChain, BothRootsWhenTheMonthlyIsAlsoADaily) {
  const auto chain = build(date(2026, 2, 17));
  EXPECT_EQ(roots_on(chain, Underlying::spx, date(2026, 2, 20)),
            (std::set<std::string>{"SPX", "SPXW"}));
  EXPECT_EQ(roots_on(chain, Underlying::ndx, date(2026, 2, 20)),
            (std::set<std::string>{"NDX", "NDXP"}));
  for (const auto& c : chain.contracts()) {
    const auto settle = core::settlement_for_root(c.root);
    ASSERT_TRUE(settle.has_value()) << c.root;
    EXPECT_EQ(*settle, c.settlement) << c.ticker;
    EXPECT_EQ(c.expiration_ms, core::expiration_ms(c.expiry, c.settlement));
  }
}

TEST(OptionChain, AmMonthlyIsNotListedOnItsOwnSettlementDay) {
  const auto chain = build(date(2026, 2, 20));  // the third Friday itself
  EXPECT_EQ(roots_on(chain, Underlying::spx, date(2026, 2, 20)), std::set<std::string>{"SPXW"});
  EXPECT_EQ(roots_on(chain, Underlying::spx, date(2026, 3, 20)), std::set<std::string>{"SPX"});
}

TEST(OptionChain, MonthlyMovesToThursdayWhenTheThirdFridayIsAHoliday) {
  EXPECT_EQ(monthly_expiration(2025, 4), date(2025, 4, 17));  // Good Friday 2025-04-18
  EXPECT_EQ(monthly_expiration(2026, 2), date(2026, 2, 20));
  EXPECT_EQ(next_monthly_expiration_after(date(2026, 12, 18)), date(2027, 1, 15));
}

TEST(OptionChain, StrikeGridCoversTheRangeAtTheStep) {
  const auto chain = build(tuesday());
  for (auto u : kAllUnderlyings) {
    const double spot = u == Underlying::spx ? 6000.0 : 21500.0;
    const double step = underlying_spec(u).strike_step;
    std::map<std::string, std::vector<double>> by_expiry_and_root;
    for (auto i : chain.contracts_of(u)) {
      const auto& c = chain[i];
      if (c.type == quant::OptionType::call) by_expiry_and_root[c.root + c.expiry_text].push_back(c.strike);
    }
    ASSERT_FALSE(by_expiry_and_root.empty());
    for (auto& [key, strikes] : by_expiry_and_root) {
      std::sort(strikes.begin(), strikes.end());
      EXPECT_LE(strikes.front(), spot * 0.92 + step) << key;
      EXPECT_GE(strikes.back(), spot * 1.08 - step) << key;
      EXPECT_GE(strikes.front(), spot * 0.92 - 1e-9) << key;
      for (std::size_t k = 0; k < strikes.size(); ++k) {
        EXPECT_DOUBLE_EQ(std::fmod(strikes[k], step), 0.0) << key;
        if (k) {
          EXPECT_DOUBLE_EQ(strikes[k] - strikes[k - 1], step) << key;
        }
      }
    }
  }
}

TEST(OptionChain, TickersFollowTheVendorGrammarAndAreSorted) {
  const auto chain = build(tuesday());
  ASSERT_GT(chain.size(), 1000u);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto& c = chain[i];
    const auto t = core::parse_option_ticker(c.ticker);
    ASSERT_TRUE(t.has_value()) << c.ticker;
    EXPECT_EQ(t->root, c.root);
    EXPECT_EQ(t->expiry, c.expiry);
    EXPECT_EQ(t->strike_milli, c.strike_milli);
    EXPECT_EQ(t->right == core::OptionRight::call, c.type == quant::OptionType::call);
    EXPECT_EQ(*core::underlying_for_root(c.root), underlying_spec(c.underlying).index_ticker);
    if (i) {
      EXPECT_LT(chain[i - 1].ticker, c.ticker);
    }
    EXPECT_EQ(chain.find(c.ticker), std::optional<std::uint32_t>(std::uint32_t(i)));
  }
  EXPECT_TRUE(chain.find("O:SPXW260210C06000000").has_value());
  EXPECT_FALSE(chain.find("O:SPXW260210C06000001").has_value());
  EXPECT_FALSE(chain.find("").has_value());
}

double mean_oi(const OptionChain& chain, core::Date expiry, quant::OptionType type, double lo, double hi) {
  double sum = 0;
  int n = 0;
  for (auto i : chain.contracts_of(Underlying::spx)) {
    const auto& c = chain[i];
    if (c.expiry != expiry || c.type != type || c.root != "SPXW") continue;
    if (std::abs(c.strike - 6000.0) >= lo && std::abs(c.strike - 6000.0) <= hi) {
      sum += double(c.open_interest);
      ++n;
    }
  }
  return n ? sum / n : 0;
}

TEST(OptionChain, OpenInterestIsABellAroundSpot) {
  const auto chain = build(tuesday());
  const auto e = date(2026, 2, 11);
  for (auto type : {quant::OptionType::call, quant::OptionType::put}) {
    const double near = mean_oi(chain, e, type, 0, 60);
    const double mid = mean_oi(chain, e, type, 150, 250);
    const double far = mean_oi(chain, e, type, 360, 480);
    EXPECT_GT(near, 3 * far);
    EXPECT_GT(near, mid);
    EXPECT_GT(mid, far);
  }
  for (const auto& c : chain.contracts()) EXPECT_GT(c.open_interest, 0) << c.ticker;
}

TEST(OptionChain, OpenInterestBumpsAtRoundStrikes) {
  const auto chain = build(tuesday());
  double round = 0, other = 0;
  int nr = 0, no = 0;
  for (auto i : chain.contracts_of(Underlying::spx)) {
    const auto& c = chain[i];
    if (std::abs(c.strike - 6000) > 150) continue;
    if (std::fmod(c.strike, 100.0) == 0) {
      round += double(c.open_interest);
      ++nr;
    } else if (std::fmod(c.strike, 25.0) != 0) {
      other += double(c.open_interest);
      ++no;
    }
  }
  EXPECT_GT(round / nr, 1.6 * other / no);
}

TEST(OptionChain, IsDeterministicForASeed) {
  ChainConfig a, b;
  a.seed = b.seed = 3;
  const auto x = build(tuesday(), a), y = build(tuesday(), b);
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].ticker, y[i].ticker);
    EXPECT_EQ(x[i].open_interest, y[i].open_interest);
  }
  b.seed = 4;
  const auto z = build(tuesday(), b);
  int differ = 0;
  for (std::size_t i = 0; i < x.size(); ++i) differ += x[i].open_interest != z[i].open_interest;
  EXPECT_GT(differ, int(x.size()) / 2);
}

TEST(OptionChain, ConfigSelectsWhatIsListed) {
  ChainConfig c;
  c.list_ndx = false;
  c.include_monthly = false;
  c.daily_expirations = 3;
  const auto chain = build(tuesday(), c);
  EXPECT_TRUE(chain.contracts_of(Underlying::ndx).empty());
  EXPECT_EQ(chain.expirations(Underlying::spx).size(), 3u);
  for (const auto& x : chain.contracts()) EXPECT_EQ(x.root, "SPXW");
}

TEST(OptionChain, RefusesBadConfigsAndNonTradingDays) {
  ChainConfig c;
  c.daily_expirations = 0;
  EXPECT_THROW(build(tuesday(), c), core::Error);
  c = {};
  c.strike_range_fraction = 0;
  EXPECT_THROW(build(tuesday(), c), core::Error);
  c = {};
  c.rate = std::nan("");
  EXPECT_THROW(build(tuesday(), c), core::Error);
  try {
    build(date(2026, 2, 16));
    FAIL() << "a holiday has no session";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "not_a_trading_day");
  }
  EXPECT_THROW(build(date(2026, 2, 14)), core::Error);  // Saturday
}

TEST(OptionChain, ParsesTheUnderlyingPathForms) {
  EXPECT_EQ(parse_underlying("I:SPX"), Underlying::spx);
  EXPECT_EQ(parse_underlying("SPX"), Underlying::spx);
  EXPECT_EQ(parse_underlying("I:NDX"), Underlying::ndx);
  EXPECT_EQ(parse_underlying("NDX"), Underlying::ndx);
  EXPECT_FALSE(parse_underlying("SPXW").has_value());
  EXPECT_FALSE(parse_underlying("i:spx").has_value());
  EXPECT_FALSE(parse_underlying("").has_value());
}

}  // namespace
}  // namespace ms::sim
