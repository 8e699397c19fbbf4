// Topic and SseStream without a server: encoding, ring replay by position, snapshots, limits.
#include "net/sse.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::net {
namespace {

std::vector<std::string> drain(SseStream& s) {
  std::vector<SseFrame> frames;
  s.take(frames);
  std::vector<std::string> out;
  for (auto& f : frames) out.push_back(*f);
  return out;
}

std::string frame(std::string_view id, std::string_view name, std::string_view data) {
  return "id: " + std::string(id) + "\nevent: " + std::string(name) + "\ndata: " + std::string(data) + "\n\n";
}

TEST(SseEncoding, FrameFormat) {
  EXPECT_EQ(*encode_sse_event("1:2", "spot", R"({"a":1})"), "id: 1:2\nevent: spot\ndata: {\"a\":1}\n\n");
}

TEST(SseEncoding, RejectsLineBreaksAndEmptyFields) {
  EXPECT_THROW(encode_sse_event("1", "spot", "a\nb"), core::Error);
  EXPECT_THROW(encode_sse_event("1", "spot", "a\rb"), core::Error);
  EXPECT_THROW(encode_sse_event("1\n", "spot", "x"), core::Error);
  EXPECT_THROW(encode_sse_event("1", "sp\not", "x"), core::Error);
  EXPECT_THROW(encode_sse_event("", "spot", "x"), core::Error);
  EXPECT_THROW(encode_sse_event("1", "", "x"), core::Error);
  // JSON strings with newlines are escaped by dump(), so JSON data is always one line.
  EXPECT_EQ(sse_data({{"t", "a\nb"}}), R"({"t":"a\nb"})");
}

TEST(SseTopic, EveryStreamSharesTheSameBytes) {
  auto topic = Topic::create("spot");
  auto a = SseStream::create();
  auto b = SseStream::create();
  a->attach(topic, "");
  b->attach(topic, "");
  topic->publish_json("1", "spot", {{"px", 5000}});
  std::vector<SseFrame> fa, fb;
  a->take(fa);
  b->take(fb);
  ASSERT_EQ(fa.size(), 1u);
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fa[0].get(), fb[0].get());  // one encode, one buffer
  EXPECT_EQ(*fa[0], frame("1", "spot", R"({"px":5000})"));
}

TEST(SseTopic, ReplaysExactlyTheMissedEventsByPosition) {
  auto topic = Topic::create("user:1:trade_log");
  // Redis-style ids: numeric comparison would be wrong across the '-'; position decides.
  const std::vector<std::string> ids = {"1700000000000-0", "1700000000000-1", "1700000000001-0", "1700000000002-0"};
  for (const auto& id : ids) topic->publish(id, "PositionCreated", R"({"x":1})");
  auto s = SseStream::create();
  EXPECT_EQ(s->attach(topic, "1700000000000-1"), Topic::Resume::replayed);
  auto got = drain(*s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], frame("1700000000001-0", "PositionCreated", R"({"x":1})"));
  EXPECT_EQ(got[1], frame("1700000000002-0", "PositionCreated", R"({"x":1})"));
  topic->publish("1700000000003-0", "PositionClosed", "{}");
  got = drain(*s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], frame("1700000000003-0", "PositionClosed", "{}"));
}

TEST(SseTopic, UpToDateClientGetsNothingFirst) {
  auto topic = Topic::create("t", {}, [] { return SseEvent{"", "snapshot", "{}"}; });
  topic->publish("5:1", "e", "{}");
  auto s = SseStream::create();
  EXPECT_EQ(s->attach(topic, "5:1"), Topic::Resume::replayed);
  EXPECT_TRUE(drain(*s).empty());
}

TEST(SseTopic, IdOutOfTheRingGetsSnapshot) {
  int calls = 0;
  auto topic = Topic::create("gex:I:SPX", {.ring_size = 3}, [&calls] {
    ++calls;
    return SseEvent{"", "gex", R"({"full":true})"};
  });
  for (int i = 1; i <= 10; ++i) topic->publish("7:" + std::to_string(i), "gex", "{}");
  EXPECT_EQ(topic->ring_size(), 3u);
  auto s = SseStream::create();
  EXPECT_EQ(s->attach(topic, "7:2"), Topic::Resume::snapshot);
  auto got = drain(*s);
  ASSERT_EQ(got.size(), 1u);
  // No id of its own: the snapshot carries the topic's latest id so a reconnect resumes there.
  EXPECT_EQ(got[0], frame("7:10", "gex", R"({"full":true})"));
  EXPECT_EQ(calls, 1);
  // Still in the ring: replay, no snapshot.
  auto s2 = SseStream::create();
  EXPECT_EQ(s2->attach(topic, "7:8"), Topic::Resume::replayed);
  EXPECT_EQ(drain(*s2).size(), 2u);
  EXPECT_EQ(calls, 1);
}

TEST(SseTopic, FreshClientGetsSnapshotOrNothing) {
  auto with = Topic::create("a", {}, [] { return SseEvent{"3:3", "spot", "{}"}; });
  auto s = SseStream::create();
  EXPECT_EQ(s->attach(with, ""), Topic::Resume::snapshot);
  EXPECT_EQ(drain(*s), (std::vector<std::string>{frame("3:3", "spot", "{}")}));

  auto without = Topic::create("b");
  auto s2 = SseStream::create();
  EXPECT_EQ(s2->attach(without, ""), Topic::Resume::live);
  EXPECT_TRUE(drain(*s2).empty());
  // A provider may have nothing yet.
  auto empty = Topic::create("c", {}, [] { return std::optional<SseEvent>{}; });
  EXPECT_EQ(SseStream::create()->attach(empty, ""), Topic::Resume::live);
}

TEST(SseTopic, StoredSnapshotEncodedOnceAndShared) {
  auto topic = Topic::create("heatmap:I:SPX");
  topic->set_snapshot({"", "heatmap", R"({"tiles":[]})"});
  topic->publish("1:1", "heatmap_diff", "{}");
  auto a = SseStream::create();
  auto b = SseStream::create();
  a->attach(topic, "");
  b->attach(topic, "");
  std::vector<SseFrame> fa, fb;
  a->take(fa);
  b->take(fb);
  ASSERT_EQ(fa.size(), 1u);
  EXPECT_EQ(fa[0].get(), fb[0].get());
  EXPECT_EQ(*fa[0], frame("1:1", "heatmap", R"({"tiles":[]})"));
}

TEST(SseStreamPush, PerClientEventsCarryTheCursor) {
  auto topic = Topic::create("spot");
  auto s = SseStream::create();
  s->push_json("connected", {{"channel", "spot"}});
  topic->publish("9:4", "spot", "{}");
  s->attach(topic, "9:4");
  s->push_json("connected", {{"channel", "spot"}});
  s->push("note", "{}", "custom-1");
  auto got = drain(*s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], frame("0", "connected", R"({"channel":"spot"})"));
  EXPECT_EQ(got[1], frame("9:4", "connected", R"({"channel":"spot"})"));
  EXPECT_EQ(got[2], frame("custom-1", "note", "{}"));
}

TEST(SseStreamLimits, OverflowByCountFailsTheStream) {
  auto topic = Topic::create("t");
  auto s = SseStream::create({.max_queued_events = 3, .max_queued_bytes = 1 << 20});
  s->attach(topic, "");
  for (int i = 0; i < 3; ++i) topic->publish(std::to_string(i), "e", "{}");
  EXPECT_TRUE(s->is_open());
  topic->publish("3", "e", "{}");
  EXPECT_EQ(s->state(), SseStream::State::failed);
  EXPECT_EQ(s->reason(), "queue_overflow");
  // A failed stream leaves the topic and accepts nothing more.
  EXPECT_EQ(topic->subscriber_count(), 0u);
  EXPECT_FALSE(s->push("x", "{}"));
  std::vector<SseFrame> frames;
  EXPECT_EQ(s->take(frames), SseStream::State::failed);
  EXPECT_TRUE(frames.empty());
}

TEST(SseStreamLimits, OverflowByBytesButOneLargeEventFits) {
  auto topic = Topic::create("t");
  auto s = SseStream::create({.max_queued_events = 100, .max_queued_bytes = 100});
  s->attach(topic, "");
  topic->publish("1", "e", std::string(500, 'x'));  // alone in the queue: accepted
  EXPECT_TRUE(s->is_open());
  topic->publish("2", "e", "{}");
  EXPECT_EQ(s->reason(), "queue_overflow");
}

TEST(SseStreamLimits, SnapshotAndReplayAreExempt) {
  auto topic = Topic::create("t", {.ring_size = 50}, [] { return SseEvent{"", "snap", std::string(10000, 'x')}; });
  for (int i = 0; i < 20; ++i) topic->publish(std::to_string(i), "e", "{}");
  auto replay = SseStream::create({.max_queued_events = 2, .max_queued_bytes = 64});
  EXPECT_EQ(replay->attach(topic, "0"), Topic::Resume::replayed);
  EXPECT_TRUE(replay->is_open());
  EXPECT_EQ(replay->queued_events(), 19u);
  auto snap = SseStream::create({.max_queued_events = 2, .max_queued_bytes = 64});
  EXPECT_EQ(snap->attach(topic, ""), Topic::Resume::snapshot);
  EXPECT_TRUE(snap->is_open());
  topic->publish("20", "e", "{}");
  EXPECT_TRUE(snap->is_open());  // live budget untouched by the snapshot
}

TEST(SseStreamLimits, TakeFreesTheBudget) {
  auto topic = Topic::create("t");
  auto s = SseStream::create({.max_queued_events = 2, .max_queued_bytes = 1 << 20});
  s->attach(topic, "");
  for (int i = 0; i < 10; ++i) {
    topic->publish(std::to_string(i), "e", "{}");
    EXPECT_EQ(drain(*s).size(), 1u);
  }
  EXPECT_TRUE(s->is_open());
}

TEST(SseStreamState, CloseKeepsQueuedFramesThenEnds) {
  auto topic = Topic::create("t");
  auto s = SseStream::create();
  s->attach(topic, "");
  topic->publish("1", "e", "{}");
  s->close("bye");
  topic->publish("2", "e", "{}");  // after close: not queued
  std::vector<SseFrame> frames;
  EXPECT_EQ(s->take(frames), SseStream::State::closing);
  EXPECT_EQ(frames.size(), 1u);
  EXPECT_EQ(s->reason(), "bye");
}

TEST(SseStreamState, WakerCalledOncePerTake) {
  auto topic = Topic::create("t");
  auto s = SseStream::create();
  s->attach(topic, "");
  int wakes = 0;
  s->set_waker([&wakes] { ++wakes; });
  topic->publish("1", "e", "{}");
  topic->publish("2", "e", "{}");
  EXPECT_EQ(wakes, 1);
  drain(*s);
  topic->publish("3", "e", "{}");
  EXPECT_EQ(wakes, 2);
}

TEST(SseStreamState, DetachAndDestroyedStreamsLeaveTheTopic) {
  auto topic = Topic::create("t");
  auto a = SseStream::create();
  auto b = SseStream::create();
  a->attach(topic, "");
  b->attach(topic, "");
  EXPECT_EQ(topic->subscriber_count(), 2u);
  a->detach_all();
  EXPECT_EQ(topic->subscriber_count(), 1u);
  b.reset();
  topic->publish("1", "e", "{}");
  EXPECT_EQ(topic->subscriber_count(), 0u);
}

TEST(SseTopic, PublishFromManyThreadsKeepsPerThreadOrderAndCounts) {
  auto topic = Topic::create("t", {.ring_size = 10});
  auto s = SseStream::create({.max_queued_events = 100000, .max_queued_bytes = 64 << 20});
  s->attach(topic, "");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) topic->publish(std::to_string(t) + "-" + std::to_string(i), "e", "{}");
    });
  for (auto& th : threads) th.join();
  auto got = drain(*s);
  ASSERT_EQ(got.size(), 4000u);
  std::vector<int> next(4, 0);
  for (const auto& f : got) {
    const int t = f[4] - '0';
    const int i = std::stoi(f.substr(6, f.find('\n') - 6));
    EXPECT_EQ(i, next[t]++);
  }
}

TEST(SseStream, AttachNullTopicIsAnError) {
  EXPECT_THROW(SseStream::create()->attach(nullptr, ""), core::Error);
}

}  // namespace
}  // namespace ms::net
