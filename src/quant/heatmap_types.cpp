#include "quant/heatmap_types.hpp"

#include <charconv>
#include <cmath>

#include "quant/json_text.hpp"

namespace ms::quant {

std::string_view tile_strategy_name(TileStrategy s) {
  switch (s) {
    case TileStrategy::single: return "single";
    case TileStrategy::butterfly: return "butterfly";
    case TileStrategy::vertical: return "vertical";
  }
  return "single";
}

std::size_t TileKeyHash::operator()(const TileKey& k) const noexcept {
  std::uint64_t h = static_cast<std::uint64_t>(k.strike_milli) * 0x9E3779B97F4A7C15ULL;
  h ^= (static_cast<std::uint64_t>(k.dte) << 40) ^ (static_cast<std::uint64_t>(k.width) << 8) ^
       static_cast<std::uint64_t>(k.strategy);
  h ^= h >> 29;
  return static_cast<std::size_t>(h * 0xBF58476D1CE4E5B9ULL);
}

double milli_to_strike(std::int64_t milli) { return static_cast<double>(milli) / 1000.0; }

void append_tile_key(std::string& out, const TileKey& key) {
  out.append(tile_strategy_name(key.strategy));
  out.push_back(':');
  json::append_int(out, key.dte);
  out.push_back(':');
  json::append_int(out, key.width);
  out.push_back(':');
  if (key.strike_milli % 1000 == 0) {
    json::append_int(out, key.strike_milli / 1000);
  } else {
    json::append_fixed(out, key.strike_milli, 3);
  }
}

std::string format_tile_key(const TileKey& key) {
  std::string s;
  append_tile_key(s, key);
  return s;
}

std::optional<TileKey> parse_tile_key(std::string_view text) {
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    parts[i] = text.substr(0, colon);
    text.remove_prefix(colon + 1);
  }
  parts[3] = text;
  TileKey key;
  if (parts[0] == "single") key.strategy = TileStrategy::single;
  else if (parts[0] == "butterfly") key.strategy = TileStrategy::butterfly;
  else if (parts[0] == "vertical") key.strategy = TileStrategy::vertical;
  else return std::nullopt;
  auto parse_int = [](std::string_view s, int& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  };
  if (!parse_int(parts[1], key.dte) || !parse_int(parts[2], key.width)) return std::nullopt;
  double strike = 0;
  auto [p, ec] = std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), strike);
  if (ec != std::errc() || p != parts[3].data() + parts[3].size() || !(strike > 0)) {
    return std::nullopt;
  }
  key.strike_milli = strike_to_milli(strike);
  return key;
}

}  // namespace ms::quant
