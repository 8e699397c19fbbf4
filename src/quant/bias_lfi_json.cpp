#include "quant/bias_lfi_json.hpp"

#include "quant/json_text.hpp"
#include "quant/rounding.hpp"

namespace ms::quant {
namespace {

void header(json::Writer& w, std::string_view symbol, const ModelEnvelope& envelope) {
  std::string iso;
  append_iso8601_utc(iso, envelope.ts_ms);
  w.key("ts").integer(envelope.ts_ms)
      .key("ts_iso").string(iso)
      .key("symbol").string(symbol)
      .key("epoch").string(envelope.epoch)
      .key("seq").integer(envelope.seq);
}

}  // namespace

void write_bias_lfi_json(std::string& out, std::string_view symbol, const BiasLfiResult& r,
                         const ModelEnvelope& envelope) {
  json::Writer w(out);
  w.begin_object();
  header(w, symbol, envelope);
  w.key("spot").number(r.spot)
      .key("directional_strength").number(round_half_even(r.directional_strength, 1))
      .key("lfi_score").number(round_half_even(r.lfi_score, 1))
      .key("market_mode_score").number(round_half_even(r.market_mode_score, 1))
      .key("max_call_gex_strike").number_or_null(r.max_call_gex_strike)
      .key("max_put_gex_strike").number_or_null(r.max_put_gex_strike)
      .key("max_net_gex_strike").number_or_null(r.max_net_gex_strike)
      .key("total_call_gex").rounded(r.total_call_gex, 4)
      .key("total_put_gex").rounded(r.total_put_gex, 4)
      .key("total_net_gex").rounded(r.total_net_gex, 4)
      .key("gex_flip_level").number_or_null(r.flip.nearest)
      .key("flip_above").number_or_null(r.flip.above)
      .key("flip_below").number_or_null(r.flip.below);
  w.key("strike_range");
  if (r.strike_min) w.begin_array().number(*r.strike_min).number(*r.strike_max).end_array();
  else w.null();
  w.key("proximity_bias_adj").rounded(r.proximity_bias_adj, 4)
      .key("proximity_lfi_adj").rounded(r.proximity_lfi_adj, 4)
      .key("distance_to_flip");
  if (r.distance_to_flip) w.number(round_half_even(*r.distance_to_flip, 1));
  else w.null();
  w.end_object();
}

void write_market_mode_json(std::string& out, std::string_view symbol, const BiasLfiResult& r,
                            const ModelEnvelope& envelope) {
  json::Writer w(out);
  w.begin_object();
  header(w, symbol, envelope);
  w.key("score").number(round_half_even(r.market_mode_score, 1))
      .key("mode").string(market_mode_name(r.market_mode))
      .end_object();
}

}  // namespace ms::quant
