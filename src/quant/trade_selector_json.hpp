#pragma once
// JSON of `massive:selector:model:{SYM}:latest` (massive spec §5.5 "Model"), plus DESIGN §9's
// epoch/seq and integer-ms ts with ts_iso. Rounding as the original: 1 decimal for scores,
// percentages and distances, 2 for money and ratios, 3 for the breach probability
// (Python round); distance_pct of a gamma-scalp row keeps 4 (it lives well under 1).
// "recommendations" is always an array, also in the no-spot document (Q13).
#include <string>

#include "quant/model_envelope.hpp"
#include "quant/trade_selector.hpp"

namespace ms::quant {

void write_selector_model_json(std::string& out, const SelectorResult& result,
                               const ModelEnvelope& envelope);

// {"ts","ts_iso","symbol","epoch","seq","spot":null,"error":"No spot data available",
//  "recommendations":[],"total_scored":0}
void write_selector_no_spot_json(std::string& out, std::string_view symbol,
                                 const ModelEnvelope& envelope);

}  // namespace ms::quant
