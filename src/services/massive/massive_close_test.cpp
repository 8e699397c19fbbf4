// sim → massive → real Redis (issue 7 item 3): the official close and the AM settlement value
// the simulator prints (not its last / first tick) land in massive:close:* and
// massive:settlement:*, a restatement rewrites the close, and tracked ideas settle on the
// official value (and follow the restatement).
//
// The simulator plays Thursday 2026-03-19 from 15:30 ET at 30x (the close 60 wall seconds
// in); its next session, Friday 2026-03-20, is the March monthly expiry (AM settlement). It
// publishes the official close and opening values three simulated minutes after the close /
// open (both are 09:33 of the Friday, the simulator having no evening) and restates every close
// eight minutes after it.
#include "services/massive/massive_test_support.hpp"

#include <cmath>
#include <set>

#include "core/market_calendar.hpp"

namespace ms::massive {
namespace {

using namespace test_support;

constexpr const char* kThursday = "2026-03-19";
constexpr const char* kFriday = "2026-03-20";

class MassiveCloseOnSimulator : public ::testing::Test {
 protected:
  void SetUp() override {
    h.sim_options.seed = 11;
    h.sim_options.first_session = core::parse_date(kThursday);
    h.sim_options.start_offset = std::chrono::minutes(6 * 60);  // 15:30 ET
    sim::SimConfig market;
    market.settlement.open_final_after_ms = 3 * 60'000;
    market.settlement.close_final_after_ms = 3 * 60'000;
    market.settlement.correction_after_ms = 8 * 60'000;
    market.settlement.correction_probability = 1.0;
    h.sim_options.market = market;
    h.start_sim();

    // 0-DTE only (one expiry, dte 0): every idea expires at the close.
    h.override_env({{"MASSIVE_HEATMAP_PUBLISH_MS", "200"},
                    {"MASSIVE_CHAIN_NUM_EXPIRATIONS", "1"}, {"MASSIVE_MODEL_DTES", "0"},
                    {"MASSIVE_CLOSE_POLL_MS", "200"}, {"MASSIVE_CLOSE_MAX_POLLS", "400"},
                    {"MASSIVE_CLOSE_RECHECK_MS", "500"}, {"MASSIVE_CLOSE_RECHECKS", "200"}});
    // Left at massive's defaults here.
    h.env.erase("MASSIVE_VOLUME_FLUSH_MS");
    h.env.erase("MASSIVE_WS_RECONNECT_DELAY_SEC");
    h.start_massive();
  }

  std::vector<json> list(const std::string& key) {
    std::vector<json> out;
    for (const auto& e : h.command({"LRANGE", key, "0", "-1"}).elements) out.push_back(json::parse(e.str));
    return out;
  }
  // The simulator's own daily summary, as the vendor client sees it.
  json summary(const std::string& ticker, const std::string& date) {
    const auto r = http_fetch(h.sim().base_url() + "/v1/open-close/" + ticker + "/" + date + "?apiKey=test-key");
    return r.status >= 200 && r.status < 300 ? json::parse(r.body) : json();
  }

  MassiveHarness h;
};

TEST_F(MassiveCloseOnSimulator, OfficialCloseAndAmSettlementLandInTheKeysAndInIdeaTracking) {
  const std::string close_key = std::string("massive:close:I:SPX:") + kThursday;
  const std::string settlement_key = std::string("massive:settlement:I:SPX:") + kFriday;
  const std::string active = "massive:selector:tracking:I:SPX:active";
  const std::string history = "massive:selector:tracking:I:SPX:history";

  // A 0-DTE idea is tracked before the close (it expires at it).
  std::string seen;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto all = h.command({"HGETALL", active});
        seen.clear();
        for (std::size_t i = 1; i < all.elements.size(); i += 2) {
          const json rec = json::parse(all.elements[i].str);
          seen += rec["expiration"].get<std::string>() + " ";
          if (rec["expiration"].get<std::string>().substr(0, 10) == kThursday) return true;
        }
        return false;
      },
      55s))
      << "no 0-DTE idea was tracked before the close; active: " << seen;

  // At the close: the last tick, provisional.
  json provisional;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        provisional = h.get_json(close_key);
        return provisional.is_object();
      },
      90s));  // the close is 60 wall seconds after the start
  if (provisional["final"] == false) {
    EXPECT_EQ(provisional["source"], "last_tick");
    EXPECT_EQ(provisional["revision"], 0);
  }

  // The official close replaces it: the simulator's, not the last tick.
  json official;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        official = h.get_json(close_key);
        return official.is_object() && official["final"] == true;
      },
      40s));
  EXPECT_EQ(official["source"], "vendor");
  EXPECT_EQ(official["session_date"], kThursday);
  ASSERT_TRUE(official["provisional_value"].is_number()) << official.dump();
  const double last_tick = official["provisional_value"].get<double>();
  const double official_close = official["close"].get<double>();
  EXPECT_NE(official_close, last_tick);
  EXPECT_NEAR(official_close, last_tick, last_tick * 1e-3);  // a few bp and one second apart
  EXPECT_GT(h.ttl(close_key), 30 * 86400);

  // Every symbol massive follows got its official close (indices and QQQ/IWM alongside SPY).
  for (const char* sym : {"I:NDX", "I:VIX", "SPY", "QQQ", "IWM"}) {
    EXPECT_TRUE(testing::wait_until(
        [&] { return h.get_json(std::string("massive:close:") + sym + ":" + kThursday)["final"] == true; }, 20s))
        << sym;
  }

  // The AM settlement of the Friday monthly: the simulator's opening value, not the first tick.
  json am;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        am = h.get_json(settlement_key);
        return am.is_object() && am["final"] == true;
      },
      40s));
  EXPECT_EQ(am["settlement"], "am");
  EXPECT_EQ(am["source"], "vendor");
  const json friday = summary("I:SPX", kFriday);
  ASSERT_TRUE(friday["open"].is_number()) << friday.dump();
  EXPECT_DOUBLE_EQ(am["value"].get<double>(), friday["open"].get<double>());
  ASSERT_TRUE(am["provisional_value"].is_number()) << am.dump();  // the first tick, written at the open
  EXPECT_NE(am["value"].get<double>(), am["provisional_value"].get<double>());
  EXPECT_TRUE(h.get_json(std::string("massive:settlement:I:NDX:") + kFriday)["final"] == true);
  // Thursday is no monthly expiry: no AM settlement written for it.
  EXPECT_TRUE(h.get_json(std::string("massive:settlement:I:SPX:") + kThursday).is_null());

  // The vendor restates the close: the key is rewritten with the restated value.
  json corrected;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        corrected = h.get_json(close_key);
        return corrected.is_object() && corrected["revision"].get<int>() >= 2;
      },
      60s));
  const json restated = summary("I:SPX", kThursday);
  ASSERT_TRUE(restated["close"].is_number());
  EXPECT_DOUBLE_EQ(corrected["close"].get<double>(), restated["close"].get<double>());
  EXPECT_NE(corrected["close"].get<double>(), official_close);
  EXPECT_DOUBLE_EQ(corrected["previous_value"].get<double>(), official_close);
  EXPECT_EQ(corrected["revision"], 2);

  // Idea tracking settled the Thursday ideas on the official value, and followed the restatement.
  const double settled_value = corrected["close"].get<double>();
  std::vector<json> settled;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        settled.clear();
        for (const auto& rec : list(history)) {
          if (rec["expiration"].get<std::string>().substr(0, 10) == kThursday) settled.push_back(rec);
        }
        if (settled.empty()) return false;
        for (const auto& rec : settled) {
          if (rec["settlement_spot"].get<double>() != std::round(settled_value * 100) / 100) return false;
        }
        return true;
      },
      30s))
      << (settled.empty() ? std::string("nothing settled") : settled.front().dump());
  for (const auto& rec : settled) {
    EXPECT_EQ(rec["status"], "settled");
    EXPECT_EQ(rec["settlement_source"], "vendor");
    EXPECT_EQ(rec["settlement_style"], "pm");
    EXPECT_EQ(rec["settlement_revision"], 2);
    EXPECT_NE(rec["settlement_spot"].get<double>(), last_tick);
    const double k = rec["strike"].get<double>(), w = rec["width"].get<double>(), d = rec["debit"].get<double>();
    EXPECT_NEAR(rec["final_pnl"].get<double>(), std::max(0.0, w - std::fabs(settled_value - k)) - d, 0.011);
  }
  // Each settled idea is in the history once (the correction replaced, not appended).
  std::set<std::string> ids;
  for (const auto& rec : settled) EXPECT_TRUE(ids.insert(rec["trade_id"].get<std::string>()).second);
  // And none of them is still active.
  for (const auto& id : ids) EXPECT_EQ(h.command({"HEXISTS", active, id}).integer, 0) << id;
}

}  // namespace
}  // namespace ms::massive
