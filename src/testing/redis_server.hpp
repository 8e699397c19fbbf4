#pragma once
// A real redis-server for tests: a foreground child on a free loopback port with a private
// data directory and no persistence. Binary: $MS_REDIS_SERVER, else the path found at
// configure time, else `redis-server` on PATH.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include "core/process.hpp"
#include "testing/temp_dir.hpp"

namespace ms::testing {

struct RedisServerOptions {
  std::vector<std::string> extra_args;  // e.g. {"--requirepass", "secret"}
  std::chrono::milliseconds start_timeout{5000};
};

class RedisServer {
 public:
  // Starts the server and waits until it answers PING; retries on another port when the
  // reserved one was taken meanwhile. Throws std::runtime_error with the server's last log
  // lines when it cannot start.
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url() const;        // redis://127.0.0.1:<port>
  std::string host_port() const;  // 127.0.0.1:<port>
  pid_t pid() const noexcept { return process_.pid(); }
  bool running();

  void stop();     // SIGTERM to our child, waits for it to exit
  void kill();     // SIGKILL to our child, waits for it to exit
  void restart();  // stop if running, then start again on the same port
  // SIGSTOP / SIGCONT: the server keeps its sockets but stops answering (timeout tests).
  void pause();
  void resume();

  static std::string binary_path();

 private:
  enum class StartResult { ready, port_taken };
  StartResult start_on(std::uint16_t port);
  std::string log_tail() const;

  RedisServerOptions options_;
  TempDir dir_{"ms-redis"};
  std::uint16_t port_ = 0;
  int generation_ = 0;
  core::Process process_;
};

// True when a Redis server on 127.0.0.1:port answers PING within `timeout` (NOAUTH counts).
bool redis_answers_ping(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace ms::testing
