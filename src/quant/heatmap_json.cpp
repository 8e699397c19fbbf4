#include "quant/heatmap_json.hpp"

#include "quant/json_text.hpp"

namespace ms::quant {
namespace {

void append_side(std::string& out, const char* name, const TileSideValue& v, TileStrategy strategy,
                 int width) {
  out.append(",\"");
  out.append(name);
  out.append("\":{");
  if (strategy == TileStrategy::single) {
    if (v.has_theo) {
      out.append("\"mid\":");
      json::append_fixed(out, v.theo, kTheoDecimals);
      if (v.has_market) out.push_back(',');
    } else if (!v.has_market) {
      out.append("\"mid\":null");
    }
    if (v.has_market) {
      out.append("\"market_mid\":");
      json::append_fixed(out, v.market, kMarketDecimals);
    }
  } else {
    if (v.has_theo) {
      out.append("\"debit\":");
      json::append_fixed(out, v.theo, kTheoDecimals);
      out.append(",\"max_profit\":");
      json::append_fixed(out, static_cast<std::int64_t>(width) * kTheoScale - v.theo, kTheoDecimals);
      out.append(",\"max_loss\":");
      json::append_fixed(out, v.theo, kTheoDecimals);
    } else {
      out.append("\"debit\":null,\"max_profit\":null,\"max_loss\":null");
    }
    if (v.has_market) {
      out.append(",\"market_debit\":");
      json::append_fixed(out, v.market, kMarketDecimals);
    }
  }
  out.push_back('}');
}

void append_tiles_object(std::string& out, const HeatmapBuilder& b, auto&& slots) {
  out.push_back('{');
  bool first = true;
  for (std::uint32_t slot : slots) {
    if (!first) out.push_back(',');
    first = false;
    out.append(b.tile_key_json(slot));
    out.push_back(':');
    append_tile_json(out, b, slot);
  }
  out.push_back('}');
}

void append_dte_lists(json::Writer& w, const HeatmapBuilder& b) {
  const auto expirations = b.expirations();
  w.key("dtes_available").begin_array();
  for (const auto& e : expirations) w.integer(e.dte);
  w.end_array();
  w.key("expirations").begin_array();
  for (std::size_t i = 0; i < expirations.size(); ++i) {
    w.begin_object()
        .key("dte").integer(expirations[i].dte)
        .key("date").string(expirations[i].date)
        .key("index").integer(static_cast<std::int64_t>(i))
        .key("years").number(expirations[i].years)
        .key("smile").string(smile_source_name(expirations[i].smile));
    if (expirations[i].forward > 0) w.key("forward").number(expirations[i].forward);
    w.end_object();
  }
  w.end_array();
}

void append_atm_iv(json::Writer& w, const HeatmapBuilder& b) {
  const auto expirations = b.expirations();
  if (expirations.empty()) return;
  w.key("atm_iv").begin_object();
  for (const auto& e : expirations) w.key(std::to_string(e.dte)).rounded(e.atm_iv, 6);
  w.end_object();
}

// What a consumer needs to reproduce a theoretical value besides the expiry's smile.
void append_pricing(json::Writer& w, const HeatmapBuilder& b) {
  if (b.spot() > 0) w.key("spot").number(b.spot());
  else w.key("spot").null();
  w.key("pricing_ts").integer(b.pricing_minute_ms())
      .key("rate").number(b.config().rate)
      .key("dividend_yield").number(b.config().dividend_yield);
}

struct SlotRange {
  std::uint32_t n;
  struct It {
    std::uint32_t i;
    std::uint32_t operator*() const { return i; }
    It& operator++() { ++i; return *this; }
    bool operator!=(const It& o) const { return i != o.i; }
  };
  It begin() const { return {0}; }
  It end() const { return {n}; }
};

}  // namespace

void append_tile_json(std::string& out, const HeatmapBuilder& b, std::uint32_t slot) {
  out.append(b.tile_prefix_json(slot));
  const auto& key = b.tile_key(slot);
  const auto& v = b.tile_value(slot);
  if (v.call.present) append_side(out, "call", v.call, key.strategy, key.width);
  if (v.put.present) append_side(out, "put", v.put, key.strategy, key.width);
  out.push_back('}');
}

void write_heatmap_model_json(std::string& out, const HeatmapBuilder& b,
                              const ModelEnvelope& envelope) {
  out.reserve(out.size() + b.tile_count() * 200 + 512);
  json::Writer w(out);
  w.begin_object()
      .key("ts").integer(envelope.ts_ms)
      .key("symbol").string(b.symbol())
      .key("epoch").string(envelope.epoch)
      .key("seq").integer(envelope.seq)
      .key("version").integer(envelope.ts_ms);
  append_pricing(w, b);
  append_dte_lists(w, b);
  w.key("dte_tile_counts").begin_object();
  for (const auto& [dte, count] : b.dte_tile_counts()) {
    w.key(std::to_string(dte)).integer(static_cast<std::int64_t>(count));
  }
  w.end_object();
  append_tiles_object(w.key("tiles").raw_value(), b,
                      SlotRange{static_cast<std::uint32_t>(b.tile_count())});
  append_atm_iv(w, b);
  w.end_object();
}

void write_heatmap_diff_json(std::string& out, const HeatmapBuilder& b, const HeatmapDiff& diff,
                             const ModelEnvelope& envelope) {
  out.reserve(out.size() + diff.changed.size() * 220 + diff.removed.size() * 32 + 512);
  json::Writer w(out);
  w.begin_object()
      .key("ts").integer(envelope.ts_ms)
      .key("version").integer(envelope.ts_ms)
      .key("symbol").string(b.symbol())
      .key("epoch").string(envelope.epoch)
      .key("seq").integer(envelope.seq)
      .key("base_seq").integer(envelope.base_seq);
  append_pricing(w, b);
  append_tiles_object(w.key("changed").raw_value(), b, diff.changed);
  w.key("removed").begin_array();
  std::string key_text;
  for (const auto& key : diff.removed) {
    key_text.clear();
    append_tile_key(key_text, key);
    w.string(key_text);
  }
  w.end_array();
  append_dte_lists(w, b);
  append_atm_iv(w, b);
  w.end_object();
}

}  // namespace ms::quant
