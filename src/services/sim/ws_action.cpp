#include "services/sim/ws_action.hpp"

#include <nlohmann/json.hpp>

namespace ms::sim {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string clip(std::string_view s) {
  return s.size() > 80 ? std::string(s.substr(0, 80)) + "..." : std::string(s);
}

bool symbol_char_ok(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.' || c == '-' || c == '_' || c == '/';
}

ActionError fail(std::string code, std::string message) { return {std::move(code), std::move(message)}; }

}  // namespace

std::string Subscription::text() const { return std::string(channel_prefix(channel)) + "." + symbol; }

std::optional<Subscription> parse_subscription(std::string_view param, std::string* error) {
  auto bad = [&](const std::string& why) -> std::optional<Subscription> {
    if (error) *error = "bad subscription '" + clip(param) + "': " + why;
    return std::nullopt;
  };
  const auto dot = param.find('.');
  if (dot == std::string_view::npos) return bad("expected <channel>.<symbol>, e.g. T.SPY");
  const auto channel = parse_channel(param.substr(0, dot));
  if (!channel) return bad("unknown channel '" + clip(param.substr(0, dot)) + "' (T, Q, A, AM, V)");
  const std::string_view symbol = param.substr(dot + 1);
  if (symbol.empty()) return bad("empty symbol");
  if (symbol != "*") {
    if (symbol.size() > 40) return bad("symbol too long");
    for (char c : symbol) {
      if (!symbol_char_ok(c)) return bad("invalid character in symbol");
    }
  }
  return Subscription{*channel, std::string(symbol)};
}

ActionResult parse_client_action(std::string_view text) {
  if (text.size() > kMaxActionBytes) return fail("invalid_json", "action message too large");
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail("invalid_json", "action is not valid JSON");
  if (!j.is_object()) return fail("not_an_object", "action must be a JSON object");
  const auto a = j.find("action");
  if (a == j.end()) return fail("missing_action", "missing \"action\"");
  if (!a->is_string()) return fail("missing_action", "\"action\" must be a string");
  const std::string action = a->get<std::string>();
  ClientAction out;
  if (action == "auth") {
    out.kind = ActionKind::auth;
  } else if (action == "subscribe") {
    out.kind = ActionKind::subscribe;
  } else if (action == "unsubscribe") {
    out.kind = ActionKind::unsubscribe;
  } else {
    return fail("unknown_action",
                "unknown action '" + clip(action) + "' (auth, subscribe, unsubscribe)");
  }
  const auto p = j.find("params");
  if (p == j.end() || !p->is_string()) {
    return fail("missing_params", "\"params\" must be a string for action '" + action + "'");
  }
  const std::string params = p->get<std::string>();
  if (out.kind == ActionKind::auth) {
    if (trim(params).empty()) return fail("empty_params", "auth needs the API key in \"params\"");
    out.key = params;
    return out;
  }
  std::string_view rest = params;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view part = trim(rest.substr(0, comma));
    if (part.empty()) {
      if (trim(params).empty()) return fail("empty_params", action + " needs at least one param");
      return fail("bad_subscription", "empty param in '" + clip(params) + "'");
    }
    std::string error;
    auto sub = parse_subscription(part, &error);
    if (!sub) return fail("bad_subscription", error);
    out.subscriptions.push_back(std::move(*sub));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace ms::sim
