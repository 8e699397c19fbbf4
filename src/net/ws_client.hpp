#pragma once
// WebSocket client (ws:// and wss://) for the vendor's streaming feeds. Beast lives only in
// ws_client.cpp; this header needs nothing but Asio's awaitable.
//
// One WsClient is one connection: connect once, then send/receive until it ends; reconnecting
// means a new WsClient. All socket work runs on a strand of the given executor; send_text may be
// called from any thread or coroutine (frames go out in call order through a send queue).
//
// A background reader always reads, so pongs and close frames are seen even while the owner is
// busy; text and binary frames are queued (bounded) for receive(). A ping goes out every
// ping_interval; when nothing at all (data, ping or pong) arrives for read_timeout the connection
// is declared dead.
//
// Errors (core::Error codes):
//   ws_bad_url         not ws:// or wss://, or no host; ws_bad_header: a header name/value unusable
//   ws_connect_failed  resolve, TCP, TLS or handshake failure, or connect timeout
//   ws_closed          the connection ended other than by our close(): server close frame (the
//                      message holds code and reason), reset, read timeout, slow consumer; also
//                      send_text/receive on a connection that is not open
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace ms::net {

struct WsUrl {
  bool tls = false;
  std::string host;    // without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string target;  // path + query, at least "/"
};

// Parses ws://host[:port][/path][?query] and wss://...; throws core::Error("ws_bad_url").
WsUrl parse_ws_url(std::string_view url);

class WsClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  struct Options {
    std::chrono::milliseconds connect_timeout{10000};  // resolve + TCP + TLS + upgrade
    std::chrono::milliseconds ping_interval{15000};
    std::chrono::milliseconds read_timeout{45000};     // silence longer than this = dead
    std::chrono::milliseconds close_timeout{3000};     // wait for the server's close frame
    std::size_t max_message_bytes = 16 * 1024 * 1024;
    std::size_t max_inbox_bytes = 64 * 1024 * 1024;    // unread frames; beyond = slow consumer
    std::size_t max_send_queue = 4096;                 // frames not yet written
    std::string ca_file;                               // extra trusted CA (PEM); system store always
    std::string user_agent = "marketswarm/0.1";
  };

  explicit WsClient(boost::asio::any_io_executor executor);
  WsClient(boost::asio::any_io_executor executor, Options options);
  // Drops the connection without a close handshake if still open; never blocks.
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // timeout 0 = options.connect_timeout. Throws ws_bad_url, ws_connect_failed; a second call
  // throws ws_connect_failed ("already used").
  boost::asio::awaitable<void> connect(std::string url, Headers headers = {},
                                       std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Queues a text frame. Throws ws_closed when not open, ws_send_queue_full when the queue is full.
  void send_text(std::string text);

  // The next frame in arrival order; nullopt once our close() has completed and the queue is
  // drained; throws ws_closed when the connection ended any other way. One receive at a time.
  boost::asio::awaitable<std::optional<std::string>> receive();

  // Delivers every frame to on_message until the connection ends (same ending as receive()).
  boost::asio::awaitable<void> run(std::function<void(std::string)> on_message);

  // Sends a close frame (after frames already queued), waits up to close_timeout for the server's
  // answer, then drops the socket. Safe to call twice or on a dead connection.
  boost::asio::awaitable<void> close();

  bool is_open() const noexcept;
  // Why the connection ended (empty while open).
  std::string end_reason() const;
  // How many pings were sent and pongs received (observability and tests).
  std::uint64_t pings_sent() const noexcept;
  std::uint64_t pongs_received() const noexcept;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ms::net
