#include "testing/redis_server.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "core/env.hpp"
#include "testing/ports.hpp"

#ifndef MS_REDIS_SERVER_DEFAULT
#define MS_REDIS_SERVER_DEFAULT ""
#endif

namespace ms::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::string find_on_path(const std::string& name) {
  const auto path = core::env("PATH").value_or("/usr/local/bin:/usr/bin:/bin:/usr/sbin");
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

bool redis_answers_ping(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, remaining_ms(deadline)) != 1 || (p.revents & (POLLERR | POLLHUP))) return false;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return false;
  static const char kPing[] = "PING\r\n";
  if (::send(fd, kPing, sizeof kPing - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof kPing - 1)) return false;
  std::string got;
  while (got.find("\r\n") == std::string::npos) {
    p = {fd, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) != 1) return false;
    char buf[64];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<std::size_t>(n));
  }
  // A server with requirepass answers, just not with PONG.
  return got.rfind("+PONG", 0) == 0 || got.rfind("-NOAUTH", 0) == 0;
}

std::string RedisServer::binary_path() {
  if (auto env = core::env("MS_REDIS_SERVER"); env && !env->empty()) return *env;
  const std::string compiled = MS_REDIS_SERVER_DEFAULT;
  if (!compiled.empty() && compiled.find("NOTFOUND") == std::string::npos) return compiled;
  auto found = find_on_path("redis-server");
  if (found.empty()) throw std::runtime_error("redis-server not found: set MS_REDIS_SERVER or install redis-server");
  return found;
}

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (start_on(reserve_free_port()) == StartResult::ready) return;
  }
  throw std::runtime_error("redis-server: no free port after 8 attempts");
}

RedisServer::~RedisServer() {
  if (process_.pid() > 0 && process_.running()) {
    process_.signal(SIGCONT);  // a paused server cannot act on SIGTERM
    process_.terminate(std::chrono::milliseconds(2000));
  }
}

std::string RedisServer::url() const { return "redis://" + host_port(); }
std::string RedisServer::host_port() const { return "127.0.0.1:" + std::to_string(port_); }

bool RedisServer::running() { return process_.running(); }

RedisServer::StartResult RedisServer::start_on(std::uint16_t port) {
  port_ = port;
  ++generation_;
  const auto log = (dir_ / ("redis-" + std::to_string(generation_) + ".log")).string();
  core::ProcessOptions po;
  // Through sh so that start-up errors (printed before Redis opens its log) land in the same
  // file as the log; `exec` keeps the PID the server's own.
  po.argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" >>\"$MS_REDIS_TEST_LOG\" 2>&1", binary_path(),
             "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", dir_.path().string(), "--daemonize", "no"};
  po.argv.insert(po.argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  po.env_overrides = {{"MS_REDIS_TEST_LOG", log}};
  process_ = core::Process::spawn(po);

  const auto deadline = Clock::now() + options_.start_timeout;
  auto step = std::chrono::milliseconds(2);
  while (Clock::now() < deadline) {
    if (!process_.running()) {
      const std::string tail = log_tail();
      if (tail.find("Address already in use") != std::string::npos) return StartResult::port_taken;
      throw std::runtime_error("redis-server on port " + std::to_string(port) + " " +
                               core::describe_wait_status(process_.exit_status().value_or(0)) + ":\n" + tail);
    }
    if (redis_answers_ping(port, std::chrono::milliseconds(200))) return StartResult::ready;
    std::this_thread::sleep_for(step);  // polling backoff while the server starts
    step = std::min(step * 2, std::chrono::milliseconds(50));
  }
  process_.terminate(std::chrono::milliseconds(1000));
  throw std::runtime_error("redis-server on port " + std::to_string(port) + " did not answer PING within " +
                           std::to_string(options_.start_timeout.count()) + " ms:\n" + log_tail());
}

std::string RedisServer::log_tail() const {
  const auto log = dir_ / ("redis-" + std::to_string(generation_) + ".log");
  std::ifstream in(log);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > 20 ? lines.size() - 20 : 0; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

void RedisServer::stop() {
  if (process_.pid() > 0 && process_.running()) {
    process_.signal(SIGCONT);
    process_.terminate(std::chrono::milliseconds(5000));
  }
}

void RedisServer::kill() {
  if (process_.pid() > 0 && process_.running()) {
    process_.signal(SIGKILL);
    process_.wait_for(std::chrono::milliseconds(5000));
  }
}

void RedisServer::pause() { process_.signal(SIGSTOP); }
void RedisServer::resume() { process_.signal(SIGCONT); }

void RedisServer::restart() {
  stop();
  // The same port, so clients can reconnect; it may briefly be busy (another test grabbed it
  // or the old socket is still closing): retry until the start timeout.
  const auto deadline = Clock::now() + options_.start_timeout;
  auto step = std::chrono::milliseconds(10);
  while (true) {
    if (start_on(port_) == StartResult::ready) return;
    if (Clock::now() >= deadline)
      throw std::runtime_error("redis-server: port " + std::to_string(port_) + " stayed taken on restart");
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, std::chrono::milliseconds(200));
  }
}

}  // namespace ms::testing
