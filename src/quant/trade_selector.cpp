#include "quant/trade_selector.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.hpp"
#include "quant/rounding.hpp"

namespace ms::quant {

SelectorParams SelectorParams::for_symbol(std::string_view symbol, double spot, double strike_increment) {
  SelectorParams p;
  if (symbol == "I:SPX" || symbol == "SPX") return p;
  if (!(std::isfinite(spot) && spot > 0 && std::isfinite(strike_increment) && strike_increment > 0)) {
    throw core::Error("invalid_selector_params",
                      "trade selector params for " + std::string(symbol) +
                          ": spot and strike increment must be finite numbers > 0");
  }
  p.point_scale = spot / BiasLfiParams::kSpxReferenceSpot;
  p.strike_increment = strike_increment;
  return p;
}

namespace {

std::string_view campaign_for(int dte) {
  return dte <= 2 ? "0dte_tactical" : dte <= 5 ? "convex_stack" : "sigma_drift";
}

// Butterflies by (dte, width, strike), to find a tile's neighbours.
using FlyIndex = std::unordered_map<TileKey, const ButterflyTile*, TileKeyHash>;

std::vector<double> neighbour_debits(const FlyIndex& index, const TileKey& key,
                                     double strike_increment) {
  std::vector<double> out;
  const auto step = strike_to_milli(strike_increment);
  for (int j = 1; j <= 4; ++j) {
    for (int sign : {-1, 1}) {
      TileKey k = key;
      k.strike_milli += sign * j * step;
      const auto it = index.find(k);
      if (it == index.end()) continue;
      for (OptionType side : {OptionType::call, OptionType::put}) {
        if (const auto d = ranking_debit(*it->second, side)) out.push_back(d->value);
      }
    }
  }
  return out;
}

}  // namespace

std::optional<RankingDebit> ranking_debit(const ButterflyTile& fly, OptionType side) {
  const bool call = side == OptionType::call;
  const auto& market = call ? fly.market_call_debit : fly.market_put_debit;
  if (market && std::isfinite(*market) && *market > 0) return RankingDebit{*market, true};
  const auto& theo = call ? fly.call_debit : fly.put_debit;
  if (theo && std::isfinite(*theo) && *theo > 0) return RankingDebit{*theo, false};
  return std::nullopt;
}

SelectorResult select_trades(const SelectorInput& input, const SelectorParams& params) {
  if (!(std::isfinite(params.point_scale) && params.point_scale > 0) ||
      !(std::isfinite(params.strike_increment) && params.strike_increment > 0)) {
    throw core::Error("invalid_selector_params",
                      "trade selector params: point_scale and strike_increment must be > 0");
  }
  SelectorResult result;
  result.symbol = input.symbol;
  result.params = params;
  double vix = input.vix.value_or(0);
  if (!(std::isfinite(vix) && vix > 0)) {
    vix = params.default_vix;
    result.vix_defaulted = true;
  }
  result.context = selector_context(input.spot, vix, input.ny_hour);
  result.have_gex = !input.gex.empty();
  result.bias_lfi = input.bias_lfi;
  const auto& ctx = result.context;
  const double spot = input.spot;
  const double scale = params.point_scale;
  std::optional<double> magnet, zero_gamma;
  if (input.bias_lfi) {
    magnet = input.bias_lfi->max_net_gex_strike;
    zero_gamma = input.bias_lfi->flip.nearest;
  }

  FlyIndex index;
  index.reserve(input.butterflies.size());
  for (const auto& fly : input.butterflies) index.emplace(fly.key, &fly);

  for (const auto& fly : input.butterflies) {
    if (fly.key.strategy != TileStrategy::butterfly) continue;
    for (OptionType side : {OptionType::call, OptionType::put}) {
      const auto debit = ranking_debit(fly, side);
      if (!debit) continue;
      const double d = debit->value;
      const double w = fly.key.width;
      if (d > 0.10 * w) {
        ++result.filtered_by_debit_rule;
        continue;
      }
      const int dte = fly.key.dte;
      const double strike = milli_to_strike(fly.key.strike_milli);
      ScoreRow row;
      row.key = fly.key;
      row.side = side;
      row.tile_key = format_tile_key(fly.key) + (side == OptionType::call ? ":call" : ":put");
      row.debit = d;
      row.market_debit = debit->market;
      row.r2r = r2r_score(d, w, dte);
      row.convexity = convexity_score(d, w, neighbour_debits(index, fly.key, params.strike_increment));
      row.width_fit = width_fit_score(w / scale, dte, ctx);
      row.gamma_alignment =
          gamma_alignment_score(side, strike, w, magnet, zero_gamma, input.gex, scale);
      row.composite = composite_score(row.r2r, row.convexity.total, row.width_fit, row.gamma_alignment);
      row.confidence = selector_confidence(result.have_gex, input.bias_lfi.has_value(), d);
      row.campaign = campaign_for(dte);
      if (vix >= 24 && dte <= 2) row.edge_cases.push_back("batman");
      if (vix <= 17 && dte >= 1 && dte <= 2) row.edge_cases.push_back("timewarp");
      if (dte == 0 && ctx.gamma_scalp.active) row.edge_cases.push_back("gamma_scalp");
      row.r2r_ratio = (w - d) / d;
      row.distance_to_spot = std::fabs(strike - spot);
      if (magnet) row.distance_to_gamma_magnet = std::fabs(strike - *magnet);
      result.rows.push_back(std::move(row));

      if (dte == 0 && ctx.gamma_scalp.active) {
        const double distance_pct = 100 * std::fabs(strike - spot) / spot;
        const auto gs = gamma_scalp_score(distance_pct, w / scale, 100 * d / w,
                                          ctx.gamma_scalp.urgency == "high");
        if (gs) result.gamma_scalp.push_back({result.rows.size() - 1, *gs, distance_pct});
      }
    }
  }

  result.ranked.resize(result.rows.size());
  for (std::size_t i = 0; i < result.ranked.size(); ++i) result.ranked[i] = i;
  std::vector<double> rounded(result.rows.size());
  for (std::size_t i = 0; i < rounded.size(); ++i) {
    rounded[i] = round_half_even(result.rows[i].composite, 1);
  }
  std::stable_sort(result.ranked.begin(), result.ranked.end(),
                   [&](std::size_t a, std::size_t b) { return rounded[a] > rounded[b]; });
  std::stable_sort(result.gamma_scalp.begin(), result.gamma_scalp.end(),
                   [](const GammaScalpRow& a, const GammaScalpRow& b) {
                     return a.score.score > b.score.score;
                   });
  return result;
}

}  // namespace ms::quant
