#pragma once
// One WebSocket connection to one vendor cluster (/options, /stocks, /indices), kept alive:
//   connect → [connected] → {"action":"auth","params":KEY} → wait for auth_success (Q6: nothing
//   is subscribed before it) → {"action":"subscribe","params":"Q.O:…,T.O:…"} → events.
// On any failure (connect error, close, read timeout, auth timeout) it waits a backoff —
// initial·2^n capped at max, plus jitter, reset once a connection authenticates — and
// reconnects; after auth_success on the new connection the whole wanted set is subscribed
// exactly once. auth_failed counts, is kept as last_error() and retried at the max backoff.
//
// Subscriptions are a wanted set. set_subscriptions() on a live, authenticated connection sends
// only the difference: one "subscribe" message with what is new and one "unsubscribe" with
// what is gone (Q6: never a reconnect). The vendor allows 1,000 quote contracts per connection:
// Q. params beyond max_quote_contracts (in the order given, so pass the nearest strikes first)
// are left out and counted in stats().over_cap.
//
// Frames: every text frame goes to the FrameObserver as received (recording), then through
// FrameDecoder. Status events are handled here; the market events (and the simulator's clock)
// of a frame go to the EventsHandler in one call. A malformed frame is counted in
// stats().malformed_frames and skipped; it never ends the connection.
//
// Threads: run() is a coroutine; the handlers are called on the executor run() was started on,
// one frame at a time. set_subscriptions(), stop() and stats() are safe from any thread.
// (Precisely: everything runs on a strand of the executor given to the constructor — give it
// the one run() is spawned on — and run() resumes its caller on the caller's executor.
// Subscribe/unsubscribe messages carry at most 500 params / 32 KiB each, so "one message"
// above becomes several for very large sets. Destroy the feed after run() has returned.)
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "net/ws_client.hpp"
#include "marketdata/feed_events.hpp"

namespace ms::marketdata {

struct WsFeedOptions {
  std::string name = "options";  // the cluster: logs, metrics, recordings
  std::string url;               // wss://socket.massive.com/options, ws://127.0.0.1:3004/options
  std::string api_key;
  std::size_t max_quote_contracts = 1000;
  std::chrono::milliseconds auth_timeout{10000};
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  double backoff_jitter = 0.2;  // a delay d waits d + U(0, jitter·d)
  std::uint64_t jitter_seed = 0;  // 0: seeded from the clock
  net::WsClient::Options socket{};
};

struct WsFeedStats {
  std::uint64_t connects = 0;          // connections that reached auth_success
  std::uint64_t connect_failures = 0;  // attempts that failed before auth_success
  std::uint64_t disconnects = 0;       // authenticated connections that ended
  std::uint64_t auth_failures = 0;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t events = 0;            // delivered to the handler
  std::uint64_t malformed_frames = 0;
  std::uint64_t skipped_events = 0;
  std::uint64_t subscribe_messages = 0;
  std::uint64_t unsubscribe_messages = 0;
  std::uint64_t subscribed = 0;        // params the live connection is subscribed to
  std::uint64_t over_cap = 0;          // Q. params left out by the quote-contract cap
  std::uint64_t status_errors = 0;     // "status":"error" events from the server
};

class WsFeed {
 public:
  using EventsHandler = std::function<void(std::vector<FeedEvent>& events)>;
  using FrameObserver = std::function<void(std::string_view frame)>;

  WsFeed(boost::asio::any_io_executor executor, WsFeedOptions options, EventsHandler on_events,
         FrameObserver on_frame = {});
  ~WsFeed();
  WsFeed(const WsFeed&) = delete;
  WsFeed& operator=(const WsFeed&) = delete;

  // The wanted params, e.g. {"Q.O:SPXW260210C06000000", "T.O:SPXW260210C06000000", "V.I:SPX"}.
  void set_subscriptions(std::vector<std::string> params);

  // Runs until stop(). Throws core::Error("ws_bad_url") at once for an unusable URL; every
  // other failure is retried.
  boost::asio::awaitable<void> run();
  void stop();

  WsFeedStats stats() const;
  bool authenticated() const;
  std::string last_error() const;
  const WsFeedOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ms::marketdata
