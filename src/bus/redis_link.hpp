#pragma once
// One hiredis async connection driven by Asio: connect with a timeout, the handshake (AUTH,
// SELECT, PING), and reconnect with exponential backoff. Internal to the bus library (callers
// use RedisClient). Not thread-safe: every member function runs on the strand given at
// construction, and so do the events.
#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "bus/redis_url.hpp"

struct redisAsyncContext;
struct redisReply;

namespace ms::bus::detail {

using Strand = boost::asio::strand<boost::asio::any_io_executor>;

struct LinkOptions {
  RedisUrl url;
  std::string label;  // "<bus> (host:port)", for log lines
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  bool reconnect = true;  // false: one attempt; a failure leaves the link closed
};

struct LinkEvents {
  std::function<void()> on_ready;  // handshake done: send() works
  // A connect attempt failed or an established connection was lost (was_ready).
  std::function<void(const std::string& reason, bool was_ready)> on_down;
  // Pub/sub replies (messages and (un)subscribe confirmations). Runs inside hiredis: it must
  // not call back into the link.
  std::function<void(const redisReply& reply)> on_push;
};

// The reply, or nullptr and the reason when the connection went away before it arrived.
// Runs inside hiredis: it must not call back into the link.
using ReplyCallback = std::function<void(const redisReply* reply, const std::string& error)>;

class RedisLink : public std::enable_shared_from_this<RedisLink> {
 public:
  enum class State { idle, connecting, ready, backoff, closed };

  RedisLink(Strand strand, LinkOptions options, LinkEvents events);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  void start();                            // idle → connecting; otherwise nothing
  void close(const std::string& reason);   // for good; pending callbacks get `reason`
  void drop(const std::string& reason);    // frees the connection now, reconnects after backoff
  // Queue a command; false when not ready (the callback is then never called).
  bool send(const std::vector<std::string>& argv, ReplyCallback callback);
  // (P)SUBSCRIBE / (P)UNSUBSCRIBE: replies arrive through on_push.
  bool send_pubsub(const std::vector<std::string>& argv);

  State state() const noexcept { return state_; }
  bool ready() const noexcept { return state_ == State::ready; }
  bool ever_failed() const noexcept { return ever_failed_; }
  const std::string& last_error() const noexcept { return last_error_; }
  const LinkOptions& options() const noexcept { return opt_; }

 private:
  static void hook_add_read(void* data);
  static void hook_del_read(void* data);
  static void hook_add_write(void* data);
  static void hook_del_write(void* data);
  static void hook_cleanup(void* data);
  static void hook_reply(redisAsyncContext* ac, void* reply, void* data);
  static void hook_push(redisAsyncContext* ac, void* reply, void* data);

  void connect_now();
  bool send_raw(const std::vector<std::string>& argv, ReplyCallback callback);
  void start_handshake();
  void became_ready();
  void handshake_failed(const std::string& reason);
  void free_context(const std::string& reason);
  void context_gone();
  void attempt_failed(const std::string& reason, bool was_ready);
  std::string error_of(const redisAsyncContext* ac) const;
  void watch_read();
  void watch_write();
  void schedule_read();
  void schedule_write();
  void handle_read();
  void handle_write();
  void reset_io_flags();
  template <typename F>
  void post_self(F&& f);

  Strand strand_;
  LinkOptions opt_;
  LinkEvents ev_;
  boost::asio::posix::stream_descriptor fd_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer backoff_timer_;
  redisAsyncContext* ac_ = nullptr;
  State state_ = State::idle;
  std::uint64_t gen_ = 0;  // bumped per context so stale waits, jobs and timers are ignored
  bool want_read_ = false, want_write_ = false;
  bool read_armed_ = false, write_armed_ = false;
  bool read_job_ = false, write_job_ = false;
  bool in_read_ = false, in_write_ = false;
  bool freeing_ = false;
  bool destroying_ = false;
  bool ever_failed_ = false;
  bool was_ready_ = false;
  int attempts_ = 0;
  std::deque<ReplyCallback> callbacks_;  // hiredis answers regular commands in order
  std::string handshake_error_;
  std::string drop_reason_;
  std::string last_error_;
};

}  // namespace ms::bus::detail
