// WebSocket endpoints over the real server: echo, Origin checks, upgrade rejection, pushes from
// other threads, close codes, idle timeout, graceful shutdown.
#include <atomic>
#include <mutex>

#include <gtest/gtest.h>

#include "net/test_clients.hpp"
#include "testing/wait.hpp"

namespace ms::net {
namespace {

using namespace std::chrono_literals;
using test::RunningServer;
using test::WsTestClient;

struct WsFixture {
  explicit WsFixture(WebSocketOptions ws = {}) {
    auto o = test::test_server_options();
    o.websocket = ws;
    o.cors.allowed_origins = {"https://app.example.com"};
    server = std::make_unique<RunningServer>(o);
    server->router().websocket(
        "/ws/echo", WebSocketHandler{
                        .on_upgrade = [](Request& req) -> std::optional<Response> {
                          if (req.query_param("deny")) return Response::error(401, "unauthorized", "login required");
                          return std::nullopt;
                        },
                        .on_open =
                            [this](const std::shared_ptr<WebSocketSession>& s) {
                              std::lock_guard lk(mu);
                              sessions.push_back(s);
                            },
                        .on_message = [](const std::shared_ptr<WebSocketSession>& s,
                                         std::string m) { s->send("echo:" + m); },
                        .on_close =
                            [this](const std::shared_ptr<WebSocketSession>&, std::uint16_t code) {
                              last_close_code = code;
                              ++closes;
                            },
                    });
    server->router().websocket("/ws/user/{uid}", WebSocketHandler{
                                                     .on_open =
                                                         [](const std::shared_ptr<WebSocketSession>& s) {
                                                           s->send("hello " + s->request().param("uid"));
                                                         },
                                                 });
    server->start();
  }
  std::uint16_t port() const { return server->port(); }
  std::shared_ptr<WebSocketSession> session(std::size_t i) {
    std::lock_guard lk(mu);
    return i < sessions.size() ? sessions[i] : nullptr;
  }

  std::mutex mu;
  std::vector<std::shared_ptr<WebSocketSession>> sessions;
  std::atomic<int> last_close_code{0};
  std::atomic<int> closes{0};
  std::unique_ptr<RunningServer> server;
};

TEST(ServerWebSocket, Echo) {
  WsFixture f;
  WsTestClient c(f.port(), "/ws/echo");
  auto hs = c.handshake();
  ASSERT_TRUE(hs);
  ASSERT_EQ(hs->status, 101);
  EXPECT_TRUE(c.accept_ok());
  EXPECT_TRUE(hs->header("X-Request-Id"));
  for (const std::string& msg : std::vector<std::string>{"hello", std::string(70000, 'x'), "ünïcode"}) {
    ASSERT_TRUE(c.send_text(msg));
    auto frame = c.next();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, 1);
    EXPECT_EQ(frame->payload.size(), msg.size() + 5);
    EXPECT_TRUE(frame->payload == "echo:" + msg) << frame->payload.substr(0, 40);
  }
}

TEST(ServerWebSocket, PathParamsReachTheSession) {
  WsFixture f;
  WsTestClient c(f.port(), "/ws/user/42");
  ASSERT_EQ(c.handshake()->status, 101);
  auto frame = c.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "hello 42");
}

TEST(ServerWebSocket, ForeignOriginIsRefused) {
  WsFixture f;
  WsTestClient c(f.port(), "/ws/echo", {{"Origin", "https://evil.example.com"}});
  auto hs = c.handshake();
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->status, 403);
  EXPECT_EQ(nlohmann::json::parse(hs->body)["code"], "origin_not_allowed");
}

TEST(ServerWebSocket, AllowedAndSameOriginAccepted) {
  WsFixture f;
  WsTestClient listed(f.port(), "/ws/echo", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(listed.handshake()->status, 101);
  WsTestClient same(f.port(), "/ws/echo", {{"Origin", "http://127.0.0.1"}});  // Host: 127.0.0.1
  EXPECT_EQ(same.handshake()->status, 101);
}

TEST(ServerWebSocket, UpgradeCheckCanReject) {
  WsFixture f;
  WsTestClient c(f.port(), "/ws/echo?deny=1");
  auto hs = c.handshake();
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->status, 401);
  EXPECT_EQ(nlohmann::json::parse(hs->body)["code"], "unauthorized");
}

TEST(ServerWebSocket, PlainGetIs426) {
  WsFixture f;
  auto r = test::get(f.port(), "/ws/echo");
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(r.json()["code"], "upgrade_required");
}

TEST(ServerWebSocket, SendFromAnotherThread) {
  WsFixture f;
  WsTestClient c(f.port(), "/ws/echo");
  ASSERT_EQ(c.handshake()->status, 101);
  ASSERT_TRUE(testing::wait_until([&] { return f.session(0) != nullptr; }));
  auto s = f.session(0);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(s->send("tick " + std::to_string(i)));
  for (int i = 0; i < 50; ++i) {
    auto frame = c.next();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->payload, "tick " + std::to_string(i));
  }
}

TEST(ServerWebSocket, ClientCloseReachesOnClose) {
  WsFixture f;
  {
    WsTestClient c(f.port(), "/ws/echo");
    ASSERT_EQ(c.handshake()->status, 101);
    ASSERT_TRUE(c.send_close(1000));
    auto frame = c.next();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, 8);
  }
  ASSERT_TRUE(testing::wait_until([&] { return f.closes.load() == 1; }));
  EXPECT_EQ(f.last_close_code.load(), 1000);
  ASSERT_TRUE(f.session(0));
  EXPECT_FALSE(f.session(0)->is_open());
  EXPECT_FALSE(f.session(0)->send("late"));
}

TEST(ServerWebSocket, ServerCloseSendsCloseFrame) {
  WsFixture f;
  WsTestClient c(f.port(), "/ws/echo");
  ASSERT_EQ(c.handshake()->status, 101);
  ASSERT_TRUE(testing::wait_until([&] { return f.session(0) != nullptr; }));
  f.session(0)->send("bye soon");
  f.session(0)->close(4001, "kicked");
  auto m = c.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "bye soon");
  auto close = c.next();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, 8);
  EXPECT_EQ(close->close_code(), 4001);
}

TEST(ServerWebSocket, SilentPeerIsDroppedAfterTheIdleTimeout) {
  WsFixture f({.idle_timeout = 400ms});
  WsTestClient c(f.port(), "/ws/echo");
  ASSERT_EQ(c.handshake()->status, 101);
  // Never read: the server's ping goes unanswered.
  EXPECT_TRUE(testing::wait_until([&] { return f.closes.load() == 1; }, 5s));
}

TEST(ServerWebSocket, AnsweringPingsKeepsTheSessionAlive) {
  WsFixture f({.idle_timeout = 400ms});
  WsTestClient c(f.port(), "/ws/echo");
  ASSERT_EQ(c.handshake()->status, 101);
  // next() answers pings; nothing else arrives, so it times out while the session stays up.
  EXPECT_FALSE(c.next(1200ms));
  EXPECT_EQ(f.closes.load(), 0);
  ASSERT_TRUE(c.send_text("still here"));
  auto frame = c.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload, "echo:still here");
}

TEST(ServerWebSocket, GracefulShutdownSendsGoingAway) {
  WsFixture f;
  WsTestClient c(f.port(), "/ws/echo");
  ASSERT_EQ(c.handshake()->status, 101);
  ASSERT_TRUE(testing::wait_until([&] { return f.session(0) != nullptr; }));
  f.server->server.stop(2s);
  auto close = c.next();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, 8);
  EXPECT_EQ(close->close_code(), 1001);
  c.send_close(1001);
  EXPECT_TRUE(f.server->server.wait_stopped(3s));
}

TEST(ServerWebSocket, QueueOverflowDisconnects) {
  WsFixture f({.max_queued_messages = 4});
  WsTestClient c(f.port(), "/ws/echo");
  ASSERT_EQ(c.handshake()->status, 101);
  ASSERT_TRUE(testing::wait_until([&] { return f.session(0) != nullptr; }));
  auto s = f.session(0);
  bool refused = false;
  // Faster than any writer can drain: the fifth queued message overflows.
  for (int i = 0; i < 10000 && !refused; ++i) refused = !s->send(std::string(1000, 'x'));
  EXPECT_TRUE(refused);
  EXPECT_FALSE(s->is_open());
  EXPECT_TRUE(testing::wait_until([&] { return f.closes.load() == 1; }));
}

}  // namespace
}  // namespace ms::net
