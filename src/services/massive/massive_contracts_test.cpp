// Issue 7 item 6, through real Redis and the in-process simulator:
// - massive:chain:latest is announced on massive:chain:latest:update each time it is rewritten,
//   the notice carrying the key's own {version,seq,ts,epoch,session_date,count};
// - MASSIVE_MODEL_DTES is a list: "0,4" builds exactly dte 0 and dte 4 (not Friday's dte 1);
// - spot sources are ordered by the vendor's stamps: a REST snapshot older than the last V.
//   event never overwrites it, and a V. event older than a newer snapshot is dropped too — both
//   counted in /metrics (a scripted recording served by the simulator's replay mode).
#include <utility>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "bus/blocking_redis.hpp"
#include "bus/redis_client.hpp"
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

// The messages of one channel, parsed.
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
          sub_ = co_await client_->subscribe(channel_, [this](const bus::Message& m) {
            std::lock_guard lock(mu_);
            messages_.push_back(json::parse(m.payload));
          });
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

double metric(const std::string& body, const std::string& name_and_labels) {
  const auto at = body.find(name_and_labels + " ");
  if (at == std::string::npos) return 0;
  return std::stod(body.substr(at + name_and_labels.size() + 1));
}

// 2026-03-05 (a Thursday) at 10:00 ET = 15:00 UTC, in epoch ms.
constexpr core::Date kSession{std::chrono::year{2026}, std::chrono::month{3}, std::chrono::day{5}};
std::int64_t session_ms(std::chrono::minutes after_midnight_utc) {
  using namespace std::chrono;
  return duration_cast<milliseconds>((sys_days{kSession} + after_midnight_utc).time_since_epoch()).count();
}

class MassiveContracts : public ::testing::Test {
 protected:
  void start_sim(sim::SimServerOptions so) {
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
    env_.set("MASSIVE_WS_RECONNECT_DELAY_SEC", "0.2");
    env_.set("MASSIVE_MAX_QUOTE_CONTRACTS", "100");
  }

  void start_massive() {
    auto built = core::truth::build(testing::source_truth_dir());
    ASSERT_TRUE(built.ok());
    built.composite["node"]["market"]["source"] = "sim";
    truth_file_ = dir_ / "truth.json";
    std::ofstream(truth_file_) << built.composite.dump();
    spec_ = massive_spec({}, [this](runtime::ServiceContext& c) { ctx_ = &c; });
    runtime::ServiceOptions o;
    o.truth_file = truth_file_.string();
    o.data_dir = dir_.path();
    o.threads = 2;
    o.heartbeat_interval = 200ms;
    massive_thread_ = std::thread([this, o] { runtime::run_service(spec_, o); });
    ASSERT_TRUE(testing::wait_until([&] { return ctx_.load() != nullptr; }, 15s));
  }

  void TearDown() override {
    if (massive_thread_.joinable()) {
      if (ctx_.load()) ctx_.load()->request_stop();
      massive_thread_.join();
    }
    if (sim_) {
      sim_->stop();
      sim_->wait_stopped(5s);
    }
    sim_io_.stop();
    if (sim_thread_.joinable()) sim_thread_.join();
  }

  json get_json(const std::string& key) {
    bus::BlockingRedis r(redis_.url(), 2000ms);
    auto reply = r.command({"GET", key});
    if (reply.type != bus::Reply::Type::string) return json();
    return json::parse(reply.str);
  }

  std::string metrics() {
    static net::HttpClient client;
    net::HttpClient::Request r;
    r.url = "http://127.0.0.1:" + std::to_string(http_port_) + "/metrics";
    r.connect_timeout = 500ms;
    r.total_timeout = 2000ms;
    try {
      auto res = client.perform(r);
      return res.ok() || res.status == 503 ? res.body : "";
    } catch (const std::exception&) {
      return "";
    }
  }

  testing::RedisServer redis_;
  testing::TempDir dir_{"ms-massive-contracts"};
  ScopedEnv env_;
  boost::asio::io_context sim_io_;
  std::unique_ptr<sim::SimServer> sim_;
  std::thread sim_thread_;
  std::filesystem::path truth_file_;
  std::uint16_t http_port_ = 0;
  runtime::ServiceSpec spec_;
  std::atomic<runtime::ServiceContext*> ctx_{nullptr};
  std::thread massive_thread_;
};

TEST_F(MassiveContracts, ChainLatestIsAnnouncedOnEveryRewriteAndDtesAreExactlyTheList) {
  sim::SimServerOptions so;
  so.seed = 11;
  so.speed = 5;
  so.first_session = kSession;
  so.start_offset = std::chrono::minutes(60);  // 10:30 ET
  start_sim(so);
  env_.set("MASSIVE_SPOT_INTERVAL_SEC", "0.3");
  env_.set("MASSIVE_CHAIN_INTERVAL_SEC", "0.5");
  env_.set("MASSIVE_HEATMAP_PUBLISH_MS", "100");
  env_.set("MASSIVE_CHAIN_SYMBOLS", "I:SPX");
  // One expiry by count (Thursday's); Monday's comes only because dte 4 is listed, and Friday's
  // dte 1 is neither counted nor listed.
  env_.set("MASSIVE_CHAIN_NUM_EXPIRATIONS", "1");
  env_.set("MASSIVE_MODEL_DTES", "0,4");
  ChannelLog notices(redis_.url(), "massive:chain:latest:update");
  start_massive();

  ASSERT_TRUE(testing::wait_until([&] { return notices.messages().size() >= 4; }, 60s));
  // The key's header is one of the announced ones (the newest, once no rewrite is in flight).
  json key;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        key = get_json("massive:chain:latest");
        const auto m = notices.messages();
        return key.is_object() && !m.empty() && m.back()["seq"] == key["seq"];
      },
      30s));
  const auto m = notices.messages();
  const auto& last = m.back();
  for (const char* field : {"version", "ts", "epoch", "session_date", "count"}) {
    EXPECT_EQ(last[field], key[field]) << field;
  }
  EXPECT_EQ(last["session_date"], "2026-03-05");
  EXPECT_EQ(last["count"].get<std::size_t>(), key["contracts"].size());
  EXPECT_GT(last["count"].get<std::size_t>(), 0u);
  EXPECT_FALSE(last.contains("contracts"));  // a notice, not a second copy of the chain
  for (std::size_t i = 1; i < m.size(); ++i) {
    EXPECT_EQ(m[i]["seq"].get<std::int64_t>(), m[i - 1]["seq"].get<std::int64_t>() + 1) << i;
    EXPECT_GE(m[i]["ts"].get<std::int64_t>(), m[i - 1]["ts"].get<std::int64_t>()) << i;
  }

  // Exactly the listed DTEs are built.
  json heatmap;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        heatmap = get_json("massive:heatmap:model:I:SPX:latest");
        return heatmap.is_object() && heatmap["dte_tile_counts"].size() >= 2;
      },
      30s));
  std::vector<std::string> dtes;
  for (const auto& [dte, _] : heatmap["dte_tile_counts"].items()) dtes.push_back(dte);
  EXPECT_EQ(dtes, (std::vector<std::string>{"0", "4"}));
  std::set<std::string> expiries;
  for (const auto& [_, c] : key["contracts"].items()) expiries.insert(c["details"]["expiration_date"]);
  EXPECT_EQ(expiries, (std::set<std::string>{"2026-03-05", "2026-03-09"}));
}

// NDX alone, no SPX spot anywhere: its Bias/LFI, market mode and selector are built on its own
// scale (they used to wait for I:SPX to scale their constants).
TEST_F(MassiveContracts, NdxModelsNeedNoSpxSpot) {
  sim::SimServerOptions so;
  so.seed = 12;
  so.speed = 5;
  so.first_session = kSession;
  so.start_offset = std::chrono::minutes(60);
  start_sim(so);
  env_.set("MASSIVE_SPOT_INTERVAL_SEC", "0.3");
  env_.set("MASSIVE_CHAIN_INTERVAL_SEC", "0.5");
  env_.set("MASSIVE_GEX_INTERVAL_SEC", "0.5");
  env_.set("MASSIVE_SELECTOR_INTERVAL_SEC", "0.5");
  env_.set("MASSIVE_SPOT_SYMBOLS", "I:NDX,I:VIX");
  env_.set("MASSIVE_CHAIN_SYMBOLS", "I:NDX");
  env_.set("MASSIVE_CHAIN_NUM_EXPIRATIONS", "1");
  env_.set("MASSIVE_MODEL_DTES", "0");
  start_massive();
  json bias, mode, selector;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        bias = get_json("massive:bias_lfi:model:I:NDX:latest");
        mode = get_json("massive:market_mode:model:I:NDX:latest");
        selector = get_json("massive:selector:model:I:NDX:latest");
        return bias.is_object() && mode.is_object() && selector.is_object() && selector["spot"].is_number() &&
               bias["seq"] == mode["seq"];  // one build
      },
      60s));
  EXPECT_TRUE(get_json("massive:model:spot:I:SPX").is_null());
  EXPECT_GT(bias["spot"].get<double>(), 10000);
  EXPECT_EQ(mode["score"], bias["market_mode_score"]);
  const double score = mode["score"];
  if (std::abs(score - 67) > 0.05 && std::abs(score - 34) > 0.05) {  // the label uses the unrounded score
    EXPECT_EQ(mode["mode"], score >= 67 ? "expansion" : score >= 34 ? "transition" : "compression");
  }
  EXPECT_FALSE(selector.contains("error"));
  EXPECT_TRUE(get_json("massive:bias_lfi:model:latest").is_null());  // the seed key stays I:SPX's
}

TEST_F(MassiveContracts, SpotFollowsTheVendorsStampsNotArrivalOrder) {
  // A scripted vendor (the simulator replays it): offsets are market ms after 10:00 ET.
  const std::int64_t start = session_ms(std::chrono::minutes(15 * 60));
  const auto file = dir_ / "spot-order.jsonl";
  auto index_snapshot = [](double value, std::int64_t stamp_ms) {
    return json{{"status", "OK"},
                {"request_id", "r"},
                {"results",
                 {{{"ticker", "I:SPX"},
                   {"value", value},
                   {"last_updated", stamp_ms * 1'000'000},
                   {"timeframe", "REAL-TIME"},
                   {"session", {{"previous_close", 5980.0}}}}}}}
        .dump();
  };
  auto v_event = [](double value, std::int64_t stamp_ms) {
    return json::array({{{"ev", "V"}, {"val", value}, {"T", "I:SPX"}, {"t", stamp_ms}}}).dump();
  };
  {
    vendor::RecordingHeader h;
    h.start_ms = start;
    h.symbols = {"I:SPX"};
    vendor::RecordingWriter w(file, h);
    // A REST snapshot a minute old is all the REST endpoint has for the first 20 s.
    w.write_rest(start, "/v3/snapshot/indices?ticker.any_of=I:SPX", 200, index_snapshot(5990.0, start - 60'000));
    // V. events, stamped when sent, 6001.5 then 6002.5.
    for (std::int64_t t = 0; t < 20'000; t += 250) {
      w.write_ws(start + t, "indices", v_event(t < 10'000 ? 6001.5 : 6002.5, start + t));
    }
    // A newer snapshot, then V. events that arrive later but were stamped before it.
    w.write_rest(start + 20'000, "/v3/snapshot/indices?ticker.any_of=I:SPX", 200,
                 index_snapshot(6003.0, start + 20'000));
    for (std::int64_t t = 20'250; t < 30'000; t += 250) {
      w.write_ws(start + t, "indices", v_event(6000.0, start + 19'000));
    }
    w.flush();
  }
  sim::SimServerOptions so;
  so.speed = 2;
  so.replay = file;
  start_sim(so);
  env_.set("MASSIVE_SPOT_INTERVAL_SEC", "0.2");
  env_.set("MASSIVE_SPOT_SYMBOLS", "I:SPX");
  env_.set("MASSIVE_STOCK_SYMBOLS", "");
  env_.set("MASSIVE_CHAIN_SYMBOLS", "I:SPX");  // no chain in the recording: refreshes fail, counted
  ChannelLog updates(redis_.url(), "massive:spot:update:I:SPX");
  start_massive();

  ASSERT_TRUE(testing::wait_until([&] { return sim_->stats()["replay_finished"] == true; }, 60s));
  const std::string rest_stale = "marketswarm_massive_spot_dropped_total{service=\"massive\",reason=\"stale\",source=\"rest\"}";
  const std::string ws_stale = "marketswarm_massive_spot_dropped_total{service=\"massive\",reason=\"stale\",source=\"ws\"}";
  ASSERT_TRUE(testing::wait_until(
      [&] { return get_json("massive:model:spot:I:SPX")["value"] == 6003.0 && metric(metrics(), ws_stale) > 0; },
      20s))
      << metrics();
  EXPECT_GT(metric(metrics(), rest_stale), 0);

  // What was published: the stale snapshot at most as the very first value (before any V.),
  // then V. values (6001.5 unless massive connected after it was sent), then the newer
  // snapshot — never the stale snapshot again, never the late-stamped 6000.0.
  std::vector<double> values;
  std::vector<std::int64_t> stamps;
  for (const auto& u : updates.messages()) {
    values.push_back(u["value"]);
    stamps.push_back(u["ts_ms"]);
  }
  ASSERT_FALSE(values.empty());
  if (values.front() == 5990.0) {
    values.erase(values.begin());
    stamps.erase(stamps.begin());
  }
  if (!values.empty() && values.front() == 6001.5) values.erase(values.begin());
  EXPECT_EQ(values, (std::vector<double>{6002.5, 6003.0}));
  EXPECT_TRUE(std::is_sorted(stamps.begin(), stamps.end()));
  EXPECT_EQ(get_json("massive:model:spot:I:SPX")["ts_ms"], start + 20'000);
}

}  // namespace
}  // namespace ms::massive
