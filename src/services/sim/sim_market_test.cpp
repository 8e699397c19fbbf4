#include "services/sim/sim_market.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/error.hpp"
#include "core/market_clock.hpp"
#include "services/sim/sim_test_util.hpp"
#include "services/sim/wire.hpp"

namespace ms::sim {
namespace {

using test::date;
using test::small_config;
using test::tuesday;

std::vector<const MarketEvent*> of_channel(const MarketTick& t, Channel c) {
  std::vector<const MarketEvent*> out;
  for (const auto& e : t.events) {
    if (e.channel == c) out.push_back(&e);
  }
  return out;
}

TEST(SimMarket, TicksEverySecondFromTheOpen) {
  SimMarket m(small_config(), tuesday());
  const auto s = test::session_of(tuesday());
  EXPECT_EQ(m.next_tick_ms(), s.open_ms);
  const auto& first = m.advance_one_tick();
  EXPECT_EQ(first.t, s.open_ms);
  EXPECT_TRUE(first.session_opened);
  EXPECT_EQ(first.session_date, tuesday());
  EXPECT_TRUE(of_channel(first, Channel::trade).empty());  // nothing has traded at the open yet
  EXPECT_EQ(of_channel(first, Channel::value).size(), 3u);
  const auto& second = m.advance_one_tick();
  EXPECT_EQ(second.t, s.open_ms + 1000);
  EXPECT_FALSE(second.session_opened);
  EXPECT_EQ(m.now_ms(), s.open_ms + 1000);
}

TEST(SimMarket, EventsOfATickAreInTimeOrderWithinTheTick) {
  SimMarket m(small_config(), tuesday());
  EpochMs prev_tick = 0;
  for (int i = 0; i < 300; ++i) {
    const auto& t = m.advance_one_tick();
    EpochMs last = 0;
    for (const auto& e : t.events) {
      ASSERT_GE(e.t, last);
      ASSERT_LE(e.t, t.t);
      if (prev_tick) {
        ASSERT_GT(e.t, prev_tick - 1000);
      }
      last = e.t;
    }
    prev_tick = t.t;
  }
}

TEST(SimMarket, IndexValuesFollowTheModel) {
  SimMarket m(small_config(), tuesday());
  for (int i = 0; i < 30; ++i) {
    const auto& t = m.advance_one_tick();
    std::map<std::string, double> v;
    for (auto* e : of_channel(t, Channel::value)) v[e->symbol] = std::get<IndexValue>(e->data).value;
    EXPECT_DOUBLE_EQ(v["I:SPX"], m.state().spx);
    EXPECT_DOUBLE_EQ(v["I:NDX"], m.state().ndx);
    EXPECT_DOUBLE_EQ(v["I:VIX"], m.state().vix);
  }
}

TEST(SimMarket, OptionTradesPrintInsideTheQuoteAndAddUpToTheDayVolume) {
  SimMarket m(small_config(), tuesday());
  std::map<std::string, std::int64_t> volume;
  std::map<int, std::int64_t> trades_by_dte;
  for (int i = 0; i < 20 * 60; ++i) {
    const auto& t = m.advance_one_tick();
    for (auto* e : of_channel(t, Channel::trade)) {
      if (asset_class_of(e->symbol) != AssetClass::option) continue;
      const auto& p = std::get<TradePrint>(e->data);
      const auto idx = m.chain().find(e->symbol);
      ASSERT_TRUE(idx.has_value());
      const auto q = m.quote(*idx);  // the quote at this tick
      ASSERT_GE(p.price_cents, std::max<std::int64_t>(q.bid_cents, 5)) << e->symbol;
      ASSERT_LE(p.price_cents, q.ask_cents) << e->symbol;
      ASSERT_GE(p.size, 1);
      ASSERT_EQ(p.conditions, std::vector<int>{209});
      volume[e->symbol] += p.size;
      trades_by_dte[m.chain()[*idx].dte]++;
    }
  }
  ASSERT_GT(volume.size(), 20u);
  for (const auto& [sym, v] : volume) {
    EXPECT_EQ(m.contract_day(*m.chain().find(sym)).day.volume, v) << sym;
  }
  EXPECT_GT(trades_by_dte[0], trades_by_dte[1]);  // 0-DTE is the busiest
}

TEST(SimMarket, SpyTradesAndAggregates) {
  SimMarket m(small_config(), tuesday());
  int spy_trades = 0, second_aggs = 0, minute_aggs = 0;
  std::int64_t spy_volume = 0;
  for (int i = 0; i <= 2 * 60; ++i) {
    const auto& t = m.advance_one_tick();
    for (const auto& e : t.events) {
      if (e.symbol == "SPY" && e.channel == Channel::trade) {
        ++spy_trades;
        const auto& p = std::get<TradePrint>(e.data);
        spy_volume += p.size;
        EXPECT_NEAR(double(p.price_cents) / 100.0, m.state().spy, 1.0);
        EXPECT_FALSE(p.trade_id.empty());
      }
      if (e.channel == Channel::second_agg && e.symbol == "I:SPX") ++second_aggs;
      if (e.channel == Channel::minute_agg && e.symbol == "I:SPX") {
        ++minute_aggs;
        const auto& a = std::get<Aggregate>(e.data);
        EXPECT_EQ(a.end_ms - a.start_ms, 60'000);
        EXPECT_EQ(a.end_ms, t.t);
        EXPECT_FALSE(a.has_volume);
        EXPECT_LE(a.low, a.open);
        EXPECT_GE(a.high, a.close);
      }
    }
  }
  EXPECT_GT(spy_trades, 120 * 2);
  EXPECT_EQ(m.spy_day().day.volume, spy_volume);
  EXPECT_EQ(second_aggs, 120);
  EXPECT_EQ(minute_aggs, 2);
}

TEST(SimMarket, SameSeedSameEventsDifferentSeedOtherEvents) {
  auto run = [](std::uint64_t seed) {
    SimMarket m(small_config(seed), tuesday());
    std::string all;
    for (int i = 0; i < 120; ++i) {
      for (const auto& e : m.advance_one_tick().events) all += encode_event(e, 0);
    }
    return all;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(SimMarket, StartOffsetLandsOnTheSamePath) {
  SimMarket from_open(small_config(), tuesday());
  SimMarket offset(small_config(), tuesday(), std::chrono::minutes(10));
  const auto s = test::session_of(tuesday());
  EXPECT_EQ(offset.next_tick_ms(), s.open_ms + 600'000);
  from_open.advance_to(s.open_ms + 600'000 - 1, nullptr);
  const auto& a = from_open.advance_one_tick();
  const auto& b = offset.advance_one_tick();
  ASSERT_EQ(a.t, b.t);
  EXPECT_EQ(from_open.state().spx, offset.state().spx);
  std::string ea, eb;
  for (const auto& e : a.events) ea += encode_event(e, 0);
  for (const auto& e : b.events) eb += encode_event(e, 0);
  EXPECT_EQ(ea, eb);
  EXPECT_THROW(SimMarket(small_config(), tuesday(), std::chrono::hours(7)), core::Error);
  EXPECT_THROW(SimMarket(small_config(), tuesday(), std::chrono::milliseconds(-1)), core::Error);
}

TEST(SimMarket, PlaysTheCloseThenTheNextTradingDaysOpen) {
  // Friday 2026-02-13; Monday 02-16 is a holiday, so the next session is Tuesday 02-17.
  SimMarket m(small_config(), date(2026, 2, 13), std::chrono::minutes(389));
  const auto fri = test::session_of(date(2026, 2, 13));
  const auto tue = test::session_of(date(2026, 2, 17));
  const auto gen = m.chain_generation();
  bool saw_close = false;
  int minute_bars_at_close = 0;
  m.advance_to(fri.close_ms, [&](const MarketTick& t) {
    if (t.session_closed) {
      saw_close = true;
      EXPECT_EQ(t.t, fri.close_ms);
      for (const auto& e : t.events) minute_bars_at_close += e.channel == Channel::minute_agg;
    }
  });
  EXPECT_TRUE(saw_close);
  EXPECT_GE(minute_bars_at_close, 4);  // 3 indices + SPY, at least
  EXPECT_EQ(m.next_tick_ms(), tue.open_ms);
  const auto& open = m.advance_one_tick();
  EXPECT_TRUE(open.session_opened);
  EXPECT_EQ(open.t, tue.open_ms);
  EXPECT_EQ(open.session_date, date(2026, 2, 17));
  EXPECT_EQ(open.session_index, 1);
  EXPECT_EQ(m.chain_generation(), gen + 1);
  EXPECT_EQ(m.chain().expirations(Underlying::spx).front(), date(2026, 2, 17));
  EXPECT_EQ(m.contract_day(0).day.volume, 0);
  EXPECT_EQ(m.spy_day().day.volume, 0);
}

TEST(SimMarket, FollowsCoreSimSessionMap) {
  // The server maps wall time with core's SimSessionMap and advances the market to it; both
  // must agree on which session is playing, across a rollover.
  const core::EpochMs wall0 = 1'770'000'000'000;
  core::SimSessionMap map(wall0, tuesday(), 100.0, std::chrono::minutes(385));
  SimMarket m(small_config(), tuesday(), std::chrono::minutes(385));
  for (core::EpochMs w = wall0; w < wall0 + 8'000; w += 250) {
    const auto pos = map.at(w);
    m.advance_to(pos.market_ms, nullptr);
    EXPECT_EQ(m.now_ms(), pos.market_ms / 1000 * 1000) << w - wall0;
    EXPECT_EQ(m.session().date, pos.session_date);
    EXPECT_EQ(m.session_index(), pos.session_index);
  }
  EXPECT_EQ(m.session_index(), 1);
}

TEST(SimMarket, RefusesBadConfig) {
  auto cfg = small_config();
  cfg.tick_ms = 150;
  EXPECT_THROW(SimMarket(cfg, tuesday()), core::Error);
  cfg = small_config();
  cfg.tick_ms = 7000;  // does not divide a minute
  EXPECT_THROW(SimMarket(cfg, tuesday()), core::Error);
  cfg = small_config();
  cfg.option_trades_per_second = -1;
  EXPECT_THROW(SimMarket(cfg, tuesday()), core::Error);
}

TEST(SimMarket, AWeekendStartPlaysMonday) {
  SimMarket m(small_config(), date(2026, 2, 7));  // Saturday
  EXPECT_EQ(m.session().date, date(2026, 2, 9));
}

}  // namespace
}  // namespace ms::sim
