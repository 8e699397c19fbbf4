#include "services/sim/ws_session.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "services/sim/sim_test_util.hpp"
#include "services/sim/wire.hpp"

namespace ms::sim {
namespace {

using nlohmann::json;

WsSessionConfig cfg(Cluster c, std::string key = "sekret", FaultConfig f = {}) {
  WsSessionConfig w;
  w.cluster = c;
  w.api_key = std::move(key);
  w.faults = f;
  return w;
}

TEST(WsSession, HandshakeAuthSubscribeAndData) {
  SimMarket m(test::small_config(), test::tuesday());
  WsSession s(cfg(Cluster::indices));
  EXPECT_EQ(s.on_open().frames, std::vector<std::string>{connected_frame()});
  EXPECT_TRUE(s.on_tick(m, m.advance_one_tick()).frames.empty());  // nothing before auth

  const auto auth = s.on_text(R"({"action":"auth","params":"sekret"})");
  EXPECT_EQ(auth.frames, std::vector<std::string>{auth_success_frame()});
  EXPECT_FALSE(auth.close);
  EXPECT_TRUE(s.authenticated());

  const auto sub = s.on_text(R"({"action":"subscribe","params":"V.I:SPX,V.I:VIX"})");
  ASSERT_EQ(sub.frames.size(), 1u);
  EXPECT_EQ(sub.frames[0], "[" + subscribed_event("V.I:SPX") + "," + subscribed_event("V.I:VIX") + "]");

  const auto data = s.on_tick(m, m.advance_one_tick());
  ASSERT_EQ(data.frames.size(), 2u);  // clock, then the values
  EXPECT_EQ(json::parse(data.frames[0])[0]["status"], "clock");
  const auto values = json::parse(data.frames[1]);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0]["T"], "I:SPX");
  EXPECT_EQ(values[1]["T"], "I:VIX");

  const auto unsub = s.on_text(R"({"action":"unsubscribe","params":"V.I:SPX"})");
  EXPECT_EQ(unsub.frames[0], "[" + unsubscribed_event("V.I:SPX") + "]");
  const auto after = s.on_tick(m, m.advance_one_tick());
  ASSERT_EQ(after.frames.size(), 2u);
  EXPECT_EQ(json::parse(after.frames[1]).size(), 1u);
}

TEST(WsSession, WrongKeyFailsAndCloses) {
  WsSession s(cfg(Cluster::options));
  s.on_open();
  const auto out = s.on_text(R"({"action":"auth","params":"nope"})");
  EXPECT_EQ(out.frames, std::vector<std::string>{auth_failed_frame()});
  EXPECT_TRUE(out.close);
  EXPECT_FALSE(s.authenticated());
  EXPECT_TRUE(s.closed());
  EXPECT_TRUE(s.on_text(R"({"action":"auth","params":"sekret"})").frames.empty());
}

TEST(WsSession, EmptyConfiguredKeyAcceptsAnyKey) {
  WsSession s(cfg(Cluster::options, ""));
  EXPECT_EQ(s.on_text(R"({"action":"auth","params":"anything"})").frames,
            std::vector<std::string>{auth_success_frame()});
}

TEST(WsSession, SubscribeBeforeAuthIsRefused) {
  WsSession s(cfg(Cluster::options));
  const auto out = s.on_text(R"({"action":"subscribe","params":"T.SPY"})");
  ASSERT_EQ(out.frames.size(), 1u);
  const auto j = json::parse(out.frames[0]);
  EXPECT_EQ(j[0]["status"], "error");
  EXPECT_NE(j[0]["message"].get<std::string>().find("not authorized"), std::string::npos);
  EXPECT_FALSE(out.close);
  EXPECT_EQ(s.scheduler().subscription_count(), 0u);
}

TEST(WsSession, MalformedActionsGetAnErrorStatusAndKeepTheConnection) {
  WsSession s(cfg(Cluster::options));
  s.on_text(R"({"action":"auth","params":"sekret"})");
  for (const char* bad : {"garbage", R"({"action":"dance","params":"x"})",
                          R"({"action":"subscribe","params":"T"})", "[]"}) {
    const auto out = s.on_text(bad);
    ASSERT_EQ(out.frames.size(), 1u) << bad;
    const auto j = json::parse(out.frames[0]);
    EXPECT_EQ(j[0]["status"], "error") << bad;
    EXPECT_FALSE(out.close);
  }
  EXPECT_TRUE(s.authenticated());
}

TEST(WsSession, ChannelTheClusterDoesNotServeIsAnError) {
  WsSession s(cfg(Cluster::options));
  s.on_text(R"({"action":"auth","params":"sekret"})");
  const auto out = s.on_text(R"({"action":"subscribe","params":"V.I:SPX,T.O:SPXW260210C06000000"})");
  const auto j = json::parse(out.frames[0]);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["status"], "error");
  EXPECT_EQ(j[1]["message"], "subscribed to: T.O:SPXW260210C06000000");
}

TEST(WsSession, FaultKnobsApplyToDataFramesOnly) {
  SimMarket m(test::small_config(), test::tuesday());
  WsSession s(cfg(Cluster::indices, "sekret", FaultConfig{2, 0, 5}));
  EXPECT_EQ(s.on_open().frames[0], connected_frame());
  EXPECT_EQ(s.on_text(R"({"action":"auth","params":"sekret"})").frames[0], auth_success_frame());
  s.on_text(R"({"action":"subscribe","params":"V.I:SPX"})");
  std::vector<std::string> frames;
  bool closed = false;
  for (int i = 0; i < 5 && !closed; ++i) {
    auto out = s.on_tick(m, m.advance_one_tick());
    for (auto& f : out.frames) frames.push_back(f);
    closed = out.close;
  }
  // Two data frames per tick (clock + values): frames 2 and 4 are garbage, the 6th drops.
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(frames[1], FaultInjector::kGarbage);
  EXPECT_EQ(frames[3], FaultInjector::kGarbage);
  EXPECT_FALSE(json::parse(frames[0], nullptr, false).is_discarded());
  EXPECT_EQ(s.faults().stats().garbage, 2u);
  EXPECT_TRUE(s.on_tick(m, m.advance_one_tick()).frames.empty());
}

TEST(WsSession, CountsSubscribeMessagesAndDuplicateParams) {
  WsSession s(cfg(Cluster::options));
  s.on_text(R"({"action":"subscribe","params":"T.O:SPXW260210C06000000"})");  // before auth
  EXPECT_EQ(s.stats().subscribe_messages, 1u);
  EXPECT_EQ(s.stats().errors, 1u);
  s.on_text(R"({"action":"auth","params":"sekret"})");
  EXPECT_EQ(s.stats().auth_attempts, 1u);
  s.on_text(R"({"action":"subscribe","params":"T.O:SPXW260210C06000000,Q.O:SPXW260210C06000000"})");
  EXPECT_EQ(s.stats().duplicate_subscribes, 0u);
  s.on_text(R"({"action":"subscribe","params":"T.*,Q.O:SPXW260210C06000000"})");
  EXPECT_EQ(s.stats().duplicate_subscribes, 1u);  // T.* is new; Q.O:... again
  s.on_text(R"({"action":"subscribe","params":"T.*"})");
  EXPECT_EQ(s.stats().duplicate_subscribes, 2u);
  s.on_text(R"({"action":"unsubscribe","params":"Q.O:SPXW260210C06000000"})");
  s.on_text(R"({"action":"subscribe","params":"Q.O:SPXW260210C06000000"})");  // again after unsubscribing
  EXPECT_EQ(s.stats().duplicate_subscribes, 2u);
  EXPECT_EQ(s.stats().subscribe_messages, 5u);
  EXPECT_EQ(s.stats().unsubscribe_messages, 1u);
  EXPECT_EQ(s.scheduler().subscription_count(), 3u);
  EXPECT_TRUE(s.scheduler().has_subscription(Subscription{Channel::trade, "*"}));
  EXPECT_TRUE(s.scheduler().has_subscription(Subscription{Channel::trade, "O:SPXW260210C06000000"}));
  EXPECT_FALSE(s.scheduler().has_subscription(Subscription{Channel::trade, "O:SPXW260210P06000000"}));
}

}  // namespace
}  // namespace ms::sim
