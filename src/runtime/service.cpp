#include "runtime/service.hpp"

#include <atomic>
#include <csignal>
#include <future>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "bus/blocking_redis.hpp"
#include "bus/keys.hpp"
#include "bus/redis_url.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "net/error_response.hpp"
#include "net/io_runtime.hpp"
#include "net/ops_routes.hpp"
#include "store/async.hpp"
#include "store/migrations.hpp"

namespace ms::runtime {

namespace asio = boost::asio;
using namespace std::chrono_literals;

core::Truth load_truth(const std::string& truth_file, std::chrono::milliseconds wait) {
  if (!truth_file.empty()) return core::load_truth_from_file(truth_file);
  const std::string url = core::env_or("TRUTH_REDIS_URL", "redis://127.0.0.1:6379");
  const std::string key = core::env_or("TRUTH_REDIS_KEY", "truth");
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::string last_problem;
  while (true) {
    try {
      bus::BlockingRedis redis(url, 1000ms);
      auto reply = redis.command({"GET", key});
      if (reply.type == bus::Reply::Type::string) return core::Truth::from_string(reply.str);
      last_problem = reply.is_error() ? reply.str : "key '" + key + "' is not set (run `marketswarm truth load`)";
    } catch (const core::Error& e) {
      if (e.code() != "redis_unavailable") throw;
      last_problem = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline)
      throw core::Error("truth_unavailable", "cannot read truth from " + bus::redact_url(url) + ": " + last_problem);
    std::this_thread::sleep_for(100ms);
  }
}

std::vector<std::string> buses_used_by(const core::Truth& truth, const std::string& id) {
  std::set<std::string> names{"system-redis"};
  const auto& c = truth.component(id);
  auto collect = [&](const nlohmann::json& block, const char* a, const char* b) {
    if (!block.is_object()) return;
    for (const char* side : {a, b}) {
      auto it = block.find(side);
      if (it == block.end() || !it->is_array()) continue;
      for (const auto& item : *it)
        if (item.is_object() && item.contains("bus") && item["bus"].is_string()) names.insert(item["bus"].get<std::string>());
    }
  };
  if (c.contains("access_points")) collect(c["access_points"], "publish_to", "subscribe_to");
  if (c.contains("models")) collect(c["models"], "produces", "consumes");
  // Truth's wiring check already refuses unknown buses; this only keeps the list to declared ones.
  const auto declared = truth.bus_names();
  std::vector<std::string> out;
  for (const auto& n : names)
    if (std::find(declared.begin(), declared.end(), n) != declared.end()) out.push_back(n);
  return out;
}

ServiceContext::ServiceContext(const ServiceSpec& spec, const ServiceOptions& options, core::Truth truth,
                               asio::io_context& io)
    : spec_(spec),
      options_(options),
      truth_(std::move(truth)),
      io_(io),
      metrics_(spec.id),
      secrets_(core::Secrets::for_component(spec.id, truth_.secret_names(spec.id))) {
  // Followers read massive:clock; the publisher (massive) feeds the same type from its market
  // feed, so both ask one clock type (DESIGN §9 "Market clock").
  clock_ = std::make_unique<core::MarketClock>(core::MarketClock::Options{.mode = core::MarketClock::Mode::follower});
}

ServiceContext::~ServiceContext() = default;

const std::shared_ptr<bus::RedisClient>& ServiceContext::bus(const std::string& name) const {
  auto it = buses_.find(name);
  if (it == buses_.end())
    throw core::Error("bus_not_connected", spec_.id + " does not use bus " + name + " (see its truth component)");
  return it->second;
}

bool ServiceContext::has_bus(const std::string& name) const { return buses_.count(name) != 0; }

store::Database& ServiceContext::database() {
  if (!database_) throw core::Error("no_database", spec_.id + " was started without a database");
  return *database_;
}

net::Router& ServiceContext::router() {
  if (!http_) throw core::Error("no_http", spec_.id + " has no http block in truth");
  return http_->router();
}

void ServiceContext::request_stop() {
  if (stop_) stop_();
}

namespace {

asio::awaitable<net::Readiness> check_ready(ServiceContext& ctx, const ServiceSpec& spec) {
  net::Readiness r;
  for (const auto& [name, client] : ctx.buses()) {
    const auto t0 = std::chrono::steady_clock::now();
    nlohmann::json d;
    try {
      // Built outside the co_await: GCC 12 cannot keep array temporaries in a coroutine frame.
      std::vector<std::string> ping{std::string("PING")};
      auto reply = co_await client->command(std::move(ping));
      d["ok"] = !reply.is_error();
      d["latency_ms"] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (reply.is_error()) {
        spdlog::warn("{}: readiness PING of {} answered: {}", spec.id, name, reply.str);
        d["error"] = "redis_error_reply";
      }
    } catch (const std::exception& e) {
      // /readyz bodies name the error code only; what() (host:port, driver text) is logged.
      spdlog::warn("{}: readiness check of {} failed: {}", spec.id, name, e.what());
      d["ok"] = false;
      d["error"] = net::public_failure(e);
    }
    if (!d["ok"].get<bool>()) r.ok = false;
    r.details[name] = d;
  }
  if (spec.needs_database) {
    nlohmann::json d;
    try {
      co_await store::async_read(ctx.database(), [](soci::session& s) {
        int one = 0;
        s << "SELECT 1", soci::into(one);
        return one;
      });
      d["ok"] = true;
    } catch (const std::exception& e) {
      spdlog::warn("{}: readiness check of the database failed: {}", spec.id, e.what());
      d["ok"] = false;
      d["error"] = net::public_failure(e);
      r.ok = false;
    }
    r.details["database"] = d;
  }
  if (spec.readiness) {
    auto extra = spec.readiness();
    if (!extra.ok) r.ok = false;
    for (auto it = extra.details.begin(); it != extra.details.end(); ++it) r.details[it.key()] = it.value();
  }
  co_return r;
}

template <class T>
T run_blocking(asio::io_context& io, asio::awaitable<T> aw) {
  auto fut = asio::co_spawn(io, std::move(aw), asio::use_future);
  return fut.get();
}

}  // namespace

int run_service(const ServiceSpec& spec, const ServiceOptions& options) {
  // Signals are read by this thread only; io threads never see them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);

  core::Truth truth = load_truth(options.truth_file);
  if (!truth.has_component(spec.id))
    throw core::Error("truth_unknown_component", "truth has no component '" + spec.id + "'");

  const unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  net::IoRuntime rt(threads);
  auto& io = rt.context();
  ServiceContext ctx(spec, options, truth, io);
  std::atomic<bool> stop{false};
  ctx.stop_ = [&stop] { stop = true; };

  // Buses.
  for (const auto& name : buses_used_by(ctx.truth_, spec.id)) {
    bus::RedisOptions ro;
    ro.url = ctx.truth_.bus_url(name);
    ro.name = name;
    ro.metrics = &ctx.metrics_;
    ctx.buses_[name] = bus::RedisClient::create(io.get_executor(), ro);
  }
  rt.start();

  // Market clock: every service but the publisher follows massive:clock on market-redis.
  if (spec.clock == ClockRole::follower && ctx.has_bus("market-redis")) {
    auto market = ctx.bus("market-redis");
    auto* clock = ctx.clock_.get();
    ctx.subscriptions_.push_back(run_blocking(
        io, market->subscribe(std::string(bus::keys::clock_channel.tmpl),
                              [clock](const bus::Message& m) { clock->update_from_text(m.payload); })));
    // The latest state, in case the publisher is quiet right now.
    try {
      if (auto latest = run_blocking(io, market->get(std::string(bus::keys::clock.tmpl))))
        clock->update_from_text(*latest);
    } catch (const core::Error& e) {
      spdlog::warn("{}: market clock not readable yet: {}", spec.id, e.what());
    }
  }

  // Database: one migration sequence for every service, applied under a lock.
  if (spec.needs_database) {
    store::DatabaseConfig dc;
    dc.url = ctx.truth_.database_url();
    dc.data_dir = options.data_dir;
    if (dc.url.rfind("mysql:", 0) == 0) dc.password = ctx.secrets_.get("DATABASE_PASSWORD").value_or("");
    ctx.database_.emplace(store::Database::open(dc));
    auto result = store::migrate(*ctx.database_);
    // A mysql:// URL may carry a password like a redis:// one: the same redactor covers both.
    spdlog::info("{}: database {} at schema version {}", spec.id, bus::redact_url(dc.url), result.version_after);
  }

  // HTTP with the ops routes.
  if (spec.serve_http) {
    if (auto ep = ctx.truth_.http(spec.id)) {
      net::ServerOptions so;
      so.bind_address = ep->bind;
      so.port = static_cast<std::uint16_t>(ep->port);
      so.metrics = &ctx.metrics_;
      if (spec.server_options) spec.server_options(so);
      ctx.http_ = std::make_unique<net::HttpServer>(io, so);
      net::OpsOptions oo;
      oo.service = spec.id;
      oo.metrics = &ctx.metrics_;
      oo.readiness = [&ctx, &spec]() -> asio::awaitable<net::Readiness> { co_return co_await check_ready(ctx, spec); };
      net::add_ops_routes(ctx.http_->router(), oo);
    }
  }

  // Heartbeat on system-redis.
  {
    const auto hb = ctx.truth_.heartbeat(spec.id);
    bus::HeartbeatOptions ho;
    ho.service = spec.id;
    ho.truth_sha = ctx.truth_.sha256();
    ho.interval = options.heartbeat_interval.count() ? options.heartbeat_interval
                                                     : std::chrono::milliseconds(hb.interval_sec * 1000);
    ho.ttl = std::chrono::seconds(hb.ttl_sec);
    ctx.heartbeat_ = std::make_unique<bus::Heartbeat>(ctx.bus("system-redis"), ho);
    ctx.heartbeat_->start();
  }

  int exit_code = 0;
  try {
    if (spec.configure) spec.configure(ctx);
    if (ctx.http_) {
      ctx.http_->start();
      spdlog::info("{}: listening on http://{}:{}", spec.id, ctx.truth_.http(spec.id)->bind, ctx.http_->port());
    }
    ctx.heartbeat_->set_status(bus::HeartbeatStatus::running);

    while (!stop) {
      timespec ts{0, 200'000'000};
      siginfo_t info;
      int sig = ::sigtimedwait(&set, &info, &ts);
      if (sig > 0) {
        spdlog::info("{}: {} received, stopping", spec.id, ::strsignal(sig));
        break;
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", spec.id, e.what());
    exit_code = 1;
  }

  // Stop in reverse order, within the grace.
  ctx.heartbeat_->set_status(bus::HeartbeatStatus::stopping);
  try {
    if (spec.on_stop) spec.on_stop(ctx);
  } catch (const std::exception& e) {
    spdlog::error("{}: while stopping: {}", spec.id, e.what());
  }
  if (ctx.http_) {
    ctx.http_->stop(options.stop_grace);
    ctx.http_->wait_stopped(options.stop_grace + 500ms);
  }
  try {
    auto fut = asio::co_spawn(io, ctx.heartbeat_->stop(), asio::use_future);
    fut.wait_for(1s);
  } catch (const std::exception&) {
  }
  ctx.subscriptions_.clear();
  for (auto& [name, client] : ctx.buses_) client->close();
  rt.stop();
  ctx.http_.reset();
  ctx.heartbeat_.reset();
  return exit_code;
}

}  // namespace ms::runtime
