#pragma once
// Routes by method and path pattern.
//
// Patterns: "/api/models/gex/{symbol}" or "/api/models/gex/:symbol" (one segment, decoded into
// Request::params), and a wildcard tail "/assets/{*path}" (the rest of the path, possibly
// empty; only as the last segment). Literal segments beat parameters, which beat a wildcard,
// so "/api/x/latest" wins over "/api/x/{id}" whatever the registration order. A trailing slash
// is ignored ("/api/x/" matches "/api/x").
//
// Handlers are either `Response(Request&)` or `awaitable<Response>(Request&)`; both may
// throw (see http.hpp for how exceptions become JSON errors).
//
// Method matching: a GET route also answers HEAD (same headers, no body); a known path with
// an unregistered method answers 405 JSON with an `Allow` header; an unknown path answers 404
// JSON (or goes to static files when the server has a static root); OPTIONS answers a CORS
// preflight, or 204 with `Allow`, unless an explicit OPTIONS route exists.
//
// Add every route before HttpServer::start(); the table is read concurrently afterwards.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"
#include "net/sync_or_async.hpp"
#include "net/websocket.hpp"

namespace ms::net {

using Handler = SyncOrAsync<Response, Request&>;

struct RouteOptions {
  // Overrides ServerOptions::body_limit for this route (uploads, imports).
  std::optional<std::size_t> body_limit{};
};

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  std::shared_ptr<const WebSocketHandler> websocket;  // set for websocket routes (method GET)

  struct Segment {
    enum class Kind { literal, param, wildcard } kind;
    std::string text;  // the literal, or the parameter's name
  };
  std::vector<Segment> segments;
};

struct RouteMatch {
  enum class Kind { found, method_not_allowed, not_found, bad_path } kind = Kind::not_found;
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  // Methods the path answers (405 Allow, OPTIONS, CORS preflight): registered methods plus
  // HEAD where GET exists, plus OPTIONS; sorted, no duplicates.
  std::vector<std::string> allowed_methods;
  std::string error;  // for bad_path: what is wrong with the path
};

class Router {
 public:
  // Throws core::Error("invalid_route_pattern") for a malformed pattern and
  // core::Error("duplicate_route") when method + pattern is already registered.
  Router& add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  Router& get(std::string pattern, Handler h, RouteOptions o = {}) { return add("GET", std::move(pattern), std::move(h), o); }
  Router& post(std::string pattern, Handler h, RouteOptions o = {}) { return add("POST", std::move(pattern), std::move(h), o); }
  Router& put(std::string pattern, Handler h, RouteOptions o = {}) { return add("PUT", std::move(pattern), std::move(h), o); }
  Router& patch(std::string pattern, Handler h, RouteOptions o = {}) { return add("PATCH", std::move(pattern), std::move(h), o); }
  Router& del(std::string pattern, Handler h, RouteOptions o = {}) { return add("DELETE", std::move(pattern), std::move(h), o); }
  // A WebSocket endpoint (GET + Upgrade). A plain GET to it answers 426 JSON.
  Router& websocket(std::string pattern, WebSocketHandler handler);

  // `path` is the raw (percent-encoded) path without the query.
  RouteMatch match(std::string_view method, std::string_view path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const noexcept { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace ms::net
