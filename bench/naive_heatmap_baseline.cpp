#include "naive_heatmap_baseline.hpp"

#include <cmath>

#include "quant/black_scholes.hpp"
#include "quant/vol_skew.hpp"

namespace ms::bench {
namespace {

using nlohmann::json;
using quant::OptionType;

struct Legs {
  const quant::ContractInput* call = nullptr;
  const quant::ContractInput* put = nullptr;
};

json market(const quant::ContractInput* c) {
  if (!c) return nullptr;
  const auto& q = c->quote;
  if (q.mid && *q.mid > 0) return *q.mid;
  if (q.last && *q.last > 0) return *q.last;
  return nullptr;
}

}  // namespace

NaiveTiles naive_build(const quant::HeatmapInput& in, const std::vector<int>& widths) {
  std::map<int, std::map<double, Legs>> legs;
  for (const auto& c : in.contracts) {
    auto& slot = legs[in.expiries[c.expiry].dte][c.strike];
    (c.type == OptionType::call ? slot.call : slot.put) = &c;
  }
  const auto shape = quant::skew_shape(quant::vol_regime_for_vix(in.vix));
  NaiveTiles tiles;
  for (const auto& [dte, strikes] : legs) {
    double years = 0;
    for (const auto& e : in.expiries) {
      if (e.dte == dte) years = std::max(e.years, 1.0 / (365 * 24));
    }
    double sum = 0;
    int n = 0;
    for (const auto& [k, l] : strikes) {
      if (std::fabs(k - in.spot) >= 30) continue;
      for (const auto* c : {l.call, l.put}) {
        if (c && c->quote.iv && *c->quote.iv > 0.01 && *c->quote.iv < 5) {
          sum += *c->quote.iv;
          ++n;
        }
      }
    }
    const double base_iv = n ? sum / n : quant::fallback_base_iv(in.vix);
    // Like the original: a price function called afresh for every leg of every tile.
    auto theo = [&](OptionType type, double k) {
      const double vol = quant::skewed_vol(base_iv, in.spot, k, shape);
      return quant::black_scholes_price(type, {in.spot, k, years, 0.05, vol});
    };
    for (const auto& [k, l] : strikes) {
      const std::string ks = std::to_string(static_cast<long long>(k));
      json single = {{"symbol", in.symbol}, {"strategy", "single"}, {"dte", dte}, {"strike", k}, {"width", 0}};
      if (l.call) single["call"] = {{"mid", theo(OptionType::call, k)}, {"market_mid", market(l.call)}};
      if (l.put) single["put"] = {{"mid", theo(OptionType::put, k)}, {"market_mid", market(l.put)}};
      tiles["single:" + std::to_string(dte) + ":0:" + ks] = std::move(single);
      for (int w : widths) {
        const auto lo = strikes.find(k - w);
        const auto hi = strikes.find(k + w);
        auto side = [&](double d, json m) {
          json s = {{"debit", d}, {"max_profit", w - d}, {"max_loss", d}};
          if (!m.is_null()) s["market_debit"] = m;
          return s;
        };
        if (lo != strikes.end() && hi != strikes.end() && l.call && l.put && lo->second.call &&
            lo->second.put && hi->second.call && hi->second.put) {
          json fly = {{"symbol", in.symbol}, {"strategy", "butterfly"}, {"dte", dte}, {"strike", k}, {"width", w}};
          const double cd = theo(OptionType::call, k - w) - 2 * theo(OptionType::call, k) +
                            theo(OptionType::call, k + w);
          const double pd = theo(OptionType::put, k + w) - 2 * theo(OptionType::put, k) +
                            theo(OptionType::put, k - w);
          auto m3 = [&](const quant::ContractInput* a, const quant::ContractInput* b,
                        const quant::ContractInput* c) -> json {
            const auto ma = market(a), mb = market(b), mc = market(c);
            if (ma.is_null() || mb.is_null() || mc.is_null()) return nullptr;
            return ma.get<double>() - 2 * mb.get<double>() + mc.get<double>();
          };
          fly["call"] = side(cd, m3(lo->second.call, l.call, hi->second.call));
          fly["put"] = side(pd, m3(hi->second.put, l.put, lo->second.put));
          tiles["butterfly:" + std::to_string(dte) + ":" + std::to_string(w) + ":" + ks] = std::move(fly);
        }
        json vertical = {{"symbol", in.symbol}, {"strategy", "vertical"}, {"dte", dte}, {"strike", k}, {"width", w}};
        bool any = false;
        if (l.call && hi != strikes.end() && hi->second.call) {
          const auto a = market(l.call), b = market(hi->second.call);
          vertical["call"] = side(theo(OptionType::call, k) - theo(OptionType::call, k + w),
                                  a.is_null() || b.is_null() ? json(nullptr) : json(a.get<double>() - b.get<double>()));
          any = true;
        }
        if (l.put && lo != strikes.end() && lo->second.put) {
          const auto a = market(l.put), b = market(lo->second.put);
          vertical["put"] = side(theo(OptionType::put, k) - theo(OptionType::put, k - w),
                                 a.is_null() || b.is_null() ? json(nullptr) : json(a.get<double>() - b.get<double>()));
          any = true;
        }
        if (any) tiles["vertical:" + std::to_string(dte) + ":" + std::to_string(w) + ":" + ks] = std::move(vertical);
      }
    }
  }
  return tiles;
}

NaiveDiff naive_diff(const NaiveTiles& before, const NaiveTiles& after) {
  NaiveDiff d;
  for (const auto& [k, v] : after) {
    const auto it = before.find(k);
    if (it == before.end() || it->second != v) d.changed[k] = v;
  }
  for (const auto& [k, v] : before) {
    if (!after.count(k)) d.removed.push_back(k);
  }
  return d;
}

std::string naive_model_text(const std::string& symbol, const NaiveTiles& tiles) {
  json model = {{"symbol", symbol}, {"epoch", "current"}};
  json& t = model["tiles"];
  for (const auto& [k, v] : tiles) t[k] = v;
  return model.dump();
}

std::string naive_diff_text(const std::string& symbol, const NaiveDiff& diff) {
  return json{{"symbol", symbol}, {"changed", diff.changed}, {"removed", diff.removed}}.dump();
}

}  // namespace ms::bench
