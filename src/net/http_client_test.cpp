#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "testing/wait.hpp"

namespace ms::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct SeenRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// The raw bytes of an HTTP/1.1 response.
std::string reply(int status, const std::string& body = "",
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Status\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

// A keep-alive HTTP/1.1 server on 127.0.0.1:0 with one thread per connection. The handler returns
// the raw response, or nullopt to never answer (the connection stays open until the server stops).
class LoopbackHttpServer {
 public:
  using Handler = std::function<std::optional<std::string>(const SeenRequest&, int index)>;

  explicit LoopbackHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
      throw std::runtime_error("test server: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~LoopbackHttpServer() {
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

  std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int connections() const { return connections_.load(); }
  std::vector<SeenRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
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
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      auto head_end = buffer.find("\r\n\r\n");
      while (head_end == std::string::npos) {
        const auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
        head_end = buffer.find("\r\n\r\n");
      }
      SeenRequest request;
      const auto head = buffer.substr(0, head_end);
      const auto line_end = head.find("\r\n");
      const auto request_line = head.substr(0, line_end);
      const auto sp1 = request_line.find(' ');
      const auto sp2 = request_line.find(' ', sp1 + 1);
      request.method = request_line.substr(0, sp1);
      request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        auto next = head.find("\r\n", pos);
        if (next == std::string::npos) next = head.size();
        const auto line = head.substr(pos, next - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          auto value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          request.headers[name] = value;
        }
        pos = next + 2;
      }
      const std::size_t length =
          request.headers.count("content-length") ? std::stoul(request.headers["content-length"]) : 0;
      buffer.erase(0, head_end + 4);
      while (buffer.size() < length) {
        const auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      request.body = buffer.substr(0, length);
      buffer.erase(0, length);
      int index = 0;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        index = static_cast<int>(requests_.size()) - 1;
      }
      const auto response = handler_(request, index);
      if (!response) {
        std::unique_lock lock(mutex_);
        stopped_.wait(lock, [this] { return stopping_; });
        return;
      }
      std::size_t sent = 0;
      while (sent < response->size()) {
        const auto n = ::send(fd, response->data() + sent, response->size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
      }
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::vector<int> open_fds_;
  std::vector<std::thread> workers_;
  std::vector<SeenRequest> requests_;
  std::atomic<int> connections_{0};
};

// A loopback port where nothing listens: bound (so nobody else takes it) but never listening.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

HttpClient::Request get(const std::string& url) {
  HttpClient::Request request;
  request.url = url;
  return request;
}

std::string error_code_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const core::Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return "no error";
}

// Runs one coroutine on `ioc` (on this thread) until it finishes; rethrows what it threw.
template <class F>
void run_coroutine(asio::io_context& ioc, F f) {
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(ioc, std::move(f), [&](std::exception_ptr e) {
    failure = e;
    done = true;
  });
  ioc.run_for(10s);
  ASSERT_TRUE(done) << "coroutine did not finish within 10 s";
  if (failure) std::rethrow_exception(failure);
}

// ---- requests and responses ------------------------------------------------------------------

TEST(HttpClient, GetSendsHeadersAndReadsStatusHeadersBody) {
  LoopbackHttpServer server([](const SeenRequest&, int) {
    return reply(200, "hello", {{"X-Reply", "yes"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}});
  });
  HttpClient client;
  auto request = get(server.url("/path?q=1"));
  request.headers.set("X-Test", "1");
  request.headers.set("Authorization", "Bearer abc");
  const auto response = client.perform(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.body, "hello");
  EXPECT_EQ(response.headers.get("x-reply"), "yes");
  EXPECT_EQ(response.headers.get("X-REPLY"), "yes");
  EXPECT_EQ(response.headers.get_all("set-cookie"), (std::vector<std::string>{"a=1", "b=2"}));
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/path?q=1");
  EXPECT_EQ(seen[0].headers.at("x-test"), "1");
  EXPECT_EQ(seen[0].headers.at("authorization"), "Bearer abc");
  EXPECT_EQ(seen[0].headers.at("user-agent"), "marketswarm/0.1");
}

TEST(HttpClient, PostJsonRoundTrip) {
  LoopbackHttpServer server([](const SeenRequest& r, int) {
    auto in = nlohmann::json::parse(r.body);
    in["seen"] = true;
    return reply(201, in.dump(), {{"Content-Type", "application/json"}});
  });
  HttpClient client;
  const auto response = client.perform(json_request("POST", server.url("/items"), {{"a", 1}, {"text", "é"}}));
  EXPECT_EQ(response.status, 201);
  const auto body = response.json();
  EXPECT_EQ(body["a"], 1);
  EXPECT_EQ(body["text"], "é");
  EXPECT_EQ(body["seen"], true);
  const auto seen = server.requests().at(0);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.headers.at("content-type"), "application/json");
  EXPECT_EQ(seen.headers.at("accept"), "application/json");
  EXPECT_EQ(seen.headers.count("expect"), 0u);
  EXPECT_EQ(nlohmann::json::parse(seen.body), (nlohmann::json{{"a", 1}, {"text", "é"}}));
}

TEST(HttpClient, LargePostBodyIsNotHeldBackByExpectContinue) {
  LoopbackHttpServer server([](const SeenRequest& r, int) { return reply(200, std::to_string(r.body.size())); });
  HttpClient client;
  HttpClient::Request request = get(server.url("/upload"));
  request.method = "POST";
  request.body.assign(200000, 'x');
  const auto started = Clock::now();
  const auto response = client.perform(request);
  EXPECT_EQ(response.body, "200000");
  EXPECT_LT(Clock::now() - started, 900ms);
}

TEST(HttpClient, OtherMethodsCarryTheirBodies) {
  LoopbackHttpServer server([](const SeenRequest& r, int) { return reply(200, r.method + ":" + r.body); });
  HttpClient client;
  for (const std::string method : {"PUT", "PATCH", "DELETE"}) {
    auto request = get(server.url("/x"));
    request.method = method;
    request.body = "{\"v\":1}";
    EXPECT_EQ(client.perform(request).body, method + ":{\"v\":1}");
  }
  auto bare_delete = get(server.url("/x"));
  bare_delete.method = "DELETE";
  EXPECT_EQ(client.perform(bare_delete).body, "DELETE:");
  auto empty_post = get(server.url("/x"));
  empty_post.method = "POST";
  EXPECT_EQ(client.perform(empty_post).body, "POST:");
  auto head = get(server.url("/x"));
  head.method = "HEAD";
  const auto head_response = client.perform(head);
  EXPECT_EQ(head_response.status, 200);
  EXPECT_EQ(head_response.body, "");
}

TEST(HttpClient, ErrorStatusesAreResponsesNotExceptions) {
  LoopbackHttpServer server([](const SeenRequest& r, int) {
    return reply(r.target == "/missing" ? 404 : 500, R"({"error":"nope"})");
  });
  HttpClient client;
  const auto missing = client.perform(get(server.url("/missing")));
  EXPECT_EQ(missing.status, 404);
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.json()["error"], "nope");
  EXPECT_EQ(client.perform(get(server.url("/boom"))).status, 500);
}

TEST(HttpClient, NonJsonBodyGivesHttpBadJson) {
  LoopbackHttpServer server([](const SeenRequest&, int) { return reply(502, "<html>bad gateway</html>"); });
  HttpClient client;
  const auto response = client.perform(get(server.url()));
  std::string message;
  EXPECT_EQ(error_code_of([&] { response.json(); }, &message), "http_bad_json");
  EXPECT_NE(message.find("502"), std::string::npos);
}

TEST(HttpClient, ConnectionIsReusedAcrossRequests) {
  LoopbackHttpServer server([](const SeenRequest&, int i) { return reply(200, std::to_string(i)); });
  HttpClient client;
  EXPECT_EQ(client.perform(get(server.url("/a"))).body, "0");
  EXPECT_EQ(client.perform(get(server.url("/b"))).body, "1");
  EXPECT_EQ(client.perform(get(server.url("/c"))).body, "2");
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, ResponseLargerThanTheCapIsRefused) {
  LoopbackHttpServer server([](const SeenRequest&, int) { return reply(200, std::string(50000, 'z')); });
  HttpClient::Options options;
  options.max_response_bytes = 1000;
  HttpClient client(options);
  EXPECT_EQ(error_code_of([&] { client.perform(get(server.url())); }), "http_response_too_large");
}

// ---- failures ----------------------------------------------------------------------------------

TEST(HttpClient, ConnectionRefusedIsUnreachableAndFast) {
  ClosedPort closed;
  HttpClient client;
  const auto started = Clock::now();
  std::string message;
  const auto url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/v1";
  EXPECT_EQ(error_code_of([&] { client.perform(get(url)); }, &message), "http_unreachable");
  EXPECT_LT(Clock::now() - started, 1s);
  EXPECT_NE(message.find("GET " + url), std::string::npos) << message;
}

TEST(HttpClient, SilentServerTimesOutWithinTheTotalTimeout) {
  LoopbackHttpServer server([](const SeenRequest&, int) { return std::nullopt; });
  HttpClient client;
  auto request = get(server.url("/slow"));
  request.total_timeout = 300ms;
  const auto started = Clock::now();
  std::string message;
  EXPECT_EQ(error_code_of([&] { client.perform(request); }, &message), "http_timeout");
  const auto elapsed = Clock::now() - started;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_NE(message.find("300 ms"), std::string::npos) << message;
}

TEST(HttpClient, SecretsNeverReachErrorMessages) {
  ClosedPort closed;
  HttpClient client;
  auto request = get("http://127.0.0.1:" + std::to_string(closed.port()) +
                     "/v2/aggs?apiKey=SECRETKEY123&symbol=SPX&token=TOKEN456");
  request.headers.set("Authorization", "Bearer BEARERSECRET789");
  std::string message;
  EXPECT_EQ(error_code_of([&] { client.perform(request); }, &message), "http_unreachable");
  EXPECT_EQ(message.find("SECRETKEY123"), std::string::npos) << message;
  EXPECT_EQ(message.find("TOKEN456"), std::string::npos) << message;
  EXPECT_EQ(message.find("BEARERSECRET789"), std::string::npos) << message;
  EXPECT_NE(message.find("apiKey=***"), std::string::npos) << message;
  EXPECT_NE(message.find("symbol=SPX"), std::string::npos) << message;

  LoopbackHttpServer silent([](const SeenRequest&, int) { return std::nullopt; });
  auto slow = get(silent.url("/q?apikey=SECRETKEY123"));
  slow.total_timeout = 100ms;
  EXPECT_EQ(error_code_of([&] { client.perform(slow); }, &message), "http_timeout");
  EXPECT_EQ(message.find("SECRETKEY123"), std::string::npos) << message;
}

TEST(HttpClient, UnusableRequestsAreRefusedWithAClearError) {
  HttpClient client;
  auto expect_bad = [&](HttpClient::Request request, const std::string& fragment) {
    std::string message;
    EXPECT_EQ(error_code_of([&] { client.perform(request); }, &message), "http_bad_request") << fragment;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  };
  expect_bad(get(""), "http:// or https://");
  expect_bad(get("ftp://127.0.0.1/file"), "http:// or https://");
  expect_bad(get("file:///etc/passwd"), "http:// or https://");
  expect_bad(get("http://127.0.0.1/a b"), "spaces");
  auto bad_method = get("http://127.0.0.1/");
  bad_method.method = "GE T";
  expect_bad(bad_method, "method");
  auto injected = get("http://127.0.0.1/");
  injected.headers.set("X-A", "1\r\nX-Injected: 2");
  expect_bad(injected, "X-A");
  auto bad_name = get("http://127.0.0.1/");
  bad_name.headers.set("Bad Name", "1");
  expect_bad(bad_name, "Bad Name");
  auto no_timeout = get("http://127.0.0.1/");
  no_timeout.total_timeout = 0ms;
  expect_bad(no_timeout, "timeouts");
}

// ---- async -----------------------------------------------------------------------------------

TEST(HttpClient, AsyncPerformResumesOnTheCallersExecutorWithoutBlockingIt) {
  LoopbackHttpServer server([](const SeenRequest&, int) {
    std::this_thread::sleep_for(200ms);  // a slow upstream, not synchronisation
    return reply(200, "late");
  });
  HttpClient client;
  asio::io_context ioc;
  int ticks = 0;
  bool request_done = false;
  std::thread::id before;
  std::thread::id after;
  std::string body;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        while (!request_done) {
          timer.expires_after(10ms);
          co_await timer.async_wait(asio::use_awaitable);
          ++ticks;
        }
      },
      asio::detached);
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    before = std::this_thread::get_id();
    const auto response = co_await client.async_perform(get(server.url("/slow")));
    after = std::this_thread::get_id();
    body = response.body;
    request_done = true;
  });
  EXPECT_EQ(body, "late");
  EXPECT_EQ(before, std::this_thread::get_id());
  EXPECT_EQ(after, std::this_thread::get_id());
  EXPECT_GE(ticks, 5) << "the I/O thread was blocked during the request";
}

TEST(HttpClient, AsyncPerformRethrowsTransferErrors) {
  ClosedPort closed;
  HttpClient client;
  asio::io_context ioc;
  std::string code;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    try {
      co_await client.async_perform(get("http://127.0.0.1:" + std::to_string(closed.port()) + "/"));
    } catch (const core::Error& e) {
      code = e.code();
    }
  });
  EXPECT_EQ(code, "http_unreachable");
}

TEST(HttpClient, ConcurrentAsyncRequestsAllComplete) {
  LoopbackHttpServer server([](const SeenRequest& r, int) { return reply(200, r.target); });
  HttpClient::Options options;
  options.threads = 3;
  HttpClient client(options);
  asio::io_context ioc;
  std::vector<std::string> bodies(12);
  int finished = 0;
  for (int i = 0; i < 12; ++i) {
    asio::co_spawn(
        ioc,
        [&, i]() -> asio::awaitable<void> {
          bodies[i] = (co_await client.async_perform(get(server.url("/r" + std::to_string(i))))).body;
          ++finished;
        },
        asio::detached);
  }
  ioc.run_for(10s);
  ASSERT_EQ(finished, 12);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(bodies[i], "/r" + std::to_string(i));
}

TEST(HttpClient, DestroyingTheClientCancelsTransfersInFlight) {
  LoopbackHttpServer server([](const SeenRequest&, int) { return std::nullopt; });
  auto client = std::make_unique<HttpClient>();
  asio::io_context ioc;
  std::atomic<bool> started{false};
  std::string code;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto request = get(server.url("/hang"));
        request.total_timeout = 30s;
        started = true;
        try {
          co_await client->async_perform(request);
        } catch (const core::Error& e) {
          code = e.code();
        }
      },
      asio::detached);
  std::thread io([&] { ioc.run_for(15s); });
  ASSERT_TRUE(ms::testing::wait_until([&] { return started.load() && !server.requests().empty(); }));
  const auto destroying = Clock::now();
  client.reset();
  EXPECT_LT(Clock::now() - destroying, 5s);
  io.join();
  EXPECT_EQ(code, "http_cancelled");
}

// ---- retry -----------------------------------------------------------------------------------

TEST(HttpRetry, RetriesOn503ThenSucceeds) {
  LoopbackHttpServer server([](const SeenRequest&, int i) { return i < 2 ? reply(503, "busy") : reply(200, "ok"); });
  HttpClient client;
  RetryPolicy policy;
  policy.max_attempts = 4;
  policy.base_delay = 100ms;
  std::vector<std::chrono::milliseconds> slept;
  const auto response = perform_with_retry(client, get(server.url()), policy, [&](auto d) { slept.push_back(d); });
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(slept, (std::vector<std::chrono::milliseconds>{100ms, 200ms}));
}

TEST(HttpRetry, RetryAfterIsHonouredWithInjectedDelays) {
  LoopbackHttpServer server([](const SeenRequest&, int i) {
    return i == 0 ? reply(429, "slow down", {{"Retry-After", "2"}}) : reply(200, "ok");
  });
  HttpClient client;
  RetryPolicy policy;
  policy.base_delay = 100ms;
  std::vector<std::chrono::milliseconds> slept;
  const auto started = Clock::now();
  const auto response = perform_with_retry(client, get(server.url()), policy, [&](auto d) { slept.push_back(d); });
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(slept, (std::vector<std::chrono::milliseconds>{2000ms}));
  EXPECT_LT(Clock::now() - started, 1s) << "the injected sleep must replace the real wait";
}

TEST(HttpRetry, GivesUpAfterMaxAttemptsAndReturnsTheLastResponse) {
  LoopbackHttpServer server([](const SeenRequest&, int) { return reply(503, "still busy"); });
  HttpClient client;
  RetryPolicy policy;
  policy.max_attempts = 3;
  int sleeps = 0;
  const auto response = perform_with_retry(client, get(server.url()), policy, [&](auto) { ++sleeps; });
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "still busy");
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(sleeps, 2);
}

TEST(HttpRetry, ClientErrorsAndNotImplementedAreFinal) {
  LoopbackHttpServer server([](const SeenRequest& r, int) { return reply(r.target == "/a" ? 404 : 501); });
  HttpClient client;
  int sleeps = 0;
  EXPECT_EQ(perform_with_retry(client, get(server.url("/a")), {}, [&](auto) { ++sleeps; }).status, 404);
  EXPECT_EQ(perform_with_retry(client, get(server.url("/b")), {}, [&](auto) { ++sleeps; }).status, 501);
  EXPECT_EQ(sleeps, 0);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(HttpRetry, TimeoutsAreRetriedThenRethrown) {
  LoopbackHttpServer server([](const SeenRequest&, int) { return std::nullopt; });
  HttpClient client;
  auto request = get(server.url());
  request.total_timeout = 100ms;
  RetryPolicy policy;
  policy.max_attempts = 2;
  int sleeps = 0;
  EXPECT_EQ(error_code_of([&] { perform_with_retry(client, request, policy, [&](auto) { ++sleeps; }); }), "http_timeout");
  EXPECT_EQ(sleeps, 1);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(HttpRetry, BadRequestsAreNeverRetried) {
  HttpClient client;
  int sleeps = 0;
  EXPECT_EQ(error_code_of([&] { perform_with_retry(client, get("ftp://x/"), {}, [&](auto) { ++sleeps; }); }),
            "http_bad_request");
  EXPECT_EQ(sleeps, 0);
}

TEST(HttpRetry, AsyncRetryUsesTheInjectedSleeper) {
  LoopbackHttpServer server([](const SeenRequest&, int i) {
    return i == 0 ? reply(503, "", {{"Retry-After", "1"}}) : reply(200, "fine");
  });
  HttpClient client;
  asio::io_context ioc;
  std::vector<std::chrono::milliseconds> slept;
  std::string body;
  // Named, not built inside the co_await expression: g++ 12 double-destroys such temporaries.
  const AsyncRetrySleep record = [&](std::chrono::milliseconds d) -> asio::awaitable<void> {
    slept.push_back(d);
    co_return;
  };
  const RetryPolicy policy;
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    const auto response = co_await async_perform_with_retry(client, get(server.url()), policy, record);
    body = response.body;
  });
  EXPECT_EQ(body, "fine");
  EXPECT_EQ(slept, (std::vector<std::chrono::milliseconds>{1000ms}));
}

TEST(HttpRetry, AsyncRetryDefaultSleeperWaitsOnATimer) {
  LoopbackHttpServer server([](const SeenRequest&, int i) { return i == 0 ? reply(500) : reply(200, "ok"); });
  HttpClient client;
  asio::io_context ioc;
  RetryPolicy policy;
  policy.base_delay = 50ms;
  int status = 0;
  const auto started = Clock::now();
  run_coroutine(ioc, [&]() -> asio::awaitable<void> {
    status = (co_await async_perform_with_retry(client, get(server.url()), policy)).status;
  });
  EXPECT_EQ(status, 200);
  EXPECT_GE(Clock::now() - started, 50ms);
}

TEST(HttpRetry, DelayGrowsExponentiallyUpToTheCap) {
  RetryPolicy policy;
  policy.max_attempts = 10;
  policy.base_delay = 100ms;
  policy.multiplier = 3.0;
  policy.max_delay = 2000ms;
  HttpClient::Response busy;
  busy.status = 503;
  EXPECT_EQ(retry_delay(policy, 1, &busy, nullptr), 100ms);
  EXPECT_EQ(retry_delay(policy, 2, &busy, nullptr), 300ms);
  EXPECT_EQ(retry_delay(policy, 3, &busy, nullptr), 900ms);
  EXPECT_EQ(retry_delay(policy, 4, &busy, nullptr), 2000ms);
  EXPECT_EQ(retry_delay(policy, 10, &busy, nullptr), std::nullopt);
  const std::string unreachable = "http_unreachable";
  EXPECT_EQ(retry_delay(policy, 1, nullptr, &unreachable), 100ms);
  policy.retry_unreachable = false;
  EXPECT_EQ(retry_delay(policy, 1, nullptr, &unreachable), std::nullopt);
  const std::string tls = "http_tls_error";
  EXPECT_EQ(retry_delay(policy, 1, nullptr, &tls), std::nullopt);
  HttpClient::Response fine;
  fine.status = 200;
  EXPECT_EQ(retry_delay(policy, 1, &fine, nullptr), std::nullopt);
}

TEST(HttpRetry, RetryAfterBeyondTheCapEndsRetrying) {
  RetryPolicy policy;
  policy.max_retry_after = 10s;
  HttpClient::Response limited;
  limited.status = 429;
  limited.headers.set("Retry-After", "3600");
  EXPECT_EQ(retry_delay(policy, 1, &limited, nullptr), std::nullopt);
  limited.headers.set("retry-after", "5");
  EXPECT_EQ(retry_delay(policy, 1, &limited, nullptr), 5000ms);
  limited.headers.set("Retry-After", "soon");  // malformed: plain backoff
  EXPECT_EQ(retry_delay(policy, 1, &limited, nullptr), policy.base_delay);
}

TEST(HttpRetry, RetryAfterAcceptsAnHttpDate) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30000ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0ms);
  EXPECT_EQ(parse_retry_after("120", now), 120000ms);
  EXPECT_EQ(parse_retry_after(" 7 ", now), 7000ms);
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015", now), std::nullopt);
  RetryPolicy policy;
  policy.clock = [now] { return now; };
  HttpClient::Response limited;
  limited.status = 503;
  limited.headers.set("Retry-After", "Wed, 21 Oct 2015 07:28:04 GMT");
  EXPECT_EQ(retry_delay(policy, 1, &limited, nullptr), 4000ms);
}

// ---- helpers ---------------------------------------------------------------------------------

TEST(HttpClientHelpers, UrlEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(url_encode("abcXYZ019-._~"), "abcXYZ019-._~");
  EXPECT_EQ(url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(url_encode(""), "");
}

TEST(HttpClientHelpers, QueryBuilding) {
  EXPECT_EQ(build_query({{"symbol", "I:SPX"}, {"date", "2026-03-09"}}), "symbol=I%3ASPX&date=2026-03-09");
  EXPECT_EQ(with_query("http://h/p", {{"a", "1"}}), "http://h/p?a=1");
  EXPECT_EQ(with_query("http://h/p?x=0", {{"a", "1"}, {"b", "x y"}}), "http://h/p?x=0&a=1&b=x%20y");
  EXPECT_EQ(with_query("http://h/p?", {{"a", "1"}}), "http://h/p?a=1");
  EXPECT_EQ(with_query("http://h/p#frag", {{"a", "1"}}), "http://h/p?a=1#frag");
  EXPECT_EQ(with_query("http://h/p", {}), "http://h/p");
}

TEST(HttpClientHelpers, RedactUrlHidesCredentials) {
  EXPECT_EQ(redact_url("https://api.massive.com/v3/snapshot?apiKey=abc123&limit=250"),
            "https://api.massive.com/v3/snapshot?apiKey=***&limit=250");
  EXPECT_EQ(redact_url("https://h/p?APIKEY=a&api_key=b&token=c&sso=d&x=e#f"),
            "https://h/p?APIKEY=***&api_key=***&token=***&sso=***&x=e#f");
  EXPECT_EQ(redact_url("https://user:pass@h:8443/p"), "https://***@h:8443/p");
  EXPECT_EQ(redact_url("http://h/p"), "http://h/p");
  EXPECT_EQ(redact_url("http://h/p?flag&apiKey="), "http://h/p?flag&apiKey=***");
}

TEST(HttpClientHelpers, HeadersAreCaseInsensitiveAndKeepRepeats) {
  HttpClient::Headers headers{{"Content-Type", "text/plain"}};
  headers.add("Set-Cookie", "a=1");
  headers.add("set-cookie", "b=2");
  EXPECT_EQ(headers.get("content-type"), "text/plain");
  EXPECT_TRUE(headers.contains("SET-COOKIE"));
  EXPECT_EQ(headers.get_all("Set-Cookie").size(), 2u);
  headers.set("SET-COOKIE", "c=3");
  EXPECT_EQ(headers.get_all("set-cookie"), (std::vector<std::string>{"c=3"}));
  headers.remove("content-TYPE");
  EXPECT_FALSE(headers.contains("Content-Type"));
  EXPECT_EQ(headers.get("missing"), std::nullopt);
  EXPECT_EQ(headers.size(), 1u);
}

}  // namespace
}  // namespace ms::net
