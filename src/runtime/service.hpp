#pragma once
// A service's life in one place (DESIGN §4, §10 "a service context and a short service main"):
//
//   int main_of_journal(const runtime::ServiceOptions& o) {
//     runtime::ServiceSpec spec{.id = "journal", .needs_database = true};
//     spec.configure = [](runtime::ServiceContext& ctx) { add_routes(ctx.router(), ...); };
//     return runtime::run_service(spec, o);
//   }
//
// run_service: loads truth (--truth FILE, else GET $TRUTH_REDIS_KEY from $TRUTH_REDIS_URL), opens
// the buses the component names in truth, runs migrations when it needs the database, builds the
// HTTP server on the component's http bind/port with /healthz, /readyz (buses + database) and
// /metrics, starts the heartbeat, lets the service configure itself, then runs until SIGINT or
// SIGTERM and stops in reverse order within the stop grace.
#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/heartbeat.hpp"
#include "bus/redis_client.hpp"
#include "core/market_clock.hpp"
#include "core/metrics.hpp"
#include "core/secrets.hpp"
#include "core/truth/truth.hpp"
#include "net/ops_routes.hpp"
#include "net/router.hpp"
#include "net/server.hpp"
#include "store/database.hpp"

namespace boost::asio {
class io_context;
}

namespace ms::runtime {

// What the command line and environment say (the same for every service).
struct ServiceOptions {
  std::string truth_file;  // --truth FILE; empty: read truth from system-redis
  std::filesystem::path data_dir = "var";  // MS_DATA_DIR
  unsigned threads = 0;                    // 0: one per core
  std::chrono::milliseconds stop_grace{4000};
  std::chrono::milliseconds heartbeat_interval{0};  // 0: truth's heartbeat.interval_sec
};

enum class ClockRole {
  follower,   // reads massive:clock (every service but massive)
  publisher,  // massive: the clock is fed by the service itself
};

class ServiceContext;

struct ServiceSpec {
  std::string id;  // the truth component id = folder = subcommand
  bool needs_database = false;
  ClockRole clock = ClockRole::follower;
  bool serve_http = true;  // the component's truth `http` block (ops routes at least)
  // Called once everything is connected, before the HTTP server accepts: add routes, start
  // workers (co_spawn on ctx.io()). Throwing ends the service with exit code 1.
  std::function<void(ServiceContext&)> configure;
  // Called first on stop, while buses and the database still work: stop workers, flush.
  std::function<void(ServiceContext&)> on_stop;
  // Extra readiness checks beyond buses and the database.
  std::function<net::Readiness()> readiness;
  // Adjusts server options (static files, CORS, SSE limits) before the server is built.
  std::function<void(net::ServerOptions&)> server_options;
};

class ServiceContext {
 public:
  ServiceContext(const ServiceSpec& spec, const ServiceOptions& options, core::Truth truth,
                 boost::asio::io_context& io);
  ~ServiceContext();
  ServiceContext(const ServiceContext&) = delete;
  ServiceContext& operator=(const ServiceContext&) = delete;

  const std::string& id() const noexcept { return spec_.id; }
  const core::Truth& truth() const noexcept { return truth_; }
  boost::asio::io_context& io() noexcept { return io_; }
  const std::filesystem::path& data_dir() const noexcept { return options_.data_dir; }

  // A bus by truth name ("market-redis"). Throws core::Error("bus_not_connected") for a bus
  // this component does not use.
  const std::shared_ptr<bus::RedisClient>& bus(const std::string& name) const;
  bool has_bus(const std::string& name) const;
  const std::map<std::string, std::shared_ptr<bus::RedisClient>>& buses() const noexcept { return buses_; }

  // Throws core::Error("no_database") when the spec did not ask for one.
  store::Database& database();
  core::MetricsRegistry& metrics() noexcept { return metrics_; }
  const core::Secrets& secrets() const noexcept { return secrets_; }
  core::MarketClock& clock() noexcept { return *clock_; }
  bus::Heartbeat* heartbeat() noexcept { return heartbeat_.get(); }
  // Routes of this service's HTTP server (add them in configure()).
  net::Router& router();
  net::HttpServer* http() noexcept { return http_.get(); }

  // Ends run_service as if SIGTERM had arrived; any thread.
  void request_stop();

 private:
  friend int run_service(const ServiceSpec&, const ServiceOptions&);
  friend class ServiceRunner;

  const ServiceSpec& spec_;
  ServiceOptions options_;
  core::Truth truth_;
  boost::asio::io_context& io_;
  core::MetricsRegistry metrics_;
  core::Secrets secrets_;
  std::unique_ptr<core::MarketClock> clock_;
  std::map<std::string, std::shared_ptr<bus::RedisClient>> buses_;
  std::optional<store::Database> database_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<bus::Heartbeat> heartbeat_;
  std::vector<bus::Subscription> subscriptions_;
  std::function<void()> stop_;
};

// Loads truth as services do: a file, or the `truth` key on system-redis
// ($TRUTH_REDIS_URL, default redis://127.0.0.1:6379; key $TRUTH_REDIS_KEY, default "truth"),
// retrying for up to `wait` while Redis or the key is not there yet.
core::Truth load_truth(const std::string& truth_file, std::chrono::milliseconds wait = std::chrono::seconds(10));

// The buses a component uses: every bus named in its access_points and models, plus
// system-redis (heartbeat).
std::vector<std::string> buses_used_by(const core::Truth& truth, const std::string& id);

// Runs the service until SIGINT/SIGTERM (or request_stop()). Returns the process exit code.
int run_service(const ServiceSpec& spec, const ServiceOptions& options);

}  // namespace ms::runtime
