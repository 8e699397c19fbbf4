#include "quant/synthetic_chain.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace ms::quant {

HeatmapInput synthetic_chain(const SyntheticChainSpec& spec) {
  HeatmapInput in;
  in.symbol = spec.symbol;
  in.spot = spec.spot;
  in.vix = spec.vix;
  for (int dte : spec.dtes) {
    ExpiryInput e;
    e.dte = dte;
    e.date = "D+" + std::to_string(dte);
    e.years = (dte * 24.0 + spec.hours_left_today) / (365.0 * 24.0);
    in.expiries.push_back(e);
  }
  const int steps = static_cast<int>(std::lround(spec.strikes_each_side / spec.strike_step));
  for (std::uint32_t ei = 0; ei < in.expiries.size(); ++ei) {
    for (int i = -steps; i <= steps; ++i) {
      const double strike = spec.centre_strike + i * spec.strike_step;
      const double m = (strike - spec.spot) / spec.spot;
      const double iv = 0.14 + (m < 0 ? 1.6 * -m : 0.4 * m) + 0.002 * ei;
      const OptionInputs o{spec.spot, strike, in.expiries[ei].years, 0.05, iv};
      const auto prices = black_scholes_prices(o);
      for (OptionType type : {OptionType::call, OptionType::put}) {
        const double fair = type == OptionType::call ? prices.call : prices.put;
        const double tick = 0.05;
        const double bid = std::max(0.0, std::floor(fair / tick) * tick);
        const double ask = bid + (fair > 5 ? 2 : 1) * tick;
        ContractInput c;
        c.root = spec.root;
        c.expiry = ei;
        c.strike = strike;
        c.type = type;
        c.quote.bid = bid;
        c.quote.ask = ask;
        c.quote.mid = 0.5 * (bid + ask);
        c.quote.last = std::round(fair / tick) * tick;
        c.quote.iv = iv;
        in.contracts.push_back(c);
      }
    }
  }
  return in;
}

}  // namespace ms::quant
