#pragma once
// The HTTP/1.1 server every service runs: routes (router.hpp), SSE (sse.hpp), WebSockets
// (websocket.hpp), static files (static_files.hpp) and CORS (cors.hpp) behind one non-template
// type. Beast lives only in server_impl.cpp.
//
// Per request: a request id (a sane incoming X-Request-Id or a generated one, echoed in the
// response), the body limit (413 JSON naming it; per-route override in RouteOptions), 100
// Continue for `Expect: 100-continue`, the handler, CORS headers, `X-Content-Type-Options:
// nosniff`, one access-log line (secrets redacted) and, with a registry, the metrics
//   marketswarm_http_requests_total{route,method,status}   (status class: 2xx, 4xx, ...)
//   marketswarm_http_request_duration_seconds{route}
//   marketswarm_http_connections_open, marketswarm_sse_streams_open,
//   marketswarm_sse_disconnects_total{reason}, marketswarm_ws_sessions_open,
//   marketswarm_http_timeouts_total{phase}
// Malformed HTTP answers 400 JSON, oversized headers 431 JSON; both close the connection.
//
// Timeouts (all injectable): header_timeout bounds receiving a request head (a slowloris
// client is cut), idle_timeout bounds a keep-alive connection waiting for its next request,
// request_timeout bounds reading the body and writing the response. Handlers set their own
// deadlines for the work they do.
//
// Threads: run the io_context on any number of threads; each connection is serialised on its
// own strand. stop() and wait_stopped() may be called from any thread.
//
// Typical use:
//   net::IoRuntime io(2);
//   net::HttpServer server(io.context(), {.port = 3002, .cors = {.allowed_origins = {...}},
//                                         .metrics = &registry});
//   auto spot = net::Topic::create("spot", {}, [&] { return cache.spot_snapshot(); });
//   server.router().get("/api/logs/{id}", [&](net::Request& req) -> awaitable<net::Response> {
//     auto body = req.json_object();                    // 400/415 thrown as JSON errors
//     co_return net::Response::json(200, co_await store.update(req.param("id"), body));
//   });
//   server.router().get("/sse/spot", [spot](net::Request& req) {
//     auto stream = net::SseStream::create(req);
//     stream->attach(spot, req.last_event_id());
//     stream->push_json("connected", {{"channel", "spot"}});
//     return net::Response::event_stream(stream);
//   });
//   net::add_ops_routes(server.router(), {.service = "journal", .metrics = &registry,
//                                         .readiness = check_db_and_buses});
//   server.start(); io.start();
//   ... on SIGTERM: server.stop(5s); server.wait_stopped(6s); io.stop();
//   ... elsewhere, any thread: spot->publish_json(id, "spot", model);
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/cors.hpp"
#include "net/router.hpp"
#include "net/sse.hpp"
#include "net/static_files.hpp"
#include "net/websocket.hpp"

namespace boost::asio {
class io_context;
}

namespace ms::core {
class MetricsRegistry;
}

namespace ms::net {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see HttpServer::port()
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::size_t max_connections = 10'000;  // beyond it new connections are closed at once
  CorsOptions cors{};
  std::optional<StaticFilesOptions> static_files{};  // fallback for GET/HEAD paths no route has
  bool access_log = true;
  // Access-log levels (access_log_level): the successful requests of internal traffic log at
  // debug, so a console at info keeps starts, stops, warnings and errors. `internal_traffic`:
  // every caller of this server is one of our own processes (the simulator, which massive polls
  // several times a second). `probe_routes`: route patterns (as registered, not request paths)
  // that monitors and the supervisor poll, by default the ops routes of net/ops_routes.hpp.
  bool internal_traffic = false;
  std::vector<std::string> probe_routes{"/healthz", "/readyz", "/metrics"};
  SseOptions sse{};
  WebSocketOptions websocket{};
  core::MetricsRegistry* metrics = nullptr;  // must outlive the server
};

class HttpServer {
 public:
  // Validates the options (throws core::Error: invalid_cors_config, static_root_missing).
  HttpServer(boost::asio::io_context& ioc, ServerOptions options);
  // Stops without grace if still running; safe while io threads run.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Add routes before start().
  Router& router() noexcept;

  // Binds and starts accepting. Throws core::Error("bind_failed") naming the address.
  void start();
  // The bound port (valid after start()).
  std::uint16_t port() const noexcept;

  // Graceful stop: stop accepting; close idle keep-alive connections; let in-flight requests
  // finish (their responses carry Connection: close); end SSE streams after their queued events
  // (the client sees the stream end) and close WebSockets with 1001; after `grace`, close
  // whatever is left. Returns at once.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // Blocks until stop() has finished (every connection closed); false on timeout. Do not call
  // from an io_context thread.
  bool wait_stopped(std::chrono::milliseconds timeout);
  bool stopped() const;

  std::size_t open_connections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace ms::net
