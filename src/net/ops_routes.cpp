#include "net/ops_routes.hpp"

#include <memory>

#include <spdlog/spdlog.h>

#include "net/error_response.hpp"

namespace ms::net {

namespace {

std::optional<Response> refuse_remote(const Request& req, bool loopback_only) {
  if (!loopback_only || req.is_loopback()) return std::nullopt;
  return Response::error(403, "forbidden", req.path + " answers loopback clients only");
}

Response readiness_response(const std::string& service, const Readiness& r) {
  if (r.ok) return Response::json(200, {{"status", "ready"}, {"service", service}, {"checks", r.details}});
  return Response::error(503, "not_ready", "service " + service + " is not ready", std::nullopt,
                         {{"status", "not_ready"}, {"service", service}, {"checks", r.details}});
}

}  // namespace

void add_ops_routes(Router& router, OpsOptions options) {
  auto opts = std::make_shared<const OpsOptions>(std::move(options));

  router.get("/healthz", [opts](Request&) {
    return Response::json(200, {{"status", "ok"}, {"service", opts->service}});
  });

  router.get("/readyz", [opts](Request& req) -> boost::asio::awaitable<Response> {
    if (auto refused = refuse_remote(req, opts->loopback_only)) co_return *refused;
    Readiness r;
    std::string failure;
    try {
      if (opts->readiness.sync())
        r = opts->readiness.sync()();
      else if (opts->readiness.async())
        r = co_await opts->readiness.async()();
    } catch (const std::exception& e) {
      // The body names the error code only: what() holds host:port and driver text.
      spdlog::warn("readiness check of {} threw (rid={}): {}", opts->service, req.request_id, e.what());
      failure = public_failure(e);
    }
    if (!failure.empty()) {
      r.ok = false;
      r.details["error"] = failure;
    }
    co_return readiness_response(opts->service, r);
  });

  router.get("/metrics", [opts](Request& req) {
    if (auto refused = refuse_remote(req, opts->loopback_only)) return *refused;
    if (!opts->metrics) return Response::error(404, "not_found", "service " + opts->service + " keeps no metrics");
    return Response::text(200, opts->metrics->render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace ms::net
