#include "services/sim/ws_action.hpp"

#include <gtest/gtest.h>

namespace ms::sim {
namespace {

ClientAction ok(std::string_view text) {
  auto r = parse_client_action(text);
  if (auto* e = std::get_if<ActionError>(&r)) {
    ADD_FAILURE() << "unexpected error " << e->code << ": " << e->message;
    return {};
  }
  return std::get<ClientAction>(r);
}

ActionError err(std::string_view text) {
  auto r = parse_client_action(text);
  if (auto* e = std::get_if<ActionError>(&r)) return *e;
  ADD_FAILURE() << "accepted: " << text;
  return {};
}

TEST(WsAction, Auth) {
  const auto a = ok(R"({"action":"auth","params":"KEY123"})");
  EXPECT_EQ(a.kind, ActionKind::auth);
  EXPECT_EQ(a.key, "KEY123");
}

TEST(WsAction, SubscribeCommaJoinedParams) {
  const auto a = ok(R"({"action":"subscribe","params":"T.O:SPXW260210C06000000,Q.O:SPXW260210C06000000, AM.SPY ,V.I:SPX"})");
  EXPECT_EQ(a.kind, ActionKind::subscribe);
  ASSERT_EQ(a.subscriptions.size(), 4u);
  EXPECT_EQ(a.subscriptions[0].channel, Channel::trade);
  EXPECT_EQ(a.subscriptions[0].symbol, "O:SPXW260210C06000000");
  EXPECT_EQ(a.subscriptions[1].channel, Channel::quote);
  EXPECT_EQ(a.subscriptions[2].channel, Channel::minute_agg);
  EXPECT_EQ(a.subscriptions[2].symbol, "SPY");
  EXPECT_EQ(a.subscriptions[3].text(), "V.I:SPX");
}

TEST(WsAction, WildcardAndUnsubscribe) {
  const auto a = ok(R"({"action":"unsubscribe","params":"Q.*"})");
  EXPECT_EQ(a.kind, ActionKind::unsubscribe);
  ASSERT_EQ(a.subscriptions.size(), 1u);
  EXPECT_TRUE(a.subscriptions[0].wildcard());
  EXPECT_EQ(a.subscriptions[0].text(), "Q.*");
}

TEST(WsAction, ExtraFieldsAreIgnored) {
  EXPECT_EQ(ok(R"({"params":"T.SPY","action":"subscribe","x":1})").subscriptions.size(), 1u);
}

TEST(WsAction, MalformedMessagesNameTheProblem) {
  EXPECT_EQ(err("").code, "invalid_json");
  EXPECT_EQ(err("{not json").code, "invalid_json");
  EXPECT_EQ(err(R"({"action":"auth","params":"K")").code, "invalid_json");  // truncated
  EXPECT_EQ(err(R"([{"action":"auth","params":"K"}])").code, "not_an_object");
  EXPECT_EQ(err(R"("auth")").code, "not_an_object");
  EXPECT_EQ(err(R"({"params":"K"})").code, "missing_action");
  EXPECT_EQ(err(R"({"action":7,"params":"K"})").code, "missing_action");
  const auto unknown = err(R"({"action":"subscrib","params":"T.SPY"})");
  EXPECT_EQ(unknown.code, "unknown_action");
  EXPECT_NE(unknown.message.find("subscrib"), std::string::npos);
  EXPECT_EQ(err(R"({"action":"subscribe"})").code, "missing_params");
  EXPECT_EQ(err(R"({"action":"subscribe","params":["T.SPY"]})").code, "missing_params");
  EXPECT_EQ(err(R"({"action":"auth","params":""})").code, "empty_params");
  EXPECT_EQ(err(R"({"action":"auth","params":"  "})").code, "empty_params");
  EXPECT_EQ(err(R"({"action":"subscribe","params":""})").code, "empty_params");
}

TEST(WsAction, BadSubscriptionsAreRefusedByName) {
  auto bad = [](std::string params) {
    return err(R"({"action":"subscribe","params":")" + params + R"("})");
  };
  for (const char* p : {"TSPY", "X.SPY", "T.", ".SPY", "T.SPY,", "T.SPY,,Q.SPY", "t.SPY", "T.SP Y",
                        "T.SPY;DROP", "T.\\u0000"}) {
    const auto e = bad(p);
    EXPECT_EQ(e.code, "bad_subscription") << p;
    EXPECT_FALSE(e.message.empty());
  }
  const auto e = bad("T.SPY,X.AAPL");
  EXPECT_NE(e.message.find("X.AAPL"), std::string::npos) << e.message;
  EXPECT_EQ(bad(std::string(50, 'A') + ".SPY").code, "bad_subscription");
  EXPECT_EQ(bad("T." + std::string(50, 'A')).code, "bad_subscription");
}

TEST(WsAction, OversizedMessageIsRefused) {
  const std::string huge(kMaxActionBytes + 1, ' ');
  EXPECT_EQ(err(huge).code, "invalid_json");
}

TEST(WsAction, ParseSubscriptionDirectly) {
  std::string why;
  EXPECT_TRUE(parse_subscription("AM.I:NDX", &why).has_value());
  EXPECT_FALSE(parse_subscription("AMX.I:NDX", &why).has_value());
  EXPECT_NE(why.find("AMX"), std::string::npos);
  EXPECT_FALSE(parse_subscription("T.SPY", nullptr) == std::nullopt);
}

}  // namespace
}  // namespace ms::sim
