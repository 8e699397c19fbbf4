#pragma once
// A small synchronous Redis client for CLIs and the `up` supervisor: one connection, one
// command at a time, every call bounded by the timeout. Not for services (they use RedisClient).
#include <chrono>
#include <string>
#include <vector>

#include "bus/redis_url.hpp"
#include "bus/reply.hpp"

struct redisContext;

namespace ms::bus {

class BlockingRedis {
 public:
  // Connects (with `timeout` for connect and each command); throws core::Error("redis_unavailable", ...) naming host:port.
  explicit BlockingRedis(const std::string& url, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  ~BlockingRedis();
  BlockingRedis(const BlockingRedis&) = delete;
  BlockingRedis& operator=(const BlockingRedis&) = delete;

  // Runs one command; returns the reply (an error reply is returned as Reply::Type::error, not thrown); throws core::Error("redis_unavailable") on I/O failure.
  // After an I/O failure the next call connects again.
  Reply command(const std::vector<std::string>& argv);

 private:
  void connect();
  void disconnect() noexcept;
  [[noreturn]] void fail(const std::string& reason);

  RedisUrl url_;
  std::chrono::milliseconds timeout_;
  redisContext* ctx_ = nullptr;
};

}  // namespace ms::bus
