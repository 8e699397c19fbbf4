#pragma once
// Test support for massive's end-to-end tests: a real redis-server, the simulator in process on
// an ephemeral port, massive run through runtime::run_service exactly as `marketswarm massive`
// runs it, and small readers of Redis and /metrics. Header-only: it is test code and stays out of
// the service library.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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

namespace ms::massive::test_support {

using namespace std::chrono_literals;
using nlohmann::json;

struct HttpReply {
  int status = 0;  // 0: no answer
  std::string body;
};

inline HttpReply http_fetch(const std::string& url) {
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

// The body of a 2xx or 503 answer (a red /readyz still says why), else "".
inline std::string http_get(const std::string& url) {
  auto r = http_fetch(url);
  return (r.status >= 200 && r.status < 300) || r.status == 503 ? std::move(r.body) : "";
}

// The value of a metric line `name{labels} value` in a Prometheus text body (0 when absent).
inline double metric(const std::string& body, const std::string& name_and_labels) {
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

// A subscription to one market-bus channel, on its own connection and thread; `on_message`
// runs on that thread. Destroy it before whatever `on_message` touches.
class ChannelSubscription {
 public:
  ChannelSubscription(const std::string& url, std::string channel,
                      std::function<void(const bus::Message&)> on_message)
      : channel_(std::move(channel)), on_message_(std::move(on_message)) {
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
          sub_ = co_await client_->subscribe(channel_, [this](const bus::Message& m) { on_message_(m); });
          ready.set_value();
        },
        boost::asio::detached);
    if (f.wait_for(5s) != std::future_status::ready) throw std::runtime_error("subscribe timed out");
  }
  ~ChannelSubscription() {
    boost::asio::post(io_, [this] {
      sub_.unsubscribe();
      client_->close();
    });
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  ChannelSubscription(const ChannelSubscription&) = delete;
  ChannelSubscription& operator=(const ChannelSubscription&) = delete;

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::string channel_;
  std::function<void(const bus::Message&)> on_message_;
  std::shared_ptr<bus::RedisClient> client_;
  bus::Subscription sub_;
  std::thread thread_;
};

// Collects the messages of one channel (parsed), in arrival order.
class ChannelLog {
 public:
  ChannelLog(const std::string& url, std::string channel)
      : subscription_(url, std::move(channel), [this](const bus::Message& m) {
          std::lock_guard lock(mu_);
          messages_.push_back(json::parse(m.payload));
        }) {}
  std::vector<json> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return messages_.size();
  }

 private:
  std::mutex mu_;
  std::vector<json> messages_;
  ChannelSubscription subscription_;  // last: it stops before the log it appends to goes
};

// A simulator serving on an ephemeral port from its own thread, stopped on destruction.
class InProcessSim {
 public:
  explicit InProcessSim(sim::SimServerOptions options) : server_(io_, std::move(options)) {
    server_.start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~InProcessSim() {
    server_.stop();
    server_.wait_stopped(5s);
    io_.stop();
    thread_.join();
  }
  InProcessSim(const InProcessSim&) = delete;
  InProcessSim& operator=(const InProcessSim&) = delete;

  sim::SimServer& server() { return server_; }

 private:
  boost::asio::io_context io_;
  sim::SimServer server_;
  std::thread thread_;
};

// Short intervals for a debug build sharing two cores with the simulator.
inline std::map<std::string, std::string> fast_massive_env() {
  return {{"MASSIVE_API_KEY", "test-key"},
          {"MASSIVE_SPOT_INTERVAL_SEC", "0.3"},
          {"MASSIVE_CHAIN_INTERVAL_SEC", "1"},
          {"MASSIVE_GEX_INTERVAL_SEC", "0.5"},
          {"MASSIVE_SELECTOR_INTERVAL_SEC", "0.5"},
          {"MASSIVE_HEATMAP_PUBLISH_MS", "100"},
          {"MASSIVE_VOLUME_FLUSH_MS", "300"},
          {"MASSIVE_WS_RECONNECT_DELAY_SEC", "0.2"},
          {"MASSIVE_CHAIN_NUM_EXPIRATIONS", "3"},
          {"MASSIVE_MAX_QUOTE_CONTRACTS", "150"}};
}

// sim + redis + massive. Construct, adjust `sim_options` / `env`, then start_sim() and
// start_massive(); the destructor stops everything it started. massive may be stopped and
// started again (with other options or `env`); an entry MS_SIM_PORT in `env` points it at
// another simulator than the harness's own.
class MassiveHarness {
 public:
  MassiveHarness() {
    sim_options.seed = 7;
    sim_options.speed = 30;
    sim_options.first_session = core::Date{std::chrono::year{2026}, std::chrono::month{3}, std::chrono::day{5}};
    sim_options.api_key = "test-key";
    env = fast_massive_env();
  }
  ~MassiveHarness() {
    stop_massive();
    sim_.reset();
  }
  MassiveHarness(const MassiveHarness&) = delete;
  MassiveHarness& operator=(const MassiveHarness&) = delete;

  void start_sim() { sim_ = std::make_unique<InProcessSim>(sim_options); }

  // Writes truth (market source sim) and the environment, then runs massive in process.
  void start_massive(MassiveRunOptions options = {}) {
    for (const char* bus : {"MS_BUS_SYSTEM_REDIS_URL", "MS_BUS_MARKET_REDIS_URL", "MS_BUS_INTEL_REDIS_URL"})
      env_.set(bus, redis.url());
    if (http_port_ == 0) http_port_ = testing::reserve_free_port();
    env_.set("MS_MASSIVE_PORT", std::to_string(http_port_));
    if (sim_) env_.set("MS_SIM_PORT", std::to_string(sim_->server().port()));
    for (const auto& [k, v] : env) env_.set(k, v);
    auto built = core::truth::build(testing::source_truth_dir());
    ASSERT_TRUE(built.ok());
    built.composite["node"]["market"]["source"] = "sim";
    truth_file_ = dir / "truth.json";
    std::ofstream(truth_file_) << built.composite.dump();

    ctx_ = nullptr;
    spec_ = massive_spec(options, [this](runtime::ServiceContext& c) { ctx_ = &c; });
    runtime::ServiceOptions o;
    o.truth_file = truth_file_.string();
    o.data_dir = dir.path();
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

  bus::Reply command(const std::vector<std::string>& args) {
    bus::BlockingRedis r(redis.url(), 5000ms);
    return r.command(args);
  }
  std::optional<std::string> get(const std::string& key) {
    auto reply = command({"GET", key});
    if (reply.type != bus::Reply::Type::string) return std::nullopt;
    return reply.str;
  }
  json get_json(const std::string& key) {
    auto v = get(key);
    return v ? json::parse(*v) : json();
  }
  std::int64_t ttl(const std::string& key) { return command({"TTL", key}).integer; }
  std::string type(const std::string& key) { return command({"TYPE", key}).str; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  std::string metrics() { return http_get(base_url() + "/metrics"); }
  HttpReply readyz() { return http_fetch(base_url() + "/readyz"); }

  // Sets entries of `env` (over the fast defaults) in one go.
  void override_env(const std::map<std::string, std::string>& entries) {
    for (const auto& [k, v] : entries) env[k] = v;
  }

  sim::SimServer& sim() { return sim_->server(); }
  int exit_code() const { return rc_; }

  // Configured as `up` configures market-redis (a roomier pub/sub output limit for whole-model
  // diff subscribers).
  testing::RedisServer redis{testing::RedisServerOptions{{"--client-output-buffer-limit", "pubsub 256mb 64mb 60"}}};
  testing::TempDir dir{"ms-massive-e2e"};
  sim::SimServerOptions sim_options;
  std::map<std::string, std::string> env;  // applied at start_massive()

 private:
  ScopedEnv env_;
  std::unique_ptr<InProcessSim> sim_;
  std::filesystem::path truth_file_;
  std::uint16_t http_port_ = 0;
  runtime::ServiceSpec spec_;
  std::atomic<runtime::ServiceContext*> ctx_{nullptr};
  std::thread massive_thread_;
  int rc_ = -1;
};

}  // namespace ms::massive::test_support
