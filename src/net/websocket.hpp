#pragma once
// WebSocket endpoints (text messages) behind plain types. A route registered with
// Router::websocket(pattern, handler) accepts an upgrade when the Origin is allowed (the CORS
// allow-list, or same origin as the Host header; clients that send no Origin — not browsers —
// are accepted) and `on_upgrade` does not reject it. After the handshake the server reads
// messages and calls on_message; anything may call send()/close() on the session from any
// thread or coroutine: messages go through a bounded per-session queue that one writer drains.
// A peer that cannot keep up (queue over its limits) is disconnected, never silently skipped.
// Ping/pong keep-alive and the idle timeout are handled by the server.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "net/http.hpp"
#include "net/sync_or_async.hpp"

namespace ms::net {

struct WebSocketOptions {
  std::chrono::milliseconds handshake_timeout{10'000};
  // A silent peer gets a ping at half this time and is dropped after it.
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_message_bytes = 1 << 20;
  std::size_t max_queued_messages = 1024;
  std::size_t max_queued_bytes = 8 << 20;
};

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(Request upgrade_request, WebSocketOptions options);

  // Queues a text message. False when the session is closing/closed or the queue overflowed
  // (which disconnects the peer).
  bool send(std::string text);
  // Sends a close frame after the queued messages (1000 normal, 1001 going away, ...).
  void close(std::uint16_t code = 1000, std::string reason = {});
  bool is_open() const;

  // The upgrade request (headers, params, attributes, request id); its body is empty.
  const Request& request() const noexcept { return request_; }
  const std::string& id() const noexcept { return request_.request_id; }
  const WebSocketOptions& options() const noexcept { return options_; }

  // ---- used by the server's session driver ----
  enum class State { open, closing, failed, closed };
  struct Outgoing {
    std::deque<std::string> messages;
    State state = State::open;
    std::uint16_t close_code = 1000;
    std::string close_reason;
  };
  // Moves out everything queued and reports the state.
  Outgoing take();
  // Called (at most once per take()) when something is queued or the state changes; the
  // server posts a wake-up to the connection's executor.
  void set_waker(std::function<void()> waker);
  // The connection is gone: further sends fail.
  void mark_closed();
  std::string failure_reason() const;

 private:
  void notify_locked(bool state_changed = false);

  Request request_;
  WebSocketOptions options_;
  mutable std::mutex mu_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  State state_ = State::open;
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;
  std::string failure_reason_;
  std::function<void()> waker_;
  bool notified_ = false;
};

// Returning a Response rejects the upgrade with it (e.g. 401 from an auth check); nullopt
// accepts. May be a coroutine.
using UpgradeCheck = SyncOrAsync<std::optional<Response>, Request&>;

struct WebSocketHandler {
  UpgradeCheck on_upgrade{};
  std::function<void(const std::shared_ptr<WebSocketSession>&)> on_open{};
  // Runs on the connection's executor, one message at a time; long work belongs elsewhere.
  std::function<void(const std::shared_ptr<WebSocketSession>&, std::string message)> on_message{};
  // Once, when the connection ends for any reason (code 1006 when no close frame was seen).
  std::function<void(const std::shared_ptr<WebSocketSession>&, std::uint16_t code)> on_close{};
};

}  // namespace ms::net
