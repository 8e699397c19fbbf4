// sim → massive → real Redis (issue 3): every key of spec §3 with its shape and TTL, diffs with
// increasing seq on their channel, the heartbeat, the session close and expired contracts
// leaving the model, a feed drop (reconnect, resubscribe once, models keep updating), and
// garbage / truncated frames counted and skipped.
#include <utility>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <boost/asio/executor_work_guard.hpp>
#include <nlohmann/json.hpp>

#include "bus/blocking_redis.hpp"
#include "bus/keys.hpp"
#include "bus/redis_client.hpp"
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
#include "vendor/recording.hpp"

namespace ms::massive {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;


std::string http_get(const std::string& url) {
  static net::HttpClient client;
  net::HttpClient::Request r;
  r.url = url;
  r.connect_timeout = 500ms;
  r.total_timeout = 2000ms;
  try {
    auto res = client.perform(r);
    return res.ok() || res.status == 503 ? res.body : "";
  } catch (const std::exception&) {
    return "";
  }
}

// The value of a metric line `name{labels} value` in a Prometheus text body (0 when absent).
double metric(const std::string& body, const std::string& name_and_labels) {
  const auto at = body.find(name_and_labels + " ");
  if (at == std::string::npos) return 0;
  return std::stod(body.substr(at + name_and_labels.size() + 1));
}

struct ScopedEnv {
  std::vector<std::string> names;
  void set(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    names.push_back(name);
  }
  ~ScopedEnv() {
    for (const auto& n : names) ::unsetenv(n.c_str());
  }
};

// Collects the messages of one channel.
class ChannelLog {
 public:
  ChannelLog(const std::string& url, std::string channel) : channel_(std::move(channel)) {
    bus::RedisOptions o;
    o.url = url;
    o.name = "market";
    client_ = bus::RedisClient::create(io_.get_executor(), o);
    thread_ = std::thread([this] { io_.run(); });
    std::promise<void> ready;
    auto f = ready.get_future();
    boost::asio::co_spawn(
        io_,
        [this, &ready]() -> boost::asio::awaitable<void> {
          auto handler = [this](const bus::Message& m) {
            std::lock_guard lock(mu_);
            messages_.push_back(json::parse(m.payload));
          };
          sub_ = co_await client_->subscribe(channel_, handler);
          ready.set_value();
        },
        boost::asio::detached);
    if (f.wait_for(5s) != std::future_status::ready) throw std::runtime_error("subscribe timed out");
  }
  ~ChannelLog() {
    boost::asio::post(io_, [this] {
      sub_.unsubscribe();
      client_->close();
    });
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  std::vector<json> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return messages_.size();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::string channel_;
  std::shared_ptr<bus::RedisClient> client_;
  bus::Subscription sub_;
  std::mutex mu_;
  std::vector<json> messages_;
  std::thread thread_;
};

class MassiveOnSimulator : public ::testing::Test {
 protected:
  void SetUp() override {
    // The simulator: a fixed trading day, 15:57 ET, at 30x — the close comes six wall seconds in.
    sim::SimServerOptions so;
    so.seed = 7;
    so.speed = 30;
    so.first_session = core::Date{std::chrono::year{2026}, std::chrono::month{3}, std::chrono::day{5}};
    so.start_offset = std::chrono::minutes(6 * 60 + 27);
    so.api_key = "test-key";
    sim_ = std::make_unique<sim::SimServer>(sim_io_, so);
    sim_->start();
    sim_thread_ = std::thread([this] { sim_io_.run(); });

    for (const char* bus : {"MS_BUS_SYSTEM_REDIS_URL", "MS_BUS_MARKET_REDIS_URL", "MS_BUS_INTEL_REDIS_URL"})
      env_.set(bus, redis_.url());
    http_port_ = testing::reserve_free_port();
    env_.set("MS_MASSIVE_PORT", std::to_string(http_port_));
    env_.set("MS_SIM_PORT", std::to_string(sim_->port()));
    env_.set("MASSIVE_API_KEY", "test-key");
    env_.set("MASSIVE_SPOT_INTERVAL_SEC", "0.3");
    env_.set("MASSIVE_CHAIN_INTERVAL_SEC", "1");
    env_.set("MASSIVE_GEX_INTERVAL_SEC", "0.5");
    env_.set("MASSIVE_SELECTOR_INTERVAL_SEC", "0.5");
    env_.set("MASSIVE_HEATMAP_PUBLISH_MS", "100");
    env_.set("MASSIVE_VOLUME_FLUSH_MS", "300");
    env_.set("MASSIVE_WS_RECONNECT_DELAY_SEC", "0.2");
    env_.set("MASSIVE_CHAIN_NUM_EXPIRATIONS", "3");
    // A debug build shares two cores with the simulator: keep the quote flow modest.
    env_.set("MASSIVE_MAX_QUOTE_CONTRACTS", "150");

    auto built = core::truth::build(testing::source_truth_dir());
    ASSERT_TRUE(built.ok());
    built.composite["node"]["market"]["source"] = "sim";
    truth_file_ = dir_ / "truth.json";
    std::ofstream(truth_file_) << built.composite.dump();
  }

  void TearDown() override {
    stop_massive();
    sim_->stop();
    sim_->wait_stopped(5s);
    sim_io_.stop();
    if (sim_thread_.joinable()) sim_thread_.join();
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

  std::optional<std::string> get(const std::string& key) {
    bus::BlockingRedis r(redis_.url(), 2000ms);
    auto reply = r.command({"GET", key});
    if (reply.type != bus::Reply::Type::string) return std::nullopt;
    return reply.str;
  }
  json get_json(const std::string& key) {
    auto v = get(key);
    return v ? json::parse(*v) : json();
  }
  std::int64_t ttl(const std::string& key) {
    bus::BlockingRedis r(redis_.url(), 2000ms);
    return r.command({"TTL", key}).integer;
  }
  std::string type(const std::string& key) {
    bus::BlockingRedis r(redis_.url(), 2000ms);
    return r.command({"TYPE", key}).str;
  }
  std::string metrics() { return http_get("http://127.0.0.1:" + std::to_string(http_port_) + "/metrics"); }

  testing::RedisServer redis_;
  testing::TempDir dir_{"ms-massive-it"};
  ScopedEnv env_;
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

TEST_F(MassiveOnSimulator, PublishesEveryModelSurvivesFeedFaultsAndRollsTheSession) {
  ChannelLog diffs(redis_.url(), "massive:heatmap:diff:I:SPX");
  ChannelLog clock(redis_.url(), "massive:clock");
  start_massive();

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
    EXPECT_TRUE(testing::wait_until([&] { return get(key).has_value(); }, 40s)) << key;
  }

  // Shapes and TTLs.
  const auto clk = get_json("massive:clock");
  EXPECT_EQ(clk["source"], "sim");
  EXPECT_EQ(clk["speed"], 30);
  EXPECT_GT(clk["seq"].get<std::int64_t>(), 0);
  const auto spot = get_json("massive:model:spot:I:SPX");
  EXPECT_GT(spot["value"].get<double>(), 1000);
  EXPECT_TRUE(spot["ts"].is_string());
  EXPECT_TRUE(spot.contains("seq") && spot.contains("epoch"));
  EXPECT_EQ(type("massive:model:spot:I:SPX:trail"), "zset");
  EXPECT_GT(ttl("massive:model:spot:I:SPX:trail"), 600000);
  const auto heatmap = get_json("massive:heatmap:model:I:SPX:latest");
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
  EXPECT_GT(ttl("massive:heatmap:model:I:SPX:latest"), 200000);
  EXPECT_LE(ttl("massive:heatmap:model:I:SPX:latest"), 259200);
  EXPECT_EQ(type("massive:heatmap:replay:I:SPX"), "stream");
  EXPECT_GT(ttl("massive:heatmap:replay:I:SPX"), 0);
  const auto calls = get_json("massive:gex:model:I:SPX:calls");
  EXPECT_TRUE(calls["expirations"].is_object());
  EXPECT_TRUE(calls["levels"].contains("all"));
  EXPECT_GT(ttl("massive:gex:model:I:SPX:calls"), 80000);
  const auto bias = get_json("massive:bias_lfi:model:I:NDX:latest");
  EXPECT_EQ(bias["symbol"], "I:NDX");
  EXPECT_TRUE(bias.contains("directional_strength") && bias.contains("lfi_score"));
  EXPECT_GT(ttl("massive:bias_lfi:model:latest"), 3000);
  EXPECT_TRUE(get_json("massive:market_mode:model:latest").contains("mode"));
  const auto selector = get_json("massive:selector:model:I:SPX:latest");
  EXPECT_TRUE(selector["recommendations"].is_array());
  EXPECT_GT(ttl("massive:selector:model:I:SPX:latest"), 3000);
  const auto candles = get_json("massive:candles:model:I:SPX:latest");
  EXPECT_TRUE(candles["candles_5m"].is_array());
  EXPECT_FALSE(candles["candles_5m"].empty());
  EXPECT_EQ(type("massive:volume_profile:spx"), "hash");
  EXPECT_TRUE(get_json("massive:volume_profile:spx:model").contains("poc"));
  const auto micro = get_json("massive:micro:model:I:SPX:latest");
  EXPECT_TRUE(micro["quotes"].is_array());
  EXPECT_TRUE(micro.contains("sweeps") && micro.contains("absorption"));
  const auto chain = get_json("massive:chain:latest");
  ASSERT_TRUE(chain["contracts"].is_object());
  ASSERT_FALSE(chain["contracts"].empty());
  const auto& first = chain["contracts"].begin().value();
  for (const char* f : {"break_even_price", "day", "details", "greeks", "implied_volatility", "last_quote",
                        "last_trade", "open_interest", "underlying_asset", "fair_market_value"}) {
    EXPECT_TRUE(first.contains(f)) << f;
  }
  {
    bus::BlockingRedis r(redis_.url(), 2000ms);
    auto hb = r.command({"GET", "massive:heartbeat"});
    ASSERT_EQ(hb.type, bus::Reply::Type::string);
    EXPECT_EQ(json::parse(hb.str)["service"], "massive");
  }

  // The close at 16:00 ET: the session's close is kept, the next session lists a new chain and
  // the expired expiry leaves the model (never merged into 0-DTE).
  const std::string first_day = "2026-03-05";
  EXPECT_TRUE(testing::wait_until([&] { return get("massive:close:I:SPX:" + first_day).has_value(); }, 30s));
  EXPECT_TRUE(testing::wait_until(
      [&] {
        const auto m = get_json("massive:heatmap:model:I:SPX:latest");
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
  EXPECT_GE(sim_->drop_connections("options"), 1u);
  EXPECT_TRUE(testing::wait_until(
      [&] { return metric(metrics(), "marketswarm_massive_feed_connects{service=\"massive\",feed=\"options\"}") >= 2; },
      20s))
      << metrics();
  EXPECT_TRUE(testing::wait_until([&] { return diffs.size() > before + 3; }, 20s));
  const auto sim_stats = sim_->stats();  // named: a range-for over a temporary's member dangles
  for (const auto& c : sim_stats["connections"]) {
    EXPECT_EQ(c.value("duplicate_subscribes", 0), 0) << c.dump();
  }

  // Garbage and truncated frames: counted, skipped, the feed stays up.
  sim_->set_faults(sim::FaultConfig{5, 7, 0});
  sim_->drop_connections("indices");
  EXPECT_TRUE(testing::wait_until(
      [&] {
        return metric(metrics(), "marketswarm_massive_feed_malformed_frames{service=\"massive\",feed=\"indices\"}") > 0;
      },
      20s))
      << metrics();
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

  stop_massive();
  EXPECT_EQ(rc_, 0);
}

// `massive --record FILE` captures the session; `sim --replay FILE` plays it back and massive
// publishes from the replay through the very same client.
TEST_F(MassiveOnSimulator, RecordsTheFeedAndTheSimulatorReplaysIt) {
  const auto file = dir_ / "session.jsonl";
  MassiveRunOptions record;
  record.record = file;
  start_massive(record);
  ASSERT_TRUE(testing::wait_until([&] { return get("massive:heatmap:model:I:SPX:latest").has_value(); }, 40s));
  const auto seq0 = get_json("massive:clock")["seq"].get<std::int64_t>();
  ASSERT_TRUE(testing::wait_until([&] { return get_json("massive:clock")["seq"].get<std::int64_t>() > seq0 + 30; }, 20s));
  stop_massive();
  EXPECT_EQ(rc_, 0);

  vendor::RecordingReader reader(file);
  EXPECT_EQ(reader.header().source, "sim");
  std::map<std::string, int> ws;
  int rest = 0;
  while (auto e = reader.next()) {
    if (e->kind == vendor::RecordKind::ws) {
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
  {
    bus::BlockingRedis r(redis_.url(), 2000ms);
    r.command({"FLUSHALL"});
  }
  boost::asio::io_context replay_io;
  sim::SimServerOptions ro;
  ro.replay = file;
  ro.speed = 30;
  ro.api_key = "test-key";
  sim::SimServer replay(replay_io, ro);
  replay.start();
  std::thread replay_thread([&] { replay_io.run(); });
  env_.set("MS_SIM_PORT", std::to_string(replay.port()));
  start_massive();
  EXPECT_TRUE(testing::wait_until([&] { return get("massive:clock").has_value(); }, 20s));
  // The replay plays the recorded market time, not the wall clock of the recording's start.
  EXPECT_EQ(get_json("massive:clock")["session_date"], "2026-03-05");
  EXPECT_TRUE(testing::wait_until([&] { return get("massive:model:spot:I:SPX").has_value(); }, 20s)) << metrics();
  EXPECT_EQ(get_json("massive:clock")["source"], "sim");
  EXPECT_GT(replay.stats()["totals"]["frames_sent"].get<std::int64_t>(), 0);
  stop_massive();
  EXPECT_EQ(rc_, 0);
  replay.stop();
  replay.wait_stopped(5s);
  replay_io.stop();
  replay_thread.join();
}

}  // namespace
}  // namespace ms::massive
