#include "services/sim/ws_session.hpp"

#include "services/sim/wire.hpp"

namespace ms::sim {

namespace {

SchedulerConfig with_cluster(SchedulerConfig s, Cluster c) {
  s.cluster = c;
  return s;
}

}  // namespace

WsSession::WsSession(WsSessionConfig config)
    : config_(std::move(config)),
      scheduler_(with_cluster(config_.scheduler, config_.cluster)),
      faults_(config_.faults) {}

WsOutput WsSession::on_open() { return {{connected_frame()}, false, {}}; }

WsOutput WsSession::on_text(std::string_view message) {
  WsOutput out;
  if (closed_) return out;
  const auto parsed = parse_client_action(message);
  if (const auto* err = std::get_if<ActionError>(&parsed)) {
    ++stats_.errors;
    out.frames.push_back("[" + error_event(err->code + ": " + err->message) + "]");
    return out;
  }
  const auto& action = std::get<ClientAction>(parsed);
  if (action.kind == ActionKind::auth) {
    ++stats_.auth_attempts;
    const bool ok = config_.api_key.empty() || action.key == config_.api_key;
    if (ok) {
      authenticated_ = true;
      out.frames.push_back(auth_success_frame());
    } else {
      authenticated_ = false;
      closed_ = true;
      out.frames.push_back(auth_failed_frame());
      out.close = true;
      out.close_reason = "authentication failed";
    }
    return out;
  }
  if (action.kind == ActionKind::subscribe) {
    ++stats_.subscribe_messages;
  } else {
    ++stats_.unsubscribe_messages;
  }
  if (!authenticated_) {
    ++stats_.errors;
    out.frames.push_back("[" + error_event("not authorized: send auth first") + "]");
    return out;
  }
  std::vector<std::string> statuses;
  for (const auto& s : action.subscriptions) {
    if (!cluster_serves(config_.cluster, s.channel)) {
      ++stats_.errors;
      statuses.push_back(error_event("channel " + std::string(channel_prefix(s.channel)) +
                                     " is not served on " + std::string(cluster_path(config_.cluster)) +
                                     ": " + s.text()));
      continue;
    }
    if (action.kind == ActionKind::subscribe) {
      if (scheduler_.has_subscription(s)) ++stats_.duplicate_subscribes;
      scheduler_.subscribe(s);
      statuses.push_back(subscribed_event(s.text()));
    } else {
      scheduler_.unsubscribe(s);
      statuses.push_back(unsubscribed_event(s.text()));
    }
  }
  out.frames.push_back(frame_of(statuses));
  return out;
}

WsOutput WsSession::on_tick(const SimMarket& market, const MarketTick& tick) {
  WsOutput out;
  if (closed_ || !authenticated_) return out;
  for (auto& frame : scheduler_.frames_for_tick(market, tick)) {
    if (faults_.apply(frame) == FaultAction::drop) {
      closed_ = true;
      out.close = true;
      out.close_reason = "fault injection: drop after " + std::to_string(config_.faults.drop_after) +
                         " frames";
      return out;
    }
    out.frames.push_back(std::move(frame));
  }
  return out;
}

}  // namespace ms::sim
