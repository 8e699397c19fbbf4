#pragma once
// Client -> server WebSocket actions of the vendor protocol:
//   {"action":"auth","params":"KEY"}
//   {"action":"subscribe","params":"T.O:SPXW260210C06000000,Q.O:SPXW260210C06000000"}
//   {"action":"unsubscribe","params":"T.SPY"}
// params are comma-joined "<channel>.<symbol>" (spaces around commas tolerated); the channel is
// T, Q, A, AM or V; the symbol may be "*" for every symbol of that channel on the cluster.
// Anything else is refused with a snake_case code and a message naming the offending part;
// the parser never throws.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "services/sim/events.hpp"

namespace ms::sim {

struct Subscription {
  Channel channel = Channel::trade;
  std::string symbol;  // "*" = all
  bool wildcard() const { return symbol == "*"; }
  std::string text() const;  // "T.O:SPXW..."
  auto operator<=>(const Subscription&) const = default;
};

enum class ActionKind { auth, subscribe, unsubscribe };

struct ClientAction {
  ActionKind kind = ActionKind::auth;
  std::string key;                          // auth
  std::vector<Subscription> subscriptions;  // subscribe / unsubscribe, in the order given
};

struct ActionError {
  std::string code;  // invalid_json, not_an_object, missing_action, unknown_action,
                     // missing_params, empty_params, bad_subscription
  std::string message;
};

using ActionResult = std::variant<ClientAction, ActionError>;

inline constexpr std::size_t kMaxActionBytes = 1 << 20;

ActionResult parse_client_action(std::string_view text);
// One "T.SYM" param; nullopt with *error set when malformed.
std::optional<Subscription> parse_subscription(std::string_view param, std::string* error);

}  // namespace ms::sim
