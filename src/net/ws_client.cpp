// The only translation unit of the WebSocket client that sees Beast (about a minute of compile).
#include "net/ws_client.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <mutex>
#include <type_traits>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>

#include "core/error.hpp"
#include "net/http_client.hpp"  // redact_url

namespace ms::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Strand = asio::strand<asio::any_io_executor>;

bool is_header_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos)) return false;
  }
  return true;
}

bool has_line_break_or_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Everything the driver needs from a WebSocket stream, so the read/write/ping logic below is
// compiled once rather than once per stream type.
class WsStream {
 public:
  virtual ~WsStream() = default;
  // TCP connect, TLS handshake when wss, WebSocket upgrade. On failure sets ec and names the stage.
  virtual asio::awaitable<void> open(const tcp::resolver::results_type& endpoints, const WsUrl& url,
                                     const WsClient::Headers& headers, const WsClient::Options& options,
                                     std::string& failure, beast::error_code& ec) = 0;
  virtual asio::awaitable<void> read(beast::flat_buffer& buffer, beast::error_code& ec) = 0;
  virtual asio::awaitable<void> write_text(const std::string& text, beast::error_code& ec) = 0;
  virtual asio::awaitable<void> ping(beast::error_code& ec) = 0;
  virtual asio::awaitable<void> close(beast::error_code& ec) = 0;
  virtual websocket::close_reason reason() const = 0;
  // Closes the TCP socket: every pending operation completes with an error.
  virtual void drop() noexcept = 0;
  virtual void on_control(std::function<void(websocket::frame_type)> callback) = 0;
};

template <bool Tls>
class WsStreamOf final : public WsStream {
  using Next = std::conditional_t<Tls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  explicit WsStreamOf(const Strand& strand)
    requires(!Tls)
      : ws_(strand) {}
  WsStreamOf(const Strand& strand, ssl::context& context)
    requires(Tls)
      : ws_(strand, context) {}

  asio::awaitable<void> open(const tcp::resolver::results_type& endpoints, const WsUrl& url,
                             const WsClient::Headers& headers, const WsClient::Options& options,
                             std::string& failure, beast::error_code& ec) override {
    if constexpr (Tls) {
      auto& tls = ws_.next_layer();
      // SNI carries names only (RFC 6066); an IP literal is still checked against the certificate.
      if (!is_ip_literal(url.host) && SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str()) != 1) {
        failure = "TLS SNI setup failed";
        ec = asio::error::invalid_argument;
        co_return;
      }
      tls.set_verify_mode(ssl::verify_peer);
      tls.set_verify_callback(ssl::host_name_verification(url.host));
    }
    co_await beast::get_lowest_layer(ws_).async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      failure = "TCP connect failed";
      co_return;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (Tls) {
      co_await ws_.next_layer().async_handshake(ssl::stream_base::client,
                                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        failure = "TLS handshake failed";
        co_return;
      }
    }
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options.close_timeout;  // bounds the close handshake; connect has its own deadline
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(options.max_message_bytes);
    auto add_headers = [headers, agent = options.user_agent](websocket::request_type& request) {
      request.set(beast::http::field::user_agent, agent);
      for (const auto& [name, value] : headers) request.set(name, value);
    };
    ws_.set_option(websocket::stream_base::decorator(std::move(add_headers)));
    const bool default_port = url.port == (Tls ? 443 : 80);
    std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    if (!default_port) host += ":" + std::to_string(url.port);
    websocket::response_type response;
    co_await ws_.async_handshake(response, host, url.target, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      failure = response.result_int() != 0
                    ? "WebSocket upgrade refused with HTTP " + std::to_string(response.result_int())
                    : "WebSocket upgrade failed";
    }
  }

  asio::awaitable<void> read(beast::flat_buffer& buffer, beast::error_code& ec) override {
    co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> write_text(const std::string& text, beast::error_code& ec) override {
    ws_.text(true);
    co_await ws_.async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> ping(beast::error_code& ec) override {
    co_await ws_.async_ping({}, asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> close(beast::error_code& ec) override {
    co_await ws_.async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
  }

  websocket::close_reason reason() const override { return ws_.reason(); }

  void drop() noexcept override {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void on_control(std::function<void(websocket::frame_type)> callback) override {
    ws_.control_callback([callback = std::move(callback)](websocket::frame_type kind, beast::string_view) {
      callback(kind);
    });
  }

 private:
  websocket::stream<Next> ws_;
};

// Clears a pointer-to-local registration when a waiting coroutine leaves (or is destroyed).
template <class T>
struct Registration {
  std::vector<T*>& list;
  T* item;
  Registration(std::vector<T*>& l, T* i) : list(l), item(i) { list.push_back(item); }
  ~Registration() { list.erase(std::remove(list.begin(), list.end(), item), list.end()); }
};

}  // namespace

WsUrl parse_ws_url(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return core::Error("ws_bad_url", "WebSocket URL " + redact_url(url) + ": " + why);
  };
  if (url.find_first_of(std::string_view(" \t\r\n\0", 5)) != std::string_view::npos) {
    throw bad("holds spaces or control characters");
  }
  WsUrl out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) throw bad("must start with ws:// or wss://");
  std::string scheme(url.substr(0, scheme_end));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "ws") {
    out.tls = false;
  } else if (scheme == "wss") {
    out.tls = true;
  } else {
    throw bad("must start with ws:// or wss://");
  }
  auto rest = url.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) throw bad("credentials in the URL are not supported");
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad("unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("junk after IPv6 literal");
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) throw bad("has no host");
  out.host = std::string(host);
  if (port.empty()) {
    out.port = out.tls ? 443 : 80;
  } else {
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) throw bad("invalid port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535 || port.size() > 5) throw bad("invalid port");
    out.port = static_cast<std::uint16_t>(value);
  }
  rest = rest.substr(0, rest.find('#'));
  out.target = rest.empty() || rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
  return out;
}

class WsClient::Impl : public std::enable_shared_from_this<WsClient::Impl> {
 public:
  enum class State { idle, connecting, open, closing, ended };

  Impl(asio::any_io_executor executor, Options options)
      : options_(std::move(options)),
        strand_(asio::make_strand(executor)),
        tls_context_(ssl::context::tls_client),
        writer_wake_(strand_),
        ping_timer_(strand_),
        watchdog_timer_(strand_) {}

  const Options& options() const { return options_; }
  const Strand& strand() const { return strand_; }
  bool is_open() const noexcept { return state_.load() == State::open; }
  std::uint64_t pings_sent() const noexcept { return pings_sent_.load(); }
  std::uint64_t pongs_received() const noexcept { return pongs_received_.load(); }

  std::string end_reason() const {
    std::lock_guard lock(reason_mutex_);
    return end_reason_;
  }

  // ---- public operations, all entered on the strand -------------------------------------------

  asio::awaitable<void> connect(std::string url, Headers headers, std::chrono::milliseconds timeout) {
    if (state_ != State::idle) {
      throw core::Error("ws_connect_failed", "this WsClient was already used; create a new one to reconnect");
    }
    state_ = State::connecting;
    const std::string where = "WebSocket " + redact_url(url);
    WsUrl parsed;
    try {
      parsed = parse_ws_url(url);
      for (const auto& [name, value] : headers) {
        if (!is_header_token(name) || has_line_break_or_nul(value)) {
          throw core::Error("ws_bad_header", where + ": invalid header '" + name + "'");
        }
      }
    } catch (const core::Error& e) {
      end(e.what());
      throw;
    }
    if (timeout.count() <= 0) timeout = options_.connect_timeout;

    auto attempt = std::make_shared<ConnectAttempt>(strand_);
    arm_connect_deadline(attempt, timeout);

    auto fail = [&](const std::string& stage, const beast::error_code& ec) {
      attempt->done = true;
      attempt->timer.cancel();
      std::string message;
      if (attempt->timed_out) {
        message = where + ": connect timed out after " + std::to_string(timeout.count()) + " ms (" + stage + ")";
      } else if (state_ != State::connecting) {
        message = where + ": closed while connecting";
      } else {
        message = where + ": " + stage + ": " + ec.message();
      }
      end(message);
      return core::Error("ws_connect_failed", message);
    };

    beast::error_code ec;
    auto endpoints = co_await attempt->resolver.async_resolve(parsed.host, std::to_string(parsed.port),
                                                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec || attempt->timed_out || state_ != State::connecting) throw fail("resolve failed", ec);

    if (parsed.tls) {
      try {
        tls_context_.set_default_verify_paths();
        if (!options_.ca_file.empty()) tls_context_.load_verify_file(options_.ca_file);
        SSL_CTX_set_min_proto_version(tls_context_.native_handle(), TLS1_2_VERSION);
      } catch (const boost::system::system_error& e) {
        throw fail("TLS setup failed (CA file?)", e.code());
      }
      stream_ = std::make_unique<WsStreamOf<true>>(strand_, tls_context_);
    } else {
      stream_ = std::make_unique<WsStreamOf<false>>(strand_);
    }
    std::string stage;
    co_await stream_->open(endpoints, parsed, headers, options_, stage, ec);
    if (ec || attempt->timed_out || state_ != State::connecting) throw fail(stage.empty() ? "connect" : stage, ec);
    attempt->done = true;
    attempt->timer.cancel();

    state_ = State::open;
    touch();
    watch_control_frames();
    start_loops();
  }

  // Any thread.
  void send_text(std::string text) {
    const auto state = state_.load();
    if (state == State::idle || state == State::connecting) {
      throw core::Error("ws_closed", "cannot send: WebSocket is not connected");
    }
    if (state == State::closing) throw core::Error("ws_closed", "cannot send: WebSocket is closing");
    if (state == State::ended) throw core::Error("ws_closed", "cannot send: WebSocket is closed (" + end_reason() + ")");
    if (queued_.fetch_add(1) >= options_.max_send_queue) {
      --queued_;
      throw core::Error("ws_send_queue_full",
                        "cannot send: " + std::to_string(options_.max_send_queue) + " frames already queued");
    }
    asio::post(strand_, [self = shared_from_this(), text = std::move(text)]() mutable {
      if (self->state_ != State::open) {
        --self->queued_;
        return;
      }
      self->outgoing_.push_back({Outgoing::Kind::text, std::move(text)});
      self->writer_wake_.cancel();
    });
  }

  asio::awaitable<std::optional<std::string>> receive() {
    if (receiving_) throw core::Error("ws_receive_busy", "another receive() is already waiting on this WebSocket");
    receiving_ = true;
    struct Busy {
      bool& flag;
      ~Busy() { flag = false; }
    } busy{receiving_};
    for (;;) {
      if (!inbox_.empty()) {
        std::string message = std::move(inbox_.front());
        inbox_.pop_front();
        inbox_bytes_ -= message.size();
        co_return message;
      }
      const auto state = state_.load();
      if (state == State::ended) {
        if (ended_by_us_) co_return std::nullopt;
        throw core::Error("ws_closed", end_reason());
      }
      if (state == State::idle || state == State::connecting) {
        throw core::Error("ws_closed", "cannot receive: WebSocket is not connected");
      }
      asio::steady_timer wait(strand_, Clock::time_point::max());
      Registration<asio::steady_timer> registered(receive_waiters_, &wait);
      boost::system::error_code ec;
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<void> close() {
    const auto state = state_.load();
    if (state == State::ended) co_return;
    if (state == State::idle || state == State::connecting) {
      closing_by_us_ = true;
      end("closed by client before the connection was open");
      co_return;
    }
    if (state == State::open) {
      closing_by_us_ = true;
      state_ = State::closing;
      outgoing_.push_back({Outgoing::Kind::close, {}});
      writer_wake_.cancel();
    }
    // Beast bounds the close handshake by close_timeout too; the margin lets it report first.
    const auto deadline = Clock::now() + options_.close_timeout + std::chrono::milliseconds(100);
    while (state_ != State::ended) {
      if (Clock::now() >= deadline) {
        end("closed by client (the server did not answer the close frame)");
        break;
      }
      asio::steady_timer wait(strand_, deadline);
      Registration<asio::steady_timer> registered(close_waiters_, &wait);
      boost::system::error_code ec;
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // Strand only. Idempotent: the first reason wins.
  void end(const std::string& reason) {
    if (state_ == State::ended) return;
    ended_by_us_ = closing_by_us_;
    {
      std::lock_guard lock(reason_mutex_);
      end_reason_ = reason;
    }
    state_ = State::ended;
    if (stream_) stream_->drop();
    ping_timer_.cancel();
    watchdog_timer_.cancel();
    writer_wake_.cancel();
    for (auto* waiter : receive_waiters_) waiter->cancel();
    for (auto* waiter : close_waiters_) waiter->cancel();
  }

 private:
  struct Outgoing {
    enum class Kind { text, ping, close };
    Kind kind;
    std::string text;
  };

  void touch() { deadline_ = Clock::now() + options_.read_timeout; }

  // Closures are created only in these plain functions, never inside a coroutine body: g++ 12
  // may destroy a closure temporary twice when a coroutine holds it.
  struct ConnectAttempt {
    explicit ConnectAttempt(const Strand& s) : timer(s), resolver(s) {}
    asio::steady_timer timer;
    tcp::resolver resolver;
    bool timed_out = false;
    bool done = false;
  };

  void arm_connect_deadline(const std::shared_ptr<ConnectAttempt>& attempt, std::chrono::milliseconds timeout) {
    attempt->timer.expires_after(timeout);
    auto keep_alive = [self = shared_from_this()](std::exception_ptr) {};
    asio::co_spawn(strand_, connect_deadline(attempt), std::move(keep_alive));
  }

  asio::awaitable<void> connect_deadline(std::shared_ptr<ConnectAttempt> attempt) {
    boost::system::error_code ec;
    co_await attempt->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || attempt->done) co_return;
    attempt->timed_out = true;
    attempt->resolver.cancel();
    if (stream_) stream_->drop();
  }

  void watch_control_frames() {
    stream_->on_control([this](websocket::frame_type kind) {
      touch();
      if (kind == websocket::frame_type::pong) ++pongs_received_;
    });
  }

  void start_loops() {
    auto keep_alive = [self = shared_from_this()](std::exception_ptr) {};
    asio::co_spawn(strand_, read_loop(), keep_alive);
    asio::co_spawn(strand_, write_loop(), keep_alive);
    asio::co_spawn(strand_, ping_loop(), keep_alive);
    asio::co_spawn(strand_, watchdog_loop(), keep_alive);
  }

  bool running() const {
    const auto state = state_.load();
    return state == State::open || state == State::closing;
  }

  asio::awaitable<void> read_loop() {
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code ec;
      co_await stream_->read(buffer, ec);
      if (ec) {
        if (ec == websocket::error::closed && !closing_by_us_) {
          const auto reason = stream_->reason();
          std::string text = "server closed the connection (code " + std::to_string(reason.code);
          if (!reason.reason.empty()) text += ", reason '" + std::string(reason.reason.data(), reason.reason.size()) + "'";
          end(text + ")");
        } else if (closing_by_us_) {
          end("closed by client");
        } else {
          end("connection lost: " + ec.message());
        }
        co_return;
      }
      touch();
      std::string message = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      inbox_bytes_ += message.size();
      if (inbox_bytes_ > options_.max_inbox_bytes) {
        end("receive queue overflow: more than " + std::to_string(options_.max_inbox_bytes) +
            " unread bytes (consumer too slow)");
        co_return;
      }
      inbox_.push_back(std::move(message));
      for (auto* waiter : receive_waiters_) waiter->cancel();
    }
  }

  asio::awaitable<void> write_loop() {
    for (;;) {
      while (outgoing_.empty() && running()) {
        writer_wake_.expires_at(Clock::time_point::max());
        boost::system::error_code ignored;
        co_await writer_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      }
      if (!running()) co_return;
      Outgoing item = std::move(outgoing_.front());
      outgoing_.pop_front();
      beast::error_code ec;
      switch (item.kind) {
        case Outgoing::Kind::text:
          --queued_;
          co_await stream_->write_text(item.text, ec);
          break;
        case Outgoing::Kind::ping:
          ping_queued_ = false;
          co_await stream_->ping(ec);
          if (!ec) ++pings_sent_;
          break;
        case Outgoing::Kind::close:
          co_await stream_->close(ec);
          // The reader sees the server's answer and ends the connection; a failed close ends it here.
          if (ec) end("closed by client (" + ec.message() + ")");
          co_return;
      }
      if (ec) {
        end("send failed: " + ec.message());
        co_return;
      }
    }
  }

  asio::awaitable<void> ping_loop() {
    while (state_ == State::open) {
      ping_timer_.expires_after(options_.ping_interval);
      boost::system::error_code ec;
      co_await ping_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (state_ != State::open) co_return;
      if (!ping_queued_) {
        ping_queued_ = true;
        outgoing_.push_back({Outgoing::Kind::ping, {}});
        writer_wake_.cancel();
      }
    }
  }

  asio::awaitable<void> watchdog_loop() {
    while (running()) {
      watchdog_timer_.expires_at(deadline_);
      boost::system::error_code ec;
      co_await watchdog_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!running()) co_return;
      if (Clock::now() >= deadline_) {
        end("read timeout: nothing received for " + std::to_string(options_.read_timeout.count()) + " ms");
        co_return;
      }
    }
  }

  Options options_;
  Strand strand_;
  ssl::context tls_context_;
  std::unique_ptr<WsStream> stream_;
  std::atomic<State> state_{State::idle};
  bool closing_by_us_ = false;
  bool ended_by_us_ = false;
  bool receiving_ = false;
  bool ping_queued_ = false;
  mutable std::mutex reason_mutex_;
  std::string end_reason_;
  std::deque<std::string> inbox_;
  std::size_t inbox_bytes_ = 0;
  std::deque<Outgoing> outgoing_;
  std::atomic<std::size_t> queued_{0};
  Clock::time_point deadline_{};
  asio::steady_timer writer_wake_;
  asio::steady_timer ping_timer_;
  asio::steady_timer watchdog_timer_;
  std::vector<asio::steady_timer*> receive_waiters_;
  std::vector<asio::steady_timer*> close_waiters_;
  std::atomic<std::uint64_t> pings_sent_{0};
  std::atomic<std::uint64_t> pongs_received_{0};
};

// ---- WsClient: every call hops onto the connection's strand -----------------------------------
//
// The public coroutines are plain functions around async_initiate with capture-less initiations:
// with g++ 12 and Boost 1.74, co_spawn(..., use_awaitable) and closure temporaries inside co_await
// expressions double-destroy captured state. The strand coroutine is co_spawn'ed with a callback
// that posts the result back to the awaiting coroutine's executor.

namespace {

// A co_spawn completion that resumes the awaiting coroutine on its own executor and keeps the
// connection alive until the strand coroutine has finished.
template <class Handler>
auto resume_caller(Handler handler, std::shared_ptr<void> keep_alive) {
  auto caller = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
  return [handler = std::move(handler), caller = std::move(caller), keep_alive = std::move(keep_alive)](
             std::exception_ptr failure, auto&&... values) mutable {
    asio::post(caller, [handler = std::move(handler), failure, ... values = std::move(values)]() mutable {
      std::move(handler)(failure, std::move(values)...);
    });
  };
}

}  // namespace

WsClient::WsClient(asio::any_io_executor executor) : WsClient(std::move(executor), Options{}) {}

WsClient::WsClient(asio::any_io_executor executor, Options options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

WsClient::~WsClient() {
  asio::post(impl_->strand(), [impl = impl_] { impl->end("client destroyed"); });
}

asio::awaitable<void> WsClient::connect(std::string url, Headers headers, std::chrono::milliseconds timeout) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [](auto handler, std::shared_ptr<Impl> impl, std::string url, Headers headers, std::chrono::milliseconds timeout) {
        auto operation = impl->connect(std::move(url), std::move(headers), timeout);
        asio::co_spawn(impl->strand(), std::move(operation), resume_caller(std::move(handler), impl));
      },
      asio::use_awaitable, impl_, std::move(url), std::move(headers), timeout);
}

void WsClient::send_text(std::string text) { impl_->send_text(std::move(text)); }

asio::awaitable<std::optional<std::string>> WsClient::receive() {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, std::optional<std::string>)>(
      [](auto handler, std::shared_ptr<Impl> impl) {
        auto operation = impl->receive();
        asio::co_spawn(impl->strand(), std::move(operation), resume_caller(std::move(handler), impl));
      },
      asio::use_awaitable, impl_);
}

asio::awaitable<void> WsClient::run(std::function<void(std::string)> on_message) {
  while (auto message = co_await receive()) on_message(std::move(*message));
}

asio::awaitable<void> WsClient::close() {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [](auto handler, std::shared_ptr<Impl> impl) {
        auto operation = impl->close();
        asio::co_spawn(impl->strand(), std::move(operation), resume_caller(std::move(handler), impl));
      },
      asio::use_awaitable, impl_);
}

bool WsClient::is_open() const noexcept { return impl_->is_open(); }
std::string WsClient::end_reason() const { return impl_->end_reason(); }
std::uint64_t WsClient::pings_sent() const noexcept { return impl_->pings_sent(); }
std::uint64_t WsClient::pongs_received() const noexcept { return impl_->pongs_received(); }

}  // namespace ms::net
