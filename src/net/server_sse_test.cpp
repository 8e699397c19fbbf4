// SSE over the real server: framing, keepalive, Last-Event-ID (header and query), snapshot
// fallback, slow clients cut (queue overflow and write stall) while fast ones keep every event,
// and graceful shutdown with open streams.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "core/metrics.hpp"
#include "net/test_clients.hpp"
#include "testing/wait.hpp"

namespace ms::net {
namespace {

using namespace std::chrono_literals;
using test::RunningServer;
using test::SseClient;

// The usual handler shape: one stream, attached at the client's resume point, `connected` last.
Handler stream_handler(std::shared_ptr<Topic> topic) {
  return [topic](Request& req) {
    auto stream = SseStream::create(req);
    stream->attach(topic, req.last_event_id());
    stream->push_json("connected", {{"channel", topic->name()}});
    return Response::event_stream(stream);
  };
}

struct SseFixture {
  // `routes` adds more routes before the server starts (the table is frozen afterwards).
  explicit SseFixture(SseOptions sse = {}, std::size_t ring = 1024,
                      const std::function<void(Router&, SseFixture&)>& routes = {})
      : metrics("test") {
    auto o = test::test_server_options();
    o.sse = sse;
    o.metrics = &metrics;
    o.cors.allowed_origins = {"https://app.example.com"};
    server = std::make_unique<RunningServer>(o);
    topic = Topic::create("spot", {.ring_size = ring}, [this]() -> std::optional<SseEvent> {
      if (!snapshot_data) return std::nullopt;
      return SseEvent{"", "snapshot", *snapshot_data};
    });
    server->router().get("/sse/spot", stream_handler(topic));
    if (routes) routes(server->router(), *this);
    server->start();
  }
  std::uint16_t port() const { return server->port(); }
  std::string counter(const std::string& needle) const {
    const auto text = metrics.render();
    const auto at = text.find(needle);
    if (at == std::string::npos) return {};
    const auto end = text.find('\n', at);
    return text.substr(at + needle.size(), end - at - needle.size());
  }

  core::MetricsRegistry metrics;
  std::optional<std::string> snapshot_data;
  std::shared_ptr<Topic> topic;
  std::unique_ptr<RunningServer> server;
};

TEST(ServerSse, HeadersRetryIdsOnEveryEvent) {
  SseFixture f({.retry = 1500ms});
  SseClient c(f.port(), "/sse/spot", {{"Origin", "https://app.example.com"}, {"X-Request-Id", "sse-1"}});
  auto head = c.open();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head->header("Cache-Control"), "no-cache");
  EXPECT_EQ(head->header("X-Accel-Buffering"), "no");
  EXPECT_EQ(head->header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(head->header("X-Request-Id"), "sse-1");

  auto retry = c.next();
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->retry, 1500);
  auto connected = c.next_event();
  ASSERT_TRUE(connected);
  EXPECT_EQ(connected->event, "connected");
  EXPECT_EQ(connected->id, "0");
  EXPECT_EQ(nlohmann::json::parse(connected->data)["channel"], "spot");

  ASSERT_TRUE(testing::wait_until([&] { return f.topic->subscriber_count() == 1; }));
  for (int i = 1; i <= 3; ++i) f.topic->publish_json("5:" + std::to_string(i), "spot", {{"px", 5000 + i}});
  for (int i = 1; i <= 3; ++i) {
    auto e = c.next_event();
    ASSERT_TRUE(e) << i;
    EXPECT_EQ(e->id, "5:" + std::to_string(i));
    EXPECT_EQ(e->event, "spot");
    EXPECT_EQ(nlohmann::json::parse(e->data)["px"], 5000 + i);
  }
}

TEST(ServerSse, KeepaliveCommentWhenQuiet) {
  SseFixture f({.keepalive = 100ms});
  SseClient c(f.port(), "/sse/spot");
  ASSERT_TRUE(c.open());
  int keepalives = 0;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (keepalives < 2 && std::chrono::steady_clock::now() < deadline) {
    auto m = c.next(1s);
    ASSERT_TRUE(m);
    if (m->is_comment_only() && m->comments[0] == "keepalive") ++keepalives;
  }
  EXPECT_EQ(keepalives, 2);
}

TEST(ServerSse, NoKeepaliveWhileEventsFlow) {
  SseFixture f({.keepalive = 400ms});
  SseClient c(f.port(), "/sse/spot");
  ASSERT_TRUE(c.open());
  ASSERT_TRUE(c.next_event());  // connected
  ASSERT_TRUE(testing::wait_until([&] { return f.topic->subscriber_count() == 1; }));
  for (int i = 0; i < 8; ++i) {
    f.topic->publish(std::to_string(i), "spot", "{}");
    auto m = c.next(2s);
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->is_comment_only()) << "keepalive between events 100 ms apart";
    std::this_thread::sleep_for(100ms);  // pacing the producer, not synchronisation
  }
}

TEST(ServerSse, LastEventIdHeaderReplaysExactlyTheMissedEvents) {
  SseFixture f;
  for (int i = 1; i <= 5; ++i) f.topic->publish("1700000000000-" + std::to_string(i), "trade", "{}");
  SseClient c(f.port(), "/sse/spot", {{"Last-Event-ID", "1700000000000-2"}});
  ASSERT_TRUE(c.open());
  for (int i = 3; i <= 5; ++i) {
    auto e = c.next_event();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, "1700000000000-" + std::to_string(i));
  }
  auto connected = c.next_event();
  ASSERT_TRUE(connected);
  EXPECT_EQ(connected->event, "connected");
  EXPECT_EQ(connected->id, "1700000000000-5");
  // Then live, without duplicates.
  f.topic->publish("1700000000000-6", "trade", "{}");
  auto live = c.next_event();
  ASSERT_TRUE(live);
  EXPECT_EQ(live->id, "1700000000000-6");
}

TEST(ServerSse, LastEventIdFromQueryForFreshEventSources) {
  SseFixture f;
  for (int i = 1; i <= 4; ++i) f.topic->publish("9:" + std::to_string(i), "spot", "{}");
  SseClient c(f.port(), "/sse/spot?last_event_id=9%3A3");
  ASSERT_TRUE(c.open());
  auto e = c.next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->id, "9:4");
  EXPECT_EQ(c.next_event()->event, "connected");
}

TEST(ServerSse, IdThatFellOutOfTheRingGetsTheSnapshot) {
  SseFixture f({}, 3);
  f.snapshot_data = R"({"full":true})";
  for (int i = 1; i <= 10; ++i) f.topic->publish("2:" + std::to_string(i), "spot", "{}");
  SseClient c(f.port(), "/sse/spot", {{"Last-Event-ID", "2:1"}});
  ASSERT_TRUE(c.open());
  auto e = c.next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "snapshot");
  EXPECT_EQ(e->id, "2:10");
  EXPECT_EQ(e->data, R"({"full":true})");
  EXPECT_EQ(c.next_event()->event, "connected");
}

TEST(ServerSse, ClientGoingAwayLeavesTheTopic) {
  SseFixture f;
  {
    SseClient c(f.port(), "/sse/spot");
    ASSERT_TRUE(c.open());
    ASSERT_TRUE(testing::wait_until([&] { return f.topic->subscriber_count() == 1; }));
  }
  EXPECT_TRUE(testing::wait_until([&] { return f.topic->subscriber_count() == 0; }));
  EXPECT_TRUE(testing::wait_until([&] { return f.counter(R"(sse_disconnects_total{service="test",reason="client_closed"} )") == "1"; }));
}

// Publishes paced by the fast client (it must never fall behind) until `slow_cut` holds.
void publish_until(SseFixture& f, std::atomic<int>& fast_received, const std::function<bool()>& slow_cut,
                   const std::string& payload, int& published) {
  while (!slow_cut() && published < 5000) {
    ++published;
    f.topic->publish(std::to_string(published), "spot", payload);
    ASSERT_TRUE(testing::wait_until([&] { return fast_received.load() >= published; }, 5000ms))
        << "fast client stalled at " << fast_received.load() << " of " << published;
  }
}

void run_slow_and_fast(SseOptions opts, const std::string& reason) {
  SseFixture f(opts);
  // The slow client never reads and keeps a tiny receive buffer.
  SseClient slow(f.port(), "/sse/spot", {}, 4096);
  ASSERT_TRUE(testing::wait_until([&] { return f.topic->subscriber_count() == 1; }));

  SseClient fast(f.port(), "/sse/spot");
  ASSERT_TRUE(fast.open());
  ASSERT_TRUE(fast.next_event());  // connected
  ASSERT_TRUE(testing::wait_until([&] { return f.topic->subscriber_count() == 2; }));
  std::atomic<int> fast_received{0};
  std::atomic<bool> in_order{true};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto e = fast.next_event(200ms);
      if (!e) continue;
      const int expected = fast_received.load() + 1;
      if (e->id != std::to_string(expected)) in_order = false;
      fast_received = expected;
    }
  });
  // Joined on every exit path, including a failed ASSERT.
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joiner{stop, reader};

  const std::string payload = "\"" + std::string(16 * 1024, 'p') + "\"";
  int published = 0;
  const std::string metric = R"(sse_disconnects_total{service="test",reason=")" + reason + "\"} ";
  publish_until(f, fast_received, [&] { return f.counter(metric) == "1"; }, payload, published);
  EXPECT_EQ(f.counter(metric), "1") << "slow client never cut after " << published << " events";
  EXPECT_EQ(f.topic->subscriber_count(), 1u);

  // The fast one keeps receiving, in order, with no gap.
  for (int i = 0; i < 20; ++i) {
    ++published;
    f.topic->publish(std::to_string(published), "spot", "{}");
    ASSERT_TRUE(testing::wait_until([&] { return fast_received.load() == published; }));
  }
  stop = true;
  reader.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(fast_received.load(), published);
  // The slow one sees its connection end.
  EXPECT_TRUE(slow.socket().wait_closed(10s));
}

TEST(ServerSse, SlowClientOverflowingItsQueueIsCutWhileFastOneKeepsEveryEvent) {
  run_slow_and_fast({.write_stall_timeout = 30s, .max_queued_events = 8, .max_queued_bytes = 256 << 10},
                    "queue_overflow");
}

TEST(ServerSse, SlowClientStallingTheWriteIsCut) {
  run_slow_and_fast({.write_stall_timeout = 300ms, .max_queued_events = 100000, .max_queued_bytes = 512 << 20},
                    "write_stall");
}

TEST(ServerSse, GracefulShutdownEndsOpenStreamsWithinTheGrace) {
  SseFixture f;
  SseClient a(f.port(), "/sse/spot");
  SseClient b(f.port(), "/sse/spot");
  ASSERT_TRUE(a.open());
  ASSERT_TRUE(b.open());
  ASSERT_TRUE(a.next_event());
  ASSERT_TRUE(b.next_event());
  f.topic->publish("1", "spot", "{}");
  const auto start = std::chrono::steady_clock::now();
  f.server->server.stop(2s);
  // Events queued before the stop are still delivered, then the stream ends cleanly.
  auto last = a.next_event();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->id, "1");
  EXPECT_TRUE(a.wait_end(2s));
  EXPECT_TRUE(a.saw_terminator());
  EXPECT_TRUE(b.wait_end(2s));
  EXPECT_TRUE(f.server->server.wait_stopped(2s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(testing::wait_until(
      [&] { return f.counter(R"(sse_disconnects_total{service="test",reason="server_shutdown"} )") == "2"; }));
}

TEST(ServerSse, ShutdownIsBoundedByTheGraceEvenWithAStuckClient) {
  SseFixture f({.write_stall_timeout = 60s, .max_queued_events = 100000, .max_queued_bytes = 512 << 20});
  SseClient stuck(f.port(), "/sse/spot", {}, 4096);
  ASSERT_TRUE(testing::wait_until([&] { return f.topic->subscriber_count() == 1; }));
  const std::string payload = "\"" + std::string(64 * 1024, 'p') + "\"";
  for (int i = 0; i < 200; ++i) f.topic->publish(std::to_string(i), "spot", payload);
  const auto start = std::chrono::steady_clock::now();
  f.server->server.stop(300ms);
  EXPECT_TRUE(f.server->server.wait_stopped(5s));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_TRUE(stuck.socket().wait_closed(10s));
}

TEST(ServerSse, OwnerClosingTheStreamEndsItCleanly) {
  std::shared_ptr<SseStream> kept;
  std::mutex mu;
  SseFixture f({}, 1024, [&](Router& r, SseFixture&) {
    r.get("/sse/owned", [&](Request& req) {
      auto s = SseStream::create(req);
      s->push_json("hello", {{"n", 1}}, "h1");
      std::lock_guard lk(mu);
      kept = s;
      return Response::event_stream(s);
    });
  });
  SseClient c(f.port(), "/sse/owned");
  ASSERT_TRUE(c.open());
  auto e = c.next_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->id, "h1");
  {
    std::lock_guard lk(mu);
    kept->close();
  }
  EXPECT_TRUE(c.wait_end(2s));
}

TEST(ServerSse, HeadAnswersTheStreamHeadWithoutSubscribing) {
  SseFixture f;
  auto r = test::http_request(f.port(), "HEAD", "/sse/spot");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(f.topic->subscriber_count(), 0u);
}

TEST(ServerSse, HandlerErrorsBeforeStreamingAreJson) {
  SseFixture f({}, 1024, [](Router& r, SseFixture&) {
    r.get("/sse/denied", [](Request&) -> Response { throw HttpError(401, "unauthorized", "login required"); });
  });
  auto r = test::get(f.port(), "/sse/denied");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json()["code"], "unauthorized");
}

TEST(ServerSse, MultiplexedStreamCarriesSeveralTopics) {
  auto gex = Topic::create("gex");
  SseFixture f({}, 1024, [gex](Router& r, SseFixture& fx) {
    r.get("/sse/all", [gex, spot = fx.topic](Request& req) {
      auto s = SseStream::create(req);
      s->attach(spot, req.last_event_id());
      s->attach(gex, req.last_event_id());
      s->push_json("connected", {{"channel", "all"}});
      return Response::event_stream(s);
    });
  });
  SseClient c(f.port(), "/sse/all");
  ASSERT_TRUE(c.open());
  ASSERT_EQ(c.next_event()->event, "connected");
  ASSERT_TRUE(testing::wait_until([&] { return gex->subscriber_count() == 1; }));
  f.topic->publish("s1", "spot", "{}");
  gex->publish("g1", "gex", "{}");
  f.topic->publish("s2", "spot", "{}");
  EXPECT_EQ(c.next_event()->id, "s1");
  EXPECT_EQ(c.next_event()->id, "g1");
  EXPECT_EQ(c.next_event()->id, "s2");
}

}  // namespace
}  // namespace ms::net
