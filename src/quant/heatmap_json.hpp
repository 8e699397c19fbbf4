#pragma once
// JSON text of the heatmap model and its diffs (massive spec §5.1/§5.2, DESIGN §9).
//
// Shapes (keys as in the original; DESIGN §9 adds epoch/seq/base_seq and the expiration list):
//   tile   {"symbol":"I:SPX","strategy":"butterfly","dte":0,"strike":6000.0,"width":30,
//           "call":{"debit":7.5095,"max_profit":22.4905,"max_loss":7.5095,"market_debit":4.6},
//           "put":{…}}
//          single sides are {"mid":theo,"market_mid":market}; without a spot a single side is
//          {"market_mid":m} or {"mid":null} (the original's rule) and a spread side carries
//          "debit"/"max_profit"/"max_loss" as null (the original wrote a meaningless 0).
//          market_* fields are omitted when a leg has no market price.
//   model  {"ts":<ms>,"symbol","epoch","seq","version":<ms>,"spot","pricing_ts":<ms>,"rate",
//           "dividend_yield","dtes_available":[…],"dte_tile_counts":{"0":817,…},
//           "expirations":[{"dte","date","index","years","smile":"fitted"|"fallback",
//           "forward"}],"tiles":{key:tile,…},"atm_iv":{"0":0.153,…}}
//   diff   {"ts","version","symbol","epoch","seq","base_seq","spot","pricing_ts","rate",
//           "dividend_yield","changed":{key:tile,…},"removed":[key,…],"dtes_available":[…],
//           "expirations":[…],"atm_iv":{…}}
// spot (null when unknown) and pricing_ts (the market-clock minute T was measured from, epoch
// ms; 0 when unknown) are what the theoretical values were priced at; "forward" is omitted
// without a spot.
// Times are integer epoch milliseconds (DESIGN §9); "version" keeps the original's meaning,
// the publish time in ms. Theoretical values have 4 decimals, market values 3, atm_iv 6.
#include <cstdint>
#include <string>
#include <string_view>

#include "quant/heatmap_builder.hpp"
#include "quant/model_envelope.hpp"

namespace ms::quant {

// The tile object alone ({"symbol":…}).
void append_tile_json(std::string& out, const HeatmapBuilder& builder, std::uint32_t slot);
void write_heatmap_model_json(std::string& out, const HeatmapBuilder& builder,
                              const ModelEnvelope& envelope);
void write_heatmap_diff_json(std::string& out, const HeatmapBuilder& builder,
                             const HeatmapDiff& diff, const ModelEnvelope& envelope);

}  // namespace ms::quant
