// WsClient against loopback servers written with synchronous Beast (one thread per connection),
// which compiles far cheaper than a second coroutine Beast unit.
#include "net/ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/error.hpp"
#include "testing/temp_dir.hpp"

namespace ms::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- loopback servers --------------------------------------------------------------------------

// Accepts on 127.0.0.1:0 and runs `serve(fd)` on a thread per connection. Stopping shuts every
// connection down (waking blocked reads) and wakes sessions parked in wait_for_stop().
class LoopbackTcpServer {
 public:
  explicit LoopbackTcpServer(std::function<void(int fd, LoopbackTcpServer&)> serve) : serve_(std::move(serve)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
      throw std::runtime_error("test server: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~LoopbackTcpServer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    stopped_.notify_all();
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    for (auto& t : workers_) t.join();
  }

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int finished_sessions() const { return finished_.load(); }

  void wait_for_stop() {
    std::unique_lock lock(mutex_);
    stopped_.wait(lock, [this] { return stopping_; });
  }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard lock(mutex_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      ++connections_;
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] {
        serve_(fd, *this);
        {
          // Forget the fd before closing it, so a stop never shuts down a reused descriptor.
          std::lock_guard lock(mutex_);
          open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
        }
        ::close(fd);
        ++finished_;
      });
    }
  }

  std::function<void(int, LoopbackTcpServer&)> serve_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::vector<int> open_fds_;
  std::vector<std::thread> workers_;
  std::atomic<int> connections_{0};
  std::atomic<int> finished_{0};
};

struct SeenHandshake {
  std::string target;
  std::string authorization;
  std::string user_agent;
  std::string host;
};

using PlainWs = websocket::stream<tcp::socket>;
using TlsWs = websocket::stream<ssl::stream<tcp::socket>>;

// A WebSocket server: records the upgrade request, accepts, then runs the session script.
template <class Ws>
class LoopbackWsServer {
 public:
  using Session = std::function<void(Ws&, LoopbackTcpServer&)>;

  explicit LoopbackWsServer(Session session, ssl::context* tls = nullptr)
      : session_(std::move(session)), tls_(tls), tcp_([this](int fd, LoopbackTcpServer& server) { serve(fd, server); }) {}

  std::string url(const std::string& path = "/", const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "wss://" : "ws://") + host + ":" + std::to_string(tcp_.port()) + path;
  }
  std::uint16_t port() const { return tcp_.port(); }
  int finished_sessions() const { return tcp_.finished_sessions(); }
  SeenHandshake handshake() const {
    std::lock_guard lock(mutex_);
    return handshake_;
  }

 private:
  void serve(int fd, LoopbackTcpServer& server) {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.assign(tcp::v4(), ::dup(fd));  // the TCP server keeps (and closes) the original
    std::unique_ptr<Ws> ws;
    beast::error_code ec;
    if constexpr (std::is_same_v<Ws, TlsWs>) {
      ws = std::make_unique<Ws>(std::move(socket), *tls_);
      ws->next_layer().handshake(ssl::stream_base::server, ec);
      if (ec) return;
    } else {
      ws = std::make_unique<Ws>(std::move(socket));
    }
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(ws->next_layer(), buffer, request, ec);
    if (ec) return;
    {
      std::lock_guard lock(mutex_);
      handshake_.target = std::string(request.target());
      handshake_.authorization = std::string(request[http::field::authorization]);
      handshake_.user_agent = std::string(request[http::field::user_agent]);
      handshake_.host = std::string(request[http::field::host]);
    }
    ws->accept(request, ec);
    if (ec) return;
    session_(*ws, server);
  }

  Session session_;
  ssl::context* tls_;
  mutable std::mutex mutex_;
  SeenHandshake handshake_;
  LoopbackTcpServer tcp_;  // last: its threads use the members above
};

template <class Ws>
void echo_until_error(Ws& ws) {
  for (;;) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    if (ec) return;
    ws.text(ws.got_text());
    ws.write(buffer.data(), ec);
    if (ec) return;
  }
}

void push(PlainWs& ws, const std::vector<std::string>& messages) {
  for (const auto& m : messages) {
    ws.text(true);
    beast::error_code ec;
    ws.write(asio::buffer(m), ec);
    if (ec) return;
  }
}

// ---- client-side helpers ---------------------------------------------------------------------

// Runs one coroutine on `ioc` until it finishes, then stops the context (the client's background
// reader would otherwise keep it busy); rethrows what the coroutine threw.
template <class F>
void run_coroutine(asio::io_context& ioc, F f, std::chrono::seconds limit = 10s) {
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(ioc, std::move(f), [&](std::exception_ptr e) {
    failure = e;
    done = true;
    ioc.stop();
  });
  ioc.run_for(limit);
  ASSERT_TRUE(done) << "coroutine did not finish in time";
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

// Polls a condition from inside a coroutine without blocking the I/O thread. Callers pass named
// std::functions: g++ 12 double-destroys closure temporaries inside co_await expressions.
asio::awaitable<bool> eventually(std::function<bool()> cond, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = Clock::now() + limit;
  while (!cond()) {
    if (Clock::now() >= deadline) co_return false;
    co_await pause(5ms);
  }
  co_return true;
}

struct CaughtError {
  std::string code;
  std::string message;
};

template <class Awaitable>
asio::awaitable<CaughtError> catch_error(Awaitable op) {
  try {
    co_await std::move(op);
  } catch (const core::Error& e) {
    co_return CaughtError{e.code(), e.what()};
  }
  co_return CaughtError{"no error", ""};
}

CaughtError catch_sync(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return {e.code(), e.what()};
  }
  return {"no error", ""};
}

WsClient::Options quick_options() {
  WsClient::Options options;
  options.connect_timeout = 2000ms;
  options.ping_interval = 1000ms;
  options.read_timeout = 5000ms;
  options.close_timeout = 1000ms;
  return options;
}

// ---- URL parsing -------------------------------------------------------------------------------

TEST(WsUrl, ParsesSchemesHostsPortsAndTargets) {
  auto u = parse_ws_url("ws://example.com");
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/");
  u = parse_ws_url("wss://socket.massive.com/options");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/options");
  u = parse_ws_url("WSS://h:8443/a/b?x=1&y=2#frag");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.target, "/a/b?x=1&y=2");
  u = parse_ws_url("ws://[::1]:9000/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  u = parse_ws_url("ws://h?q=1");
  EXPECT_EQ(u.target, "/?q=1");
}

TEST(WsUrl, RefusesWhatIsNotAWebSocketUrl) {
  for (const char* bad : {"", "http://h/", "h:80", "ws://", "ws://:80/", "ws://h:0/", "ws://h:70000/", "ws://h:8a/",
                          "ws://user:pw@h/", "ws://[::1/", "ws://h/a b", "ws://[::1]x/"}) {
    const auto error = catch_sync([&] { parse_ws_url(bad); });
    EXPECT_EQ(error.code, "ws_bad_url") << bad;
  }
  const auto error = catch_sync([] { parse_ws_url("ftp://h/?apiKey=SECRET999"); });
  EXPECT_EQ(error.message.find("SECRET999"), std::string::npos) << error.message;
}

// ---- plain ws:// -------------------------------------------------------------------------------

TEST(WsClient, SendsAndReceivesInOrder) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer&) { echo_until_error(ws); });
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  std::vector<std::string> received;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url("/feed"));
    EXPECT_TRUE(client.is_open());
    for (int i = 0; i < 100; ++i) client.send_text("m" + std::to_string(i));
    for (int i = 0; i < 100; ++i) received.push_back((co_await client.receive()).value());
    co_await client.close();
  });
  ASSERT_EQ(received.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(received[i], "m" + std::to_string(i));
}

TEST(WsClient, HandshakeCarriesTargetHeadersAndHost) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer&) { echo_until_error(ws); });
  asio::io_context ioc;
  auto options = quick_options();
  options.user_agent = "ms-test/1";
  WsClient client(ioc.get_executor(), options);
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    const WsClient::Headers headers = {{"Authorization", "Bearer tok"}};  // braced lists inside co_await break g++ 12
    co_await client.connect(server.url("/stocks?cluster=options"), headers);
    co_await client.close();
  });
  const auto seen = server.handshake();
  EXPECT_EQ(seen.target, "/stocks?cluster=options");
  EXPECT_EQ(seen.authorization, "Bearer tok");
  EXPECT_EQ(seen.user_agent, "ms-test/1");
  EXPECT_EQ(seen.host, "127.0.0.1:" + std::to_string(server.port()));
}

TEST(WsClient, ServerPushesArriveInOrderAndOurCloseEndsCleanly) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer&) {
    push(ws, {"one", "two", "three"});
    echo_until_error(ws);
  });
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  std::vector<std::string> received;
  std::optional<std::string> after_close = "unset";
  CaughtError send_after_close;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url());
    for (int i = 0; i < 3; ++i) received.push_back((co_await client.receive()).value());
    co_await client.close();
    after_close = co_await client.receive();
    send_after_close = catch_sync([&] { client.send_text("late"); });
    co_await client.close();  // twice is harmless
  });
  EXPECT_EQ(received, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(after_close, std::nullopt);
  EXPECT_FALSE(client.is_open());
  EXPECT_EQ(send_after_close.code, "ws_closed");
  EXPECT_NE(client.end_reason().find("closed by client"), std::string::npos) << client.end_reason();
}

TEST(WsClient, ServerCloseIsAClearError) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer&) {
    push(ws, {"last"});
    beast::error_code ec;
    ws.close(websocket::close_reason(websocket::close_code::going_away, "maintenance"), ec);
  });
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  std::string first;
  CaughtError error;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url());
    first = (co_await client.receive()).value();
    error = co_await catch_error(client.receive());
  });
  EXPECT_EQ(first, "last");
  EXPECT_EQ(error.code, "ws_closed");
  EXPECT_NE(error.message.find("1001"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("maintenance"), std::string::npos) << error.message;
  EXPECT_FALSE(client.is_open());
  EXPECT_EQ(client.end_reason(), error.message);
}

TEST(WsClient, RunDeliversEveryFrameThenReportsTheEnd) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer&) {
    push(ws, {"a", "b", "c"});
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
  });
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  std::vector<std::string> received;
  CaughtError error;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url());
    const std::function<void(std::string)> collect = [&](std::string m) { received.push_back(std::move(m)); };
    error = co_await catch_error(client.run(collect));
  });
  EXPECT_EQ(received, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(error.code, "ws_closed");
  EXPECT_NE(error.message.find("code 1000"), std::string::npos) << error.message;
}

TEST(WsClient, PingKeepaliveKeepsAQuietConnectionAlive) {
  std::atomic<int> pings_seen{0};
  LoopbackWsServer<PlainWs> server([&](PlainWs& ws, LoopbackTcpServer&) {
    ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) ++pings_seen;
    });
    echo_until_error(ws);  // reading answers pings; no data is ever sent
  });
  asio::io_context ioc;
  auto options = quick_options();
  options.ping_interval = 30ms;
  options.read_timeout = 200ms;
  WsClient client(ioc.get_executor(), options);
  bool enough_pings = false;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url());
    // Ten pings span well over read_timeout: only the pongs keep the connection alive.
    const std::function<bool()> kept_alive = [&] { return pings_seen.load() >= 10 && client.pongs_received() >= 9; };
    enough_pings = co_await eventually(kept_alive);
    EXPECT_TRUE(client.is_open()) << client.end_reason();
    co_await client.close();
  });
  EXPECT_TRUE(enough_pings) << "server saw " << pings_seen.load() << " pings, client " << client.pongs_received()
                            << " pongs";
  EXPECT_GE(client.pings_sent(), 10u);
}

TEST(WsClient, ReadTimeoutDeclaresASilentServerDead) {
  LoopbackWsServer<PlainWs> server([](PlainWs&, LoopbackTcpServer& tcp) { tcp.wait_for_stop(); });  // never reads
  asio::io_context ioc;
  auto options = quick_options();
  options.ping_interval = 50ms;
  options.read_timeout = 200ms;
  WsClient client(ioc.get_executor(), options);
  CaughtError error;
  Clock::duration waited{};
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url());
    const auto started = Clock::now();
    error = co_await catch_error(client.receive());
    waited = Clock::now() - started;
  });
  EXPECT_EQ(error.code, "ws_closed");
  EXPECT_NE(error.message.find("read timeout"), std::string::npos) << error.message;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2s);
  EXPECT_FALSE(client.is_open());
}

TEST(WsClient, ConnectToAClosedPortFailsFast) {
  std::uint16_t port = 0;
  {
    LoopbackTcpServer gone([](int, LoopbackTcpServer&) {});
    port = gone.port();
  }
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  CaughtError error;
  const auto started = Clock::now();
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    error = co_await catch_error(client.connect("ws://127.0.0.1:" + std::to_string(port) + "/?apiKey=SECRET1"));
  });
  EXPECT_EQ(error.code, "ws_connect_failed");
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_NE(error.message.find("TCP connect failed"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("SECRET1"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("apiKey=***"), std::string::npos) << error.message;
  EXPECT_FALSE(client.is_open());
}

TEST(WsClient, ConnectTimesOutWhenTheServerNeverUpgrades) {
  LoopbackTcpServer mute([](int, LoopbackTcpServer& tcp) { tcp.wait_for_stop(); });
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  CaughtError error;
  const auto started = Clock::now();
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    error = co_await catch_error(client.connect("ws://127.0.0.1:" + std::to_string(mute.port()) + "/", {}, 200ms));
  });
  const auto waited = Clock::now() - started;
  EXPECT_EQ(error.code, "ws_connect_failed");
  EXPECT_NE(error.message.find("timed out after 200 ms"), std::string::npos) << error.message;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 2s);
}

TEST(WsClient, RefusedUpgradeNamesTheHttpStatus) {
  LoopbackTcpServer refusing([](int fd, LoopbackTcpServer&) {
    char buffer[4096];
    std::string request;
    while (request.find("\r\n\r\n") == std::string::npos) {
      const auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string reply = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  });
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  CaughtError error;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    error = co_await catch_error(client.connect("ws://127.0.0.1:" + std::to_string(refusing.port()) + "/"));
  });
  EXPECT_EQ(error.code, "ws_connect_failed");
  EXPECT_NE(error.message.find("HTTP 401"), std::string::npos) << error.message;
}

TEST(WsClient, SendsFromOtherThreadsKeepTheirOrder) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer&) { echo_until_error(ws); });
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  constexpr int kPerThread = 200;
  std::vector<std::string> received;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url());
    std::vector<std::thread> senders;
    for (int t = 0; t < 2; ++t) {
      senders.emplace_back([&client, t] {
        for (int i = 0; i < kPerThread; ++i) client.send_text(std::to_string(t) + ":" + std::to_string(i));
      });
    }
    for (int i = 0; i < 2 * kPerThread; ++i) received.push_back((co_await client.receive()).value());
    for (auto& s : senders) s.join();
    co_await client.close();
  });
  ASSERT_EQ(received.size(), 2u * kPerThread);
  int next[2] = {0, 0};
  for (const auto& m : received) {
    const int t = m[0] - '0';
    ASSERT_TRUE(t == 0 || t == 1) << m;
    EXPECT_EQ(m.substr(2), std::to_string(next[t])) << "thread " << t << " out of order";
    ++next[t];
  }
}

TEST(WsClient, OversizedMessageEndsTheConnection) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer& tcp) {
    push(ws, {std::string(4096, 'x')});
    tcp.wait_for_stop();
  });
  asio::io_context ioc;
  auto options = quick_options();
  options.max_message_bytes = 1024;
  WsClient client(ioc.get_executor(), options);
  CaughtError error;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url());
    error = co_await catch_error(client.receive());
  });
  EXPECT_EQ(error.code, "ws_closed");
}

TEST(WsClient, WrongUsageGivesClearErrors) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer&) { echo_until_error(ws); });
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());
  CaughtError send_early = catch_sync([&] { client.send_text("too early"); });
  CaughtError receive_early;
  CaughtError second_connect;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    receive_early = co_await catch_error(client.receive());
    co_await client.connect(server.url());
    second_connect = co_await catch_error(client.connect(server.url()));
    EXPECT_TRUE(client.is_open());
    co_await client.close();
  });
  EXPECT_EQ(send_early.code, "ws_closed");
  EXPECT_NE(send_early.message.find("not connected"), std::string::npos);
  EXPECT_EQ(receive_early.code, "ws_closed");
  EXPECT_EQ(second_connect.code, "ws_connect_failed");
  EXPECT_NE(second_connect.message.find("already used"), std::string::npos);

  asio::io_context ioc2;
  WsClient bad_url(ioc2.get_executor());
  WsClient bad_header(ioc2.get_executor());
  WsClient never_connected(ioc2.get_executor());
  CaughtError url_error;
  CaughtError header_error;
  run_coroutine(ioc2, [&]() -> asio::awaitable<void> {
    url_error = co_await catch_error(bad_url.connect("http://127.0.0.1/"));
    const WsClient::Headers injected = {{"X-A", "1\r\nX-B: 2"}};
    header_error = co_await catch_error(bad_header.connect(server.url(), injected));
    co_await never_connected.close();
  });
  EXPECT_EQ(url_error.code, "ws_bad_url");
  EXPECT_EQ(header_error.code, "ws_bad_header");
  EXPECT_FALSE(never_connected.is_open());
}

TEST(WsClient, DestroyingTheClientDropsTheConnection) {
  LoopbackWsServer<PlainWs> server([](PlainWs& ws, LoopbackTcpServer&) { echo_until_error(ws); });
  asio::io_context ioc;
  auto client = std::make_unique<WsClient>(ioc.get_executor(), quick_options());
  bool server_noticed = false;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client->connect(server.url());
    client.reset();
    const std::function<bool()> session_over = [&] { return server.finished_sessions() == 1; };
    server_noticed = co_await eventually(session_over);
  });
  EXPECT_TRUE(server_noticed);
}

// ---- wss:// with a certificate made for the test ---------------------------------------------

struct SelfSignedCert {
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key{nullptr, EVP_PKEY_free};
  std::unique_ptr<X509, void (*)(X509*)> cert{nullptr, X509_free};
};

// A P-256 certificate for DNS:localhost only (so 127.0.0.1 does not match it).
SelfSignedCert make_localhost_cert() {
  SelfSignedCert out;
  out.key.reset(EVP_EC_gen("P-256"));
  out.cert.reset(X509_new());
  X509* x = out.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, out.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, out.key.get(), EVP_sha256());
  return out;
}

void write_pem(const SelfSignedCert& cert, const std::filesystem::path& path) {
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert.cert.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  ms::testing::write_file(path, std::string(data, static_cast<std::size_t>(size)));
}

class WsClientTls : public ::testing::Test {
 protected:
  WsClientTls() : cert_(make_localhost_cert()), server_context_(ssl::context::tls_server) {
    SSL_CTX_use_certificate(server_context_.native_handle(), cert_.cert.get());
    SSL_CTX_use_PrivateKey(server_context_.native_handle(), cert_.key.get());
    write_pem(cert_, ca_path());
  }
  std::filesystem::path ca_path() const { return dir_ / "ca.pem"; }

  ms::testing::TempDir dir_{"ms-ws-tls"};
  SelfSignedCert cert_;
  ssl::context server_context_;
};

TEST_F(WsClientTls, EchoesOverWssWithATrustedCertificate) {
  LoopbackWsServer<TlsWs> server([](TlsWs& ws, LoopbackTcpServer&) { echo_until_error(ws); }, &server_context_);
  asio::io_context ioc;
  auto options = quick_options();
  options.ca_file = ca_path().string();
  WsClient client(ioc.get_executor(), options);
  std::string echoed;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    co_await client.connect(server.url("/secure", "localhost"));
    client.send_text("over tls");
    echoed = (co_await client.receive()).value();
    co_await client.close();
  });
  EXPECT_EQ(echoed, "over tls");
  EXPECT_EQ(server.handshake().target, "/secure");
}

TEST_F(WsClientTls, RefusesAnUntrustedCertificate) {
  LoopbackWsServer<TlsWs> server([](TlsWs& ws, LoopbackTcpServer&) { echo_until_error(ws); }, &server_context_);
  asio::io_context ioc;
  WsClient client(ioc.get_executor(), quick_options());  // system store only
  CaughtError error;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    error = co_await catch_error(client.connect(server.url("/", "localhost")));
  });
  EXPECT_EQ(error.code, "ws_connect_failed");
  EXPECT_NE(error.message.find("TLS handshake failed"), std::string::npos) << error.message;
}

TEST_F(WsClientTls, RefusesACertificateForAnotherHost) {
  LoopbackWsServer<TlsWs> server([](TlsWs& ws, LoopbackTcpServer&) { echo_until_error(ws); }, &server_context_);
  asio::io_context ioc;
  auto options = quick_options();
  options.ca_file = ca_path().string();
  WsClient client(ioc.get_executor(), options);
  CaughtError error;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    error = co_await catch_error(client.connect(server.url("/", "127.0.0.1")));  // cert names localhost only
  });
  EXPECT_EQ(error.code, "ws_connect_failed");
  EXPECT_NE(error.message.find("TLS handshake failed"), std::string::npos) << error.message;
}

TEST_F(WsClientTls, MissingCaFileIsAConnectError) {
  asio::io_context ioc;
  auto options = quick_options();
  options.ca_file = (dir_ / "missing.pem").string();
  WsClient client(ioc.get_executor(), options);
  LoopbackWsServer<TlsWs> server([](TlsWs& ws, LoopbackTcpServer&) { echo_until_error(ws); }, &server_context_);
  CaughtError error;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    error = co_await catch_error(client.connect(server.url("/", "localhost")));
  });
  EXPECT_EQ(error.code, "ws_connect_failed");
  EXPECT_NE(error.message.find("CA file"), std::string::npos) << error.message;
}

}  // namespace
}  // namespace ms::net
