#pragma once
// The vendor WebSocket protocol of one simulator connection as a pure state machine; the server
// only moves text frames between it and the socket.
//   open          -> [connected]
//   auth KEY      -> [auth_success]; a wrong key -> [auth_failed] and close
//   subscribe P   -> one "subscribed to: P" status per param (a channel the cluster does not
//                    serve gets an error status instead); before auth -> error "not authorized"
//   unsubscribe P -> "unsubscribed to: P" per param
//   malformed     -> [error status naming the problem]; the connection stays open
//   tick          -> nothing before auth; then the scheduler's frames through the fault knobs
//                    (a drop closes the connection)
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "services/sim/fault_injector.hpp"
#include "services/sim/feed_scheduler.hpp"

namespace ms::sim {

struct WsSessionConfig {
  Cluster cluster = Cluster::options;
  std::string api_key;  // the key clients must send; empty accepts any non-empty key
  SchedulerConfig scheduler;  // its cluster is set from `cluster`
  FaultConfig faults;
};

// Protocol counters of one connection (the server reports them in /sim/stats).
struct WsSessionStats {
  std::uint64_t subscribe_messages = 0;    // subscribe actions received (authorised or not)
  std::uint64_t unsubscribe_messages = 0;  // unsubscribe actions received
  std::uint64_t duplicate_subscribes = 0;  // params subscribed again while already subscribed
  std::uint64_t auth_attempts = 0;
  std::uint64_t errors = 0;  // malformed actions and refused requests (error statuses sent)
};

struct WsOutput {
  std::vector<std::string> frames;
  bool close = false;
  std::string close_reason;
};

class WsSession {
 public:
  explicit WsSession(WsSessionConfig config);

  WsOutput on_open();
  WsOutput on_text(std::string_view message);
  WsOutput on_tick(const SimMarket& market, const MarketTick& tick);

  bool authenticated() const { return authenticated_; }
  bool closed() const { return closed_; }
  const FeedScheduler& scheduler() const { return scheduler_; }
  const FaultInjector& faults() const { return faults_; }
  const WsSessionStats& stats() const { return stats_; }
  const WsSessionConfig& config() const { return config_; }

 private:
  WsSessionConfig config_;
  FeedScheduler scheduler_;
  FaultInjector faults_;
  bool authenticated_ = false;
  bool closed_ = false;
  WsSessionStats stats_;
};

}  // namespace ms::sim
