#pragma once
// The service heartbeat (DESIGN §4, §10): every interval,
//   SET <service>:heartbeat {"service","pid","instance","ts","status","truth_sha"} EX ttl
// on the system bus, so `up`, the admin page and peers can tell who is alive. A failed write is
// logged and the loop goes on; a status change is written at once.
#include <utility>  // before Asio (Boost 1.74 awaitable.hpp needs std::exchange)

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bus/redis_client.hpp"

namespace ms::bus {

enum class HeartbeatStatus { starting, running, degraded, stopping };
const char* to_string(HeartbeatStatus status) noexcept;

struct HeartbeatOptions {
  std::string service;    // truth id; the key is "<service>:heartbeat"
  std::string instance;   // empty: "<hostname>:<pid>"
  std::string truth_sha;  // empty: written as null
  std::chrono::milliseconds interval{5000};
  std::chrono::seconds ttl{15};  // must outlast the interval
};

class Heartbeat {
 public:
  // Throws core::Error("bad_heartbeat_options") for an empty service, a non-positive interval,
  // or a TTL that does not outlast the interval.
  Heartbeat(std::shared_ptr<RedisClient> system_bus, HeartbeatOptions options);
  // Ends the loop; when stop() was not awaited, the final "stopping" beat is still written in
  // the background.
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  void start();  // first beat now, then one every interval; any thread
  void set_status(HeartbeatStatus status);  // any thread; written at once
  HeartbeatStatus status() const noexcept;
  // Writes the final "stopping" beat (after any beat in flight) and ends the loop.
  Awaitable<void> stop();

  const std::string& key() const noexcept;
  std::uint64_t beats() const noexcept;     // writes that succeeded
  std::uint64_t failures() const noexcept;  // writes that failed
  // The JSON written for `status` at `ts_ms` (epoch milliseconds).
  std::string payload(HeartbeatStatus status, std::int64_t ts_ms) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ms::bus
