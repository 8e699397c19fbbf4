#include "services/sim/events.hpp"

namespace ms::sim {

std::string_view channel_prefix(Channel c) {
  switch (c) {
    case Channel::trade: return "T";
    case Channel::quote: return "Q";
    case Channel::second_agg: return "A";
    case Channel::minute_agg: return "AM";
    case Channel::value: return "V";
  }
  return "?";
}

std::optional<Channel> parse_channel(std::string_view p) {
  if (p == "T") return Channel::trade;
  if (p == "Q") return Channel::quote;
  if (p == "A") return Channel::second_agg;
  if (p == "AM") return Channel::minute_agg;
  if (p == "V") return Channel::value;
  return std::nullopt;
}

AssetClass asset_class_of(std::string_view symbol) {
  if (symbol.substr(0, 2) == "O:") return AssetClass::option;
  if (symbol.substr(0, 2) == "I:") return AssetClass::index;
  return AssetClass::stock;
}

}  // namespace ms::sim
