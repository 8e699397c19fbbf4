#pragma once
// CORS from an explicit allow-list. Only an Origin that is on the list is echoed in
// Access-Control-Allow-Origin; a reflected arbitrary origin with credentials (the original
// gateway's bug) is impossible by construction, and "*" is refused when credentials are on.
// Every response carries `Vary: Origin` while a list is configured, so caches keep per-origin
// variants apart.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"

namespace ms::net {

struct CorsOptions {
  // Exact origins, e.g. "https://app.example.com", "http://localhost:5173". "*" (any origin)
  // is accepted only when allow_credentials is false.
  std::vector<std::string> allowed_origins{};
  bool allow_credentials = false;
  std::vector<std::string> allowed_headers{"Content-Type", "Authorization", "X-Request-Id", "If-Match",
                                           "Idempotency-Key", "Last-Event-ID"};
  std::vector<std::string> exposed_headers{"X-Request-Id"};
  std::chrono::seconds max_age{600};
};

class CorsPolicy {
 public:
  // Throws core::Error("invalid_cors_config") for "*" together with credentials or an origin
  // that is not scheme://host[:port].
  explicit CorsPolicy(CorsOptions options = {});

  bool enabled() const noexcept { return !options_.allowed_origins.empty(); }
  bool origin_allowed(std::string_view origin) const;

  // Adds the CORS response headers for an actual (non-preflight) request.
  void apply(const Request& req, Response& res) const;
  // True for OPTIONS with Origin and Access-Control-Request-Method.
  static bool is_preflight(const Request& req);
  // 204 with Allow-Methods/Headers for an allowed origin; 403 JSON "cors_origin_not_allowed"
  // otherwise.
  Response preflight(const Request& req, const std::vector<std::string>& allowed_methods) const;

 private:
  CorsOptions options_;
  bool any_origin_ = false;
};

// "scheme://host[:port]" lower-cased, without a trailing slash; empty when not an origin.
std::string normalize_origin(std::string_view origin);

}  // namespace ms::net
