#pragma once
// Every Redis key, channel and stream of MarketSwarm, with its bus and Redis type: one table, the
// same as truth declares (keys_test.cpp checks it against the shipped truth/). Templates hold
// {placeholders}; fill them in order with the key itself:
//   keys::spot_model("I:SPX")                  → "massive:model:spot:I:SPX"
//   keys::session_close("I:SPX", "2026-03-02") → "massive:close:I:SPX:2026-03-02"
//   keys::user_alerts(std::to_string(uid))     → "user:42:alerts"
// Header-only: constexpr data plus small inline helpers.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace ms::bus::keys {

namespace buses {
inline constexpr std::string_view system = "system-redis";
inline constexpr std::string_view market = "market-redis";
inline constexpr std::string_view intel = "intel-redis";
}  // namespace buses

enum class Type { channel, pattern, stream, string, hash, zset, set, list };

constexpr std::string_view type_name(Type t) {
  switch (t) {
    case Type::channel: return "channel";
    case Type::pattern: return "pattern";
    case Type::stream: return "stream";
    case Type::string: return "string";
    case Type::hash: return "hash";
    case Type::zset: return "zset";
    case Type::set: return "set";
    case Type::list: return "list";
  }
  return "?";
}

struct Key {
  std::string_view name;  // the C++ name below
  std::string_view tmpl;  // as declared in truth
  std::string_view bus;
  Type type;

  constexpr std::size_t placeholder_count() const {
    std::size_t n = 0;
    for (char c : tmpl) n += c == '{';
    return n;
  }

  // The template with its placeholders filled in order. Throws core::Error("key_placeholders")
  // when the number of values differs or a value is empty.
  template <class... Values>
  std::string operator()(const Values&... values) const {
    const std::string_view list[] = {std::string_view(values)..., std::string_view()};
    return fill(list, sizeof...(Values));
  }

 private:
  std::string fill(const std::string_view* values, std::size_t count) const {
    if (count != placeholder_count()) {
      throw core::Error("key_placeholders", std::string(name) + " (" + std::string(tmpl) + ") takes " +
                                                std::to_string(placeholder_count()) + " value(s), got " +
                                                std::to_string(count));
    }
    std::string out;
    out.reserve(tmpl.size() + 16);
    std::size_t next = 0;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
      if (tmpl[i] != '{') {
        out += tmpl[i];
        continue;
      }
      if (values[next].empty()) {
        throw core::Error("key_placeholders", std::string(name) + ": empty value for placeholder " +
                                                  std::to_string(next + 1) + " of " + std::string(tmpl));
      }
      out += values[next++];
      i = tmpl.find('}', i);
    }
    return out;
  }
};

// --- system-redis -----------------------------------------------------------------------------
inline constexpr Key truth{"truth", "truth", buses::system, Type::string};
inline constexpr Key tier_gates{"tier_gates", "tier_gates", buses::system, Type::string};
inline constexpr Key tier_gates_updated{"tier_gates_updated", "tier_gates:updated", buses::system, Type::channel};
inline constexpr Key massive_heartbeat{"massive_heartbeat", "massive:heartbeat", buses::system, Type::string};
inline constexpr Key journal_heartbeat{"journal_heartbeat", "journal:heartbeat", buses::system, Type::string};
inline constexpr Key copilot_heartbeat{"copilot_heartbeat", "copilot:heartbeat", buses::system, Type::string};
inline constexpr Key sse_heartbeat{"sse_heartbeat", "sse:heartbeat", buses::system, Type::string};
inline constexpr Key heartbeat_pattern{"heartbeat_pattern", "*:heartbeat", buses::system, Type::pattern};
inline constexpr Key session_cutoff{"session_cutoff", "sse:session_cutoff:{uid}", buses::system, Type::string};
inline constexpr Key presence{"presence", "sse:presence:{uid}", buses::system, Type::hash};

// --- market-redis: massive -----------------------------------------------------------------------
inline constexpr Key clock{"clock", "massive:clock", buses::market, Type::string};
inline constexpr Key clock_channel{"clock_channel", "massive:clock", buses::market, Type::channel};
inline constexpr Key spot_model{"spot_model", "massive:model:spot:{SYM}", buses::market, Type::string};
inline constexpr Key spot_trail{"spot_trail", "massive:model:spot:{SYM}:trail", buses::market, Type::zset};
inline constexpr Key spot_update{"spot_update", "massive:spot:update:{SYM}", buses::market, Type::channel};
inline constexpr Key chain_latest{"chain_latest", "massive:chain:latest", buses::market, Type::string};
inline constexpr Key chain_delta{"chain_delta", "massive:chain:delta:latest", buses::market, Type::string};
inline constexpr Key chain_update{"chain_update", "massive:chain:update:{SYM}", buses::market, Type::channel};
inline constexpr Key chain_latest_update{"chain_latest_update", "massive:chain:latest:update", buses::market,
                                         Type::channel};
inline constexpr Key heatmap_model{"heatmap_model", "massive:heatmap:model:{SYM}:latest", buses::market, Type::string};
inline constexpr Key heatmap_diff{"heatmap_diff", "massive:heatmap:diff:{SYM}", buses::market, Type::channel};
inline constexpr Key heatmap_replay{"heatmap_replay", "massive:heatmap:replay:{SYM}", buses::market, Type::stream};
inline constexpr Key gex_calls{"gex_calls", "massive:gex:model:{SYM}:calls", buses::market, Type::string};
inline constexpr Key gex_puts{"gex_puts", "massive:gex:model:{SYM}:puts", buses::market, Type::string};
inline constexpr Key gex_update{"gex_update", "massive:gex:update:{SYM}", buses::market, Type::channel};
inline constexpr Key bias_lfi_latest{"bias_lfi_latest", "massive:bias_lfi:model:latest", buses::market, Type::string};
inline constexpr Key bias_lfi_model{"bias_lfi_model", "massive:bias_lfi:model:{SYM}:latest", buses::market, Type::string};
inline constexpr Key bias_lfi_update{"bias_lfi_update", "massive:bias_lfi:update:{SYM}", buses::market, Type::channel};
inline constexpr Key market_mode_latest{"market_mode_latest", "massive:market_mode:model:latest", buses::market,
                                        Type::string};
inline constexpr Key market_mode_model{"market_mode_model", "massive:market_mode:model:{SYM}:latest", buses::market,
                                       Type::string};
inline constexpr Key market_mode_update{"market_mode_update", "massive:market_mode:update:{SYM}", buses::market,
                                        Type::channel};
inline constexpr Key selector_model{"selector_model", "massive:selector:model:{SYM}:latest", buses::market, Type::string};
inline constexpr Key selector_update{"selector_update", "massive:selector:update:{SYM}", buses::market, Type::channel};
inline constexpr Key selector_tracking_active{"selector_tracking_active", "massive:selector:tracking:{SYM}:active",
                                              buses::market, Type::hash};
inline constexpr Key selector_tracking_history{"selector_tracking_history", "massive:selector:tracking:{SYM}:history",
                                               buses::market, Type::list};
inline constexpr Key selector_tracking_stats{"selector_tracking_stats", "massive:selector:tracking:{SYM}:stats",
                                             buses::market, Type::hash};
inline constexpr Key selector_tracking_totals{"selector_tracking_totals", "massive:selector:tracking:{SYM}:totals",
                                              buses::market, Type::hash};
inline constexpr Key candles_model{"candles_model", "massive:candles:model:{SYM}:latest", buses::market, Type::string};
inline constexpr Key candles_update{"candles_update", "massive:candles:update:{SYM}", buses::market, Type::channel};
inline constexpr Key volume_profile_hash{"volume_profile_hash", "massive:volume_profile:spx", buses::market, Type::hash};
inline constexpr Key volume_profile_model{"volume_profile_model", "massive:volume_profile:spx:model", buses::market,
                                          Type::string};
inline constexpr Key volume_profile_update{"volume_profile_update", "massive:volume_profile:spx:update", buses::market,
                                           Type::channel};
inline constexpr Key micro_model{"micro_model", "massive:micro:model:{SYM}:latest", buses::market, Type::string};
inline constexpr Key micro_update{"micro_update", "massive:micro:update:{SYM}", buses::market, Type::channel};
inline constexpr Key session_close{"session_close", "massive:close:{SYM}:{date}", buses::market, Type::string};
inline constexpr Key session_settlement{"session_settlement", "massive:settlement:{SYM}:{date}", buses::market,
                                        Type::string};

// --- market-redis: copilot (vexy play-by-play, MEL, commentary) -------------------------------------
inline constexpr Key vexy_playbyplay{"vexy_playbyplay", "vexy:playbyplay", buses::market, Type::channel};
inline constexpr Key vexy_epoch_latest{"vexy_epoch_latest", "vexy:model:playbyplay:epoch:latest", buses::market,
                                       Type::string};
inline constexpr Key vexy_event_latest{"vexy_event_latest", "vexy:model:playbyplay:event:latest", buses::market,
                                       Type::string};
inline constexpr Key mel_snapshot{"mel_snapshot", "copilot:mel:snapshot", buses::market, Type::string};
inline constexpr Key commentary_message{"commentary_message", "copilot:commentary:message", buses::market,
                                        Type::channel};

// --- intel-redis ---------------------------------------------------------------------------------
inline constexpr Key alerts_events{"alerts_events", "copilot:alerts:events", buses::intel, Type::channel};
inline constexpr Key alerts_latest{"alerts_latest", "copilot:alerts:latest", buses::intel, Type::string};
inline constexpr Key alerts_analytics{"alerts_analytics", "copilot:alerts:analytics", buses::intel, Type::hash};
inline constexpr Key alerts_sync{"alerts_sync", "alerts:sync", buses::intel, Type::channel};
inline constexpr Key user_trade_log{"user_trade_log", "user:{uid}:trade_log", buses::intel, Type::stream};
inline constexpr Key user_risk_graph{"user_risk_graph", "user:{uid}:risk_graph", buses::intel, Type::stream};
inline constexpr Key user_logs{"user_logs", "user:{uid}:logs", buses::intel, Type::stream};
inline constexpr Key user_alerts{"user_alerts", "user:{uid}:alerts", buses::intel, Type::stream};
inline constexpr Key user_events{"user_events", "user_events", buses::intel, Type::channel};

// The whole table: every publication of truth plus the patterns subscribers use.
inline constexpr std::array all{
    truth,           tier_gates,           tier_gates_updated, massive_heartbeat, journal_heartbeat,
    copilot_heartbeat, sse_heartbeat,      heartbeat_pattern,  session_cutoff,    presence,
    clock,           clock_channel,        spot_model,         spot_trail,        spot_update,
    chain_latest,    chain_delta,          chain_update,       chain_latest_update, heatmap_model,      heatmap_diff,      heatmap_replay,
    gex_calls,       gex_puts,             gex_update,         bias_lfi_latest,   bias_lfi_model,
    bias_lfi_update, market_mode_latest,   market_mode_model,  market_mode_update, selector_model,
    selector_update, selector_tracking_active, selector_tracking_history, selector_tracking_stats,
    selector_tracking_totals, candles_model,        candles_update,     volume_profile_hash, volume_profile_model,
    volume_profile_update, micro_model,    micro_update,       session_close,     session_settlement, vexy_playbyplay,
    vexy_epoch_latest, vexy_event_latest,  mel_snapshot,       commentary_message, alerts_events,
    alerts_latest,   alerts_analytics,     alerts_sync,        user_trade_log,    user_risk_graph,
    user_logs,       user_alerts,          user_events,
};

// The entry with this C++ name, or nullptr.
constexpr const Key* find(std::string_view name) {
  for (const auto& k : all) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

// "<id>:heartbeat" for any component id (the four services have their own entries above).
inline std::string heartbeat(std::string_view component_id) { return std::string(component_id) + ":heartbeat"; }

// Named placeholders, for callers that prefer them to order:
//   format(spot_model.tmpl, {{"SYM", "I:SPX"}}). Throws core::Error("key_placeholders") when a
// placeholder has no value.
inline std::string format(std::string_view tmpl,
                          std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    auto close = tmpl.find('}', i);
    if (close == std::string_view::npos) throw core::Error("key_placeholders", "unclosed '{' in " + std::string(tmpl));
    std::string_view placeholder = tmpl.substr(i + 1, close - i - 1);
    const std::pair<std::string_view, std::string_view>* found = nullptr;
    for (const auto& v : values) {
      if (v.first == placeholder) found = &v;
    }
    if (found == nullptr || found->second.empty()) {
      throw core::Error("key_placeholders", "no value for {" + std::string(placeholder) + "} in " + std::string(tmpl));
    }
    out += found->second;
    i = close;
  }
  return out;
}

namespace detail {
constexpr bool names_unique_and_consistent() {
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      if (all[i].name == all[j].name) return false;
      if (all[i].tmpl == all[j].tmpl && all[i].bus == all[j].bus && all[i].type == all[j].type) return false;
    }
  }
  return true;
}
}  // namespace detail
static_assert(detail::names_unique_and_consistent(), "keys::all holds a duplicate name or entry");

}  // namespace ms::bus::keys
