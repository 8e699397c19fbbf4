#include "net/dispatch.hpp"

#include "net/error_response.hpp"

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

Dispatcher::Dispatcher(const Router& router, CorsOptions cors, const std::optional<StaticFilesOptions>& static_files)
    : router_(router), cors_(std::move(cors)) {
  if (static_files) static_files_.emplace(*static_files);
}

RouteMatch Dispatcher::match(const Request& req) const { return router_.match(req.method, req.path); }

std::size_t Dispatcher::body_limit(const RouteMatch& m, std::size_t server_default) const {
  if (m.route && m.route->options.body_limit) return *m.route->options.body_limit;
  return server_default;
}

boost::asio::awaitable<Response> Dispatcher::handle(Request& req, const RouteMatch& m) const {
  switch (m.kind) {
    case RouteMatch::Kind::bad_path:
      co_return Response::error(400, "bad_path", m.error);
    case RouteMatch::Kind::not_found:
      if (static_files_ && (req.method == "GET" || req.method == "HEAD")) co_return static_files_->serve(req);
      co_return Response::error(404, "not_found", "no route for " + req.method + " " + req.path);
    case RouteMatch::Kind::method_not_allowed: {
      if (req.method == "OPTIONS") {
        if (CorsPolicy::is_preflight(req)) co_return cors_.preflight(req, m.allowed_methods);
        Response res = Response::no_content();
        res.headers.set("Allow", join(m.allowed_methods));
        co_return res;
      }
      Response res = Response::error(405, "method_not_allowed",
                                     "method " + req.method + " not allowed for " + req.path +
                                         "; allowed: " + join(m.allowed_methods));
      res.headers.set("Allow", join(m.allowed_methods));
      co_return res;
    }
    case RouteMatch::Kind::found:
      break;
  }

  req.params = m.params;
  req.route_pattern = m.route->pattern;
  const Handler& h = m.route->handler;
  std::exception_ptr err;
  Response res;
  try {
    if (h.sync())
      res = h.sync()(req);
    else
      res = co_await h.async()(req);
  } catch (...) {
    err = std::current_exception();
  }
  // co_return cannot sit in a catch block; the mapping happens after it.
  if (err) co_return error_response(err, req);
  co_return res;
}

boost::asio::awaitable<std::optional<Response>> Dispatcher::check_upgrade(const WebSocketHandler& ws,
                                                                         Request& req) const {
  if (!ws.on_upgrade) co_return std::nullopt;
  std::exception_ptr err;
  std::optional<Response> res;
  try {
    if (ws.on_upgrade.sync())
      res = ws.on_upgrade.sync()(req);
    else
      res = co_await ws.on_upgrade.async()(req);
  } catch (...) {
    err = std::current_exception();
  }
  if (err) co_return error_response(err, req);
  co_return res;
}

void Dispatcher::finish(const Request& req, Response& res) const {
  cors_.apply(req, res);
  if (!req.request_id.empty()) res.headers.set("X-Request-Id", req.request_id);
  if (!res.headers.has("X-Content-Type-Options")) res.headers.set("X-Content-Type-Options", "nosniff");
}

bool Dispatcher::websocket_origin_allowed(const Request& req) const {
  const auto origin = req.headers.get("Origin");
  if (!origin) return true;
  if (cors_.origin_allowed(*origin)) return true;
  const std::string normalized = normalize_origin(*origin);
  const auto sep = normalized.find("://");
  if (sep == std::string::npos) return false;
  const auto host = req.headers.get("Host");
  return host && iequals(normalized.substr(sep + 3), *host);
}

std::string Dispatcher::route_label(const Request& req, const RouteMatch& m) const {
  if (m.route) return m.route->pattern;
  if (m.kind == RouteMatch::Kind::not_found && static_files_ && (req.method == "GET" || req.method == "HEAD"))
    return "static";
  return "unmatched";
}

}  // namespace ms::net
