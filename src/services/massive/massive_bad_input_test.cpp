// sim → massive → real Redis (issue 7 item 2): bad market data injected through the simulator's
// feeds is rejected at massive's boundary and counted by feed and reason, every model keeps
// publishing, a poisoned volume hash stored before the start is cleaned; and a worker loop made
// to throw is restarted while /readyz is red naming it, then green.
#include <utility>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "bus/blocking_redis.hpp"
#include "core/market_calendar.hpp"
#include "core/truth/builder.hpp"
#include "net/http_client.hpp"
#include "services/massive/massive_main.hpp"
#include "services/sim/sim_server.hpp"
#include "testing/ports.hpp"
#include "testing/redis_server.hpp"
#include "testing/source_tree.hpp"
#include "testing/temp_dir.hpp"
#include "testing/wait.hpp"

namespace ms::massive {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct HttpReply {
  int status = 0;
  std::string body;
};

HttpReply http_get(const std::string& url) {
  static net::HttpClient client;
  net::HttpClient::Request r;
  r.url = url;
  r.connect_timeout = 500ms;
  r.total_timeout = 2000ms;
  try {
    auto res = client.perform(r);
    return {res.status, res.body};
  } catch (const std::exception&) {
    return {};
  }
}

// The value of `name{labels}` in a Prometheus text body; 0 when the series does not exist yet.
double metric(const std::string& body, const std::string& name_and_labels) {
  const auto at = body.find(name_and_labels + " ");
  if (at == std::string::npos) return 0;
  return std::stod(body.substr(at + name_and_labels.size() + 1));
}

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
    sim::SimServerOptions so;
    so.seed = 11;
    so.speed = 20;
    so.first_session = core::Date{std::chrono::year{2026}, std::chrono::month{3}, std::chrono::day{5}};
    so.start_offset = std::chrono::minutes(4 * 60);
    so.api_key = "test-key";
    so.faults = faults;
    sim_ = std::make_unique<sim::SimServer>(sim_io_, so);
    sim_->start();
    sim_thread_ = std::thread([this] { sim_io_.run(); });

    for (const char* bus : {"MS_BUS_SYSTEM_REDIS_URL", "MS_BUS_MARKET_REDIS_URL", "MS_BUS_INTEL_REDIS_URL"})
      set_env(bus, redis_.url());
    http_port_ = testing::reserve_free_port();
    set_env("MS_MASSIVE_PORT", std::to_string(http_port_));
    set_env("MS_SIM_PORT", std::to_string(sim_->port()));
    set_env("MASSIVE_API_KEY", "test-key");
    set_env("MASSIVE_SPOT_INTERVAL_SEC", "0.3");
    set_env("MASSIVE_CHAIN_INTERVAL_SEC", "1");
    set_env("MASSIVE_GEX_INTERVAL_SEC", "0.5");
    set_env("MASSIVE_SELECTOR_INTERVAL_SEC", "0.5");
    set_env("MASSIVE_HEATMAP_PUBLISH_MS", "100");
    set_env("MASSIVE_VOLUME_FLUSH_MS", "300");
    set_env("MASSIVE_WS_RECONNECT_DELAY_SEC", "0.2");
    set_env("MASSIVE_CHAIN_NUM_EXPIRATIONS", "2");
    set_env("MASSIVE_MAX_QUOTE_CONTRACTS", "150");

    auto truth = core::truth::build(testing::source_truth_dir());
    ASSERT_TRUE(truth.ok());
    truth.composite["node"]["market"]["source"] = "sim";
    truth_file_ = dir_ / "truth.json";
    std::ofstream(truth_file_) << truth.composite.dump();
  }

  void TearDown() override {
    stop_massive();
    if (sim_) {
      sim_->stop();
      sim_->wait_stopped(5s);
    }
    sim_io_.stop();
    if (sim_thread_.joinable()) sim_thread_.join();
    for (const auto& n : env_) ::unsetenv(n.c_str());
  }

  void set_env(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    env_.push_back(name);
  }

  void start_massive(MassiveRunOptions options = {}) {
    ctx_ = nullptr;
    spec_ = massive_spec(options, [this](runtime::ServiceContext& c) { ctx_ = &c; });
    runtime::ServiceOptions o;
    o.truth_file = truth_file_.string();
    o.data_dir = dir_.path();
    o.threads = 2;
    o.heartbeat_interval = 200ms;
    massive_thread_ = std::thread([this, o] { rc_ = runtime::run_service(spec_, o); });
    ASSERT_TRUE(testing::wait_until([&] { return ctx_.load() != nullptr; }, 15s));
  }

  void stop_massive() {
    if (!massive_thread_.joinable()) return;
    if (ctx_.load()) ctx_.load()->request_stop();
    massive_thread_.join();
  }

  bus::Reply redis(const std::vector<std::string>& command) {
    bus::BlockingRedis r(redis_.url(), 2000ms);
    return r.command(command);
  }
  json get_json(const std::string& key) {
    auto reply = redis({"GET", key});
    return reply.type == bus::Reply::Type::string ? json::parse(reply.str) : json();
  }
  std::string metrics() { return http_get(base() + "/metrics").body; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(http_port_); }

  testing::RedisServer redis_;
  testing::TempDir dir_{"ms-massive-bad-input"};
  std::vector<std::string> env_;
  boost::asio::io_context sim_io_;
  std::unique_ptr<sim::SimServer> sim_;
  std::thread sim_thread_;
  std::filesystem::path truth_file_;
  std::uint16_t http_port_ = 0;
  runtime::ServiceSpec spec_;
  std::atomic<runtime::ServiceContext*> ctx_{nullptr};
  std::thread massive_thread_;
  int rc_ = -1;
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
  redis({"HSET", hash, "600000", "500", "1000000000000", "7", "garbage", "x", "601000", "-3"});
  start_massive();

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
    EXPECT_TRUE(testing::wait_until([&] { return metric(metrics(), rejected(feed, reason)) > 0; }, 60s))
        << feed << " " << reason;
  }
  // The stored hash lost exactly its bad fields.
  EXPECT_EQ(metric(metrics(), rejected("volume_hash", "price_implausible")), 1);
  EXPECT_EQ(metric(metrics(), rejected("volume_hash", "unparsable")), 1);
  EXPECT_EQ(metric(metrics(), rejected("volume_hash", "volume_not_positive")), 1);
  EXPECT_TRUE(testing::wait_until([&] { return redis({"HEXISTS", hash, "1000000000000"}).integer == 0; }, 10s));
  EXPECT_EQ(redis({"HEXISTS", hash, "garbage"}).integer, 0);
  EXPECT_EQ(redis({"HEXISTS", hash, "601000"}).integer, 0);
  EXPECT_GE(std::stoll(redis({"HGET", hash, "600000"}).str), 500);

  // Every model publishes after the faults, as often as before.
  const std::vector<std::string> models = {"heatmap", "candles", "volume_profile", "micro", "gex",
                                           "bias_lfi", "spot",    "selector"};
  const auto before = metrics();
  for (const auto& m : models) {
    EXPECT_TRUE(testing::wait_until([&] { return metric(metrics(), built(m)) > metric(before, built(m)) + 2; }, 30s))
        << m;
  }
  // ... with values that can be true: nothing absurd got through.
  const auto profile = get_json("massive:volume_profile:spx:model");
  ASSERT_TRUE(profile["levels"].is_array());
  ASSERT_FALSE(profile["levels"].empty());
  EXPECT_GE(profile["levels"].front()[0].get<double>(), 3000);
  EXPECT_LE(profile["levels"].back()[0].get<double>(), 9000);
  EXPECT_FALSE(profile["poc"].is_null());
  for (const auto& [key, lo, hi] : std::vector<std::tuple<std::string, double, double>>{
           {"massive:model:spot:I:SPX", 3000, 9000}, {"massive:model:spot:SPY", 300, 900}}) {
    const double v = get_json(key)["value"].get<double>();
    EXPECT_GT(v, lo) << key;
    EXPECT_LT(v, hi) << key;
  }
  const auto heatmap = get_json("massive:heatmap:model:I:SPX:latest");
  for (auto it = heatmap["tiles"].begin(); it != heatmap["tiles"].end(); ++it) {
    const auto strike = std::stod(it.key().substr(it.key().rfind(':') + 1));
    ASSERT_LT(strike, 9000) << it.key();  // no far-out contract entered the model
  }
  // No loop threw: none was restarted, /readyz is green.
  const auto m = metrics();
  for (const char* loop : {"publish", "chain", "analytics", "selector", "spot", "options_feed", "indices_feed",
                           "stocks_feed"}) {
    const std::string l = std::string("{service=\"massive\",loop=\"") + loop + "\"}";
    EXPECT_EQ(metric(m, "marketswarm_massive_worker_restarts_total" + l), 0) << loop;
    EXPECT_EQ(metric(m, "marketswarm_massive_worker_up" + l), 1) << loop;
  }
  EXPECT_TRUE(testing::wait_until([&] { return http_get(base() + "/readyz").status == 200; }, 20s))
      << http_get(base() + "/readyz").body;
  const auto stats = sim_->stats();
  EXPECT_GT(stats["totals"]["bad_data"].get<std::int64_t>(), 0);
  EXPECT_GT(stats["totals"]["rest_bad_price"].get<std::int64_t>(), 0);

  stop_massive();
  EXPECT_EQ(rc_, 0);
}

TEST_F(MassiveBadInput, ALoopMadeToThrowRestartsWhileReadyzIsRedNamingIt) {
  start_sim({});
  MassiveRunOptions o;
  runtime::SupervisorOptions backoff;
  backoff.backoff_initial = 2000ms;  // long enough for /readyz to be seen red
  backoff.backoff_max = 2000ms;
  o.supervision = backoff;
  o.loop_failures = {{"publish", 2}};
  start_massive(o);

  // Red, naming the loop that is down.
  json red;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto r = http_get(base() + "/readyz");
        if (r.status != 503) return false;
        red = json::parse(r.body, nullptr, false);
        return red.is_object() && red["checks"]["workers"]["down"] == json::array({"publish"});
      },
      10s));
  EXPECT_EQ(red["checks"]["workers"]["ok"], false);
  EXPECT_EQ(red["checks"]["workers"]["loops"]["publish"]["up"], false);
  EXPECT_NE(red["checks"]["workers"]["loops"]["publish"]["last_error"].get<std::string>().find("publish"),
            std::string::npos);
  EXPECT_EQ(metric(metrics(), "marketswarm_massive_worker_up{service=\"massive\",loop=\"publish\"}"), 0);

  // Then green once it runs again, after exactly two restarts, and the heatmap publishes.
  EXPECT_TRUE(testing::wait_until([&] { return http_get(base() + "/readyz").status == 200; }, 30s))
      << http_get(base() + "/readyz").body;
  const auto green = json::parse(http_get(base() + "/readyz").body);
  EXPECT_EQ(green["checks"]["workers"]["down"], json::array());
  EXPECT_EQ(green["checks"]["workers"]["loops"]["publish"]["restarts"], 2);
  const auto m = metrics();
  EXPECT_EQ(metric(m, "marketswarm_massive_worker_restarts_total{service=\"massive\",loop=\"publish\"}"), 2);
  EXPECT_EQ(metric(m, "marketswarm_massive_worker_up{service=\"massive\",loop=\"publish\"}"), 1);
  EXPECT_EQ(metric(m, "marketswarm_massive_worker_restarts_total{service=\"massive\",loop=\"chain\"}"), 0);
  EXPECT_TRUE(testing::wait_until([&] { return metric(metrics(), built("heatmap")) > 3; }, 30s));

  stop_massive();
  EXPECT_EQ(rc_, 0);
}

}  // namespace
}  // namespace ms::massive
