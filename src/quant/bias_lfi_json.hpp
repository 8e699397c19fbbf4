#pragma once
// JSON of `massive:bias_lfi:model:{SYM}:latest` and `massive:market_mode:model:{SYM}:latest`
// (massive spec §5.4; DESIGN §9 adds epoch/seq, times are integer ms plus ts_iso). Scores and
// distance_to_flip have 1 decimal (Python round), GEX totals and adjustments 4.
#include <string>

#include "quant/bias_lfi.hpp"
#include "quant/model_envelope.hpp"

namespace ms::quant {

void write_bias_lfi_json(std::string& out, std::string_view symbol, const BiasLfiResult& r,
                         const ModelEnvelope& envelope);
void write_market_mode_json(std::string& out, std::string_view symbol, const BiasLfiResult& r,
                            const ModelEnvelope& envelope);

}  // namespace ms::quant
