// The client's core: everything below runs on one strand, so no state here needs a lock
// (except a subscription slot, which a handle may cancel from any thread).
#include "bus/redis_client.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <deque>
#include <mutex>
#include <set>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include "bus/hiredis_reply.hpp"
#include "bus/redis_link.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"

namespace ms::bus {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace detail {

struct Done {};

// A caller waiting in co_await, type-erased so the strand can hold it.
template <typename T>
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void complete(std::exception_ptr error, T value) = 0;
};

template <typename T, typename Handler>
class HandlerCompletion final : public Completion<T> {
 public:
  HandlerCompletion(Handler handler, const asio::any_io_executor& fallback)
      : handler_(std::move(handler)),
        work_(asio::prefer(asio::get_associated_executor(handler_, fallback),
                           asio::execution::outstanding_work.tracked)) {}

  void complete(std::exception_ptr error, T value) override {
    // Always posted: the caller must resume on its own executor, never inside the client's
    // strand or inside hiredis.
    asio::post(work_, [h = std::move(handler_), error, value = std::move(value)]() mutable {
      std::move(h)(error, std::move(value));
    });
  }

 private:
  Handler handler_;
  asio::any_io_executor work_;  // keeps the caller's io_context running while it waits
};

template <typename T, typename Start>
Awaitable<T> await_completion(asio::any_io_executor fallback, Start start) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, T)>(
      [fallback = std::move(fallback), start = std::move(start)](auto handler) mutable {
        using H = decltype(handler);
        start(std::unique_ptr<Completion<T>>(new HandlerCompletion<T, H>(std::move(handler), fallback)));
      },
      asio::use_awaitable);
}

std::exception_ptr unavailable(const std::string& label, const std::string& reason) {
  return std::make_exception_ptr(core::Error("redis_unavailable", label + " unavailable: " + reason));
}

struct SubscriptionSlot {
  bool pattern = false;
  std::string name;
  MessageHandler handler;
  std::recursive_mutex mu;  // held while the handler runs, so a cancel waits for it
  std::atomic<bool> active{true};

  void deliver(const Message& m) {
    std::lock_guard<std::recursive_mutex> lock(mu);
    if (!active.load(std::memory_order_relaxed)) return;
    try {
      handler(m);
    } catch (const std::exception& e) {
      spdlog::error("bus: handler for {} '{}' threw: {}", pattern ? "pattern" : "channel", name, e.what());
    } catch (...) {
      spdlog::error("bus: handler for {} '{}' threw", pattern ? "pattern" : "channel", name);
    }
  }
};

// One caller's commands (one, or a pipeline): as many replies as commands, in order.
struct CommandOp {
  std::vector<std::vector<std::string>> commands;
  std::size_t expected = 0;
  std::string first_name;
  std::vector<Reply> replies;
  std::unique_ptr<Completion<std::vector<Reply>>> done;
  std::shared_ptr<const std::string> label;
  Clock::time_point deadline{};
  bool finished = false;

  void succeed() {
    finished = true;
    auto d = std::move(done);
    if (d) d->complete(nullptr, std::move(replies));
  }
  void fail(std::exception_ptr e) {
    if (finished) return;
    finished = true;
    auto d = std::move(done);
    if (d) d->complete(std::move(e), {});
  }
  void fail_unavailable(const std::string& reason) { fail(unavailable(*label, reason)); }
};

// A blocking read on a connection of its own, closed when the read ends.
struct BlockingCall {
  explicit BlockingCall(const Strand& strand) : timer(strand) {}
  std::shared_ptr<RedisLink> link;
  std::shared_ptr<CommandOp> op;
  asio::steady_timer timer;
};

class ClientCore : public std::enable_shared_from_this<ClientCore> {
 public:
  ClientCore(asio::any_io_executor executor, RedisOptions options, RedisUrl url)
      : executor_(std::move(executor)),
        strand_(asio::make_strand(executor_)),
        opt_(std::move(options)),
        url_(std::move(url)),
        label_(std::make_shared<const std::string>(opt_.name + " (" + url_.host_port() + ")")),
        timeout_timer_(strand_) {
    if (opt_.metrics != nullptr) {
      const core::Labels labels{{"bus", opt_.name}};
      m_connected_ = &opt_.metrics->gauge("redis_connected", "1 while the bus command connection is up", labels);
      m_reconnects_ = &opt_.metrics->counter("redis_reconnects_total", "Times the bus became whole again", labels);
      m_timeouts_ = &opt_.metrics->counter("redis_command_timeouts_total", "Commands that timed out", labels);
      m_messages_ = &opt_.metrics->counter("redis_messages_received_total", "Pub/sub messages received", labels);
    }
  }

  // --- Entry points: any thread. ---

  void start() {
    asio::post(strand_, [self = shared_from_this()] {
      self->cmd_ = self->make_link("command", true,
                                   {[w = self->weak_from_this()] {
                                      if (auto s = w.lock()) s->on_cmd_ready();
                                    },
                                    [w = self->weak_from_this()](const std::string& reason, bool was_ready) {
                                      if (auto s = w.lock()) s->on_cmd_down(reason, was_ready);
                                    },
                                    nullptr});
      self->cmd_->start();
    });
  }

  Awaitable<std::vector<Reply>> run(std::vector<std::vector<std::string>> commands, std::optional<milliseconds> block) {
    auto op = std::make_shared<CommandOp>();
    op->expected = commands.size();
    op->first_name = commands.empty() || commands.front().empty() ? "" : commands.front().front();
    op->commands = std::move(commands);
    op->label = label_;
    return await_completion<std::vector<Reply>>(
        executor_, [self = shared_from_this(), op, block](std::unique_ptr<Completion<std::vector<Reply>>> done) {
          op->done = std::move(done);
          asio::post(self->strand_, [self, op, block] {
            if (block)
              self->run_blocking(op, *block);
            else
              self->run_op(op);
          });
        });
  }

  Awaitable<Done> add_subscription(std::shared_ptr<SubscriptionSlot> slot) {
    return await_completion<Done>(executor_, [self = shared_from_this(), slot](std::unique_ptr<Completion<Done>> done) {
      asio::post(self->strand_, [self, slot, done = std::move(done)]() mutable {
        self->do_add_subscription(slot, std::move(done));
      });
    });
  }

  void remove_subscription(std::shared_ptr<SubscriptionSlot> slot) {
    asio::post(strand_, [self = shared_from_this(), slot] { self->do_remove_subscription(slot); });
  }

  void add_reconnect_callback(std::function<void()> callback) {
    asio::post(strand_, [self = shared_from_this(), cb = std::move(callback)]() mutable {
      if (!self->closed_) self->reconnect_callbacks_.push_back(std::move(cb));
    });
  }

  void close() {
    asio::post(strand_, [self = shared_from_this()] { self->do_close(); });
  }

  bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
  const RedisOptions& options() const noexcept { return opt_; }
  const RedisUrl& url() const noexcept { return url_; }
  const std::string& label() const noexcept { return *label_; }
  const asio::any_io_executor& executor() const noexcept { return executor_; }

 private:
  enum class PushKind { message, pmessage, subscribed, psubscribed, unsubscribed, punsubscribed };
  struct Push {
    PushKind kind;
    std::string name;  // channel, or the pattern for pmessage and p(un)subscribe
    std::string channel;
    std::string payload;
  };
  struct Topic {
    std::vector<std::shared_ptr<SubscriptionSlot>> slots;
    bool confirmed = false;
    std::vector<std::unique_ptr<Completion<Done>>> waiters;
  };

  std::shared_ptr<RedisLink> make_link(const char* role, bool reconnect, LinkEvents events) {
    LinkOptions lo;
    lo.url = url_;
    lo.label = *label_ + " " + role;
    lo.connect_timeout = opt_.connect_timeout;
    lo.reconnect_min = opt_.reconnect_min;
    lo.reconnect_max = opt_.reconnect_max;
    lo.reconnect = reconnect;
    return std::make_shared<RedisLink>(strand_, std::move(lo), std::move(events));
  }

  void set_connected(bool up) {
    connected_.store(up, std::memory_order_release);
    if (m_connected_ != nullptr) m_connected_->set(up ? 1.0 : 0.0);
  }

  // --- Commands. ---

  void run_op(const std::shared_ptr<CommandOp>& op) {
    if (closed_) return op->fail_unavailable("client closed");
    if (cmd_->ready()) return send_op(op);
    // Only the very first connection is waited for (bounded by connect_timeout): a client
    // used right after create() should not fail just because the handshake is in flight.
    if (cmd_->state() == RedisLink::State::connecting && !cmd_->ever_failed()) {
      waiting_.push_back(op);
      return;
    }
    op->fail_unavailable(cmd_->last_error().empty() ? "not connected" : cmd_->last_error());
  }

  void send_op(const std::shared_ptr<CommandOp>& op) {
    op->deadline = Clock::now() + opt_.command_timeout;
    op->replies.reserve(op->expected);
    auto commands = std::move(op->commands);
    for (const auto& argv : commands) {
      const bool queued = cmd_->send(argv, [op, w = weak_from_this()](const redisReply* r, const std::string& error) {
        if (op->finished) return;
        if (r == nullptr) return op->fail_unavailable(error);
        op->replies.push_back(detail::to_reply(*r));
        if (op->replies.size() == op->expected) {
          op->succeed();
          if (auto self = w.lock()) self->pop_finished();
        }
      });
      if (!queued) {
        // Replies to the commands already queued find the op finished and are dropped.
        op->fail_unavailable(cmd_->last_error().empty() ? "connection is closing" : cmd_->last_error());
        return;
      }
    }
    inflight_.push_back(op);
    arm_timeout();
  }

  void pop_finished() {
    while (!inflight_.empty() && inflight_.front()->finished) inflight_.pop_front();
  }

  // One timer for the whole pipeline: replies come in order, so only the oldest command can
  // be the first to time out.
  void arm_timeout() {
    if (timeout_armed_ || inflight_.empty()) return;
    timeout_armed_ = true;
    timeout_timer_.expires_at(inflight_.front()->deadline);
    timeout_timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
      auto self = w.lock();
      if (!self) return;
      self->timeout_armed_ = false;
      if (!ec && !self->closed_) self->check_timeouts();
    });
  }

  void check_timeouts() {
    pop_finished();
    if (inflight_.empty()) return;
    const auto& op = inflight_.front();
    if (op->deadline > Clock::now()) return arm_timeout();
    const std::string what =
        "command " + op->first_name + " timed out after " + std::to_string(opt_.command_timeout.count()) + " ms";
    op->fail(std::make_exception_ptr(core::Error("redis_timeout", *label_ + ": " + what)));
    if (m_timeouts_ != nullptr) m_timeouts_->inc();
    spdlog::warn("bus {}: {}; dropping the connection", *label_, what);
    inflight_.clear();
    // A server that stopped answering may never answer: start over on a new connection. The
    // other pending commands fail with redis_unavailable naming the timeout.
    cmd_->drop(what);
  }

  void on_cmd_ready() {
    if (closed_) return;
    set_connected(true);
    if (cmd_down_logged_) spdlog::info("bus {}: connected", *label_);
    cmd_down_logged_ = false;
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& op : waiting) send_op(op);
    check_whole();
  }

  void on_cmd_down(const std::string& reason, bool was_ready) {
    if (closed_) return;
    set_connected(false);
    had_failure_ = true;
    inflight_.clear();  // hiredis already failed each of them with a NULL reply
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& op : waiting) op->fail_unavailable(reason);
    if (was_ready) {
      spdlog::warn("bus {}: connection lost ({}); reconnecting", *label_, reason);
      cmd_down_logged_ = true;
    } else if (!cmd_down_logged_) {
      spdlog::warn("bus {} unavailable: {}; retrying", *label_, reason);
      cmd_down_logged_ = true;
    } else {
      spdlog::debug("bus {}: reconnect failed: {}", *label_, reason);
    }
  }

  void run_blocking(const std::shared_ptr<CommandOp>& op, milliseconds block) {
    if (closed_) return op->fail_unavailable("client closed");
    if (!cmd_->ready() && cmd_->ever_failed())
      return op->fail_unavailable(cmd_->last_error().empty() ? "not connected" : cmd_->last_error());
    auto call = std::make_shared<BlockingCall>(strand_);
    call->op = op;
    std::weak_ptr<BlockingCall> wc = call;
    std::weak_ptr<ClientCore> ws = weak_from_this();
    LinkEvents events;
    events.on_ready = [wc, ws] {
      auto call = wc.lock();
      auto self = ws.lock();
      if (!call || !self) return;
      auto commands = std::move(call->op->commands);
      const bool queued =
          call->link->send(commands.front(), [wc, ws, op = call->op](const redisReply* r, const std::string& error) {
            if (r == nullptr) {
              op->fail_unavailable(error);
            } else if (!op->finished) {
              op->replies.push_back(detail::to_reply(*r));
              op->succeed();
            }
            if (auto self = ws.lock()) self->finish_blocking(wc);
          });
      if (!queued) {
        call->op->fail_unavailable("cannot queue the command");
        self->finish_blocking(wc);
      }
    };
    events.on_down = [wc, ws](const std::string& reason, bool) {
      auto call = wc.lock();
      if (!call) return;
      call->op->fail_unavailable(reason);
      if (auto self = ws.lock()) self->finish_blocking(wc);
    };
    call->link = make_link("blocking read", false, std::move(events));
    blocking_.insert(call);
    const auto limit = opt_.connect_timeout + block + opt_.command_timeout;
    call->timer.expires_after(limit);
    call->timer.async_wait([wc, ws, limit, name = op->first_name](const boost::system::error_code& ec) {
      auto call = wc.lock();
      auto self = ws.lock();
      if (ec || !call || !self) return;
      call->op->fail(std::make_exception_ptr(core::Error(
          "redis_timeout", self->label() + ": command " + name + " timed out after " + std::to_string(limit.count()) + " ms")));
      self->finish_blocking(wc);
    });
    call->link->start();
  }

  // Called from inside hiredis too, so the teardown is posted.
  void finish_blocking(const std::weak_ptr<BlockingCall>& wc) {
    asio::post(strand_, [self = shared_from_this(), wc] {
      auto call = wc.lock();
      if (!call) return;
      call->timer.cancel();
      call->link->close("blocking read finished");
      self->blocking_.erase(call);
    });
  }

  // --- Subscriptions. ---

  std::map<std::string, Topic>& topics(bool pattern) { return pattern ? patterns_ : channels_; }
  bool has_topics() const { return !channels_.empty() || !patterns_.empty(); }

  void ensure_sub() {
    if (!sub_) {
      sub_ = make_link("subscriber", true,
                       {[w = weak_from_this()] {
                          if (auto s = w.lock()) s->on_sub_ready();
                        },
                        [w = weak_from_this()](const std::string& reason, bool was_ready) {
                          if (auto s = w.lock()) s->on_sub_down(reason, was_ready);
                        },
                        [w = weak_from_this()](const redisReply& r) {
                          if (auto s = w.lock()) s->on_push(r);
                        }});
    }
    sub_->start();
  }

  void do_add_subscription(const std::shared_ptr<SubscriptionSlot>& slot, std::unique_ptr<Completion<Done>> done) {
    if (closed_) return done->complete(unavailable(*label_, "client closed"), {});
    if (!slot->active) return done->complete(nullptr, {});
    auto [it, inserted] = topics(slot->pattern).try_emplace(slot->name);
    Topic& topic = it->second;
    topic.slots.push_back(slot);
    if (inserted) ++unconfirmed_;
    if (topic.confirmed) return done->complete(nullptr, {});
    ensure_sub();
    if (sub_->ready()) {
      if (inserted) sub_->send_pubsub({slot->pattern ? "PSUBSCRIBE" : "SUBSCRIBE", slot->name});
      topic.waiters.push_back(std::move(done));
    } else if (sub_->state() == RedisLink::State::connecting && !sub_->ever_failed()) {
      topic.waiters.push_back(std::move(done));  // subscribed with the others once ready
    } else {
      done->complete(nullptr, {});  // known down: subscribed when the connection comes back
    }
  }

  void do_remove_subscription(const std::shared_ptr<SubscriptionSlot>& slot) {
    auto& map = topics(slot->pattern);
    auto it = map.find(slot->name);
    if (it == map.end()) return;
    auto& slots = it->second.slots;
    slots.erase(std::remove(slots.begin(), slots.end(), slot), slots.end());
    if (!slots.empty()) return;
    for (auto& w : it->second.waiters) w->complete(nullptr, {});
    if (!it->second.confirmed) --unconfirmed_;
    map.erase(it);
    if (sub_ && sub_->ready()) sub_->send_pubsub({slot->pattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE", slot->name});
    check_whole();
  }

  void on_sub_ready() {
    if (closed_) return;
    if (sub_down_logged_) spdlog::info("bus {}: subscriber connected", *label_);
    sub_down_logged_ = false;
    std::vector<std::string> channels{"SUBSCRIBE"};
    std::vector<std::string> patterns{"PSUBSCRIBE"};
    for (const auto& [name, topic] : channels_) channels.push_back(name);
    for (const auto& [name, topic] : patterns_) patterns.push_back(name);
    if (channels.size() > 1) sub_->send_pubsub(channels);
    if (patterns.size() > 1) sub_->send_pubsub(patterns);
    check_whole();
  }

  void on_sub_down(const std::string& reason, bool was_ready) {
    if (closed_) return;
    for (auto* map : {&channels_, &patterns_}) {
      for (auto& [name, topic] : *map) {
        if (topic.confirmed) {
          topic.confirmed = false;
          ++unconfirmed_;
        }
        for (auto& w : topic.waiters) w->complete(nullptr, {});
        topic.waiters.clear();
      }
    }
    if (!has_topics()) return;
    had_failure_ = true;
    if (was_ready) {
      spdlog::warn("bus {}: subscriber connection lost ({}); resubscribing when it is back", *label_, reason);
      sub_down_logged_ = true;
    } else if (!sub_down_logged_) {
      spdlog::warn("bus {}: subscriber unavailable: {}; retrying", *label_, reason);
      sub_down_logged_ = true;
    }
  }

  // Inside hiredis: only record, deliver from a job of its own.
  void on_push(const redisReply& r) {
    if (r.type != REDIS_REPLY_ARRAY || r.elements < 3) return;
    for (std::size_t i = 0; i < r.elements; ++i)
      if (r.element[i]->type != REDIS_REPLY_STRING && r.element[i]->type != REDIS_REPLY_INTEGER) return;
    auto str = [&r](std::size_t i) { return std::string(r.element[i]->str, r.element[i]->len); };
    std::string kind = str(0);
    std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
    if (kind == "message") {
      inbox_.push_back({PushKind::message, str(1), str(1), str(2)});
    } else if (kind == "pmessage" && r.elements >= 4) {
      inbox_.push_back({PushKind::pmessage, str(1), str(2), str(3)});
    } else if (kind == "subscribe") {
      inbox_.push_back({PushKind::subscribed, str(1), {}, {}});
    } else if (kind == "psubscribe") {
      inbox_.push_back({PushKind::psubscribed, str(1), {}, {}});
    } else if (kind == "unsubscribe") {
      inbox_.push_back({PushKind::unsubscribed, str(1), {}, {}});
    } else if (kind == "punsubscribe") {
      inbox_.push_back({PushKind::punsubscribed, str(1), {}, {}});
    } else {
      return;
    }
    if (!deliver_scheduled_) {
      deliver_scheduled_ = true;
      asio::post(strand_, [self = shared_from_this()] { self->deliver(); });
    }
  }

  void deliver() {
    deliver_scheduled_ = false;
    if (closed_) return;
    std::vector<Push> batch;
    batch.swap(inbox_);
    for (auto& p : batch) {
      switch (p.kind) {
        case PushKind::message:
        case PushKind::pmessage: {
          const bool pattern = p.kind == PushKind::pmessage;
          if (m_messages_ != nullptr) m_messages_->inc();
          auto& map = topics(pattern);
          auto it = map.find(p.name);
          if (it == map.end()) break;
          Message m{std::move(p.channel), std::move(p.payload), pattern ? std::move(p.name) : std::string()};
          // Handlers cannot change the map from here: subscribing and cancelling are posted.
          for (const auto& slot : it->second.slots) slot->deliver(m);
          break;
        }
        case PushKind::subscribed:
        case PushKind::psubscribed: {
          auto& map = topics(p.kind == PushKind::psubscribed);
          auto it = map.find(p.name);
          if (it == map.end()) break;
          if (!it->second.confirmed) {
            it->second.confirmed = true;
            --unconfirmed_;
          }
          for (auto& w : it->second.waiters) w->complete(nullptr, {});
          it->second.waiters.clear();
          check_whole();
          break;
        }
        case PushKind::unsubscribed:
        case PushKind::punsubscribed: {
          // Only matters when the topic was added again after an UNSUBSCRIBE was sent: the
          // server is unsubscribed until the SUBSCRIBE queued behind it is confirmed.
          auto& map = topics(p.kind == PushKind::punsubscribed);
          auto it = map.find(p.name);
          if (it != map.end() && it->second.confirmed) {
            it->second.confirmed = false;
            ++unconfirmed_;
          }
          break;
        }
      }
    }
  }

  // After a failure, tell the owners once the command connection is up and every
  // subscription is confirmed again.
  void check_whole() {
    if (closed_ || !had_failure_ || !cmd_ || !cmd_->ready()) return;
    if (has_topics() && (!sub_ || !sub_->ready() || unconfirmed_ != 0)) return;
    had_failure_ = false;
    if (m_reconnects_ != nullptr) m_reconnects_->inc();
    for (auto& cb : reconnect_callbacks_) {
      try {
        cb();
      } catch (const std::exception& e) {
        spdlog::error("bus {}: on_reconnect callback threw: {}", *label_, e.what());
      } catch (...) {
        spdlog::error("bus {}: on_reconnect callback threw", *label_);
      }
    }
  }

  void do_close() {
    if (closed_) return;
    closed_ = true;
    set_connected(false);
    timeout_timer_.cancel();
    for (auto& op : waiting_) op->fail_unavailable("client closed");
    waiting_.clear();
    if (cmd_) cmd_->close("client closed");  // fails the commands in flight
    inflight_.clear();
    if (sub_) sub_->close("client closed");
    for (auto* map : {&channels_, &patterns_}) {
      for (auto& [name, topic] : *map)
        for (auto& w : topic.waiters) w->complete(nullptr, {});
      map->clear();
    }
    unconfirmed_ = 0;
    for (const auto& call : blocking_) {
      call->op->fail_unavailable("client closed");
      call->timer.cancel();
      call->link->close("client closed");
    }
    blocking_.clear();
    reconnect_callbacks_.clear();
    inbox_.clear();
  }

  asio::any_io_executor executor_;
  Strand strand_;
  RedisOptions opt_;
  RedisUrl url_;
  std::shared_ptr<const std::string> label_;

  std::shared_ptr<RedisLink> cmd_;
  std::shared_ptr<RedisLink> sub_;
  std::atomic<bool> connected_{false};
  bool closed_ = false;
  bool had_failure_ = false;
  bool cmd_down_logged_ = false;
  bool sub_down_logged_ = false;

  std::deque<std::shared_ptr<CommandOp>> inflight_;
  std::vector<std::shared_ptr<CommandOp>> waiting_;  // for the first connection
  asio::steady_timer timeout_timer_;
  bool timeout_armed_ = false;
  std::set<std::shared_ptr<BlockingCall>> blocking_;

  std::map<std::string, Topic> channels_;
  std::map<std::string, Topic> patterns_;
  std::size_t unconfirmed_ = 0;
  std::vector<Push> inbox_;
  bool deliver_scheduled_ = false;
  std::vector<std::function<void()>> reconnect_callbacks_;

  core::Gauge* m_connected_ = nullptr;
  core::Counter* m_reconnects_ = nullptr;
  core::Counter* m_timeouts_ = nullptr;
  core::Counter* m_messages_ = nullptr;
};

}  // namespace detail

// --- Subscription. ---

Subscription::Subscription(std::shared_ptr<detail::SubscriptionSlot> slot, std::weak_ptr<detail::ClientCore> core)
    : slot_(std::move(slot)), core_(std::move(core)) {}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    unsubscribe();
    slot_ = std::move(other.slot_);
    core_ = std::move(other.core_);
  }
  return *this;
}

Subscription::~Subscription() { unsubscribe(); }

void Subscription::unsubscribe() {
  if (!slot_) return;
  {
    // Waits for a delivery in progress on another thread; re-entrant from the handler itself.
    std::lock_guard<std::recursive_mutex> lock(slot_->mu);
    slot_->active.store(false);
  }
  if (auto core = core_.lock()) core->remove_subscription(slot_);
  slot_.reset();
  core_.reset();
}

bool Subscription::active() const { return slot_ && slot_->active.load(); }

const std::string& Subscription::name() const {
  static const std::string kNone;
  return slot_ ? slot_->name : kNone;
}

// --- RedisClient. ---

namespace {

bool same_command(const std::string& a, const char* b) {
  std::size_t i = 0;
  for (; i < a.size() && b[i] != '\0'; ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return i == a.size() && b[i] == '\0';
}

void check_argv(const std::vector<std::string>& argv) {
  if (argv.empty()) throw core::Error("redis_bad_argument", "redis command: empty argument list");
  static const char* const kConnectionState[] = {"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE",
                                                 "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR", "SELECT",
                                                 "QUIT", "RESET", "HELLO", "AUTH"};
  for (const char* c : kConnectionState)
    if (same_command(argv[0], c))
      throw core::Error("redis_bad_argument",
                        "redis command " + argv[0] +
                            " would change the shared connection; use subscribe()/psubscribe() and the URL's /db");
  if (same_command(argv[0], "XREAD") || same_command(argv[0], "XREADGROUP"))
    for (const auto& a : argv)
      if (same_command(a, "BLOCK"))
        throw core::Error("redis_bad_argument",
                          "redis command " + argv[0] + " BLOCK would hold up the shared connection; use xread() with a block option");
}

std::once_flag g_sigpipe_once;

}  // namespace

std::shared_ptr<RedisClient> RedisClient::create(asio::any_io_executor executor, RedisOptions options) {
  RedisUrl url = parse_redis_url(options.url);
  auto positive = [&](milliseconds v, const char* what) {
    if (v.count() <= 0)
      throw core::Error("bad_redis_options", "bus " + options.name + ": " + what + " must be positive");
  };
  positive(options.connect_timeout, "connect_timeout");
  positive(options.command_timeout, "command_timeout");
  positive(options.reconnect_min, "reconnect_min");
  positive(options.reconnect_max, "reconnect_max");
  if (options.reconnect_max < options.reconnect_min)
    throw core::Error("bad_redis_options", "bus " + options.name + ": reconnect_max is below reconnect_min");
  // hiredis writes with write(2): a server that went away must not kill us with SIGPIPE.
  std::call_once(g_sigpipe_once, [] { std::signal(SIGPIPE, SIG_IGN); });
  auto core = std::make_shared<detail::ClientCore>(std::move(executor), std::move(options), std::move(url));
  core->start();
  return std::shared_ptr<RedisClient>(new RedisClient(std::move(core)));
}

RedisClient::RedisClient(std::shared_ptr<detail::ClientCore> core) : core_(std::move(core)) {}

RedisClient::~RedisClient() { core_->close(); }

Awaitable<Reply> RedisClient::command(std::vector<std::string> argv) {
  check_argv(argv);
  std::vector<std::vector<std::string>> commands;
  commands.push_back(std::move(argv));
  auto replies = co_await core_->run(std::move(commands), std::nullopt);
  co_return std::move(replies.front());
}

Awaitable<std::vector<Reply>> RedisClient::pipeline(std::vector<std::vector<std::string>> commands) {
  for (const auto& argv : commands) check_argv(argv);
  if (commands.empty()) co_return std::vector<Reply>{};
  co_return co_await core_->run(std::move(commands), std::nullopt);
}

Awaitable<Reply> RedisClient::blocking_command(std::vector<std::string> argv, milliseconds block) {
  std::vector<std::vector<std::string>> commands;
  commands.push_back(std::move(argv));
  auto replies = co_await core_->run(std::move(commands), block);
  co_return std::move(replies.front());
}

Awaitable<Subscription> RedisClient::subscribe(std::string channel, MessageHandler handler) {
  return subscribe_any(false, std::move(channel), std::move(handler));
}

Awaitable<Subscription> RedisClient::psubscribe(std::string pattern, MessageHandler handler) {
  return subscribe_any(true, std::move(pattern), std::move(handler));
}

Awaitable<Subscription> RedisClient::subscribe_any(bool pattern, std::string name, MessageHandler handler) {
  if (name.empty())
    throw core::Error("redis_bad_argument", pattern ? "psubscribe: empty pattern" : "subscribe: empty channel name");
  if (!handler) throw core::Error("redis_bad_argument", "subscribe to '" + name + "': no handler");
  auto slot = std::make_shared<detail::SubscriptionSlot>();
  slot->pattern = pattern;
  slot->name = std::move(name);
  slot->handler = std::move(handler);
  // Owned by this frame while it waits, so a cancelled wait also cancels the subscription.
  Subscription sub(slot, core_);
  co_await core_->add_subscription(slot);
  co_return sub;
}

void RedisClient::on_reconnect(std::function<void()> callback) {
  if (callback) core_->add_reconnect_callback(std::move(callback));
}

bool RedisClient::connected() const noexcept { return core_->connected(); }
void RedisClient::close() { core_->close(); }
const std::string& RedisClient::name() const noexcept { return core_->options().name; }
const RedisUrl& RedisClient::url() const noexcept { return core_->url(); }
std::string RedisClient::describe() const { return core_->label(); }
asio::any_io_executor RedisClient::executor() const { return core_->executor(); }

}  // namespace ms::bus
