// sim → massive → real Redis (issue 7 item 2): bad market data injected through the simulator's
// feeds is rejected at massive's boundary and counted by feed and reason, every model keeps
// publishing, a poisoned volume hash stored before the start is cleaned; and a worker loop made
// to throw is restarted while /readyz is red naming it, then green.
#include "services/massive/massive_test_support.hpp"

#include <tuple>

namespace ms::massive {
namespace {

using namespace test_support;

std::string rejected(const std::string& feed, const std::string& reason) {
  return "marketswarm_massive_rejected_inputs_total{service=\"massive\",feed=\"" + feed + "\",reason=\"" + reason +
         "\"}";
}

std::string built(const std::string& model) {
  return "marketswarm_massive_models_built_total{service=\"massive\",model=\"" + model + "\"}";
}

class MassiveBadInput : public ::testing::Test {
 protected:
  void start_sim(sim::FaultConfig faults) {
    // A fixed trading day, 13:30 ET, at 20x: the session stays open for the whole test.
    h.sim_options.seed = 11;
    h.sim_options.speed = 20;
    h.sim_options.start_offset = std::chrono::minutes(4 * 60);
    h.sim_options.faults = faults;
    h.env["MASSIVE_CHAIN_NUM_EXPIRATIONS"] = "2";
    h.start_sim();
  }

  MassiveHarness h;
};

TEST_F(MassiveBadInput, EachBadInputIsRejectedCountedAndEveryModelGoesOn) {
  // Every connection carries every kind of bad data, at co-prime intervals.
  sim::FaultConfig faults;
  faults.bad_price_every = 7;
  faults.bad_size_every = 11;
  faults.far_strike_every = 5;
  faults.bad_time_every = 13;
  faults.rest_bad_price_every = 3;
  start_sim(faults);
  // The volume hash as an older massive left it: a SPY print of 1e9 (SPX 1e10 = 1e12 cents) and a
  // field that is no bucket sit next to a real one.
  const std::string hash = "massive:volume_profile:spx";
  h.command({"HSET", hash, "600000", "500", "1000000000000", "7", "garbage", "x", "601000", "-3"});
  h.start_massive();

  const std::vector<std::pair<std::string, std::string>> expected = {
      {"indices", "price_implausible"}, {"indices", "price_not_positive"}, {"indices", "time_future"},
      {"indices", "time_stale"},        {"stocks", "price_implausible"},   {"stocks", "price_not_positive"},
      {"stocks", "size_negative"},      {"stocks", "size_implausible"},    {"stocks", "time_future"},
      {"stocks", "time_stale"},         {"options", "price_implausible"},  {"options", "price_not_positive"},
      {"options", "size_negative"},     {"options", "size_implausible"},   {"options", "strike_out_of_range"},
      {"options", "time_future"},       {"options", "time_stale"},         {"volume_hash", "price_implausible"},
      {"volume_hash", "unparsable"},    {"volume_hash", "volume_not_positive"},
      {"rest", "price_implausible"},    {"rest", "price_not_positive"},
  };
  for (const auto& [feed, reason] : expected) {
    EXPECT_TRUE(testing::wait_until([&] { return metric(h.metrics(), rejected(feed, reason)) > 0; }, 60s))
        << feed << " " << reason;
  }
  // The stored hash lost exactly its bad fields.
  EXPECT_EQ(metric(h.metrics(), rejected("volume_hash", "price_implausible")), 1);
  EXPECT_EQ(metric(h.metrics(), rejected("volume_hash", "unparsable")), 1);
  EXPECT_EQ(metric(h.metrics(), rejected("volume_hash", "volume_not_positive")), 1);
  EXPECT_TRUE(testing::wait_until([&] { return h.command({"HEXISTS", hash, "1000000000000"}).integer == 0; }, 10s));
  EXPECT_EQ(h.command({"HEXISTS", hash, "garbage"}).integer, 0);
  EXPECT_EQ(h.command({"HEXISTS", hash, "601000"}).integer, 0);
  EXPECT_GE(std::stoll(h.command({"HGET", hash, "600000"}).str), 500);

  // Every model publishes after the faults, as often as before.
  const std::vector<std::string> models = {"heatmap", "candles", "volume_profile", "micro", "gex",
                                           "bias_lfi", "spot",    "selector"};
  const auto before = h.metrics();
  for (const auto& m : models) {
    EXPECT_TRUE(testing::wait_until([&] { return metric(h.metrics(), built(m)) > metric(before, built(m)) + 2; }, 30s))
        << m;
  }
  // ... with values that can be true: nothing absurd got through.
  const auto profile = h.get_json("massive:volume_profile:spx:model");
  ASSERT_TRUE(profile["levels"].is_array());
  ASSERT_FALSE(profile["levels"].empty());
  EXPECT_GE(profile["levels"].front()[0].get<double>(), 3000);
  EXPECT_LE(profile["levels"].back()[0].get<double>(), 9000);
  EXPECT_FALSE(profile["poc"].is_null());
  for (const auto& [key, lo, hi] : std::vector<std::tuple<std::string, double, double>>{
           {"massive:model:spot:I:SPX", 3000, 9000}, {"massive:model:spot:SPY", 300, 900}}) {
    const double v = h.get_json(key)["value"].get<double>();
    EXPECT_GT(v, lo) << key;
    EXPECT_LT(v, hi) << key;
  }
  const auto heatmap = h.get_json("massive:heatmap:model:I:SPX:latest");
  for (auto it = heatmap["tiles"].begin(); it != heatmap["tiles"].end(); ++it) {
    const auto strike = std::stod(it.key().substr(it.key().rfind(':') + 1));
    ASSERT_LT(strike, 9000) << it.key();  // no far-out contract entered the model
  }
  // No loop threw: none was restarted, /readyz is green.
  const auto m = h.metrics();
  for (const char* loop : {"publish", "chain", "analytics", "selector", "spot", "options_feed", "indices_feed",
                           "stocks_feed"}) {
    const std::string l = std::string("{service=\"massive\",loop=\"") + loop + "\"}";
    EXPECT_EQ(metric(m, "marketswarm_massive_worker_restarts_total" + l), 0) << loop;
    EXPECT_EQ(metric(m, "marketswarm_massive_worker_up" + l), 1) << loop;
  }
  EXPECT_TRUE(testing::wait_until([&] { return h.readyz().status == 200; }, 20s))
      << h.readyz().body;
  const auto stats = h.sim().stats();
  EXPECT_GT(stats["totals"]["bad_data"].get<std::int64_t>(), 0);
  EXPECT_GT(stats["totals"]["rest_bad_price"].get<std::int64_t>(), 0);

  h.stop_massive();
  EXPECT_EQ(h.exit_code(), 0);
}

TEST_F(MassiveBadInput, ALoopMadeToThrowRestartsWhileReadyzIsRedNamingIt) {
  start_sim({});
  MassiveRunOptions o;
  runtime::SupervisorOptions backoff;
  backoff.backoff_initial = 2000ms;  // long enough for /readyz to be seen red
  backoff.backoff_max = 2000ms;
  o.supervision = backoff;
  o.loop_failures = {{"publish", 2}};
  h.start_massive(o);

  // Red, naming the loop that is down.
  json red;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto r = h.readyz();
        if (r.status != 503) return false;
        red = json::parse(r.body, nullptr, false);
        return red.is_object() && red["checks"]["workers"]["down"] == json::array({"publish"});
      },
      10s));
  EXPECT_EQ(red["checks"]["workers"]["ok"], false);
  EXPECT_EQ(red["checks"]["workers"]["loops"]["publish"]["up"], false);
  EXPECT_NE(red["checks"]["workers"]["loops"]["publish"]["last_error"].get<std::string>().find("publish"),
            std::string::npos);
  EXPECT_EQ(metric(h.metrics(), "marketswarm_massive_worker_up{service=\"massive\",loop=\"publish\"}"), 0);

  // Then green once it runs again, after exactly two restarts, and the heatmap publishes.
  EXPECT_TRUE(testing::wait_until([&] { return h.readyz().status == 200; }, 30s))
      << h.readyz().body;
  const auto green = json::parse(h.readyz().body);
  EXPECT_EQ(green["checks"]["workers"]["down"], json::array());
  EXPECT_EQ(green["checks"]["workers"]["loops"]["publish"]["restarts"], 2);
  const auto m = h.metrics();
  EXPECT_EQ(metric(m, "marketswarm_massive_worker_restarts_total{service=\"massive\",loop=\"publish\"}"), 2);
  EXPECT_EQ(metric(m, "marketswarm_massive_worker_up{service=\"massive\",loop=\"publish\"}"), 1);
  EXPECT_EQ(metric(m, "marketswarm_massive_worker_restarts_total{service=\"massive\",loop=\"chain\"}"), 0);
  EXPECT_TRUE(testing::wait_until([&] { return metric(h.metrics(), built("heatmap")) > 3; }, 30s));

  h.stop_massive();
  EXPECT_EQ(h.exit_code(), 0);
}

}  // namespace
}  // namespace ms::massive
