// The only translation unit that includes Beast (HTTP parsing, WebSocket framing). Everything a
// handler sees is translated to and from the plain types in http.hpp; policy (routing, CORS,
// errors, static files) lives in dispatch.cpp. Compiled in the `heavy` job pool.
#include <utility>  // before asio (see STACK-NOTES)

#include "net/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/metrics.hpp"
#include "net/access_log.hpp"
#include "net/dispatch.hpp"
#include "net/url.hpp"

namespace ms::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

auto with_ec(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

std::string status_class(int status) { return std::to_string(status / 100) + "xx"; }

bool valid_header_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool valid_header_value(std::string_view v) {
  return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Headers a handler may not set because the server owns the framing.
bool framing_header(std::string_view n) {
  return iequals(n, "Content-Length") || iequals(n, "Transfer-Encoding") || iequals(n, "Connection");
}

// The server's view of the registry: series created lazily, nothing when no registry was given.
class ServerMetrics {
 public:
  explicit ServerMetrics(core::MetricsRegistry* reg) : reg_(reg) {
    if (!reg_) return;
    connections_ = &reg_->gauge("http_connections_open", "Open HTTP connections");
    sse_open_ = &reg_->gauge("sse_streams_open", "Open SSE streams");
    ws_open_ = &reg_->gauge("ws_sessions_open", "Open WebSocket sessions");
  }
  void request(const std::string& route, const std::string& method, int status, Clock::duration d) {
    if (!reg_) return;
    reg_->counter("http_requests_total", "HTTP requests by route, method and status class",
                  {{"route", route}, {"method", method}, {"status", status_class(status)}})
        .inc();
    reg_->histogram("http_request_duration_seconds", "HTTP request latency", core::latency_buckets(),
                    {{"route", route}})
        .observe(std::chrono::duration<double>(d).count());
  }
  void sse_disconnect(const std::string& reason) {
    if (reg_) reg_->counter("sse_disconnects_total", "SSE streams ended, by reason", {{"reason", reason}}).inc();
  }
  void timeout(const std::string& phase) {
    if (reg_) reg_->counter("http_timeouts_total", "Connections cut by a timeout", {{"phase", phase}}).inc();
  }
  void connections(double d) {
    if (connections_) connections_->add(d);
  }
  void sse_open(double d) {
    if (sse_open_) sse_open_->add(d);
  }
  void ws_open(double d) {
    if (ws_open_) ws_open_->add(d);
  }

 private:
  core::MetricsRegistry* reg_;
  core::Gauge* connections_ = nullptr;
  core::Gauge* sse_open_ = nullptr;
  core::Gauge* ws_open_ = nullptr;
};

class Connection;

}  // namespace

// ------------------------------------------------------------------------------ server state

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, ServerOptions opts)
      : ioc(io),
        options(std::move(opts)),
        dispatcher(router, options.cors, options.static_files),
        sse_defaults(std::make_shared<const SseOptions>(options.sse)),
        strand(asio::make_strand(io)),
        acceptor(strand),
        grace_timer(strand),
        metrics(options.metrics) {}

  asio::io_context& ioc;
  ServerOptions options;
  Router router;
  Dispatcher dispatcher;
  std::shared_ptr<const SseOptions> sse_defaults;
  asio::strand<asio::io_context::executor_type> strand;  // acceptor and grace timer
  tcp::acceptor acceptor;
  asio::steady_timer grace_timer;
  std::atomic<std::uint16_t> bound_port{0};
  // Readable from every connection without the lock: responses written after stop() began
  // announce Connection: close.
  std::atomic<bool> stop_requested{false};
  ServerMetrics metrics;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;
  bool started = false;
  bool stopping = false;
  bool accept_loop_done = true;
  bool stopped = false;

  void start();
  asio::awaitable<void> accept_loop();
  void stop(std::chrono::milliseconds grace);
  void do_stop(std::chrono::milliseconds grace);
  void force_close_all();
  void on_connection_closed(Connection* c);
  void check_stopped_locked();
  std::vector<std::shared_ptr<Connection>> live_connections();
};

namespace {

// ------------------------------------------------------------------------------ one connection

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<HttpServer::Impl> server, tcp::socket socket)
      : server_(std::move(server)), stream_(std::move(socket)), wake_timer_(stream_.get_executor()) {
    error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      auto addr = ep.address();
      if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
      remote_address_ = addr.to_string();
      remote_port_ = ep.port();
    }
    server_->metrics.connections(1);
  }

  ~Connection() {
    server_->metrics.connections(-1);
    server_->on_connection_closed(this);
  }

  asio::any_io_executor executor() { return wake_timer_.get_executor(); }

  asio::awaitable<void> run() {
    try {
      co_await serve_http();
    } catch (const std::exception& e) {
      spdlog::warn("http connection from {} ended by an exception: {}", remote_address_, e.what());
    }
    close_transport();
    mode_ = Mode::done;
  }

  // On the connection's executor: wind down without cutting in-flight work.
  void begin_shutdown() {
    shutting_down_ = true;
    switch (mode_) {
      case Mode::waiting:
        close_transport();
        break;
      case Mode::request:
      case Mode::done:
        break;
      case Mode::sse:
        if (sse_) sse_->close("server_shutdown");
        break;
      case Mode::websocket:
        if (ws_session_) ws_session_->close(1001, "server shutting down");
        break;
    }
  }

  // On the connection's executor: the grace time is over.
  void force_close() {
    shutting_down_ = true;
    close_transport();
  }

 private:
  enum class Mode { waiting, request, sse, websocket, done };

  const ServerOptions& opts() const { return server_->options; }
  const Dispatcher& dispatcher() const { return server_->dispatcher; }

  void close_transport() {
    error_code ec;
    if (mode_ == Mode::websocket && ws_) {
      beast::get_lowest_layer(*ws_).close();
    } else if (mode_ != Mode::websocket) {
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
    }
  }

  // Wakes a writer waiting for queued SSE frames / WebSocket messages; runs on the strand.
  void wake() {
    wake_flag_ = true;
    wake_timer_.cancel();
    // A stream that failed (overflow) while a write is stuck must not wait for the stall timer.
    if (mode_ == Mode::sse && sse_ && sse_->state() == SseStream::State::failed) close_transport();
  }

  std::function<void()> make_waker() {
    std::weak_ptr<Connection> weak = shared_from_this();
    auto ex = executor();
    return [weak, ex] {
      asio::post(ex, [weak] {
        if (auto c = weak.lock()) c->wake();
      });
    };
  }

  Request make_request(const http::request<http::string_body>& msg) {
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    std::string_view target = req.target;
    // Absolute-form (proxies): keep only the path and query.
    if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
      const auto slash = target.find('/', target.find("://") + 3);
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    const auto [path, query] = split_target(target);
    req.path = std::string(path);
    req.query = parse_query(query);
    req.version = static_cast<int>(msg.version());
    for (const auto& f : msg) req.headers.add(std::string(f.name_string()), std::string(f.value()));
    req.remote_address = remote_address_;
    req.remote_port = remote_port_;
    const auto incoming = req.headers.get("X-Request-Id");
    req.request_id = incoming && is_sane_request_id(*incoming) ? std::string(*incoming) : generate_request_id();
    req.sse_defaults = server_->sse_defaults;
    return req;
  }

  void record(const Request& req, const std::string& route, int status, std::uint64_t bytes, Clock::time_point start,
              std::string_view note = {}) {
    const auto elapsed = Clock::now() - start;
    server_->metrics.request(route, req.method.empty() ? "-" : req.method, status, elapsed);
    if (!opts().access_log) return;
    const auto& probes = opts().probe_routes;
    const bool internal =
        opts().internal_traffic || std::find(probes.begin(), probes.end(), route) != probes.end();
    const auto level = access_log_level(status, internal);
    if (level == AccessLogLevel::debug && !spdlog::should_log(spdlog::level::debug)) return;  // skip formatting
    spdlog::log(level == AccessLogLevel::warn    ? spdlog::level::warn
                : level == AccessLogLevel::debug ? spdlog::level::debug
                                                 : spdlog::level::info,
                "http {}", format_access_log({req.method.empty() ? std::string_view("-") : std::string_view(req.method),
                                               req.target, status, bytes,
                                               std::chrono::duration_cast<std::chrono::microseconds>(elapsed),
                                               req.request_id, remote_address_, note}));
  }

  // Serialises and writes a response. Returns false when the connection is no longer usable.
  asio::awaitable<bool> write_response(const Request& req, Response& res, bool keep_alive, std::uint64_t& body_bytes) {
    const bool no_body_status = res.status < 200 || res.status == 204 || res.status == 304;
    std::string head = fmt::format("HTTP/1.1 {} {}\r\n", res.status, reason_phrase(res.status));
    for (const auto& [name, value] : res.headers) {
      if (framing_header(name)) continue;
      if (!valid_header_name(name) || !valid_header_value(value)) {
        spdlog::error("dropping invalid response header '{}' (rid={})", name, req.request_id);
        continue;
      }
      head.append(name).append(": ").append(value).append("\r\n");
    }
    if (!res.headers.has("Date")) head.append("Date: ").append(format_http_date(std::time(nullptr))).append("\r\n");
    if (!no_body_status) head.append("Content-Length: ").append(std::to_string(res.body.size())).append("\r\n");
    if (!keep_alive)
      head.append("Connection: close\r\n");
    else if (req.version == 10)
      head.append("Connection: keep-alive\r\n");
    head.append("\r\n");

    const bool send_body = !no_body_status && req.method != "HEAD";
    body_bytes = send_body ? res.body.size() : 0;
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(res.body.data(), body_bytes)};
    error_code ec;
    stream_.expires_after(opts().request_timeout);
    co_await asio::async_write(stream_, bufs, with_ec(ec));
    if (ec == beast::error::timeout) server_->metrics.timeout("write");
    co_return !ec;
  }

  // For errors found before a handler runs (malformed request, limits): answer and close.
  asio::awaitable<void> reject(Request& req, int status, std::string_view code, std::string message,
                               Clock::time_point start) {
    if (req.request_id.empty()) req.request_id = generate_request_id();
    Response res = Response::error(status, code, message);
    dispatcher().finish(req, res);
    std::uint64_t bytes = 0;
    const bool written = co_await write_response(req, res, false, bytes);
    record(req, "unmatched", status, bytes, start, code);
    if (written) co_await linger();
  }

  // After an early answer (413 before the body was read) the client may still be sending;
  // closing with unread data would reset the connection and could destroy the answer before
  // the client reads it. So: half-close, then discard input for a short while.
  asio::awaitable<void> linger() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    std::array<char, 16384> scratch{};
    std::size_t drained = 0;
    stream_.expires_after(std::chrono::seconds(2));
    while (drained < (64u << 20)) {
      const std::size_t n = co_await stream_.async_read_some(asio::buffer(scratch), with_ec(ec));
      if (ec) break;
      drained += n;
    }
  }

  asio::awaitable<void> serve_http() {
    bool first = true;
    for (;;) {
      if (shutting_down_) co_return;
      mode_ = Mode::waiting;
      error_code ec;
      // A new connection must deliver a whole head within header_timeout; a kept-alive one may
      // stay silent for idle_timeout before its next request starts.
      if (buffer_.size() == 0) {
        stream_.expires_after(first ? opts().header_timeout : opts().idle_timeout);
        const std::size_t n = co_await stream_.async_read_some(buffer_.prepare(4096), with_ec(ec));
        if (ec) {
          if (ec == beast::error::timeout) server_->metrics.timeout(first ? "header" : "idle");
          co_return;
        }
        buffer_.commit(n);
        // The first request's deadline runs from the connection's start.
        if (!first) stream_.expires_after(opts().header_timeout);
      } else {
        stream_.expires_after(opts().header_timeout);  // a pipelined request already buffered
      }
      mode_ = Mode::request;
      const auto start = Clock::now();

      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opts().header_limit));
      // The route decides the body limit once the head is known (see below).
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      co_await http::async_read_header(stream_, buffer_, parser, with_ec(ec));
      if (ec) {
        Request partial;
        partial.remote_address = remote_address_;
        if (ec == beast::error::timeout) {
          server_->metrics.timeout("header");
          spdlog::debug("http: header timeout from {}", remote_address_);
        } else if (ec == http::error::header_limit) {
          co_await reject(partial, 431, "headers_too_large",
                          "request headers exceed " + std::to_string(opts().header_limit) + " bytes", start);
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                   ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
          co_await reject(partial, 400, "bad_request", "malformed HTTP request: " + ec.message(), start);
        }
        co_return;
      }

      Request req = make_request(parser.get());
      const RouteMatch match = dispatcher().match(req);
      const std::size_t limit = dispatcher().body_limit(match, opts().body_limit);
      if (const auto len = parser.content_length(); len && *len > limit) {
        co_await reject(req, 413, "payload_too_large",
                        "request body of " + std::to_string(*len) + " bytes exceeds the limit of " +
                            std::to_string(limit) + " bytes",
                        start);
        co_return;
      }
      if (!parser.is_done()) {
        parser.body_limit(limit);
        if (req.version >= 11 && iequals(req.headers.get_or("Expect"), "100-continue")) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          stream_.expires_after(opts().request_timeout);
          co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()), with_ec(ec));
          if (ec) co_return;
        }
        stream_.expires_after(opts().request_timeout);
        co_await http::async_read(stream_, buffer_, parser, with_ec(ec));
        if (ec == http::error::body_limit) {
          co_await reject(req, 413, "payload_too_large",
                          "request body exceeds the limit of " + std::to_string(limit) + " bytes", start);
          co_return;
        }
        if (ec == beast::error::timeout) {
          server_->metrics.timeout("body");
          co_return;
        }
        if (ec) {
          if (ec != http::error::end_of_stream && ec != http::error::partial_message && ec != asio::error::eof &&
              ec != asio::error::connection_reset)
            co_await reject(req, 400, "bad_request", "malformed request body: " + ec.message(), start);
          co_return;
        }
      }
      req.body = std::move(parser.get().body());
      const bool client_keep_alive = parser.get().keep_alive();

      if (match.route && match.route->websocket && websocket::is_upgrade(parser.get())) {
        req.params = match.params;
        req.route_pattern = match.route->pattern;
        co_await serve_websocket(std::move(req), parser.release(), match.route->websocket, start);
        co_return;
      }

      Response res = co_await dispatcher().handle(req, match);
      dispatcher().finish(req, res);
      const std::string route = dispatcher().route_label(req, match);

      if (res.stream && req.method == "HEAD") {
        // The head of an event stream, without subscribing anyone.
        res.stream->fail("head_request");
        res.stream->detach_all();
        res.stream.reset();
        res.headers.set("Content-Type", "text/event-stream");
        res.headers.set("Cache-Control", "no-cache");
      }
      if (res.stream) {
        co_await serve_sse(req, res, route, start);
        co_return;
      }

      const bool keep_alive = client_keep_alive && !shutting_down_ && !server_->stop_requested.load();
      std::uint64_t bytes = 0;
      const bool ok = co_await write_response(req, res, keep_alive, bytes);
      record(req, route, res.status, bytes, start);
      if (!ok || !keep_alive) co_return;
      first = false;
    }
  }

  // ---------------------------------------------------------------- SSE

  asio::awaitable<bool> write_sse(const std::vector<SseFrame>& frames, std::string_view extra, bool chunked,
                                  std::uint64_t& bytes, error_code& ec) {
    std::size_t total = extra.size();
    for (const auto& f : frames) total += f->size();
    if (total == 0) co_return true;
    const std::string chunk_head = chunked ? fmt::format("{:x}\r\n", total) : std::string();
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(frames.size() + 3);
    if (chunked) bufs.push_back(asio::buffer(chunk_head));
    if (!extra.empty()) bufs.push_back(asio::buffer(extra.data(), extra.size()));
    for (const auto& f : frames) bufs.push_back(asio::buffer(*f));
    if (chunked) bufs.push_back(asio::buffer("\r\n", 2));
    stream_.expires_after(sse_->options().write_stall_timeout);
    co_await asio::async_write(stream_, bufs, with_ec(ec));
    if (ec) co_return false;
    bytes += total;
    co_return true;
  }

  asio::awaitable<void> serve_sse(Request& req, Response& res, const std::string& route, Clock::time_point start) {
    mode_ = Mode::sse;
    sse_ = res.stream;
    server_->metrics.sse_open(1);
    const SseOptions& so = sse_->options();
    const bool chunked = req.version >= 11;

    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
    for (const auto& [name, value] : res.headers) {
      if (framing_header(name) || iequals(name, "Content-Type") || iequals(name, "Cache-Control")) continue;
      if (!valid_header_name(name) || !valid_header_value(value)) continue;
      head.append(name).append(": ").append(value).append("\r\n");
    }
    head.append(chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Connection: close\r\n\r\n");
    const std::string retry = fmt::format("retry: {}\n\n", so.retry.count());

    std::uint64_t bytes = 0;
    std::string reason;
    error_code ec;
    {
      // The head and the retry hint in one write.
      const std::string first_chunk = chunked ? fmt::format("{:x}\r\n{}\r\n", retry.size(), retry) : retry;
      std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(first_chunk)};
      stream_.expires_after(so.write_stall_timeout);
      co_await asio::async_write(stream_, bufs, with_ec(ec));
      bytes += retry.size();
    }

    if (!ec) {
      sse_->set_waker(make_waker());
      // Notices the client going away while the stream is quiet (the socket, not the stream,
      // so the writer's timeouts are unaffected).
      auto self = shared_from_this();
      asio::co_spawn(
          executor(),
          [self]() -> asio::awaitable<void> {
            std::array<char, 512> scratch{};
            error_code rec;
            for (;;) {
              co_await self->stream_.socket().async_read_some(asio::buffer(scratch), with_ec(rec));
              if (rec) break;
            }
            self->peer_closed_ = true;
            self->wake();
          },
          asio::detached);
      if (shutting_down_) sse_->close("server_shutdown");

      std::vector<SseFrame> frames;
      auto last_write = Clock::now();
      for (;;) {
        wake_flag_ = false;
        frames.clear();
        const auto state = sse_->take(frames);
        if (state == SseStream::State::failed) {
          reason = sse_->reason();
          break;
        }
        if (!frames.empty()) {
          if (!co_await write_sse(frames, {}, chunked, bytes, ec)) break;
          last_write = Clock::now();
          continue;  // more may have arrived while writing
        }
        if (state == SseStream::State::closing) {
          reason = sse_->reason();
          if (chunked) {
            stream_.expires_after(so.write_stall_timeout);
            co_await asio::async_write(stream_, asio::buffer("0\r\n\r\n", 5), with_ec(ec));
          }
          ec = {};
          break;
        }
        if (peer_closed_) {
          reason = "client_closed";
          break;
        }
        if (wake_flag_) continue;
        const auto due = last_write + so.keepalive;
        if (Clock::now() >= due) {
          static constexpr std::string_view kKeepalive = ": keepalive\n\n";
          if (!co_await write_sse({}, kKeepalive, chunked, bytes, ec)) break;
          last_write = Clock::now();
          continue;
        }
        wake_timer_.expires_at(due);
        error_code wait_ec;
        co_await wake_timer_.async_wait(with_ec(wait_ec));
      }
    }
    if (reason.empty()) {
      // A write failed: the stream's own verdict (overflow closes the socket) wins over the
      // symptom, then a stall, then the client simply going away.
      if (sse_->state() == SseStream::State::failed)
        reason = sse_->reason();
      else if (ec == beast::error::timeout)
        reason = "write_stall";
      else if (shutting_down_)
        reason = "server_shutdown";
      else
        reason = "client_closed";
    }
    sse_->fail(reason);
    sse_->set_waker(nullptr);
    sse_->detach_all();
    server_->metrics.sse_open(-1);
    server_->metrics.sse_disconnect(reason);
    if (reason == "queue_overflow" || reason == "write_stall")
      spdlog::warn("sse: disconnecting slow client {} on {} ({}, rid={})", remote_address_, route, reason,
                   req.request_id);
    record(req, route, 200, bytes, start, "sse_end=" + reason);
    // Half-close so the client reads the end of the stream before the socket goes away.
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    close_transport();
    sse_.reset();
  }

  // ---------------------------------------------------------------- WebSocket

  asio::awaitable<void> serve_websocket(Request req, http::request<http::string_body> msg,
                                        std::shared_ptr<const WebSocketHandler> handler, Clock::time_point start) {
    const std::string route = req.route_pattern;
    auto refuse = [&](Response res) -> asio::awaitable<void> {
      dispatcher().finish(req, res);
      std::uint64_t bytes = 0;
      co_await write_response(req, res, false, bytes);
      record(req, route, res.status, bytes, start);
    };
    if (!dispatcher().websocket_origin_allowed(req)) {
      co_await refuse(Response::error(403, "origin_not_allowed",
                                      "WebSocket origin '" + req.headers.get_or("Origin") + "' is not allowed"));
      co_return;
    }
    if (auto rejection = co_await dispatcher().check_upgrade(*handler, req)) {
      co_await refuse(std::move(*rejection));
      co_return;
    }
    if (shutting_down_) {
      co_await refuse(Response::error(503, "shutting_down", "server is shutting down"));
      co_return;
    }

    const WebSocketOptions& wo = opts().websocket;
    mode_ = Mode::websocket;
    ws_.emplace(std::move(stream_));
    auto& ws = *ws_;
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = wo.handshake_timeout;
    timeouts.idle_timeout = wo.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws.set_option(timeouts);
    ws.read_message_max(wo.max_message_bytes);
    ws.auto_fragment(false);  // one frame per message: fewer headers, simpler peers
    const std::string rid = req.request_id;
    ws.set_option(websocket::stream_base::decorator([rid](websocket::response_type& r) { r.set("X-Request-Id", rid); }));

    error_code ec;
    co_await ws.async_accept(msg, with_ec(ec));
    if (ec) {
      spdlog::debug("ws: handshake with {} failed: {}", remote_address_, ec.message());
      record(req, route, 400, 0, start, "ws_handshake_failed");
      co_return;
    }

    auto session = std::make_shared<WebSocketSession>(req, wo);
    ws_session_ = session;
    server_->metrics.ws_open(1);
    session->set_waker(make_waker());
    if (shutting_down_) session->close(1001, "server shutting down");
    if (handler->on_open) {
      try {
        handler->on_open(session);
      } catch (const std::exception& e) {
        spdlog::error("ws on_open for {} threw (rid={}): {}", route, rid, e.what());
        session->close(1011, "internal error");
      }
    }

    // The writer: drains the session's queue, sends the close frame when asked.
    auto self = shared_from_this();
    asio::co_spawn(
        executor(),
        [self, session]() -> asio::awaitable<void> {
          auto& w = *self->ws_;
          error_code wec;
          for (;;) {
            self->wake_flag_ = false;
            auto out = session->take();
            for (auto& m : out.messages) {
              w.text(true);
              co_await w.async_write(asio::buffer(m), with_ec(wec));
              if (wec) co_return;
            }
            if (out.state == WebSocketSession::State::failed) {
              spdlog::warn("ws: disconnecting slow client {} ({})", self->remote_address_, session->failure_reason());
              beast::get_lowest_layer(w).close();
              co_return;
            }
            if (out.state == WebSocketSession::State::closing) {
              websocket::close_reason cr(static_cast<websocket::close_code>(out.close_code), out.close_reason);
              co_await w.async_close(cr, with_ec(wec));
              co_return;
            }
            if (out.state == WebSocketSession::State::closed) co_return;
            if (!out.messages.empty() || self->wake_flag_) continue;
            self->wake_timer_.expires_at(Clock::time_point::max());
            co_await self->wake_timer_.async_wait(with_ec(wec));
          }
        },
        asio::detached);

    // The reader, in this coroutine.
    beast::flat_buffer buf;
    std::uint16_t close_code = 1006;
    for (;;) {
      co_await ws.async_read(buf, with_ec(ec));
      if (ec) {
        if (ec == websocket::error::closed) close_code = static_cast<std::uint16_t>(ws.reason().code);
        break;
      }
      if (!ws.got_text()) {
        buf.consume(buf.size());
        session->close(1003, "binary messages are not supported");
        continue;
      }
      std::string text = beast::buffers_to_string(buf.data());
      buf.consume(buf.size());
      if (!handler->on_message) continue;
      try {
        handler->on_message(session, std::move(text));
      } catch (const std::exception& e) {
        spdlog::error("ws on_message for {} threw (rid={}): {}", route, rid, e.what());
        session->close(1011, "internal error");
      }
    }
    if (close_code == 1006 && !ws.is_open() && ws.reason().code != 0) close_code = static_cast<std::uint16_t>(ws.reason().code);
    session->mark_closed();
    wake();
    if (handler->on_close) {
      try {
        handler->on_close(session, close_code);
      } catch (const std::exception& e) {
        spdlog::error("ws on_close for {} threw (rid={}): {}", route, rid, e.what());
      }
    }
    server_->metrics.ws_open(-1);
    record(req, route, 101, 0, start, fmt::format("ws_close={}", close_code));
    ws_session_.reset();
  }

  std::shared_ptr<HttpServer::Impl> server_;
  beast::tcp_stream stream_;
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  asio::steady_timer wake_timer_;
  Mode mode_ = Mode::waiting;
  bool shutting_down_ = false;
  bool wake_flag_ = false;
  bool peer_closed_ = false;
  std::string remote_address_;
  std::uint16_t remote_port_ = 0;
  std::shared_ptr<SseStream> sse_;
  std::shared_ptr<WebSocketSession> ws_session_;
};

}  // namespace

// ------------------------------------------------------------------------------ server

void HttpServer::Impl::start() {
  {
    std::lock_guard lk(mu);
    if (started) throw core::Error("already_started", "HttpServer::start called twice");
    if (stopping) throw core::Error("server_stopped", "HttpServer::start after stop");
    started = true;
  }
  error_code ec;
  const auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) throw core::Error("bind_failed", "bad bind address '" + options.bind_address + "': " + ec.message());
  const tcp::endpoint ep(address, options.port);
  const std::string where = fmt::format("{}:{}", options.bind_address, options.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
    throw core::Error("bind_failed", "cannot listen on " + where + ": " + ec.message());
  }
  bound_port = acceptor.local_endpoint().port();
  {
    std::lock_guard lk(mu);
    accept_loop_done = false;
  }
  auto self = shared_from_this();
  asio::co_spawn(strand, [self]() -> asio::awaitable<void> { co_await self->accept_loop(); }, asio::detached);
  spdlog::info("http: listening on {}:{}", options.bind_address, bound_port.load());
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  for (;;) {
    tcp::socket socket(asio::make_strand(ioc));
    error_code ec;
    co_await acceptor.async_accept(socket, with_ec(ec));
    if (ec) {
      bool stop_now = false;
      {
        std::lock_guard lk(mu);
        stop_now = stopping || !acceptor.is_open();
      }
      if (stop_now || ec == asio::error::operation_aborted) break;
      spdlog::warn("http: accept failed: {}", ec.message());
      // Out of descriptors: back off instead of spinning.
      asio::steady_timer pause(strand, std::chrono::milliseconds(50));
      co_await pause.async_wait(with_ec(ec));
      continue;
    }
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard lk(mu);
      if (stopping || connections.size() >= options.max_connections) {
        if (!stopping) spdlog::warn("http: connection limit {} reached, refusing a client", options.max_connections);
        error_code ignored;
        socket.close(ignored);
        continue;
      }
    }
    conn = std::make_shared<Connection>(shared_from_this(), std::move(socket));
    {
      std::lock_guard lk(mu);
      connections.emplace(conn.get(), conn);
    }
    asio::co_spawn(conn->executor(), [conn]() -> asio::awaitable<void> { co_await conn->run(); }, asio::detached);
  }
  std::lock_guard lk(mu);
  accept_loop_done = true;
  check_stopped_locked();
}

std::vector<std::shared_ptr<Connection>> HttpServer::Impl::live_connections() {
  std::vector<std::weak_ptr<Connection>> weak;
  {
    std::lock_guard lk(mu);
    for (auto& [_, w] : connections) weak.push_back(w);
  }
  std::vector<std::shared_ptr<Connection>> out;
  for (auto& w : weak)
    if (auto c = w.lock()) out.push_back(std::move(c));
  return out;
}

void HttpServer::Impl::stop(std::chrono::milliseconds grace) {
  stop_requested = true;
  {
    std::lock_guard lk(mu);
    if (!started) {  // nothing to wind down, and the io_context may not even run
      stopping = stopped = true;
      cv.notify_all();
      return;
    }
  }
  asio::post(strand, [self = shared_from_this(), grace] { self->do_stop(grace); });
}

void HttpServer::Impl::do_stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lk(mu);
    if (stopping) return;
    stopping = true;
  }
  error_code ec;
  acceptor.close(ec);
  for (auto& c : live_connections()) asio::post(c->executor(), [c] { c->begin_shutdown(); });
  grace_timer.expires_after(grace);
  grace_timer.async_wait([self = shared_from_this()](error_code wait_ec) {
    if (!wait_ec) self->force_close_all();
  });
  std::lock_guard lk(mu);
  check_stopped_locked();
}

void HttpServer::Impl::force_close_all() {
  auto conns = live_connections();
  if (!conns.empty()) spdlog::info("http: grace time over, closing {} connection(s)", conns.size());
  for (auto& c : conns) asio::post(c->executor(), [c] { c->force_close(); });
}

void HttpServer::Impl::on_connection_closed(Connection* c) {
  std::lock_guard lk(mu);
  connections.erase(c);
  check_stopped_locked();
}

void HttpServer::Impl::check_stopped_locked() {
  if (stopped || !stopping || !accept_loop_done || !connections.empty()) return;
  stopped = true;
  cv.notify_all();
  asio::post(strand, [self = shared_from_this()] { self->grace_timer.cancel(); });
}

// ------------------------------------------------------------------------------ public API

HttpServer::HttpServer(boost::asio::io_context& ioc, ServerOptions options)
    : impl_(std::make_shared<Impl>(ioc, std::move(options))) {}

HttpServer::~HttpServer() {
  if (!impl_) return;
  bool running = false;
  {
    std::lock_guard lk(impl_->mu);
    running = impl_->started && !impl_->stopped;
  }
  if (running) impl_->stop(std::chrono::milliseconds(0));
}

Router& HttpServer::router() noexcept { return impl_->router; }

void HttpServer::start() { impl_->start(); }

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port.load(); }

void HttpServer::stop(std::chrono::milliseconds grace) { impl_->stop(grace); }

bool HttpServer::wait_stopped(std::chrono::milliseconds timeout) {
  std::unique_lock lk(impl_->mu);
  return impl_->cv.wait_for(lk, timeout, [&] { return impl_->stopped; });
}

bool HttpServer::stopped() const {
  std::lock_guard lk(impl_->mu);
  return impl_->stopped;
}

std::size_t HttpServer::open_connections() const {
  std::lock_guard lk(impl_->mu);
  return impl_->connections.size();
}

}  // namespace ms::net
