#pragma once
// What happens to a parsed request between the socket and the handler, kept out of the Beast
// translation unit: route matching, OPTIONS/CORS preflight, 404/405/426, the static-file
// fallback, the handler call (exceptions mapped by net/error_response.hpp), and the headers
// every response gets.
// The server (server_impl.cpp) calls match() after the head arrives (to pick the body limit and
// spot WebSocket routes) and handle() once the body is in.
#include <utility>

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "net/cors.hpp"
#include "net/http.hpp"
#include "net/router.hpp"
#include "net/static_files.hpp"

namespace ms::net {

class Dispatcher {
 public:
  Dispatcher(const Router& router, CorsOptions cors, const std::optional<StaticFilesOptions>& static_files);

  RouteMatch match(const Request& req) const;
  std::size_t body_limit(const RouteMatch& m, std::size_t server_default) const;

  // Never throws; sets req.params and req.route_pattern. The result still needs finish().
  boost::asio::awaitable<Response> handle(Request& req, const RouteMatch& m) const;

  // Runs an optional upgrade check (never throws: an exception becomes its error response).
  boost::asio::awaitable<std::optional<Response>> check_upgrade(const WebSocketHandler& ws, Request& req) const;

  // CORS headers, X-Request-Id, nosniff: for every response, including errors made by the server.
  void finish(const Request& req, Response& res) const;

  // Browser WebSocket upgrades must come from an allowed origin or the same origin (Host);
  // requests without Origin (non-browser clients) pass.
  bool websocket_origin_allowed(const Request& req) const;

  // The label used in metrics: the route pattern, "static", or "unmatched".
  std::string route_label(const Request& req, const RouteMatch& m) const;

 private:
  const Router& router_;
  CorsPolicy cors_;
  std::optional<StaticFiles> static_files_;
};

}  // namespace ms::net
