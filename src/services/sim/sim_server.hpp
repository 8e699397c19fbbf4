#pragma once
// `marketswarm sim` on the network: the pure simulator (SimMarket, RestApi, WsSession) behind
// net::HttpServer, so a vendor client talks to it exactly as to Massive.com (spec massive.md
// §2.2b). Docs: docs/api/simulator.md.
//
//   GET  /v3/snapshot/options/{underlying}                     RestApi (chain snapshot, paginated)
//   GET  /v3/snapshot/indices                                  RestApi
//   GET  /v2/snapshot/locale/us/markets/stocks/tickers/{ticker} RestApi
//   WS   /options /stocks /indices                             one WsSession per connection
//   GET  /sim/stats                                            stats() as JSON
//   POST /sim/drop[?cluster=options|stocks|indices]            drop_connections(cluster)
//   GET  /healthz /readyz /metrics                             net::add_ops_routes
//
// Market driver: a steady timer on a strand wakes every `driver_interval` (wall), maps the wall
// clock onto market time through core::SimSessionMap (09:30-16:00 ET at `speed`, rolling to the
// next trading day) and runs every due SimMarket tick, handing each to every authenticated
// connection's WsSession. A batch that exceeds its time budget stops early; when the market
// lags the mapping by more than a wall second, the mapping is rebased onto the market (market
// time slows instead of falling behind forever; logged once, counted in stats "lag_resets").
// One mutex guards the SimMarket and every WsSession: the driver, REST handlers and WS messages
// take it, so nothing races the driver (frames are only queued while it is held).
//
// Replay (`replay` set): no SimMarket; records of a marketdata::Replayer are paced at `speed` from
// the header's start_ms. ws records go to every authenticated connection whose cluster matches
// the record's feed (subscriptions are not consulted); a clock status frame is synthesised every
// market second (recorded clock frames of a simulator session are skipped); REST answers the
// latest recorded response for the same path+query (apiKey ignored), else the first one
// recorded for that path+query, else the first for that path, else 404 in the vendor's error
// shape. When the recording ends connections stay open and stats say "replay_finished":true.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/market_calendar.hpp"
#include "services/sim/fault_injector.hpp"
#include "services/sim/sim_market.hpp"

namespace boost::asio {
class io_context;
}

namespace ms::core {
class MetricsRegistry;
}

namespace ms::sim {

struct SimServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral (tests)
  std::uint64_t seed = 1;
  double speed = 1.0;                        // market ms per wall ms, 0 < speed <= 10000
  std::chrono::milliseconds start_offset{0};  // into the first session
  std::optional<core::Date> first_session;    // default core::sim_session_date(wall now)
  std::string api_key;                        // empty accepts any non-empty key
  double messages_per_second = 0;             // rate knob per connection (load tests)
  FaultConfig faults;                         // applied to every new WS connection
  std::optional<std::filesystem::path> replay;  // serve a recording instead of the model
  std::function<std::int64_t()> wall_clock;     // epoch ms; default system clock (tests inject)
  core::MetricsRegistry* metrics = nullptr;
  // ---- beyond the CLI ----
  std::optional<SimConfig> market;  // the model's configuration (its seed is replaced by `seed`)
  std::chrono::milliseconds driver_interval{20};  // wall time between driver wakes
  std::chrono::milliseconds batch_budget{50};     // wall time one wake may spend on ticks
};

class SimServer {
 public:
  // Validates the options (core::Error "bad_speed", "bad_offset", "bad_options"); the market and
  // the listening socket are created in start().
  SimServer(boost::asio::io_context& io, SimServerOptions options);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Builds the market (or opens the recording), runs the first tick, binds and starts the
  // driver. Throws core::Error ("bind_failed", "recording_io", "bad_recording", ...).
  void start();
  std::uint16_t port() const;
  std::string base_url() const;                        // "http://127.0.0.1:<port>"
  std::string ws_url(std::string_view cluster) const;  // "ws://127.0.0.1:<port>/options"

  // Stops the driver and the HTTP server (WebSockets close with 1001). Returns at once.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(2));
  // Not from an io_context thread.
  bool wait_stopped(std::chrono::milliseconds timeout);

  nlohmann::json stats() const;  // same as GET /sim/stats
  // Closes the WS connections of that cluster ("options" or "/options"; all when empty) with
  // 1001; returns how many.
  std::size_t drop_connections(std::string_view cluster = {});
  void set_faults(FaultConfig faults);  // for connections opened afterwards

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace ms::sim
