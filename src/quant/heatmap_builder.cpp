#include "quant/heatmap_builder.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/error.hpp"
#include "quant/heatmap_detail.hpp"
#include "quant/json_text.hpp"

namespace ms::quant {

using heatmap_detail::bad_input;
using heatmap_detail::kMaxPrice;
using heatmap_detail::kNaN;
using heatmap_detail::market_price;
using heatmap_detail::present;
using heatmap_detail::to_ticks;

namespace {

constexpr std::int64_t kAtmIvScale = 1000000;  // atm_iv is published with 6 decimals

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::string contract_lookup_key(std::string_view root, std::string_view date, std::int64_t milli,
                                OptionType type) {
  std::string k;
  k.reserve(root.size() + date.size() + 24);
  k.append(root).push_back('|');
  k.append(date).push_back('|');
  json::append_int(k, milli);
  k.push_back(type == OptionType::call ? 'C' : 'P');
  return k;
}

}  // namespace

bool HeatmapBuilder::refresh_base_iv(std::uint32_t expiry) {
  auto& e = expiries_[expiry];
  double sum = 0;
  int count = 0;
  for (std::uint32_t si = e.first_strike; si < e.first_strike + e.strike_count; ++si) {
    const auto& row = strikes_[si];
    if (!(std::fabs(row.strike - spot_) < config_.base_iv_band_points)) continue;
    for (auto leg : {row.call_leg, row.put_leg}) {
      if (leg == kNoLeg) continue;
      const double iv = legs_[static_cast<std::size_t>(leg)].iv;
      if (iv > 0.01 && iv < 5.0) {
        sum += iv;
        ++count;
      }
    }
  }
  const double base = count > 0 ? sum / count : fallback_base_iv(vix_);
  const bool changed = base != e.base_iv;
  e.base_iv = base;
  return changed;
}

void HeatmapBuilder::refit_expiry(std::uint32_t expiry) {
  auto& e = expiries_[expiry];
  // The calendar floor: the nearest shorter expiry that has a fitted smile.
  const SmileCurve* shorter = nullptr;
  for (std::uint32_t j = expiry; j-- > 0;) {
    if (expiries_[j].fit.source == SmileSource::fitted) {
      shorter = &expiries_[j].fit.curve;
      break;
    }
  }
  SmileInput in;
  in.spot = spot_;
  in.years = e.years;
  in.rate = config_.rate;
  in.dividend_yield = config_.dividend_yield;
  in.quotes.reserve(2 * e.strike_count);
  for (std::uint32_t si = e.first_strike; si < e.first_strike + e.strike_count; ++si) {
    const auto& row = strikes_[si];
    for (auto id : {row.call_leg, row.put_leg}) {
      if (id == kNoLeg) continue;
      const Leg& leg = legs_[static_cast<std::size_t>(id)];
      in.quotes.push_back({leg.strike, leg.type, leg.bid, leg.ask, leg.iv});
    }
  }
  e.fit = fit_smile(in, shorter);
  e.smile_stale = false;
}

void HeatmapBuilder::refit_all() {
  for (std::uint32_t i = 0; i < expiries_.size(); ++i) refit_expiry(i);
}

std::size_t HeatmapBuilder::refit_smiles() {
  std::uint32_t first = 0;
  while (first < expiries_.size() && !expiries_[first].smile_stale) ++first;
  for (std::uint32_t i = first; i < expiries_.size(); ++i) {
    refit_expiry(i);
    reprice_expiry(i);
  }
  return expiries_.size() - first;
}

double HeatmapBuilder::published_atm_iv(const Expiry& e) const {
  return e.fit.source == SmileSource::fitted ? e.fit.curve.vol(0.0) : e.base_iv;
}

void HeatmapBuilder::reprice_expiry(std::uint32_t expiry) {
  const auto& e = expiries_[expiry];
  const bool have_spot = spot_ > 0;
  const bool fitted = e.fit.source == SmileSource::fitted;
  const double r = config_.rate, q = config_.dividend_yield, T = e.years;
  // Fitted: Black-76 on the forward, through Black-Scholes with spot F·e^{-rT}. Fallback:
  // Black-Scholes on the spot with the dividend yield (spot·e^{-qT}).
  const double forward = spot_ * std::exp((r - q) * T) * (fitted ? e.fit.basis : 1.0);
  const double spot_equivalent = forward * std::exp(-r * T);
  for (std::uint32_t si = e.first_strike; si < e.first_strike + e.strike_count; ++si) {
    const auto& row = strikes_[si];
    double call = kNaN, put = kNaN;
    if (have_spot) {
      const double vol = fitted ? e.fit.curve.vol(std::log(row.strike / forward))
                                : skewed_vol(e.base_iv, spot_, row.strike, skew_);
      const OptionInputs in{spot_equivalent, row.strike, T, r, vol};
      if (row.call_leg != kNoLeg && row.put_leg != kNoLeg) {
        const auto both = black_scholes_prices(in);
        call = both.call;
        put = both.put;
      } else if (row.call_leg != kNoLeg) {
        call = black_scholes_price(OptionType::call, in);
      } else {
        put = black_scholes_price(OptionType::put, in);
      }
    }
    if (row.call_leg != kNoLeg) legs_[static_cast<std::size_t>(row.call_leg)].theo = call;
    if (row.put_leg != kNoLeg) legs_[static_cast<std::size_t>(row.put_leg)].theo = put;
  }
  for (std::uint32_t id = e.first_slot; id < e.first_slot + e.slot_count; ++id) recompute_slot(id);
}

void HeatmapBuilder::reprice_all() {
  for (std::uint32_t i = 0; i < expiries_.size(); ++i) {
    refresh_base_iv(i);
    reprice_expiry(i);
  }
}

namespace {

// One side of a tile from its combined theoretical and market values; NaN (a leg without a
// value) propagates through the sums, so "every leg has one" needs no extra test.
inline TileSideValue side_value(double theo, double market) {
  TileSideValue v;
  v.present = true;
  v.has_theo = !std::isnan(theo);
  v.has_market = !std::isnan(market);
  v.theo = v.has_theo ? to_ticks(theo, kTheoScale) : 0;
  v.market = v.has_market ? to_ticks(market, kMarketScale) : 0;
  return v;
}

}  // namespace

TileValue HeatmapBuilder::compute_slot(std::uint32_t slot) const {
  const SlotLegs& s = slot_legs_[slot];
  const Leg* legs = legs_.data();
  auto at = [&](int i) -> const Leg& { return legs[s.legs[i]]; };
  TileValue value;
  switch (s.strategy) {
    case TileStrategy::single:
      if (s.legs[0] != kNoLeg) value.call = side_value(at(0).theo, at(0).market);
      if (s.legs[1] != kNoLeg) value.put = side_value(at(1).theo, at(1).market);
      break;
    case TileStrategy::butterfly: {
      const Leg &cl = at(0), &ck = at(1), &ch = at(2), &pl = at(3), &pk = at(4), &ph = at(5);
      value.call = side_value(cl.theo - 2 * ck.theo + ch.theo, cl.market - 2 * ck.market + ch.market);
      value.put = side_value(ph.theo - 2 * pk.theo + pl.theo, ph.market - 2 * pk.market + pl.market);
      break;
    }
    case TileStrategy::vertical:
      if (s.legs[0] != kNoLeg) {
        value.call = side_value(at(0).theo - at(1).theo, at(0).market - at(1).market);
      }
      if (s.legs[2] != kNoLeg) {
        value.put = side_value(at(2).theo - at(3).theo, at(2).market - at(3).market);
      }
      break;
  }
  return value;
}

void HeatmapBuilder::mark_dirty(std::uint32_t slot) {
  if (dirty_[slot]) return;
  dirty_[slot] = 1;
  dirty_slots_.push_back(slot);
}

void HeatmapBuilder::recompute_slot(std::uint32_t slot) {
  const TileValue v = compute_slot(slot);
  if (v == values_[slot]) return;
  values_[slot] = v;
  mark_dirty(slot);
}

bool HeatmapBuilder::update_quote(std::size_t contract, const LegQuote& quote) {
  if (contract >= leg_of_contract_.size()) {
    throw core::Error("unknown_contract", "heatmap: contract index " + std::to_string(contract) +
                                              " is past the " +
                                              std::to_string(leg_of_contract_.size()) +
                                              " contracts of the last rebuild");
  }
  const auto leg_id = leg_of_contract_[contract];
  if (leg_id == kNoLeg) return false;
  Leg& leg = legs_[static_cast<std::size_t>(leg_id)];
  const double iv = present(quote.iv);
  const double bid = present(quote.bid);
  const double ask = present(quote.ask);
  const double market = market_price(quote);
  const bool iv_changed = !same_value(iv, leg.iv);
  const bool market_changed = !same_value(market, leg.market);
  if (iv_changed || !same_value(bid, leg.bid) || !same_value(ask, leg.ask)) {
    expiries_[leg.expiry].smile_stale = true;  // refit_smiles() picks it up
  }
  leg.iv = iv;
  leg.bid = bid;
  leg.ask = ask;
  leg.market = market;
  if (iv_changed && std::fabs(leg.strike - spot_) < config_.base_iv_band_points &&
      refresh_base_iv(leg.expiry) &&
      expiries_[leg.expiry].fit.source == SmileSource::fallback) {
    reprice_expiry(leg.expiry);  // recomputes every slot of the expiry, market values included
    return true;
  }
  if (market_changed) {
    const auto begin = leg_slot_offsets_[static_cast<std::size_t>(leg_id)];
    const auto end = leg_slot_offsets_[static_cast<std::size_t>(leg_id) + 1];
    for (auto i = begin; i < end; ++i) recompute_slot(leg_slots_[i]);
  }
  return true;
}

void HeatmapBuilder::set_market(double spot, double vix) {
  if (!(std::isfinite(spot) && spot >= 0 && spot < kMaxPrice)) {
    bad_input("spot must be a finite number in [0, 1e11)");
  }
  if (!(std::isfinite(vix) && vix >= 0)) bad_input("vix must be a finite number >= 0");
  if (spot == spot_ && vix == vix_) return;
  const bool first_spot = !(spot_ > 0) && spot > 0;
  if (spot != spot_) {
    for (auto& e : expiries_) e.smile_stale = true;  // the fit's forward check uses the spot
  }
  spot_ = spot;
  vix_ = vix;
  regime_ = vol_regime_for_vix(vix_);
  skew_ = skew_shape(regime_);
  // Without a spot nothing could be fitted: the first spot fits at once rather than leaving
  // the regime skew in place until the caller's next refit.
  if (first_spot) refit_all();
  reprice_all();
}

void HeatmapBuilder::set_years_to_expiry(std::size_t expiry, double years) {
  if (!std::isfinite(years)) bad_input("years must be finite");
  if (expiry >= expiry_of_input_.size()) {
    bad_input("expiry index " + std::to_string(expiry) + " is out of range");
  }
  const auto e = expiry_of_input_[expiry];
  if (e < 0) return;
  const double floored = std::max(years, config_.min_years);
  if (floored == expiries_[static_cast<std::size_t>(e)].years) return;
  expiries_[static_cast<std::size_t>(e)].years = floored;
  expiries_[static_cast<std::size_t>(e)].smile_stale = true;
  reprice_expiry(static_cast<std::uint32_t>(e));
}

std::optional<std::size_t> HeatmapBuilder::find_contract(std::string_view root,
                                                         std::string_view expiry_date,
                                                         double strike, OptionType type) const {
  if (contract_lookup_.empty() && !contract_ids_.empty()) {
    contract_lookup_.reserve(contract_ids_.size());
    for (std::size_t i = 0; i < contract_ids_.size(); ++i) {
      const auto& c = contract_ids_[i];
      contract_lookup_.emplace(
          contract_lookup_key(c.root, input_expiry_dates_[c.expiry], c.strike_milli, c.type), i);
    }
  }
  const auto it =
      contract_lookup_.find(contract_lookup_key(root, expiry_date, strike_to_milli(strike), type));
  if (it == contract_lookup_.end()) return std::nullopt;
  return it->second;
}

HeatmapDiff HeatmapBuilder::take_diff() {
  HeatmapDiff diff;
  // Many dirty slots: walk the array in order; few: sort the list.
  auto consider = [&](std::uint32_t id) {
    auto& s = slots_[id];
    dirty_[id] = 0;
    if (s.has_published && s.published == values_[id]) return;
    s.has_published = true;
    s.published = values_[id];
    diff.changed.push_back(id);
  };
  if (dirty_slots_.size() * 8 > slots_.size()) {
    for (std::uint32_t id = 0; id < slots_.size(); ++id) {
      if (dirty_[id]) consider(id);
    }
  } else {
    std::sort(dirty_slots_.begin(), dirty_slots_.end());
    for (auto id : dirty_slots_) consider(id);
  }
  dirty_slots_.clear();

  diff.removed.reserve(unpublished_removals_.size());
  for (const auto& [key, value] : unpublished_removals_) diff.removed.push_back(key);
  std::sort(diff.removed.begin(), diff.removed.end(), [](const TileKey& a, const TileKey& b) {
    return std::tie(a.dte, a.strike_milli, a.strategy, a.width) <
           std::tie(b.dte, b.strike_milli, b.strategy, b.width);
  });
  unpublished_removals_.clear();

  std::vector<std::pair<int, std::int64_t>> atm_iv;
  std::vector<std::pair<int, std::string>> expirations;
  for (const auto& e : expiries_) {
    atm_iv.emplace_back(e.dte, to_ticks(published_atm_iv(e), kAtmIvScale));
    expirations.emplace_back(e.dte, e.date);
  }
  diff.atm_iv_changed = atm_iv != published_atm_iv_;
  diff.expirations_changed = expirations != published_expirations_;
  published_atm_iv_ = std::move(atm_iv);
  published_expirations_ = std::move(expirations);
  return diff;
}

std::optional<std::uint32_t> HeatmapBuilder::find_tile(const TileKey& key) const {
  const auto it = slot_of_key_.find(key);
  if (it == slot_of_key_.end()) return std::nullopt;
  return it->second;
}

std::vector<HeatmapExpiry> HeatmapBuilder::expirations() const {
  std::vector<HeatmapExpiry> out;
  out.reserve(expiries_.size());
  const bool have_spot = spot_ > 0;
  for (const auto& e : expiries_) {
    const bool fitted = e.fit.source == SmileSource::fitted;
    const double forward =
        have_spot ? spot_ * std::exp((config_.rate - config_.dividend_yield) * e.years) *
                        (fitted ? e.fit.basis : 1.0)
                  : 0.0;
    out.push_back({e.dte, e.date, e.years, published_atm_iv(e), forward, e.fit.source});
  }
  return out;
}

std::vector<std::pair<int, std::size_t>> HeatmapBuilder::dte_tile_counts() const {
  std::vector<std::pair<int, std::size_t>> out;
  for (const auto& e : expiries_) out.emplace_back(e.dte, e.slot_count);
  return out;
}

std::vector<ButterflyTile> HeatmapBuilder::butterfly_tiles() const {
  std::vector<ButterflyTile> out;
  for (std::uint32_t id = 0; id < slots_.size(); ++id) {
    if (slots_[id].key.strategy != TileStrategy::butterfly) continue;
    const auto& v = values_[id];
    ButterflyTile t;
    t.key = slots_[id].key;
    if (v.call.has_theo) t.call_debit = static_cast<double>(v.call.theo) / kTheoScale;
    if (v.put.has_theo) t.put_debit = static_cast<double>(v.put.theo) / kTheoScale;
    if (v.call.has_market) t.market_call_debit = static_cast<double>(v.call.market) / kMarketScale;
    if (v.put.has_market) t.market_put_debit = static_cast<double>(v.put.market) / kMarketScale;
    out.push_back(t);
  }
  return out;
}

std::string_view HeatmapBuilder::tile_key_json(std::uint32_t slot) const {
  const auto& s = slots_[slot];
  return std::string_view(text_arena_).substr(s.key_offset, s.key_length);
}

std::string_view HeatmapBuilder::tile_prefix_json(std::uint32_t slot) const {
  const auto& s = slots_[slot];
  return std::string_view(text_arena_).substr(s.prefix_offset, s.prefix_length);
}

}  // namespace ms::quant
