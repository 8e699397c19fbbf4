// A whole simulated session through real Redis at high speed (issue 7 item 1, DESIGN §11):
// market-redis stays within its byte budget, the replay stream within its bridge, and a consumer
// that joins mid-session — GET :latest, XRANGE the replay after its seq, then the live diffs —
// ends with exactly the newest model.
#include "services/massive/massive_test_support.hpp"

#include <algorithm>
#include <cstdio>

#include "bus/keys.hpp"
#include "core/market_calendar.hpp"

namespace ms::massive {
namespace {

using namespace test_support;

// Follows one symbol's heatmap the way a consumer should (docs/api/market-models.md).
class HeatmapConsumer {
 public:
  HeatmapConsumer(MassiveHarness& h, std::string symbol)
      : h_(h),
        symbol_(std::move(symbol)),
        live_(h.redis.url(), bus::keys::heatmap_diff(symbol_), [this](const bus::Message& m) { on_live(m.payload); }) {}

  // Steps 2–4 of the recipe: the model, its bridge from the replay stream, then what arrived live.
  bool sync() {
    // One MULTI/EXEC: the model and the whole bridge from the same instant, so no model SET and
    // trim can fall between them. Parsed without the lock: live diffs keep arriving meanwhile.
    bus::BlockingRedis r(h_.redis.url(), 5000ms);
    r.command({"MULTI"});
    r.command({"GET", bus::keys::heatmap_model(symbol_)});
    r.command({"XRANGE", bus::keys::heatmap_replay(symbol_), "-", "+"});
    const auto both = r.command({"EXEC"});
    if (both.elements.size() != 2 || both.elements[0].type != bus::Reply::Type::string) return false;
    json model = json::parse(both.elements[0].str);
    std::vector<json> bridge;
    for (const auto& entry : both.elements[1].elements) {  // [id, [field, value]]
      bridge.push_back(json::parse(entry.elements.at(1).elements.at(1).str));
    }
    std::vector<std::string> buffered;
    {
      std::lock_guard lock(mu_);
      state_ = std::move(model);
      epoch_ = state_["epoch"].get<std::string>();
      seq_ = state_["seq"].get<std::int64_t>();
      for (const auto& d : bridge) {
        if (d["seq"].get<std::int64_t>() <= seq_) continue;  // already in the model
        ++bridge_entries_;
        if (!apply(d)) return false;
      }
      live_since_sync_ = 0;
      ++syncs_;
      buffered.swap(buffered_);
      for (const auto& text : buffered) {
        const auto d = json::parse(text);
        if (d["seq"].get<std::int64_t>() > seq_ && !apply(d)) return false;
      }
      synced_ = true;
    }
    return true;
  }

  std::int64_t seq() {
    std::lock_guard lock(mu_);
    return seq_;
  }
  json state() {
    std::lock_guard lock(mu_);
    return state_;
  }
  std::vector<std::string> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }
  std::size_t bridge_entries() {
    std::lock_guard lock(mu_);
    return bridge_entries_;
  }
  bool needs_sync() {
    std::lock_guard lock(mu_);
    return !synced_;
  }
  std::size_t syncs() {
    std::lock_guard lock(mu_);
    return syncs_;
  }
  std::size_t live_since_sync() {
    std::lock_guard lock(mu_);
    return live_since_sync_;
  }
  std::vector<std::string> gaps() {
    std::lock_guard lock(mu_);
    return gaps_;
  }
  std::size_t live_applied() {
    std::lock_guard lock(mu_);
    return live_applied_;
  }

 private:
  void on_live(const std::string& payload) {
    std::lock_guard lock(mu_);
    if (!synced_) {
      buffered_.push_back(payload);
      // Only what is newer than a model can matter; a sync takes well under this many diffs.
      if (buffered_.size() > 256) buffered_.erase(buffered_.begin());
      return;
    }
    if (apply(json::parse(payload))) {
      ++live_applied_;
      ++live_since_sync_;
    }
  }

  bool apply(const json& d) {
    if (d["epoch"] != epoch_ || d["base_seq"].get<std::int64_t>() != seq_) {
      // The recipe's answer to a gap is a new sync (the subscriber was dropped by a stalled
      // machine, say); a gap inside the bridge is an error of the producer.
      gaps_.push_back("gap: holding " + std::to_string(seq_) + ", diff " + d["seq"].dump() + " on " +
                      d["base_seq"].dump());
      synced_ = false;
      return false;
    }
    for (const auto& [key, tile] : d["changed"].items()) state_["tiles"][key] = tile;
    for (const auto& key : d["removed"]) state_["tiles"].erase(key.get<std::string>());
    for (const char* f : {"dtes_available", "expirations", "atm_iv"}) {
      if (d.contains(f)) state_[f] = d[f];
    }
    seq_ = d["seq"].get<std::int64_t>();
    return true;
  }

  MassiveHarness& h_;
  std::string symbol_;
  std::mutex mu_;
  json state_;
  std::string epoch_;
  std::int64_t seq_ = 0;
  bool synced_ = false;
  std::vector<std::string> buffered_;
  std::vector<std::string> errors_;  // the producer's: a bridge that does not connect
  std::vector<std::string> gaps_;    // live gaps, each followed by a new sync
  std::size_t syncs_ = 0, live_since_sync_ = 0;
  std::size_t bridge_entries_ = 0, live_applied_ = 0;
  ChannelSubscription live_;  // last: it stops before the state it applies diffs to goes
};

std::int64_t used_memory(MassiveHarness& h) {
  const auto info = h.command({"INFO", "memory"}).str;
  const auto at = info.find("used_memory:");
  return at == std::string::npos ? -1 : std::stoll(info.substr(at + 12));
}

// Bytes per key family: the key with its symbol / date parts replaced by placeholders.
std::map<std::string, std::int64_t> memory_by_family(MassiveHarness& h) {
  std::map<std::string, std::int64_t> out;
  std::string cursor = "0";
  do {
    const auto page = h.command({"SCAN", cursor, "COUNT", "500"});
    cursor = page.elements.at(0).str;
    for (const auto& k : page.elements.at(1).elements) {
      std::string family = k.str;
      for (const char* sym : {"I:SPX", "I:NDX", "I:VIX", "SPY", "QQQ", "IWM"}) {
        if (const auto at = family.find(sym); at != std::string::npos) family.replace(at, std::string(sym).size(), "{SYM}");
      }
      if (family.size() > 10 && family[family.size() - 3] == '-' && family[family.size() - 6] == '-') {
        family.replace(family.size() - 10, 10, "{date}");
      }
      out[family] += h.command({"MEMORY", "USAGE", k.str, "SAMPLES", "0"}).integer;
    }
  } while (cursor != "0");
  return out;
}

// Everything but the spot trails and the replay streams, which have bounds of their own.
std::int64_t steady_bytes(const std::map<std::string, std::int64_t>& families) {
  std::int64_t total = 0;
  for (const auto& [family, bytes] : families) {
    if (family.find(":trail") == std::string::npos && family.find(":replay:") == std::string::npos) total += bytes;
  }
  return total;
}

TEST(MassiveBudget, AWholeSessionStaysWithinTheByteBudgetAndALateConsumerCatchesUpExactly) {
  MassiveHarness h;
  // 09:30 → 16:00 of a Thursday at 240x: a session in about 100 s of wall time (the simulator
  // slows market time rather than fall behind when the machine is busy; faster, a debug build
  // on a loaded machine falls behind the feed and the simulator cuts it as a slow client).
  h.sim_options.speed = 240;
  h.sim_options.start_offset = std::chrono::minutes(0);
  const auto model_interval = 1000ms;
  const auto publish_interval = 100ms;
  h.env["MASSIVE_HEATMAP_PUBLISH_MS"] = std::to_string(publish_interval.count());
  h.env["MASSIVE_HEATMAP_MODEL_INTERVAL_MS"] = std::to_string(model_interval.count());
  h.start_sim();
  HeatmapConsumer consumer(h, "I:SPX");
  h.start_massive();

  const std::string replay = bus::keys::heatmap_replay("I:SPX");
  // At most every diff after the model before the latest: two model intervals of publications,
  // plus the publication that brings the next model.
  const std::int64_t max_entries = 2 * (model_interval / publish_interval) + 2;
  std::int64_t peak_memory = 0, peak_entries = 0, early_steady = -1, late_steady = -1;
  double early_minute = 0, late_minute = 0;
  auto late_taken = std::chrono::steady_clock::time_point{};
  bool synced = false;
  std::string last_phase;
  const std::string first_day = "2026-03-05";
  const auto deadline = std::chrono::steady_clock::now() + 210s;
  bool rolled = false;
  std::string trace;  // the market minutes sampled, for a failure message
  while (std::chrono::steady_clock::now() < deadline) {
    const auto clock = h.get_json("massive:clock");
    if (clock.is_object()) {
      const auto minute_of_day = [&] {
        const auto ts = clock["ts_ms"].get<std::int64_t>();
        return core::new_york_hour(ts) * 60.0;
      }();
      trace += std::to_string(int(minute_of_day)) + " ";
      if (clock["session_date"] != first_day) {
        rolled = true;
        break;
      }
      const auto mem = used_memory(h);
      peak_memory = std::max(peak_memory, mem);
      peak_entries = std::max(peak_entries, h.command({"XLEN", replay}).integer);
      if (early_steady < 0 && minute_of_day >= 10.5 * 60) {
        early_steady = steady_bytes(memory_by_family(h));
        early_minute = minute_of_day;
      }
      // The afternoon: the last reading of the session (a key scan every 2 s at most).
      if (minute_of_day >= 14 * 60 && minute_of_day <= 16 * 60 &&
          std::chrono::steady_clock::now() - late_taken > 2s) {
        late_steady = steady_bytes(memory_by_family(h));
        late_minute = minute_of_day;
        late_taken = std::chrono::steady_clock::now();
      }
      // The consumer joins in the middle of the session, long after the first model.
      if (!synced && minute_of_day >= 12 * 60) {
        ASSERT_TRUE(consumer.sync()) << ::testing::PrintToString(consumer.errors());
        synced = true;
      } else if (synced && consumer.needs_sync()) {  // a live gap: the recipe starts again
        ASSERT_TRUE(consumer.sync()) << ::testing::PrintToString(consumer.errors());
      }
    }
    std::this_thread::sleep_for(50ms);  // a sampling period, not a wait for a condition
  }
  ASSERT_TRUE(rolled) << "the session did not reach its close in time";
  ASSERT_TRUE(synced);

  // The stop SETs the model of the newest diff; the consumer must hold exactly that.
  h.stop_massive();
  EXPECT_EQ(h.exit_code(), 0);
  const auto final_model = h.get_json(bus::keys::heatmap_model("I:SPX"));
  const auto final_seq = final_model["seq"].get<std::int64_t>();
  EXPECT_TRUE(testing::wait_until([&] { return consumer.seq() >= final_seq || consumer.needs_sync(); }, 10s))
      << consumer.seq() << " vs " << final_seq;
  if (consumer.needs_sync()) {
    ASSERT_TRUE(consumer.sync()) << ::testing::PrintToString(consumer.errors());
  }
  EXPECT_TRUE(consumer.errors().empty()) << ::testing::PrintToString(consumer.errors());
  EXPECT_GT(consumer.live_applied(), 100u);
  // Every live gap (a subscriber the machine could not keep fed) was followed by a new sync.
  EXPECT_EQ(consumer.gaps().size() + 1, consumer.syncs()) << ::testing::PrintToString(consumer.gaps());
  std::printf("consumer: %zu syncs, %zu live diffs applied, %zu since the last sync\n", consumer.syncs(),
              consumer.live_applied(), consumer.live_since_sync());
  const auto state = consumer.state();
  EXPECT_EQ(state["tiles"], final_model["tiles"]);
  EXPECT_EQ(state["expirations"], final_model["expirations"]);
  EXPECT_EQ(state["atm_iv"], final_model["atm_iv"]);

  // The bounds.
  const auto families = memory_by_family(h);
  std::string table;
  for (const auto& [family, bytes] : families) table += "  " + family + " " + std::to_string(bytes) + "\n";
  std::printf("market-redis peak used_memory %lld bytes, replay peak %lld entries; keys at the end:\n%s",
              static_cast<long long>(peak_memory), static_cast<long long>(peak_entries), table.c_str());
  EXPECT_LT(peak_memory, 300ll << 20) << table;
  EXPECT_LE(peak_entries, max_entries);
  EXPECT_LE(consumer.bridge_entries(), std::size_t(max_entries));
  // Nothing grows with the session but the spot trails (one point per spot change, 7-day window,
  // bounded per session below): from mid-morning to the afternoon every other key stays the size
  // the chain's geometry gives it (the tracked ideas fill up to one per tile; the strike windows
  // follow spot).
  ASSERT_GT(early_steady, 0) << trace;
  ASSERT_GT(late_steady, 0) << trace;
  ASSERT_GE(late_minute - early_minute, 180) << trace;
  std::printf("keys but trails and replay: %lld bytes at minute %d, %lld at minute %d\n",
              static_cast<long long>(early_steady), int(early_minute), static_cast<long long>(late_steady),
              int(late_minute));
  EXPECT_LT(late_steady - early_steady, 8ll << 20) << early_steady << " → " << late_steady << "\n" << table;
  for (const char* sym : {"I:SPX", "I:NDX", "I:VIX"}) {
    // At most one point per market second of the session, and a little for the REST snapshots.
    EXPECT_LE(h.command({"ZCARD", bus::keys::spot_trail(sym)}).integer, 6 * 3600 + 1800 + 3600) << sym;
  }
}

}  // namespace
}  // namespace ms::massive
