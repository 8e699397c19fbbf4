#pragma once
// An asynchronous Redis client for one bus: one pipelined command connection and one lazily
// opened subscriber connection (DESIGN §10), hiredis driven by Asio, C++20 coroutines.
//
// Thread safety: every member may be called from any thread; the client serialises its work
// on a strand of the executor it was created with. Subscription handlers and on_reconnect
// callbacks run on that strand, one at a time and in arrival order: keep them short and
// co_spawn anything that does I/O.
//
// Failure behaviour: while the bus is down, commands fail at once with
// core::Error("redis_unavailable", "<bus> (host:port) unavailable: <reason>"); a command that
// gets no answer within command_timeout fails with "redis_timeout" and drops the connection;
// the client reconnects with exponential backoff and restores every live subscription. The
// typed helpers throw core::Error("redis_error", <Redis message>) for an error reply, while
// command()/pipeline() return error replies as values.
#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bus/redis_url.hpp"
#include "bus/reply.hpp"

namespace ms::core {
class MetricsRegistry;
}

namespace ms::bus {

namespace detail {
class ClientCore;
struct SubscriptionSlot;
}  // namespace detail

template <typename T>
using Awaitable = boost::asio::awaitable<T>;

struct RedisOptions {
  std::string url = "redis://127.0.0.1:6379";
  std::string name = "redis";  // the bus name (system, market, intel): messages and metrics
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  // Optional: redis_connected, redis_reconnects_total, redis_command_timeouts_total,
  // redis_messages_received_total, labelled bus=<name>. Must outlive the client.
  core::MetricsRegistry* metrics = nullptr;
};

// A pub/sub message. `pattern` is set only for deliveries through psubscribe().
struct Message {
  std::string channel;
  std::string payload;
  std::string pattern;
};
using MessageHandler = std::function<void(const Message&)>;

struct ScoredMember {
  std::string member;
  double score = 0;
  bool operator==(const ScoredMember&) const = default;
};

struct StreamEntry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;
  // The first value of `name`, or nullptr.
  const std::string* field(const std::string& name) const;
};

struct StreamBatch {
  std::string stream;
  std::vector<StreamEntry> entries;
};

struct XReadOptions {
  std::optional<std::size_t> count;
  // Wait up to this long for new entries. A blocking read runs on a connection of its own, so
  // it never holds up the shared command connection.
  std::optional<std::chrono::milliseconds> block;
};

// A live subscription. Destroying it (or unsubscribe()) stops deliveries: once unsubscribe()
// returns on another thread the handler is not running and will not run again (do not call it
// while holding a lock the handler takes). Called from inside the handler, the current call
// finishes and no other follows.
class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept = default;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  void unsubscribe();
  bool active() const;
  // The channel or pattern.
  const std::string& name() const;

 private:
  friend class RedisClient;
  Subscription(std::shared_ptr<detail::SubscriptionSlot> slot, std::weak_ptr<detail::ClientCore> core);
  std::shared_ptr<detail::SubscriptionSlot> slot_;
  std::weak_ptr<detail::ClientCore> core_;
};

class RedisClient {
 public:
  // Starts connecting at once. Throws core::Error("bad_redis_url") for a bad URL and
  // core::Error("bad_redis_options") for non-positive timeouts.
  static std::shared_ptr<RedisClient> create(boost::asio::any_io_executor executor, RedisOptions options);
  ~RedisClient();  // close()
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Any command. Error replies come back as Reply::Type::error. Commands that would change the
  // shared connection's state (SUBSCRIBE & co, MONITOR, SELECT, QUIT, ...) are refused with
  // core::Error("redis_bad_argument"); use subscribe() and the URL's /db instead.
  Awaitable<Reply> command(std::vector<std::string> argv);
  // Several commands in one round trip; one reply per command, in order.
  Awaitable<std::vector<Reply>> pipeline(std::vector<std::vector<std::string>> commands);

  // Strings.
  Awaitable<std::optional<std::string>> get(std::string key);
  Awaitable<void> set(std::string key, std::string value, std::optional<std::chrono::seconds> ttl = std::nullopt);
  // SET NX with a TTL in milliseconds (a lease): true when this call created the key.
  Awaitable<bool> set_nx(std::string key, std::string value, std::chrono::milliseconds ttl);
  Awaitable<std::int64_t> del(std::vector<std::string> keys);  // keys removed
  Awaitable<bool> expire(std::string key, std::chrono::seconds ttl);
  Awaitable<std::int64_t> ttl(std::string key);  // seconds; -1 no TTL, -2 no key
  Awaitable<bool> exists(std::string key);

  // Hashes.
  Awaitable<std::int64_t> hset(std::string key, std::map<std::string, std::string> fields);  // fields added
  Awaitable<std::int64_t> hset(std::string key, std::string field, std::string value);
  Awaitable<std::optional<std::string>> hget(std::string key, std::string field);
  Awaitable<std::map<std::string, std::string>> hgetall(std::string key);
  Awaitable<std::int64_t> hincrby(std::string key, std::string field, std::int64_t by);
  Awaitable<std::int64_t> hdel(std::string key, std::vector<std::string> fields);

  // Sorted sets. Infinite bounds are written -inf / +inf.
  Awaitable<std::int64_t> zadd(std::string key, std::vector<ScoredMember> members);  // members added
  Awaitable<std::vector<ScoredMember>> zrangebyscore(std::string key, double min, double max,
                                                     std::optional<std::size_t> limit = std::nullopt);
  Awaitable<std::int64_t> zremrangebyscore(std::string key, double min, double max);
  Awaitable<std::int64_t> zcard(std::string key);

  // Pub/sub. publish returns the number of receivers.
  Awaitable<std::int64_t> publish(std::string channel, std::string payload);
  // The subscription stays registered (and is restored after every reconnect) until the handle
  // is destroyed. Completes once Redis confirmed it, or at once when the bus is known to be
  // down (it is then made when the connection comes back).
  Awaitable<Subscription> subscribe(std::string channel, MessageHandler handler);
  Awaitable<Subscription> psubscribe(std::string pattern, MessageHandler handler);

  // Streams. xadd returns the new entry id; maxlen_approx trims with MAXLEN ~ n.
  Awaitable<std::string> xadd(std::string key, std::vector<std::pair<std::string, std::string>> fields,
                              std::optional<std::size_t> maxlen_approx = std::nullopt, std::string id = "*");
  Awaitable<std::vector<StreamEntry>> xrange(std::string key, std::string start = "-", std::string end = "+",
                                             std::optional<std::size_t> count = std::nullopt);
  Awaitable<std::vector<StreamEntry>> xrevrange(std::string key, std::string end = "+", std::string start = "-",
                                                std::optional<std::size_t> count = std::nullopt);
  // Entries after `after_id` ("$" = only new ones, with block). Empty on a block timeout.
  Awaitable<std::vector<StreamEntry>> xread(std::string key, std::string after_id, XReadOptions options = {});
  Awaitable<std::vector<StreamBatch>> xread_streams(std::vector<std::pair<std::string, std::string>> key_and_after_id,
                                                    XReadOptions options = {});

  // Runs on the client's strand each time the client is whole again (command connection up
  // and every subscription confirmed) after a failure: owners re-read their snapshots here.
  // Not called for the first connection when it succeeds at once.
  void on_reconnect(std::function<void()> callback);
  bool connected() const noexcept;  // the command connection is up
  // Fails pending commands with redis_unavailable, drops the connections, stops reconnecting.
  // Returns at once; later calls fail with redis_unavailable.
  void close();

  const std::string& name() const noexcept;
  const RedisUrl& url() const noexcept;
  std::string describe() const;  // "<bus> (host:port)"
  boost::asio::any_io_executor executor() const;

 private:
  explicit RedisClient(std::shared_ptr<detail::ClientCore> core);
  Awaitable<Subscription> subscribe_any(bool pattern, std::string name, MessageHandler handler);
  Awaitable<Reply> checked(std::vector<std::string> argv);  // throws redis_error on error replies
  // On a connection of its own (XREAD BLOCK), so the shared one is never held up.
  Awaitable<Reply> blocking_command(std::vector<std::string> argv, std::chrono::milliseconds block);

  std::shared_ptr<detail::ClientCore> core_;
};

}  // namespace ms::bus
