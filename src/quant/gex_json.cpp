#include "quant/gex_json.hpp"

#include "quant/json_text.hpp"

namespace ms::quant {
namespace {

constexpr int kGexDecimals = 4;

void append_strike_key(std::string& key, std::int64_t milli) {
  key.clear();
  if (milli % 1000 == 0) json::append_int(key, milli / 1000);
  else json::append_fixed(key, milli, 3);
}

void write_levels(json::Writer& w, const GexLevels& levels) {
  w.begin_object()
      .key("net").rounded(levels.net, kGexDecimals)
      .key("flip").number_or_null(levels.flip)
      .key("call_wall").number_or_null(levels.call_wall)
      .key("put_wall").number_or_null(levels.put_wall)
      .end_object();
}

}  // namespace

void write_gex_side_json(std::string& out, const GexModel& model, GexSide side,
                         const ModelEnvelope& envelope) {
  const bool calls = side == GexSide::calls;
  json::Writer w(out);
  w.begin_object()
      .key("ts").integer(envelope.ts_ms)
      .key("symbol").string(model.symbol)
      .key("epoch").string(envelope.epoch)
      .key("seq").integer(envelope.seq);
  w.key("expirations").begin_object();
  std::string key;
  for (const auto& e : model.expirations) {
    bool opened = false;
    for (const auto& s : e.strikes) {
      if (!(calls ? s.has_call : s.has_put)) continue;
      if (!opened) {
        w.key(e.date).begin_object();
        opened = true;
      }
      append_strike_key(key, s.strike_milli);
      w.key(key).rounded(calls ? s.call : s.put, kGexDecimals);
    }
    if (opened) w.end_object();
  }
  w.end_object();
  w.key("levels").begin_object();
  for (const auto& e : model.expirations) {
    w.key(e.date);
    write_levels(w, e.levels);
  }
  w.key("all");
  write_levels(w, model.all_levels);
  w.end_object();
  w.end_object();
}

}  // namespace ms::quant
