#include "marketdata/ws_feed.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <unordered_set>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "net/http_client.hpp"  // redact_url
#include "marketdata/frame_decoder.hpp"

namespace ms::marketdata {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Bounds of one subscribe/unsubscribe message: the vendor reads params as one comma-joined
// string; a whole 1,000-contract chain (2,000 params) goes out in a few messages.
constexpr std::size_t kMaxParamsPerMessage = 500;
constexpr std::size_t kMaxMessageBytes = 32 * 1024;

std::string action_message(std::string_view action, std::string_view params) {
  nlohmann::json j = {{"action", std::string(action)}, {"params", std::string(params)}};
  return j.dump();
}

asio::awaitable<void> close_client(std::shared_ptr<net::WsClient> client) {
  try {
    co_await client->close();
  } catch (...) {
  }
}

bool is_quote_param(std::string_view p) { return p.size() > 2 && p[0] == 'Q' && p[1] == '.'; }

}  // namespace

// Everything about the connection lives on `strand`: the run loop (co_spawned there by run()),
// the timers, the frame handling and the subscription deltas posted by set_subscriptions().
// What other threads read (stats, last error, the wanted set) sits behind `mu`.
struct WsFeed::Impl : std::enable_shared_from_this<WsFeed::Impl> {
  Impl(asio::any_io_executor executor, WsFeedOptions o, EventsHandler events, FrameObserver frames)
      : strand(asio::make_strand(std::move(executor))),
        options(std::move(o)),
        on_events(std::move(events)),
        on_frame(std::move(frames)),
        backoff_timer(strand),
        auth_timer(strand),
        rng(options.jitter_seed != 0
                ? options.jitter_seed
                : static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

  asio::strand<asio::any_io_executor> strand;
  const WsFeedOptions options;
  EventsHandler on_events;
  FrameObserver on_frame;

  // ---- any thread ----
  mutable std::mutex mu;
  WsFeedStats stats;
  std::string last_error;
  std::vector<std::string> wanted;
  std::atomic<bool> stopped{false};
  std::atomic<bool> authed{false};

  // ---- strand only ----
  std::shared_ptr<net::WsClient> client;
  std::uint64_t generation = 0;
  bool connection_authed = false;
  bool auth_failed = false;
  bool auth_timed_out = false;
  std::vector<std::string> live;  // what this connection is subscribed to
  asio::steady_timer backoff_timer;
  asio::steady_timer auth_timer;
  FrameDecoder decoder;
  std::vector<FeedEvent> decoded;
  std::vector<FeedEvent> batch;
  std::mt19937_64 rng;
  int failures = 0;  // consecutive attempts without auth_success
  std::uint64_t logged_over_cap = 0;

  void set_error(std::string message) {
    std::lock_guard lock(mu);
    last_error = std::move(message);
  }

  // The wanted set after the quote-contract cap (in the order given).
  std::vector<std::string> effective() {
    std::vector<std::string> out;
    std::uint64_t over = 0;
    {
      std::lock_guard lock(mu);
      out.reserve(wanted.size());
      std::size_t quotes = 0;
      for (const auto& p : wanted) {
        if (is_quote_param(p)) {
          if (quotes >= options.max_quote_contracts) {
            ++over;
            continue;
          }
          ++quotes;
        }
        out.push_back(p);
      }
      stats.over_cap = over;
    }
    if (over != logged_over_cap) {
      logged_over_cap = over;
      if (over > 0) spdlog::info("vendor ws {}: {} quote subscriptions left out (cap {} quote contracts per connection)",
                   options.name, over, options.max_quote_contracts);
    }
    return out;
  }

  // Sends params in bounded messages; returns the messages sent.
  std::uint64_t send_params(std::string_view action, const std::vector<const std::string*>& params) {
    std::uint64_t messages = 0;
    std::string joined;
    std::size_t count = 0;
    auto flush = [&] {
      if (count == 0) return;
      try {
        client->send_text(action_message(action, joined));
        ++messages;
      } catch (const core::Error& e) {
        // The connection is ending; the receive loop notices and the next one subscribes all.
        spdlog::debug("vendor ws {}: {} not sent: {}", options.name, action, e.what());
      }
      joined.clear();
      count = 0;
    };
    for (const auto* p : params) {
      if (count > 0 && (count >= kMaxParamsPerMessage || joined.size() + 1 + p->size() > kMaxMessageBytes)) flush();
      if (count > 0) joined += ',';
      joined += *p;
      ++count;
    }
    flush();
    return messages;
  }

  void subscribe_all() {
    live = effective();
    std::vector<const std::string*> all;
    all.reserve(live.size());
    for (const auto& p : live) all.push_back(&p);
    const auto messages = send_params("subscribe", all);
    std::lock_guard lock(mu);
    stats.subscribe_messages += messages;
    stats.subscribed = live.size();
  }

  // Strand: brings the live connection to the wanted set with one unsubscribe + one subscribe.
  void sync() {
    if (!client || !connection_authed || stopped) return;
    std::vector<std::string> next = effective();
    const std::unordered_set<std::string_view> next_set(next.begin(), next.end());
    const std::unordered_set<std::string_view> live_set(live.begin(), live.end());
    std::vector<const std::string*> gone;
    std::vector<const std::string*> added;
    for (const auto& p : live) {
      if (!next_set.count(p)) gone.push_back(&p);
    }
    for (const auto& p : next) {
      if (!live_set.count(p)) added.push_back(&p);
    }
    // Unsubscribe first: it frees quote-contract slots on the vendor's side.
    const auto unsubscribed = send_params("unsubscribe", gone);
    const auto subscribed = send_params("subscribe", added);
    live = std::move(next);
    std::lock_guard lock(mu);
    stats.unsubscribe_messages += unsubscribed;
    stats.subscribe_messages += subscribed;
    stats.subscribed = live.size();
  }

  void handle_status(const StatusEvent& s) {
    if (s.status == "auth_success") {
      if (connection_authed) return;
      connection_authed = true;
      authed = true;
      failures = 0;
      auth_timer.cancel();
      {
        std::lock_guard lock(mu);
        ++stats.connects;
      }
      spdlog::info("vendor ws {}: authenticated", options.name);
      subscribe_all();
    } else if (s.status == "auth_failed") {
      auth_failed = true;
      {
        std::lock_guard lock(mu);
        ++stats.auth_failures;
        last_error = "auth_failed: " + s.message;
      }
      spdlog::error("vendor ws {}: authentication failed: {}", options.name, s.message);
    } else if (s.status == "error") {
      {
        std::lock_guard lock(mu);
        ++stats.status_errors;
        last_error = "status error: " + s.message;
      }
      spdlog::warn("vendor ws {}: server error: {}", options.name, s.message);
    } else {
      spdlog::debug("vendor ws {}: status {}: {}", options.name, s.status, s.message);
    }
  }

  void handle_frame(const std::string& frame) {
    {
      std::lock_guard lock(mu);
      ++stats.frames;
      stats.bytes += frame.size();
    }
    if (on_frame) {
      try {
        on_frame(frame);
      } catch (const std::exception& e) {
        spdlog::error("vendor ws {}: frame observer threw: {}", options.name, e.what());
      }
    }
    decoded.clear();
    const auto r = decoder.decode(frame, decoded);
    if (r.malformed) {
      std::lock_guard lock(mu);
      ++stats.malformed_frames;
      spdlog::debug("vendor ws {}: malformed frame of {} bytes skipped", options.name, frame.size());
      return;
    }
    batch.clear();
    for (auto& ev : decoded) {
      if (const auto* s = std::get_if<StatusEvent>(&ev)) {
        handle_status(*s);
      } else {
        batch.push_back(std::move(ev));
      }
    }
    {
      std::lock_guard lock(mu);
      stats.skipped_events += r.skipped;
      if (on_events && !batch.empty()) stats.events += batch.size();
    }
    if (on_events && !batch.empty() && !stopped) {
      try {
        on_events(batch);
      } catch (const std::exception& e) {
        spdlog::error("vendor ws {}: events handler threw: {}", options.name, e.what());
      }
    }
  }

  void arm_auth_timer() {
    auth_timer.expires_after(options.auth_timeout);
    auth_timer.async_wait([self = shared_from_this(), gen = generation](boost::system::error_code ec) {
      if (ec || self->generation != gen || self->connection_authed || !self->client) return;
      self->auth_timed_out = true;
      asio::co_spawn(self->strand, close_client(self->client), asio::detached);
    });
  }

  // One connection from connect to its end; never throws.
  asio::awaitable<void> connect_once() {
    auto c = std::make_shared<net::WsClient>(strand, options.socket);
    client = c;
    ++generation;
    connection_authed = false;
    auth_failed = false;
    auth_timed_out = false;
    live.clear();
    std::string error;
    try {
      auto connecting = c->connect(options.url);  // a named awaitable: no temporaries in co_await
      co_await std::move(connecting);
      if (!stopped) {
        c->send_text(action_message("auth", options.api_key));
        arm_auth_timer();
        for (;;) {
          auto frame = co_await c->receive();
          if (!frame) break;  // closed by us: stop, auth timeout, auth failure
          handle_frame(*frame);
          if (auth_failed || stopped) {
            co_await close_client(c);
            break;
          }
        }
      } else {
        co_await close_client(c);
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    auth_timer.cancel();
    client.reset();
    live.clear();
    authed = false;
    if (auth_timed_out) error = "no auth_success within " + std::to_string(options.auth_timeout.count()) + " ms";
    {
      std::lock_guard lock(mu);
      if (connection_authed) {
        ++stats.disconnects;
      } else {
        ++stats.connect_failures;
      }
      stats.subscribed = 0;
      if (!error.empty() && !stopped) last_error = error;
    }
    if (!error.empty() && !stopped) {
      spdlog::warn("vendor ws {} ({}): {}", options.name, net::redact_url(options.url), error);
    }
  }

  milliseconds next_delay() {
    milliseconds base = options.backoff_max;
    if (!auth_failed) {
      const int n = std::min(failures, 30);
      const double d = double(options.backoff_initial.count()) * double(std::uint64_t(1) << n);
      base = milliseconds(static_cast<std::int64_t>(std::min(d, double(options.backoff_max.count()))));
    }
    ++failures;
    double jitter = 0;
    if (options.backoff_jitter > 0 && base.count() > 0) {
      std::uniform_real_distribution<double> u(0.0, options.backoff_jitter * double(base.count()));
      jitter = u(rng);
    }
    return base + milliseconds(static_cast<std::int64_t>(jitter));
  }

  static asio::awaitable<void> run_loop(std::shared_ptr<Impl> self) {
    while (!self->stopped) {
      co_await self->connect_once();
      if (self->stopped) break;
      const auto delay = self->next_delay();
      spdlog::info("vendor ws {}: reconnecting in {} ms", self->options.name, delay.count());
      self->backoff_timer.expires_after(delay);
      boost::system::error_code ec;
      co_await self->backoff_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  void stop() {
    stopped = true;
    asio::post(strand, [self = shared_from_this()] {
      self->backoff_timer.cancel();
      self->auth_timer.cancel();
      if (self->client) asio::co_spawn(self->strand, close_client(self->client), asio::detached);
    });
  }
};

WsFeed::WsFeed(asio::any_io_executor executor, WsFeedOptions options, EventsHandler on_events,
               FrameObserver on_frame)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(on_events),
                                   std::move(on_frame))) {}

WsFeed::~WsFeed() { impl_->stop(); }

void WsFeed::set_subscriptions(std::vector<std::string> params) {
  std::vector<std::string> unique;
  unique.reserve(params.size());
  {
    std::unordered_set<std::string> seen;
    for (auto& p : params) {
      if (p.empty() || !seen.insert(p).second) continue;
      unique.push_back(std::move(p));
    }
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->wanted = std::move(unique);
  }
  asio::post(impl_->strand, [impl = impl_] { impl->sync(); });
}

namespace {

// Resumes the awaiting coroutine on its own executor once the strand coroutine has finished
// (the pattern net::WsClient uses: no co_spawn(..., use_awaitable) across executors).
template <class Handler>
auto resume_on_caller(Handler handler, std::shared_ptr<void> keep_alive) {
  auto caller = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
  return [handler = std::move(handler), caller = std::move(caller),
          keep_alive = std::move(keep_alive)](std::exception_ptr failure) mutable {
    asio::post(caller, [handler = std::move(handler), failure]() mutable { std::move(handler)(failure); });
  };
}

}  // namespace

asio::awaitable<void> WsFeed::run() {
  net::parse_ws_url(impl_->options.url);  // ws_bad_url at once
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [](auto handler, std::shared_ptr<Impl> impl) {
        auto operation = Impl::run_loop(impl);
        asio::co_spawn(impl->strand, std::move(operation), resume_on_caller(std::move(handler), impl));
      },
      asio::use_awaitable, impl_);
}

void WsFeed::stop() { impl_->stop(); }

WsFeedStats WsFeed::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

bool WsFeed::authenticated() const { return impl_->authed; }

std::string WsFeed::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_error;
}

const WsFeedOptions& WsFeed::options() const { return impl_->options; }

}  // namespace ms::marketdata
