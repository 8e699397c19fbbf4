#include "net/cors.hpp"

#include "core/error.hpp"

namespace ms::net {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

std::string normalize_origin(std::string_view origin) {
  while (!origin.empty() && origin.back() == '/') origin.remove_suffix(1);
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return {};
  const std::string_view host = origin.substr(scheme_end + 3);
  if (host.empty() || host.find_first_of("/?#@ ") != std::string_view::npos) return {};
  return to_lower(origin);
}

CorsPolicy::CorsPolicy(CorsOptions options) : options_(std::move(options)) {
  for (auto& o : options_.allowed_origins) {
    if (o == "*") {
      if (options_.allow_credentials)
        throw core::Error("invalid_cors_config",
                          "CORS: '*' cannot be combined with credentials; list the allowed origins");
      any_origin_ = true;
      continue;
    }
    std::string n = normalize_origin(o);
    if (n.empty()) throw core::Error("invalid_cors_config", "CORS: '" + o + "' is not an origin (scheme://host[:port])");
    o = std::move(n);
  }
}

bool CorsPolicy::origin_allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  if (any_origin_) return true;
  const std::string n = normalize_origin(origin);
  if (n.empty()) return false;
  for (const auto& o : options_.allowed_origins)
    if (o == n) return true;
  return false;
}

void CorsPolicy::apply(const Request& req, Response& res) const {
  if (!enabled()) return;
  if (!any_origin_) res.headers.add("Vary", "Origin");
  const auto origin = req.headers.get("Origin");
  if (!origin || !origin_allowed(*origin)) return;
  res.headers.set("Access-Control-Allow-Origin", any_origin_ ? std::string("*") : std::string(*origin));
  if (options_.allow_credentials) res.headers.set("Access-Control-Allow-Credentials", "true");
  if (!options_.exposed_headers.empty()) res.headers.set("Access-Control-Expose-Headers", join(options_.exposed_headers));
}

bool CorsPolicy::is_preflight(const Request& req) {
  return req.method == "OPTIONS" && req.headers.has("Origin") && req.headers.has("Access-Control-Request-Method");
}

Response CorsPolicy::preflight(const Request& req, const std::vector<std::string>& allowed_methods) const {
  const auto origin = req.headers.get_or("Origin");
  if (!origin_allowed(origin)) {
    auto res = Response::error(403, "cors_origin_not_allowed", "origin '" + origin + "' is not allowed");
    if (!any_origin_ && enabled()) res.headers.add("Vary", "Origin");
    return res;
  }
  Response res = Response::no_content();
  apply(req, res);
  res.headers.set("Access-Control-Allow-Methods", join(allowed_methods));
  res.headers.set("Access-Control-Allow-Headers", join(options_.allowed_headers));
  res.headers.set("Access-Control-Max-Age", std::to_string(options_.max_age.count()));
  return res;
}

}  // namespace ms::net
