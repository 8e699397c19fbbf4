#include "bus/blocking_redis.hpp"

#include <csignal>
#include <mutex>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "bus/hiredis_reply.hpp"
#include "core/error.hpp"

namespace ms::bus {

namespace {

std::once_flag g_sigpipe_once;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// hiredis reports a socket timeout as EAGAIN ("Resource temporarily unavailable").
std::string describe_io_error(const redisContext* c, std::chrono::milliseconds timeout) {
  std::string s = c->errstr;
  if (c->err == REDIS_ERR_IO && (s.find("temporarily unavailable") != std::string::npos ||
                                 s.find("timed out") != std::string::npos))
    return "timed out after " + std::to_string(timeout.count()) + " ms";
  return s.empty() ? "I/O error" : s;
}

}  // namespace

BlockingRedis::BlockingRedis(const std::string& url, std::chrono::milliseconds timeout)
    : url_(parse_redis_url(url)), timeout_(timeout) {
  if (timeout_.count() <= 0) throw core::Error("bad_redis_options", "BlockingRedis: timeout must be positive");
  // hiredis writes with write(2): a server that went away must not kill us with SIGPIPE.
  std::call_once(g_sigpipe_once, [] { std::signal(SIGPIPE, SIG_IGN); });
  connect();
}

BlockingRedis::~BlockingRedis() { disconnect(); }

void BlockingRedis::disconnect() noexcept {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
}

void BlockingRedis::fail(const std::string& reason) {
  disconnect();
  throw core::Error("redis_unavailable", "Redis at " + url_.host_port() + " unavailable: " + reason);
}

void BlockingRedis::connect() {
  const timeval tv = to_timeval(timeout_);
  ctx_ = redisConnectWithTimeout(url_.host.c_str(), url_.port, tv);
  if (ctx_ == nullptr) fail("cannot allocate a hiredis context");
  if (ctx_->err) fail(describe_io_error(ctx_, timeout_));
  if (redisSetTimeout(ctx_, tv) != REDIS_OK) fail("cannot set the socket timeout");

  auto handshake = [this](const std::vector<std::string>& argv, const char* what) {
    const Reply r = command(argv);
    if (r.is_error()) fail(std::string(what) + " failed: " + r.str);
  };
  if (!url_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!url_.username.empty()) auth.push_back(url_.username);
    auth.push_back(url_.password);
    handshake(auth, "AUTH");
  }
  if (url_.db != 0) handshake({"SELECT", std::to_string(url_.db)}, "SELECT");
}

Reply BlockingRedis::command(const std::vector<std::string>& argv) {
  if (argv.empty()) throw core::Error("redis_bad_argument", "redis command: empty argument list");
  if (ctx_ == nullptr) connect();
  std::vector<const char*> args;
  std::vector<std::size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* raw = static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), args.data(), lens.data()));
  if (raw == nullptr) fail(describe_io_error(ctx_, timeout_));
  Reply r = detail::to_reply(*raw);
  freeReplyObject(raw);
  return r;
}

}  // namespace ms::bus
