#pragma once
// The three operational endpoints every service has:
//   GET /healthz  → 200 {"status":"ok","service":<name>}            (the process answers)
//   GET /readyz   → 200 {"status":"ready","service","checks":{...}}  (its buses and DB answer)
//                   503 {"success":false,"error":"...","code":"not_ready","status":"not_ready",
//                        "service","checks":{...}}
//   GET /metrics  → the registry in Prometheus text format (text/plain; version=0.0.4)
// /readyz and /metrics answer loopback clients only unless loopback_only is false (DESIGN §10);
// others get 403 JSON "forbidden".
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/metrics.hpp"
#include "net/router.hpp"
#include "net/sync_or_async.hpp"

namespace ms::net {

struct Readiness {
  bool ok = true;
  // Per-dependency details, e.g. {"market_redis":{"ok":true,"latency_ms":0.4},"db":{"ok":false,
  // "error":"connection refused"}}.
  nlohmann::json details = nlohmann::json::object();
};

// A readiness check, plain or coroutine. Throwing counts as not ready (its message is shown).
using ReadinessCheck = SyncOrAsync<Readiness>;

struct OpsOptions {
  std::string service{};
  core::MetricsRegistry* metrics = nullptr;  // /metrics answers 404 JSON without one
  ReadinessCheck readiness{};                // unset: always ready
  bool loopback_only = true;
};

// Registers /healthz, /readyz and /metrics on `router`.
void add_ops_routes(Router& router, OpsOptions options);

}  // namespace ms::net
