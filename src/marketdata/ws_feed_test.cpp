// WsFeed against a fake vendor WebSocket server (net::HttpServer on 127.0.0.1:0) that speaks the
// vendor's protocol: connected → auth → auth_success/auth_failed → subscribe/unsubscribe.
#include "marketdata/ws_feed.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "net/test_clients.hpp"
#include "testing/wait.hpp"

namespace ms::marketdata {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ms::testing::wait_until;

std::string status_frame(std::string_view status, std::string_view message) {
  return nlohmann::json::array({{{"ev", "status"}, {"status", status}, {"message", message}}}).dump();
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// ---- the fake vendor ----------------------------------------------------------------------------

class FakeVendorWs {
 public:
  enum class Auth { accept, reject, silent, manual };

  struct Conn {
    std::shared_ptr<net::WebSocketSession> session;
    std::vector<std::string> messages;      // raw, in order
    std::vector<std::string> subscribes;    // params of each subscribe message
    std::vector<std::string> unsubscribes;
    bool authed = false;
    bool subscribed_before_auth = false;
  };

  explicit FakeVendorWs(Auth auth = Auth::accept, std::string key = "KEY") : auth_(auth), key_(std::move(key)) {
    server_.router().websocket(
        "/options",
        net::WebSocketHandler{
            .on_open =
                [this](const std::shared_ptr<net::WebSocketSession>& s) {
                  {
                    std::lock_guard lock(mu_);
                    Conn c;
                    c.session = s;
                    conns_.push_back(std::move(c));
                  }
                  s->send(status_frame("connected", "Connected Successfully"));
                },
            .on_message = [this](const std::shared_ptr<net::WebSocketSession>& s,
                                 std::string message) { on_message(s, std::move(message)); },
        });
    server_.start();
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(server_.port()) + "/options"; }
  std::size_t connections() const {
    std::lock_guard lock(mu_);
    return conns_.size();
  }
  Conn conn(std::size_t i) const {
    std::lock_guard lock(mu_);
    return i < conns_.size() ? conns_[i] : Conn{};
  }
  void send(std::size_t i, std::string frame) { conn(i).session->send(std::move(frame)); }
  void close(std::size_t i) { conn(i).session->close(1001, "going away"); }
  void authorize(std::size_t i) {
    {
      std::lock_guard lock(mu_);
      conns_[i].authed = true;
    }
    send(i, status_frame("auth_success", "authenticated"));
  }

 private:
  void on_message(const std::shared_ptr<net::WebSocketSession>& s, std::string message) {
    const auto j = nlohmann::json::parse(message, nullptr, false);
    const std::string action = j.is_object() ? j.value("action", "") : "";
    const std::string params = j.is_object() ? j.value("params", "") : "";
    std::string reply;
    {
      std::lock_guard lock(mu_);
      auto it = std::find_if(conns_.begin(), conns_.end(), [&](const Conn& c) { return c.session == s; });
      if (it == conns_.end()) return;
      Conn& c = *it;
      c.messages.push_back(message);
      if (action == "auth") {
        if (auth_ == Auth::accept && params == key_) {
          c.authed = true;
          reply = status_frame("auth_success", "authenticated");
        } else if (auth_ == Auth::reject || (auth_ == Auth::accept && params != key_)) {
          reply = status_frame("auth_failed", "authentication failed");
        }
      } else if (action == "subscribe") {
        if (!c.authed) c.subscribed_before_auth = true;
        c.subscribes.push_back(params);
        auto frame = nlohmann::json::array();
        for (const auto& p : split(params)) {
          frame.push_back({{"ev", "status"}, {"status", "success"}, {"message", "subscribed to: " + p}});
        }
        reply = frame.dump();
      } else if (action == "unsubscribe") {
        c.unsubscribes.push_back(params);
      }
    }
    if (!reply.empty()) s->send(std::move(reply));
  }

  Auth auth_;
  std::string key_;
  mutable std::mutex mu_;
  std::vector<Conn> conns_;
  net::test::RunningServer server_{net::test::test_server_options()};
};

// ---- the feed under test ------------------------------------------------------------------------

WsFeedOptions test_options(const std::string& url) {
  WsFeedOptions o;
  o.url = url;
  o.api_key = "KEY";
  o.auth_timeout = 3000ms;
  o.backoff_initial = 10ms;
  o.backoff_max = 50ms;
  o.backoff_jitter = 0.2;
  o.jitter_seed = 7;
  o.socket.connect_timeout = 2000ms;
  o.socket.close_timeout = 500ms;
  return o;
}

// Runs one WsFeed on its own io thread and records what it delivers.
struct Harness {
  explicit Harness(WsFeedOptions options) : io(1) {
    feed = std::make_unique<WsFeed>(
        io.context().get_executor(), std::move(options),
        [this](std::vector<FeedEvent>& events) {
          std::lock_guard lock(mu);
          batches.push_back(events.size());
          for (auto& e : events) delivered.push_back(std::move(e));
          handler_thread = std::this_thread::get_id();
        },
        [this](std::string_view frame) {
          std::lock_guard lock(mu);
          frames.emplace_back(frame);
        });
    io.start();
  }
  ~Harness() {
    feed->stop();
    EXPECT_TRUE(wait_until([&] { return done.load(); }, 5000ms)) << "run() did not end after stop()";
    feed.reset();
    io.stop();
  }

  void start() {
    asio::co_spawn(io.context(), feed->run(), [this](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          std::lock_guard lock(mu);
          run_error = ex.what();
        }
      }
      done = true;
    });
  }

  std::size_t delivered_count() {
    std::lock_guard lock(mu);
    return delivered.size();
  }
  template <class T>
  std::vector<T> delivered_of() {
    std::lock_guard lock(mu);
    std::vector<T> out;
    for (const auto& e : delivered) {
      if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
    }
    return out;
  }

  net::IoRuntime io;
  std::unique_ptr<WsFeed> feed;
  std::mutex mu;
  std::vector<FeedEvent> delivered;
  std::vector<std::size_t> batches;
  std::vector<std::string> frames;
  std::thread::id handler_thread;
  std::string run_error;
  std::atomic<bool> done{false};
};

std::string json_field(const std::string& message, const char* key) {
  const auto j = nlohmann::json::parse(message, nullptr, false);
  return j.is_object() ? j.value(key, "") : "";
}

TEST(WsFeed, AuthenticatesThenSubscribesOnlyAfterAuthSuccess) {
  FakeVendorWs vendor(FakeVendorWs::Auth::manual);
  Harness h(test_options(vendor.url()));
  h.feed->set_subscriptions({"T.O:SPXW260210C06000000", "Q.O:SPXW260210C06000000", "V.I:SPX"});
  h.start();

  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).messages.size() == 1; }));
  const auto auth = vendor.conn(0).messages[0];
  EXPECT_EQ(json_field(auth, "action"), "auth");
  EXPECT_EQ(json_field(auth, "params"), "KEY");

  // A frame the feed must process after its auth went out: by then a feed that subscribes
  // without waiting would have sent its subscribe.
  vendor.send(0, R"([{"ev":"status","status":"clock","message":"market clock","ts_ms":1770733800000,)"
                 R"("session_date":"2026-02-10","phase":"open","speed":60,"source":"sim"}])");
  ASSERT_TRUE(wait_until([&] { return h.delivered_count() == 1; }));
  const auto clock = h.delivered_of<ClockEvent>();
  ASSERT_EQ(clock.size(), 1u);
  EXPECT_EQ(clock[0].session_date, "2026-02-10");
  EXPECT_EQ(vendor.conn(0).messages.size(), 1u);
  EXPECT_FALSE(h.feed->authenticated());
  EXPECT_EQ(h.feed->stats().subscribe_messages, 0u);

  vendor.authorize(0);
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == 1; }));
  EXPECT_FALSE(vendor.conn(0).subscribed_before_auth);
  EXPECT_EQ(vendor.conn(0).subscribes[0], "T.O:SPXW260210C06000000,Q.O:SPXW260210C06000000,V.I:SPX");
  EXPECT_EQ(json_field(vendor.conn(0).messages[1], "action"), "subscribe");
  ASSERT_TRUE(wait_until([&] { return h.feed->authenticated(); }));
  const auto s = h.feed->stats();
  EXPECT_EQ(s.connects, 1u);
  EXPECT_EQ(s.subscribe_messages, 1u);
  EXPECT_EQ(s.subscribed, 3u);
  EXPECT_EQ(s.connect_failures, 0u);
  // connected, clock, auth_success (the subscription acks may still be in flight).
  std::lock_guard lock(h.mu);
  ASSERT_GE(h.frames.size(), 3u);
  EXPECT_NE(h.frames[0].find("Connected Successfully"), std::string::npos);
  EXPECT_NE(h.frames[2].find("auth_success"), std::string::npos);
}

TEST(WsFeed, DeltasOnALiveConnection) {
  FakeVendorWs vendor;
  Harness h(test_options(vendor.url()));
  h.feed->set_subscriptions({"T.O:A", "T.O:B"});
  h.start();
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == 1; }));
  EXPECT_EQ(vendor.conn(0).subscribes[0], "T.O:A,T.O:B");

  h.feed->set_subscriptions({"T.O:B", "T.O:C", "Q.O:C"});
  ASSERT_TRUE(wait_until([&] {
    const auto c = vendor.conn(0);
    return c.subscribes.size() == 2 && c.unsubscribes.size() == 1;
  }));
  auto c = vendor.conn(0);
  EXPECT_EQ(c.unsubscribes[0], "T.O:A");
  EXPECT_EQ(c.subscribes[1], "T.O:C,Q.O:C");

  // The same set again sends nothing; the next real change is one more subscribe (a barrier:
  // messages arrive in order, so anything the no-op had sent would be seen first).
  h.feed->set_subscriptions({"T.O:C", "T.O:B", "Q.O:C", "T.O:B"});
  h.feed->set_subscriptions({"T.O:B", "T.O:C", "Q.O:C", "T.O:D"});
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == 3; }));
  c = vendor.conn(0);
  EXPECT_EQ(c.subscribes[2], "T.O:D");
  EXPECT_EQ(c.unsubscribes.size(), 1u);
  EXPECT_EQ(c.messages.size(), 5u);  // auth, subscribe, unsubscribe, subscribe, subscribe
  EXPECT_EQ(vendor.connections(), 1u);
  const auto s = h.feed->stats();
  EXPECT_EQ(s.subscribe_messages, 3u);
  EXPECT_EQ(s.unsubscribe_messages, 1u);
  EXPECT_EQ(s.subscribed, 4u);
  EXPECT_EQ(s.connects, 1u);
}

TEST(WsFeed, ReconnectsAfterServerCloseAndSubscribesTheWholeSetOnce) {
  FakeVendorWs vendor;
  Harness h(test_options(vendor.url()));
  h.feed->set_subscriptions({"T.O:A", "Q.O:A", "V.I:SPX"});
  h.start();
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == 1; }));
  // A change while connected, then the server drops the connection.
  h.feed->set_subscriptions({"T.O:A", "Q.O:A", "V.I:SPX", "T.O:B"});
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == 2; }));
  vendor.close(0);

  ASSERT_TRUE(wait_until([&] { return vendor.connections() == 2 && vendor.conn(1).subscribes.size() == 1; }));
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().connects == 2; }));
  // Barrier: one more change must be the only other subscribe on the new connection.
  h.feed->set_subscriptions({"T.O:A", "Q.O:A", "V.I:SPX", "T.O:B", "T.O:Z"});
  ASSERT_TRUE(wait_until([&] { return vendor.conn(1).subscribes.size() == 2; }));
  const auto c = vendor.conn(1);
  EXPECT_EQ(json_field(c.messages[0], "action"), "auth");
  EXPECT_FALSE(c.subscribed_before_auth);
  EXPECT_EQ(c.subscribes[0], "T.O:A,Q.O:A,V.I:SPX,T.O:B");
  EXPECT_EQ(c.subscribes[1], "T.O:Z");
  EXPECT_TRUE(c.unsubscribes.empty());
  const auto s = h.feed->stats();
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.disconnects, 1u);
  EXPECT_EQ(s.subscribed, 5u);
  EXPECT_TRUE(h.feed->authenticated());
}

TEST(WsFeed, AuthFailedIsCountedAndRetried) {
  FakeVendorWs vendor(FakeVendorWs::Auth::reject);
  Harness h(test_options(vendor.url()));
  h.feed->set_subscriptions({"T.O:A"});
  h.start();
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().auth_failures >= 2; }));
  EXPECT_NE(h.feed->last_error().find("auth_failed"), std::string::npos) << h.feed->last_error();
  EXPECT_FALSE(h.feed->authenticated());
  const auto s = h.feed->stats();
  EXPECT_EQ(s.connects, 0u);
  EXPECT_GE(s.connect_failures, 1u);
  EXPECT_EQ(s.subscribe_messages, 0u);
  for (std::size_t i = 0; i < vendor.connections(); ++i) EXPECT_TRUE(vendor.conn(i).subscribes.empty());
}

TEST(WsFeed, WrongKeyIsAnAuthFailure) {
  FakeVendorWs vendor(FakeVendorWs::Auth::accept, "OTHER");
  Harness h(test_options(vendor.url()));
  h.start();
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().auth_failures >= 1; }));
  EXPECT_EQ(h.feed->stats().connects, 0u);
}

TEST(WsFeed, AuthTimeoutReconnects) {
  FakeVendorWs vendor(FakeVendorWs::Auth::silent);
  auto o = test_options(vendor.url());
  o.auth_timeout = 100ms;
  Harness h(o);
  h.feed->set_subscriptions({"T.O:A"});
  h.start();
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().connect_failures >= 2; }));
  EXPECT_GE(vendor.connections(), 2u);
  EXPECT_NE(h.feed->last_error().find("auth_success"), std::string::npos) << h.feed->last_error();
  EXPECT_EQ(h.feed->stats().connects, 0u);
  for (std::size_t i = 0; i < vendor.connections(); ++i) EXPECT_TRUE(vendor.conn(i).subscribes.empty());
}

TEST(WsFeed, ConnectFailuresBackOffAndRetry) {
  // Nothing listens on the port of a server that was started and stopped.
  std::string url;
  {
    FakeVendorWs gone;
    url = gone.url();
  }
  Harness h(test_options(url));
  h.start();
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().connect_failures >= 3; }));
  EXPECT_FALSE(h.feed->last_error().empty());
}

TEST(WsFeed, MalformedFramesAreCountedAndTheConnectionKept) {
  FakeVendorWs vendor;
  Harness h(test_options(vendor.url()));
  h.feed->set_subscriptions({"T.O:SPXW260210C06000000"});
  h.start();
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == 1; }));
  vendor.send(0, "not json at all");
  vendor.send(0, R"([{"ev":"T","sym":"O:SPXW260210C06000000","p":7.7)");
  vendor.send(0, "42");
  vendor.send(0,
              R"([{"ev":"T","sym":"O:SPXW260210C06000000","x":65,"p":7.7,"s":1,"c":[209],"t":1770733800000,"q":1},)"
              R"({"ev":"XX","sym":"O:SPXW260210C06000000"},)"
              R"({"ev":"status","status":"error","message":"something odd"},)"
              R"({"ev":"Q","sym":"O:SPXW260210C06000000","bx":65,"ax":65,"bp":7.6,"ap":7.8,"bs":12,"as":30,"t":1770733800001,"q":2},)"
              R"({"ev":"V","val":6001.23,"T":"I:SPX","t":1770733800002}])");
  ASSERT_TRUE(wait_until([&] { return h.delivered_count() == 3; }));
  const auto s = h.feed->stats();
  EXPECT_EQ(s.malformed_frames, 3u);
  EXPECT_EQ(s.skipped_events, 1u);
  EXPECT_EQ(s.status_errors, 1u);
  EXPECT_EQ(s.events, 3u);
  EXPECT_EQ(s.connects, 1u);
  EXPECT_EQ(s.disconnects, 0u);
  EXPECT_EQ(vendor.connections(), 1u);
  EXPECT_TRUE(h.feed->authenticated());
  EXPECT_NE(h.feed->last_error().find("something odd"), std::string::npos);
  {
    std::lock_guard lock(h.mu);
    ASSERT_EQ(h.batches.size(), 1u);  // one handler call per frame
    EXPECT_EQ(h.batches[0], 3u);
    EXPECT_EQ(h.handler_thread != std::thread::id(), true);
    EXPECT_NE(h.handler_thread, std::this_thread::get_id());
    // The observer saw every frame, the garbage included.
    EXPECT_NE(std::find(h.frames.begin(), h.frames.end(), "not json at all"), h.frames.end());
  }
  const auto trades = h.delivered_of<TradeEvent>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_DOUBLE_EQ(trades[0].price, 7.7);
  EXPECT_EQ(h.delivered_of<QuoteEvent>().size(), 1u);
  EXPECT_EQ(h.delivered_of<IndexValueEvent>().at(0).ticker, "I:SPX");
}

TEST(WsFeed, QuoteContractCap) {
  FakeVendorWs vendor;
  auto o = test_options(vendor.url());
  o.max_quote_contracts = 2;
  Harness h(o);
  h.feed->set_subscriptions({"Q.O:A", "T.O:A", "Q.O:A", "Q.O:B", "T.O:B", "Q.O:C", "T.O:C", "V.I:SPX"});
  h.start();
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == 1; }));
  EXPECT_EQ(vendor.conn(0).subscribes[0], "Q.O:A,T.O:A,Q.O:B,T.O:B,T.O:C,V.I:SPX");
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().subscribed == 6; }));
  EXPECT_EQ(h.feed->stats().over_cap, 1u);

  // Dropping a quote frees a slot: the delta takes Q.O:C in.
  h.feed->set_subscriptions({"Q.O:A", "T.O:A", "T.O:B", "Q.O:C", "T.O:C", "V.I:SPX"});
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == 2; }));
  const auto c = vendor.conn(0);
  ASSERT_EQ(c.unsubscribes.size(), 1u);
  EXPECT_EQ(c.unsubscribes[0], "Q.O:B");
  EXPECT_EQ(c.subscribes[1], "Q.O:C");
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().over_cap == 0; }));
}

TEST(WsFeed, LargeSetsGoOutInBoundedMessages) {
  FakeVendorWs vendor;
  Harness h(test_options(vendor.url()));  // default cap: 1,000 quote contracts
  std::vector<std::string> wanted;
  std::set<std::string> expected;
  for (int i = 0; i < 1200; ++i) {
    const std::string contract = "O:SPXW260210C0" + std::to_string(5000000 + i * 5000);
    wanted.push_back("Q." + contract);
    wanted.push_back("T." + contract);
    if (i < 1000) expected.insert("Q." + contract);
    expected.insert("T." + contract);
  }
  h.feed->set_subscriptions(wanted);
  h.start();
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().subscribed == expected.size(); }));
  const auto s = h.feed->stats();
  EXPECT_EQ(s.over_cap, 200u);
  ASSERT_TRUE(wait_until([&] { return vendor.conn(0).subscribes.size() == s.subscribe_messages; }));
  const auto c = vendor.conn(0);
  EXPECT_GE(c.subscribes.size(), 5u);
  std::multiset<std::string> seen;
  for (std::size_t i = 0; i < c.subscribes.size(); ++i) {
    const auto params = split(c.subscribes[i]);
    EXPECT_LE(params.size(), 500u);
    EXPECT_LE(c.messages[i + 1].size(), 33u * 1024u);
    seen.insert(params.begin(), params.end());
  }
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
}

// A burst of 500 frames of 100 events each arrives whole and in order (speed is bench/'s job:
// ingest_bench measures this path end to end).
TEST(WsFeed, DeliversEveryEventOfABurstInOrder) {
  FakeVendorWs vendor;
  Harness h(test_options(vendor.url()));
  h.start();
  ASSERT_TRUE(wait_until([&] { return h.feed->authenticated(); }));
  constexpr int kFrames = 500;
  constexpr int kPerFrame = 100;
  for (int f = 0; f < kFrames; ++f) {
    std::string frame = "[";
    for (int i = 0; i < kPerFrame; ++i) {
      if (i) frame += ',';
      const std::string q = std::to_string(f * kPerFrame + i + 1);
      frame += i % 2 ? R"({"ev":"Q","sym":"O:SPXW260210C06000000","bx":65,"ax":65,"bp":7.6,"ap":7.8,"bs":12,"as":30,"t":1770733800000,"q":)" + q + "}"
                     : R"({"ev":"T","sym":"O:SPXW260210P05990000","x":65,"p":7.7,"s":1,"c":[209],"t":1770733800000,"q":)" + q + "}";
    }
    frame += "]";
    // The server's per-session queue is bounded: wait for room rather than overflow it.
    ASSERT_TRUE(wait_until([&] { return h.feed->stats().events + 20000 >= std::uint64_t(f) * kPerFrame; }));
    vendor.send(0, frame);
  }
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().events == kFrames * kPerFrame; }, 20000ms));
  std::lock_guard lock(h.mu);
  ASSERT_EQ(h.delivered.size(), std::size_t(kFrames * kPerFrame));
  for (std::size_t n = 0; n < h.delivered.size(); ++n) {
    const auto& e = h.delivered[n];
    const std::uint64_t q = n % 2 ? std::get<QuoteEvent>(e).q : std::get<TradeEvent>(e).q;
    ASSERT_EQ(q, n + 1) << "event " << n;
  }
  EXPECT_EQ(h.feed->stats().malformed_frames, 0u);
  EXPECT_EQ(h.feed->stats().skipped_events, 0u);
}

TEST(WsFeed, StopEndsRun) {
  FakeVendorWs vendor;
  Harness h(test_options(vendor.url()));
  h.start();
  ASSERT_TRUE(wait_until([&] { return h.feed->authenticated(); }));
  h.feed->stop();
  ASSERT_TRUE(wait_until([&] { return h.done.load(); }, 3000ms));
  EXPECT_TRUE(h.run_error.empty()) << h.run_error;
  EXPECT_FALSE(h.feed->authenticated());
  EXPECT_EQ(h.feed->stats().disconnects, 1u);
}

TEST(WsFeed, StopDuringBackoffEndsRun) {
  FakeVendorWs vendor(FakeVendorWs::Auth::reject);
  auto o = test_options(vendor.url());
  o.backoff_max = 60000ms;  // after auth_failed the feed waits the max: stop must cut it short
  Harness h(o);
  h.start();
  ASSERT_TRUE(wait_until([&] { return h.feed->stats().connect_failures >= 1; }));
  h.feed->stop();
  ASSERT_TRUE(wait_until([&] { return h.done.load(); }, 3000ms));
}

TEST(WsFeed, BadUrlThrowsAtOnce) {
  net::IoRuntime io(1);
  WsFeedOptions o;
  o.url = "http://127.0.0.1:1/options";
  WsFeed feed(io.context().get_executor(), o, [](std::vector<FeedEvent>&) {});
  try {
    (void)feed.run();
    FAIL() << "no exception";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "ws_bad_url");
  }
}

}  // namespace
}  // namespace ms::marketdata
