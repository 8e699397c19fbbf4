// SUBSCRIBE / PSUBSCRIBE through RedisClient against a real redis-server.
#include <gtest/gtest.h>

#include <mutex>

#include "bus/bus_test_support.hpp"
#include "bus/redis_client.hpp"
#include "testing/redis_server.hpp"

namespace ms::bus {
namespace {

using namespace ms::bus::test;
using ms::testing::wait_until;

// Messages collected from a handler running on the client's strand, read from the test thread.
class Inbox {
 public:
  MessageHandler handler() {
    return [this](const Message& m) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.push_back(m);
    };
  }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_.size();
  }
  std::vector<Message> all() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Message> messages_;
};

class PubSubTest : public ::testing::Test {
 protected:
  void SetUp() override { client = RedisClient::create(io.executor(), fast_options(server.url())); }
  void TearDown() override { client.reset(); }

  template <typename T>
  T go(boost::asio::awaitable<T> aw) {
    return run(io, std::move(aw));
  }
  std::int64_t numsub(const std::string& channel) {
    return go(client->command({"PUBSUB", "NUMSUB", channel})).elements.at(1).integer;
  }

  ms::testing::RedisServer server;
  IoThreads io;
  std::shared_ptr<RedisClient> client;
};

TEST_F(PubSubTest, SubscribeReceivesPublishedMessages) {
  Inbox inbox;
  auto sub = go(client->subscribe("news", inbox.handler()));
  EXPECT_TRUE(sub.active());
  EXPECT_EQ(sub.name(), "news");
  EXPECT_EQ(go(client->publish("news", "hello")), 1);  // confirmed before subscribe() returned
  go(client->publish("other", "not for us"));
  go(client->publish("news", "world"));
  ASSERT_TRUE(wait_until([&] { return inbox.size() == 2; }));
  const auto got = inbox.all();
  EXPECT_EQ(got[0].channel, "news");
  EXPECT_EQ(got[0].payload, "hello");
  EXPECT_EQ(got[0].pattern, "");
  EXPECT_EQ(got[1].payload, "world");
}

TEST_F(PubSubTest, PatternSubscriptionCarriesThePattern) {
  Inbox inbox;
  auto sub = go(client->psubscribe("md.*.update", inbox.handler()));
  EXPECT_EQ(go(client->publish("md.SPX.update", "1")), 1);
  go(client->publish("md.NDX.update", "2"));
  go(client->publish("md.SPX.other", "3"));
  ASSERT_TRUE(wait_until([&] { return inbox.size() == 2; }));
  const auto got = inbox.all();
  EXPECT_EQ(got[0].channel, "md.SPX.update");
  EXPECT_EQ(got[0].pattern, "md.*.update");
  EXPECT_EQ(got[1].channel, "md.NDX.update");
  EXPECT_EQ(got[1].payload, "2");
}

TEST_F(PubSubTest, DestroyingTheHandleUnsubscribes) {
  Inbox inbox;
  {
    auto sub = go(client->subscribe("gone", inbox.handler()));
    EXPECT_EQ(numsub("gone"), 1);
  }
  ASSERT_TRUE(wait_until([&] { return numsub("gone") == 0; }));
  EXPECT_EQ(go(client->publish("gone", "x")), 0);
  EXPECT_EQ(inbox.size(), 0u);
}

TEST_F(PubSubTest, ExplicitUnsubscribeStopsDeliveryAtOnce) {
  Inbox inbox;
  auto sub = go(client->subscribe("c", inbox.handler()));
  go(client->publish("c", "1"));
  ASSERT_TRUE(wait_until([&] { return inbox.size() == 1; }));
  sub.unsubscribe();
  EXPECT_FALSE(sub.active());
  go(client->publish("c", "2"));  // may still reach the connection; the handler must not see it
  ASSERT_TRUE(wait_until([&] { return numsub("c") == 0; }));
  EXPECT_EQ(inbox.size(), 1u);
  sub.unsubscribe();  // twice is fine
}

TEST_F(PubSubTest, TwoHandlersOnOneChannelShareOneServerSubscription) {
  Inbox a, b;
  auto sa = go(client->subscribe("shared", a.handler()));
  auto sb = go(client->subscribe("shared", b.handler()));
  EXPECT_EQ(numsub("shared"), 1);
  go(client->publish("shared", "x"));
  ASSERT_TRUE(wait_until([&] { return a.size() == 1 && b.size() == 1; }));
  sa.unsubscribe();
  go(client->publish("shared", "y"));
  ASSERT_TRUE(wait_until([&] { return b.size() == 2; }));
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(numsub("shared"), 1);
}

TEST_F(PubSubTest, ResubscribeAfterUnsubscribe) {
  Inbox first, second;
  auto s1 = go(client->subscribe("again", first.handler()));
  s1.unsubscribe();
  auto s2 = go(client->subscribe("again", second.handler()));
  go(client->publish("again", "z"));
  ASSERT_TRUE(wait_until([&] { return second.size() == 1; }));
  EXPECT_EQ(first.size(), 0u);
}

TEST_F(PubSubTest, MovedHandleKeepsTheSubscription) {
  Inbox inbox;
  Subscription kept;
  {
    auto sub = go(client->subscribe("moved", inbox.handler()));
    kept = std::move(sub);
  }
  EXPECT_TRUE(kept.active());
  go(client->publish("moved", "m"));
  ASSERT_TRUE(wait_until([&] { return inbox.size() == 1; }));
}

TEST_F(PubSubTest, HandlerMayDropItsOwnSubscription) {
  std::atomic<int> calls{0};
  auto holder = std::make_shared<Subscription>();
  *holder = go(client->subscribe("self", [&calls, holder](const Message&) {
    ++calls;
    holder->unsubscribe();  // from inside the handler: no deadlock, no further calls
  }));
  go(client->pipeline({{"PUBLISH", "self", "1"}, {"PUBLISH", "self", "2"}, {"PUBLISH", "self", "3"}}));
  ASSERT_TRUE(wait_until([&] { return numsub("self") == 0; }));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(PubSubTest, ThrowingHandlerDoesNotStopOthers) {
  Inbox inbox;
  auto bad = go(client->subscribe("t", [](const Message&) { throw std::runtime_error("handler bug"); }));
  auto good = go(client->subscribe("t", inbox.handler()));
  go(client->publish("t", "1"));
  go(client->publish("t", "2"));
  ASSERT_TRUE(wait_until([&] { return inbox.size() == 2; }));
}

TEST_F(PubSubTest, BadSubscriptionsAreRefused) {
  Inbox inbox;
  EXPECT_EQ(error_code_of([&] { go(client->subscribe("", inbox.handler())); }), "redis_bad_argument");
  EXPECT_EQ(error_code_of([&] { go(client->psubscribe("", inbox.handler())); }), "redis_bad_argument");
  EXPECT_EQ(error_code_of([&] { go(client->subscribe("c", MessageHandler{})); }), "redis_bad_argument");
}

TEST_F(PubSubTest, BurstOf20000MessagesArrivesCompleteAndInOrder) {
  constexpr int kCount = 20000;
  std::atomic<int> received{0};
  std::atomic<bool> in_order{true};
  auto sub = go(client->subscribe("burst", [&](const Message& m) {
    const int n = received.load();
    if (m.payload != "msg-" + std::to_string(n)) in_order = false;
    received.store(n + 1);
  }));
  // Published from a second client in pipelined chunks, as a producer would.
  auto publisher = RedisClient::create(io.executor(), fast_options(server.url(), "publisher"));
  for (int start = 0; start < kCount; start += 1000) {
    std::vector<std::vector<std::string>> cmds;
    for (int i = start; i < start + 1000; ++i) cmds.push_back({"PUBLISH", "burst", "msg-" + std::to_string(i)});
    go(publisher->pipeline(std::move(cmds)));
  }
  ASSERT_TRUE(wait_until([&] { return received.load() == kCount; }, 20s)) << received.load();
  EXPECT_TRUE(in_order.load());
}

TEST_F(PubSubTest, LargePayloadThroughPubSub) {
  std::string payload(100 * 1024, 'x');
  for (std::size_t i = 0; i < payload.size(); i += 97) payload[i] = '\0';
  Inbox inbox;
  auto sub = go(client->subscribe("big", inbox.handler()));
  go(client->publish("big", payload));
  ASSERT_TRUE(wait_until([&] { return inbox.size() == 1; }));
  EXPECT_EQ(inbox.all()[0].payload, payload);
}

TEST_F(PubSubTest, SubscribeAfterCloseFails) {
  client->close();
  Inbox inbox;
  EXPECT_EQ(error_code_of([&] { go(client->subscribe("late", inbox.handler())); }), "redis_unavailable");
}

}  // namespace
}  // namespace ms::bus
