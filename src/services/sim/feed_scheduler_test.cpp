#include "services/sim/feed_scheduler.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "services/sim/sim_test_util.hpp"

namespace ms::sim {
namespace {

using nlohmann::json;
using test::small_config;
using test::tuesday;

Subscription sub(Channel c, std::string s) { return Subscription{c, std::move(s)}; }

// The at-the-money 0-DTE SPX tickers of the first session (small chain around ~6000).
std::vector<std::string> atm_zero_dte(const SimMarket& m, int strikes) {
  std::vector<std::string> out;
  const double spot = m.spot(Underlying::spx);
  for (auto i : m.chain().contracts_of(Underlying::spx)) {
    const auto& c = m.chain()[i];
    if (c.dte == 0 && std::abs(c.strike - spot) <= 5.0 * strikes) out.push_back(c.ticker);
  }
  return out;
}

std::vector<json> events_of(const std::vector<std::string>& frames, bool skip_clock = true) {
  std::vector<json> out;
  for (const auto& f : frames) {
    const auto arr = json::parse(f);
    EXPECT_TRUE(arr.is_array());
    for (const auto& e : arr) {
      if (skip_clock && e["ev"] == "status") continue;
      out.push_back(e);
    }
  }
  return out;
}

std::string symbol_of(const json& e) { return e.contains("sym") ? e["sym"].get<std::string>() : e["T"].get<std::string>(); }

TEST(FeedScheduler, SendsOnlyWhatWasSubscribed) {
  SimMarket m(small_config(), tuesday());
  FeedScheduler s({Cluster::options});
  const auto tickers = atm_zero_dte(m, 3);
  ASSERT_GE(tickers.size(), 10u);
  std::set<std::string> trade_syms(tickers.begin(), tickers.begin() + 6);
  std::set<std::string> quote_syms(tickers.begin() + 4, tickers.begin() + 8);
  for (const auto& t : trade_syms) s.subscribe(sub(Channel::trade, t));
  for (const auto& t : quote_syms) s.subscribe(sub(Channel::quote, t));
  int trades = 0, quotes = 0;
  for (int i = 0; i < 600; ++i) {
    const auto& tick = m.advance_one_tick();
    for (const auto& e : events_of(s.frames_for_tick(m, tick))) {
      const auto sym = symbol_of(e);
      if (e["ev"] == "T") {
        ASSERT_TRUE(trade_syms.count(sym)) << e;
        ++trades;
      } else if (e["ev"] == "Q") {
        ASSERT_TRUE(quote_syms.count(sym)) << e;
        ++quotes;
      } else {
        FAIL() << "unsubscribed event " << e;
      }
    }
  }
  EXPECT_GT(trades, 20);
  EXPECT_GT(quotes, 20);
}

TEST(FeedScheduler, QuotesGoOutOnlyWhenTheyChange) {
  SimMarket m(small_config(), tuesday());
  FeedScheduler s({Cluster::options});
  const auto tickers = atm_zero_dte(m, 1);
  ASSERT_FALSE(tickers.empty());
  s.subscribe(sub(Channel::quote, tickers[0]));
  std::vector<json> quotes;
  const int ticks = 300;
  for (int i = 0; i < ticks; ++i) {
    for (auto& e : events_of(s.frames_for_tick(m, m.advance_one_tick()))) quotes.push_back(e);
  }
  ASSERT_GT(quotes.size(), 5u);
  EXPECT_LT(quotes.size(), std::size_t(ticks));
  for (std::size_t i = 1; i < quotes.size(); ++i) {
    const bool changed = quotes[i]["bp"] != quotes[i - 1]["bp"] || quotes[i]["ap"] != quotes[i - 1]["ap"] ||
                         quotes[i]["bs"] != quotes[i - 1]["bs"] || quotes[i]["as"] != quotes[i - 1]["as"];
    EXPECT_TRUE(changed) << i;
    EXPECT_LT(quotes[i]["bp"].get<double>(), quotes[i]["ap"].get<double>());
  }
}

TEST(FeedScheduler, SequenceNumbersIncreasePerSymbol) {
  SimMarket m(small_config(), tuesday());
  FeedScheduler s({Cluster::options});
  s.subscribe(sub(Channel::trade, "*"));
  s.subscribe(sub(Channel::quote, "*"));
  std::map<std::string, std::int64_t> last;
  std::size_t n = 0;
  for (int i = 0; i < 40; ++i) {
    for (const auto& e : events_of(s.frames_for_tick(m, m.advance_one_tick()))) {
      if (e["ev"] != "T" && e["ev"] != "Q") continue;
      const auto q = e["q"].get<std::int64_t>();
      auto& l = last[e["sym"].get<std::string>()];
      ASSERT_EQ(q, l + 1) << e;
      l = q;
      ++n;
    }
  }
  EXPECT_GT(n, m.chain().size());  // the wildcard got every contract's first quote and more
}

std::vector<std::string> run_frames(std::uint64_t seed, SchedulerConfig cfg, int ticks) {
  SimMarket m(small_config(seed), tuesday());
  FeedScheduler s(cfg);
  s.subscribe(sub(Channel::trade, "*"));
  s.subscribe(sub(Channel::quote, "*"));
  s.subscribe(sub(Channel::second_agg, "*"));
  s.subscribe(sub(Channel::minute_agg, "*"));
  std::vector<std::string> all;
  for (int i = 0; i < ticks; ++i) {
    for (auto& f : s.frames_for_tick(m, m.advance_one_tick())) all.push_back(std::move(f));
  }
  return all;
}

TEST(FeedScheduler, SameSeedGivesByteIdenticalFrames) {
  SchedulerConfig cfg{Cluster::options};
  cfg.speed = 60;
  const auto a = run_frames(21, cfg, 60);
  const auto b = run_frames(21, cfg, 60);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, run_frames(22, cfg, 60));
}

TEST(FeedScheduler, ClockFrameComesFirstWithTheTickTime) {
  SimMarket m(small_config(), tuesday());
  SchedulerConfig cfg{Cluster::indices};
  cfg.speed = 60;
  FeedScheduler s(cfg);
  const auto& tick = m.advance_one_tick();
  const auto frames = s.frames_for_tick(m, tick);
  ASSERT_EQ(frames.size(), 1u);  // nothing subscribed: the clock alone
  const auto clock = json::parse(frames[0]);
  ASSERT_EQ(clock.size(), 1u);
  EXPECT_EQ(clock[0]["status"], "clock");
  EXPECT_EQ(clock[0]["ts_ms"], tick.t);
  EXPECT_EQ(clock[0]["session_date"], "2026-02-10");
  EXPECT_EQ(clock[0]["phase"], "open");
  EXPECT_EQ(clock[0]["speed"], 60);

  cfg.clock_events = false;
  FeedScheduler quiet(cfg);
  EXPECT_TRUE(quiet.frames_for_tick(m, m.advance_one_tick()).empty());
}

TEST(FeedScheduler, ClustersServeTheirOwnInstruments) {
  SimMarket m(small_config(), tuesday());
  FeedScheduler stocks({Cluster::stocks}), indices({Cluster::indices}), options({Cluster::options});
  for (auto* s : {&stocks, &indices, &options}) {
    s->subscribe(sub(Channel::trade, "*"));
    s->subscribe(sub(Channel::value, "*"));
    s->subscribe(sub(Channel::second_agg, "*"));
  }
  std::map<std::string, std::set<std::string>> seen;  // cluster -> asset prefixes seen
  int values = 0;
  for (int i = 0; i < 30; ++i) {
    const auto& t = m.advance_one_tick();
    for (const auto& e : events_of(stocks.frames_for_tick(m, t))) seen["stocks"].insert(symbol_of(e));
    for (const auto& e : events_of(indices.frames_for_tick(m, t))) {
      seen["indices"].insert(symbol_of(e).substr(0, 2));
      values += e["ev"] == "V";
    }
    for (const auto& e : events_of(options.frames_for_tick(m, t))) seen["options"].insert(symbol_of(e).substr(0, 2));
  }
  EXPECT_EQ(seen["stocks"], std::set<std::string>{"SPY"});
  EXPECT_EQ(seen["indices"], std::set<std::string>{"I:"});
  EXPECT_EQ(seen["options"], std::set<std::string>{"O:"});
  EXPECT_EQ(values, 30 * 3);
  EXPECT_FALSE(options.subscribed(Channel::value, "I:SPX"));
  EXPECT_TRUE(indices.subscribed(Channel::value, "I:SPX"));
  EXPECT_FALSE(indices.subscribed(Channel::trade, "SPY"));
}

TEST(FeedScheduler, UnsubscribeStopsTheStream) {
  SimMarket m(small_config(), tuesday());
  FeedScheduler s({Cluster::indices});
  s.subscribe(sub(Channel::value, "I:SPX"));
  EXPECT_EQ(events_of(s.frames_for_tick(m, m.advance_one_tick())).size(), 1u);
  s.unsubscribe(sub(Channel::value, "I:SPX"));
  EXPECT_TRUE(events_of(s.frames_for_tick(m, m.advance_one_tick())).empty());
  EXPECT_EQ(s.subscription_count(), 0u);
}

TEST(FeedScheduler, FramesHoldAtMostTheConfiguredEvents) {
  SimMarket m(small_config(), tuesday());
  SchedulerConfig cfg{Cluster::options};
  cfg.max_events_per_frame = 7;
  cfg.clock_events = false;
  FeedScheduler s(cfg);
  s.subscribe(sub(Channel::quote, "*"));
  const auto frames = s.frames_for_tick(m, m.advance_one_tick());
  ASSERT_GT(frames.size(), 10u);
  std::size_t total = 0;
  for (const auto& f : frames) {
    const auto n = json::parse(f).size();
    EXPECT_LE(n, 7u);
    EXPECT_GE(n, 1u);
    total += n;
  }
  EXPECT_EQ(total, m.chain().size());
  EXPECT_EQ(s.stats().events, total);
}

TEST(FeedScheduler, LoadModeReachesTheRequestedRate) {
  SimMarket m(small_config(), tuesday());
  SchedulerConfig cfg{Cluster::options};
  cfg.messages_per_second = 2500;  // per wall second
  cfg.speed = 2;                   // so 1250 per market second
  cfg.clock_events = false;
  FeedScheduler s(cfg);
  const auto tickers = atm_zero_dte(m, 2);
  for (const auto& t : tickers) s.subscribe(sub(Channel::quote, t));
  std::size_t total = 0;
  for (int i = 0; i < 10; ++i) {
    const auto frames = s.frames_for_tick(m, m.advance_one_tick());
    std::size_t n = 0;
    for (const auto& f : frames) n += json::parse(f).size();
    EXPECT_GE(n, 1249u);
    EXPECT_LE(n, 1251u);
    total += n;
  }
  EXPECT_NEAR(double(total), 12500.0, 2.0);
  EXPECT_GT(s.stats().padded, 12000u);
  EXPECT_EQ(s.stats().shortfall, 0u);
}

TEST(FeedScheduler, LoadModeCannotPadWithoutQuotesOrValues) {
  SimMarket m(small_config(), tuesday());
  SchedulerConfig cfg{Cluster::options};
  cfg.messages_per_second = 1000;
  cfg.clock_events = false;
  FeedScheduler s(cfg);
  for (const auto& t : atm_zero_dte(m, 2)) s.subscribe(sub(Channel::trade, t));
  for (int i = 0; i < 5; ++i) s.frames_for_tick(m, m.advance_one_tick());
  EXPECT_EQ(s.stats().padded, 0u);
  EXPECT_GT(s.stats().shortfall, 4000u);
}

TEST(FeedScheduler, LoadModeNeverDropsNaturalEvents) {
  SchedulerConfig natural{Cluster::options};
  natural.clock_events = false;
  SchedulerConfig load = natural;
  load.messages_per_second = 1;  // far below the natural flow
  const auto a = run_frames(4, natural, 60);
  const auto b = run_frames(4, load, 60);
  EXPECT_EQ(a, b);
}

TEST(FeedScheduler, ResubscribesAcrossSessionRollover) {
  SimMarket m(small_config(), test::date(2026, 2, 13), std::chrono::milliseconds(23'399'000));
  FeedScheduler s({Cluster::options});
  s.subscribe(sub(Channel::quote, "*"));
  s.frames_for_tick(m, m.advance_one_tick());  // 15:59:59
  s.frames_for_tick(m, m.advance_one_tick());  // 16:00:00 close
  const auto& open = m.advance_one_tick();     // next session's open
  ASSERT_TRUE(open.session_opened);
  const auto ev = events_of(s.frames_for_tick(m, open));
  EXPECT_EQ(ev.size(), m.chain().size());  // every contract of the new chain, once
  for (const auto& e : ev) EXPECT_TRUE(m.chain().find(e["sym"].get<std::string>()).has_value());
}

TEST(FeedScheduler, RefusesBadConfig) {
  SchedulerConfig c;
  c.messages_per_second = -1;
  EXPECT_THROW(FeedScheduler{c}, core::Error);
  c = {};
  c.speed = 0;
  EXPECT_THROW(FeedScheduler{c}, core::Error);
  c = {};
  c.max_events_per_frame = 0;
  EXPECT_THROW(FeedScheduler{c}, core::Error);
}

TEST(FeedScheduler, ClusterPaths) {
  EXPECT_EQ(parse_cluster_path("/options"), Cluster::options);
  EXPECT_EQ(parse_cluster_path("/stocks"), Cluster::stocks);
  EXPECT_EQ(parse_cluster_path("/indices"), Cluster::indices);
  EXPECT_FALSE(parse_cluster_path("/futures").has_value());
  EXPECT_FALSE(parse_cluster_path("options").has_value());
}

}  // namespace
}  // namespace ms::sim
