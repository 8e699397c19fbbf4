// sim → massive → real Redis (issue 3): every key of spec §3 with its shape and TTL, diffs with
// increasing seq on their channel, the heartbeat, the session close and expired contracts
// leaving the model, a feed drop (reconnect, resubscribe once, models keep updating), and
// garbage / truncated frames counted and skipped.
#include "services/massive/massive_test_support.hpp"

#include <cmath>

#include "marketdata/recording.hpp"

namespace ms::massive {
namespace {

using namespace test_support;

// The simulator: a fixed trading day, 15:57 ET, at 30x — the close comes six wall seconds in.
class MassiveOnSimulator : public ::testing::Test {
 protected:
  void SetUp() override {
    h.sim_options.start_offset = std::chrono::minutes(6 * 60 + 27);
    h.start_sim();
  }

  MassiveHarness h;
};

TEST_F(MassiveOnSimulator, PublishesEveryModelSurvivesFeedFaultsAndRollsTheSession) {
  ChannelLog diffs(h.redis.url(), "massive:heatmap:diff:I:SPX");
  ChannelLog clock(h.redis.url(), "massive:clock");
  h.start_massive();

  // Everything of spec §3 appears (DESIGN §9 keys included).
  const std::vector<std::string> strings = {
      "massive:clock",
      "massive:model:spot:I:SPX",
      "massive:model:spot:I:NDX",
      "massive:model:spot:I:VIX",
      "massive:model:spot:SPY",
      "massive:chain:latest",
      "massive:chain:delta:latest",
      "massive:heatmap:model:I:SPX:latest",
      "massive:heatmap:model:I:NDX:latest",
      "massive:gex:model:I:SPX:calls",
      "massive:gex:model:I:SPX:puts",
      "massive:gex:model:I:NDX:calls",
      "massive:bias_lfi:model:latest",
      "massive:bias_lfi:model:I:SPX:latest",
      "massive:bias_lfi:model:I:NDX:latest",
      "massive:market_mode:model:latest",
      "massive:market_mode:model:I:SPX:latest",
      "massive:market_mode:model:I:NDX:latest",
      "massive:selector:model:I:SPX:latest",
      "massive:candles:model:I:SPX:latest",
      "massive:volume_profile:spx:model",
      "massive:micro:model:I:SPX:latest",
  };
  for (const auto& key : strings) {
    EXPECT_TRUE(testing::wait_until([&] { return h.get(key).has_value(); }, 40s)) << key;
  }

  // Shapes and TTLs.
  const auto clk = h.get_json("massive:clock");
  EXPECT_EQ(clk["source"], "sim");
  EXPECT_EQ(clk["speed"], 30);
  EXPECT_GT(clk["seq"].get<std::int64_t>(), 0);
  const auto spot = h.get_json("massive:model:spot:I:SPX");
  EXPECT_GT(spot["value"].get<double>(), 1000);
  EXPECT_TRUE(spot["ts"].is_string());
  EXPECT_TRUE(spot.contains("seq") && spot.contains("epoch"));
  EXPECT_EQ(h.type("massive:model:spot:I:SPX:trail"), "zset");
  EXPECT_GT(h.ttl("massive:model:spot:I:SPX:trail"), 600000);
  const auto heatmap = h.get_json("massive:heatmap:model:I:SPX:latest");
  EXPECT_EQ(heatmap["symbol"], "I:SPX");
  EXPECT_GT(heatmap["tiles"].size(), 100u);
  {
    // dte_tile_counts counts exactly the tiles of each dte.
    std::map<std::string, std::int64_t> per_dte;
    for (auto it = heatmap["tiles"].begin(); it != heatmap["tiles"].end(); ++it) {
      const auto& k = it.key();
      const auto a = k.find(':'), b = k.find(':', a + 1);
      ++per_dte[k.substr(a + 1, b - a - 1)];
    }
    EXPECT_EQ(heatmap["dte_tile_counts"], json(per_dte));
    // The nearest expiry (0-DTE until today's close, the next one after it) has its single at
    // the 5-point strike nearest spot; the window is wide, so the spot's drift between the two
    // reads cannot take that strike out of it.
    ASSERT_FALSE(heatmap["expirations"].empty());
    const int nearest = heatmap["expirations"][0]["dte"].get<int>();
    const std::string atm = "single:" + std::to_string(nearest) + ":0:" +
                            std::to_string(int(std::lround(spot["value"].get<double>() / 5) * 5));
    EXPECT_TRUE(heatmap["tiles"].contains(atm)) << atm;
  }
  EXPECT_GT(h.ttl("massive:heatmap:model:I:SPX:latest"), 200000);
  EXPECT_LE(h.ttl("massive:heatmap:model:I:SPX:latest"), 259200);
  EXPECT_EQ(h.type("massive:heatmap:replay:I:SPX"), "stream");
  EXPECT_GT(h.ttl("massive:heatmap:replay:I:SPX"), 0);
  const auto calls = h.get_json("massive:gex:model:I:SPX:calls");
  EXPECT_TRUE(calls["expirations"].is_object());
  EXPECT_TRUE(calls["levels"].contains("all"));
  EXPECT_GT(h.ttl("massive:gex:model:I:SPX:calls"), 80000);
  const auto bias = h.get_json("massive:bias_lfi:model:I:NDX:latest");
  EXPECT_EQ(bias["symbol"], "I:NDX");
  EXPECT_TRUE(bias.contains("directional_strength") && bias.contains("lfi_score"));
  EXPECT_GT(h.ttl("massive:bias_lfi:model:latest"), 3000);
  EXPECT_TRUE(h.get_json("massive:market_mode:model:latest").contains("mode"));
  const auto selector = h.get_json("massive:selector:model:I:SPX:latest");
  EXPECT_TRUE(selector["recommendations"].is_array());
  EXPECT_GT(h.ttl("massive:selector:model:I:SPX:latest"), 3000);
  const auto candles = h.get_json("massive:candles:model:I:SPX:latest");
  EXPECT_TRUE(candles["candles_5m"].is_array());
  EXPECT_FALSE(candles["candles_5m"].empty());
  EXPECT_EQ(h.type("massive:volume_profile:spx"), "hash");
  EXPECT_TRUE(h.get_json("massive:volume_profile:spx:model").contains("poc"));
  const auto micro = h.get_json("massive:micro:model:I:SPX:latest");
  EXPECT_TRUE(micro["quotes"].is_array());
  EXPECT_TRUE(micro.contains("sweeps") && micro.contains("absorption"));
  const auto chain = h.get_json("massive:chain:latest");
  ASSERT_TRUE(chain["contracts"].is_object());
  ASSERT_FALSE(chain["contracts"].empty());
  const auto& first = chain["contracts"].begin().value();
  for (const char* f : {"break_even_price", "day", "details", "greeks", "implied_volatility", "last_quote",
                        "last_trade", "open_interest", "underlying_asset", "fair_market_value"}) {
    EXPECT_TRUE(first.contains(f)) << f;
  }
  {
    auto hb = h.command({"GET", "massive:heartbeat"});
    ASSERT_EQ(hb.type, bus::Reply::Type::string);
    EXPECT_EQ(json::parse(hb.str)["service"], "massive");
  }

  // The close at 16:00 ET: the session's close is kept, the next session lists a new chain and
  // the expired expiry leaves the model (never merged into 0-DTE).
  const std::string first_day = "2026-03-05";
  EXPECT_TRUE(testing::wait_until([&] { return h.get("massive:close:I:SPX:" + first_day).has_value(); }, 30s));
  EXPECT_TRUE(testing::wait_until(
      [&] {
        const auto m = h.get_json("massive:heatmap:model:I:SPX:latest");
        if (!m.is_object() || !m["expirations"].is_array() || m["expirations"].empty()) return false;
        for (const auto& e : m["expirations"]) {
          if (e["date"] == first_day) return false;
        }
        return m["expirations"][0]["date"] == "2026-03-06" && m["expirations"][0]["dte"] == 0;
      },
      40s));

  // A feed drop: massive reconnects, subscribes once, and the models keep moving.
  const auto before = diffs.size();
  ASSERT_GT(before, 0u);
  EXPECT_GE(h.sim().drop_connections("options"), 1u);
  EXPECT_TRUE(testing::wait_until(
      [&] { return metric(h.metrics(), "marketswarm_massive_feed_connects{service=\"massive\",feed=\"options\"}") >= 2; },
      20s))
      << h.metrics();
  EXPECT_TRUE(testing::wait_until([&] { return diffs.size() > before + 3; }, 20s));
  const auto sim_stats = h.sim().stats();  // named: a range-for over a temporary's member dangles
  for (const auto& c : sim_stats["connections"]) {
    EXPECT_EQ(c.value("duplicate_subscribes", 0), 0) << c.dump();
  }

  // Garbage and truncated frames: counted, skipped, the feed stays up.
  h.sim().set_faults(sim::FaultConfig{5, 7, 0});
  h.sim().drop_connections("indices");
  EXPECT_TRUE(testing::wait_until(
      [&] {
        return metric(h.metrics(), "marketswarm_massive_feed_malformed_frames{service=\"massive\",feed=\"indices\"}") > 0;
      },
      20s))
      << h.metrics();
  const auto after_faults = diffs.size();
  EXPECT_TRUE(testing::wait_until([&] { return diffs.size() > after_faults + 3; }, 20s));

  // Diffs: never empty, seq +1 each, base_seq the previous seq, one epoch.
  const auto all = diffs.messages();
  ASSERT_GT(all.size(), 5u);
  // The first diff of the process (subscribed before massive started) is seq 1 on base 0 and
  // carries the whole first geometry: tiles, nothing removed.
  EXPECT_EQ(all[0]["seq"], 1);
  EXPECT_EQ(all[0]["base_seq"], 0);
  EXPECT_FALSE(all[0]["changed"].empty());
  EXPECT_EQ(all[0]["removed"], json::array());
  for (std::size_t i = 1; i < all.size(); ++i) {
    const auto& d = all[i];
    const auto& prev = all[i - 1];
    // Never empty (HeatmapDiff::empty): at least one of its four parts moved since the previous
    // diff — tiles changed, tiles left, the ATM IVs (published at the builder's 6-decimal ticks)
    // or the expiration list.
    const int moved_parts = int(!d["changed"].empty()) + int(!d["removed"].empty()) +
                            int(d["atm_iv"] != prev["atm_iv"]) + int(d["expirations"] != prev["expirations"]);
    EXPECT_GE(moved_parts, 1) << d.dump().substr(0, 300);
    EXPECT_EQ(d["seq"].get<std::int64_t>(), prev["seq"].get<std::int64_t>() + 1);
    EXPECT_EQ(d["base_seq"].get<std::int64_t>(), prev["seq"].get<std::int64_t>());
    EXPECT_EQ(d["epoch"], all[0]["epoch"]);
  }
  // The clock: one message per market second, seq increasing.
  const auto ticks = clock.messages();
  ASSERT_GT(ticks.size(), 10u);
  for (std::size_t i = 1; i < ticks.size(); ++i) {
    EXPECT_GT(ticks[i]["seq"].get<std::int64_t>(), ticks[i - 1]["seq"].get<std::int64_t>());
    EXPECT_GT(ticks[i]["ts_ms"].get<std::int64_t>(), ticks[i - 1]["ts_ms"].get<std::int64_t>());
  }

  h.stop_massive();
  EXPECT_EQ(h.exit_code(), 0);
}

// `massive --record FILE` captures the session; `sim --replay FILE` plays it back and massive
// publishes from the replay through the very same client.
TEST_F(MassiveOnSimulator, RecordsTheFeedAndTheSimulatorReplaysIt) {
  const auto file = h.dir / "session.jsonl";
  MassiveRunOptions record;
  record.record = file;
  h.start_massive(record);
  ASSERT_TRUE(testing::wait_until([&] { return h.get("massive:heatmap:model:I:SPX:latest").has_value(); }, 40s));
  const auto seq0 = h.get_json("massive:clock")["seq"].get<std::int64_t>();
  ASSERT_TRUE(testing::wait_until([&] { return h.get_json("massive:clock")["seq"].get<std::int64_t>() > seq0 + 30; }, 20s));
  h.stop_massive();
  EXPECT_EQ(h.exit_code(), 0);

  marketdata::RecordingReader reader(file);
  EXPECT_EQ(reader.header().source, "sim");
  std::map<std::string, int> ws;
  int rest = 0;
  while (auto e = reader.next()) {
    if (e->kind == marketdata::RecordKind::ws) {
      ++ws[e->feed];
    } else {
      ++rest;
      EXPECT_EQ(e->path.find("apiKey"), std::string::npos) << e->path;  // never a secret
      EXPECT_EQ(e->payload.find("test-key"), std::string::npos);
    }
  }
  EXPECT_EQ(reader.corrupt_lines(), 0u);
  EXPECT_GT(ws["options"], 10);
  EXPECT_GT(ws["indices"], 10);
  EXPECT_GT(rest, 3);

  // Replay into a clean market bus.
  h.command({"FLUSHALL"});
  sim::SimServerOptions ro;
  ro.replay = file;
  ro.speed = 30;
  ro.api_key = "test-key";
  InProcessSim replay(ro);
  h.env["MS_SIM_PORT"] = std::to_string(replay.server().port());
  h.start_massive();
  EXPECT_TRUE(testing::wait_until([&] { return h.get("massive:clock").has_value(); }, 20s));
  // The replay plays the recorded market time, not the wall clock of the recording's start.
  EXPECT_EQ(h.get_json("massive:clock")["session_date"], "2026-03-05");
  EXPECT_TRUE(testing::wait_until([&] { return h.get("massive:model:spot:I:SPX").has_value(); }, 20s)) << h.metrics();
  EXPECT_EQ(h.get_json("massive:clock")["source"], "sim");
  EXPECT_GT(replay.server().stats()["totals"]["frames_sent"].get<std::int64_t>(), 0);
  h.stop_massive();
  EXPECT_EQ(h.exit_code(), 0);
}

}  // namespace
}  // namespace ms::massive
