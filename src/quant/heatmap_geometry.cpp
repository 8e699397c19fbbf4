// The heatmap builder's geometry: validating an input, choosing roots, laying out the tile
// slots and their pre-rendered JSON text. Values and publishing live in heatmap_builder.cpp.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "quant/heatmap_builder.hpp"
#include "quant/heatmap_detail.hpp"
#include "quant/json_text.hpp"

namespace ms::quant {

using heatmap_detail::bad_input;
using heatmap_detail::kMaxPrice;
using heatmap_detail::kNaN;
using heatmap_detail::market_price;
using heatmap_detail::present;

struct HeatmapBuilder::Plan {
  std::string symbol;
  double spot = 0;
  double vix = 0;
  std::vector<Expiry> expiries;
  std::vector<std::int32_t> expiry_of_input;
  std::vector<StrikeRow> strikes;
  std::vector<Leg> legs;
  std::vector<std::int32_t> leg_of_contract;
};

HeatmapBuilder::HeatmapBuilder(HeatmapConfig config) : config_(std::move(config)) {
  auto reject = [](const std::string& what) {
    throw core::Error("invalid_heatmap_config", "heatmap config: " + what);
  };
  if (config_.widths.empty()) reject("widths must not be empty");
  for (std::size_t i = 0; i < config_.widths.size(); ++i) {
    const int w = config_.widths[i];
    if (w <= 0 || w > 100000) reject("width " + std::to_string(w) + " must be in 1..100000");
    for (std::size_t j = 0; j < i; ++j) {
      if (config_.widths[j] == w) reject("width " + std::to_string(w) + " is listed twice");
    }
  }
  if (config_.max_dte < 0 || config_.max_dte > 10000) reject("max_dte must be in 0..10000");
  for (const int d : config_.dtes) {
    if (d < 0 || d > config_.max_dte) reject("dte " + std::to_string(d) + " must be in 0..max_dte");
  }
  if (!(std::isfinite(config_.rate) && std::fabs(config_.rate) <= 1)) reject("rate must be in [-1, 1]");
  if (!(std::isfinite(config_.dividend_yield) && std::fabs(config_.dividend_yield) <= 1)) {
    reject("dividend_yield must be in [-1, 1]");
  }
  if (!(std::isfinite(config_.min_years) && config_.min_years > 0)) {
    reject("min_years must be > 0");
  }
  if (!(std::isfinite(config_.base_iv_band_points) && config_.base_iv_band_points > 0)) {
    reject("base_iv_band_points must be > 0");
  }
  skew_ = skew_shape(regime_);
}

HeatmapBuilder::Plan HeatmapBuilder::plan(const HeatmapInput& input) const {
  Plan p;
  p.symbol = input.symbol;
  if (input.symbol.empty()) bad_input("symbol must not be empty");
  if (!(std::isfinite(input.spot) && input.spot >= 0 && input.spot < kMaxPrice)) {
    bad_input("spot must be a finite number in [0, 1e11)");
  }
  if (!(std::isfinite(input.vix) && input.vix >= 0)) bad_input("vix must be a finite number >= 0");
  p.spot = input.spot;
  p.vix = input.vix;
  if (input.expiries.size() > 0xFFFF) bad_input("too many expiries");
  for (std::size_t i = 0; i < input.expiries.size(); ++i) {
    const auto& e = input.expiries[i];
    if (e.date.empty()) bad_input("expiries[" + std::to_string(i) + "].date must not be empty");
    if (!std::isfinite(e.years)) bad_input("expiries[" + std::to_string(i) + "].years must be finite");
  }

  // Expiries that keep at least one contract, by dte (expired ones are dropped, Q10).
  auto kept = [&](std::uint32_t expiry) {
    const int dte = input.expiries[expiry].dte;
    return dte >= 0 && dte <= config_.max_dte &&
           (config_.dtes.empty() || std::find(config_.dtes.begin(), config_.dtes.end(), dte) != config_.dtes.end());
  };
  std::vector<bool> has_contracts(input.expiries.size(), false);
  for (std::size_t i = 0; i < input.contracts.size(); ++i) {
    const auto& c = input.contracts[i];
    auto where = [&] { return "contracts[" + std::to_string(i) + "]"; };
    if (c.expiry >= input.expiries.size()) bad_input(where() + ".expiry is out of range");
    if (!(std::isfinite(c.strike) && c.strike > 0 && c.strike < 1e11)) {
      bad_input(where() + ".strike must be a finite number > 0");
    }
    if (c.root.empty()) bad_input(where() + ".root must not be empty");
    if (kept(c.expiry)) has_contracts[c.expiry] = true;
  }
  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < input.expiries.size(); ++i) {
    if (has_contracts[i]) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) {
    return input.expiries[a].dte < input.expiries[b].dte;
  });
  p.expiry_of_input.assign(input.expiries.size(), -1);
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && input.expiries[order[k]].dte == input.expiries[order[k - 1]].dte) {
      bad_input("expiries[" + std::to_string(order[k - 1]) + "] and expiries[" +
                std::to_string(order[k]) + "] have the same dte " +
                std::to_string(input.expiries[order[k]].dte));
    }
    p.expiry_of_input[order[k]] = static_cast<std::int32_t>(k);
    Expiry e;
    e.dte = input.expiries[order[k]].dte;
    e.date = input.expiries[order[k]].date;
    e.input_index = order[k];
    e.years = std::max(input.expiries[order[k]].years, config_.min_years);
    p.expiries.push_back(std::move(e));
  }

  // One contract per (expiry, strike, side): sorting by that identity, then by root
  // preference (Q11: the root listed first in preferred_roots wins, unlisted roots after, by
  // name), puts the chosen contract first in each run and the legs in geometry order.
  struct Candidate {
    std::uint64_t identity;  // expiry position, strike in thousandths, call before put
    std::uint32_t root_rank;
    std::uint32_t contract;
  };
  const auto& preferred = config_.preferred_roots;
  std::vector<Candidate> candidates;
  candidates.reserve(input.contracts.size());
  for (std::size_t i = 0; i < input.contracts.size(); ++i) {
    const auto& c = input.contracts[i];
    const auto position = p.expiry_of_input[c.expiry];
    if (position < 0) continue;
    const auto rank = std::find(preferred.begin(), preferred.end(), c.root) - preferred.begin();
    candidates.push_back({(static_cast<std::uint64_t>(position) << 48) |
                              (static_cast<std::uint64_t>(strike_to_milli(c.strike)) << 1) |
                              (c.type == OptionType::put ? 1u : 0u),
                          static_cast<std::uint32_t>(rank), static_cast<std::uint32_t>(i)});
  }
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.identity != b.identity) return a.identity < b.identity;
    if (a.root_rank != b.root_rank) return a.root_rank < b.root_rank;
    const auto& ra = input.contracts[a.contract].root;
    const auto& rb = input.contracts[b.contract].root;
    return ra != rb ? ra < rb : a.contract < b.contract;
  });

  p.leg_of_contract.assign(input.contracts.size(), kNoLeg);
  p.legs.reserve(candidates.size());
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const auto& cand = candidates[k];
    if (k > 0 && candidates[k - 1].identity == cand.identity) {
      const auto& prev = candidates[k - 1];
      const auto& c = input.contracts[cand.contract];
      if (input.contracts[prev.contract].root == c.root) {
        bad_input("contracts[" + std::to_string(std::max(prev.contract, cand.contract)) +
                  "] duplicates contracts[" + std::to_string(std::min(prev.contract, cand.contract)) +
                  "] (" + c.root + " " + input.expiries[c.expiry].date + " " +
                  std::to_string(c.strike) + ")");
      }
      continue;  // a less preferred root at a taken (expiry, strike, side)
    }
    const auto& in = input.contracts[cand.contract];
    const auto expiry = static_cast<std::uint32_t>(cand.identity >> 48);
    const auto milli = static_cast<std::int64_t>((cand.identity & ((1ULL << 48) - 1)) >> 1);
    const auto leg_id = static_cast<std::int32_t>(p.legs.size());
    p.leg_of_contract[cand.contract] = leg_id;
    Leg leg;
    leg.contract = cand.contract;
    leg.expiry = expiry;
    leg.strike = milli_to_strike(milli);
    leg.type = in.type;
    leg.iv = present(in.quote.iv);
    leg.bid = present(in.quote.bid);
    leg.ask = present(in.quote.ask);
    leg.market = market_price(in.quote);
    leg.theo = kNaN;
    p.legs.push_back(leg);
    auto& e = p.expiries[expiry];
    if (e.strike_count == 0 || p.strikes.back().milli != milli) {
      if (e.strike_count == 0) e.first_strike = static_cast<std::uint32_t>(p.strikes.size());
      p.strikes.push_back(StrikeRow{milli, leg.strike, kNoLeg, kNoLeg});
      ++e.strike_count;
    }
    (in.type == OptionType::call ? p.strikes.back().call_leg : p.strikes.back().put_leg) = leg_id;
  }
  return p;
}

bool HeatmapBuilder::same_geometry(const Plan& p) const {
  if (p.symbol != symbol_ || p.expiries.size() != expiries_.size() ||
      p.strikes.size() != strikes_.size() || p.legs.size() != legs_.size()) {
    return false;
  }
  for (std::size_t i = 0; i < p.expiries.size(); ++i) {
    const auto& a = p.expiries[i];
    const auto& b = expiries_[i];
    if (a.dte != b.dte || a.date != b.date || a.first_strike != b.first_strike ||
        a.strike_count != b.strike_count) {
      return false;
    }
  }
  for (std::size_t i = 0; i < p.strikes.size(); ++i) {
    const auto& a = p.strikes[i];
    const auto& b = strikes_[i];
    if (a.milli != b.milli || a.call_leg != b.call_leg || a.put_leg != b.put_leg) return false;
  }
  return true;
}

void HeatmapBuilder::rebuild(const HeatmapInput& input) {
  Plan p = plan(input);  // throws before anything changes
  const bool keep_slots = !slots_.empty() && same_geometry(p);
  if (keep_slots) {
    for (std::size_t i = 0; i < p.expiries.size(); ++i) {
      p.expiries[i].first_slot = expiries_[i].first_slot;
      p.expiries[i].slot_count = expiries_[i].slot_count;
    }
  }
  symbol_ = std::move(p.symbol);
  spot_ = p.spot;
  vix_ = p.vix;
  pricing_minute_ms_ = input.pricing_minute_ms;
  regime_ = vol_regime_for_vix(vix_);
  skew_ = skew_shape(regime_);
  expiries_ = std::move(p.expiries);
  expiry_of_input_ = std::move(p.expiry_of_input);
  strikes_ = std::move(p.strikes);
  legs_ = std::move(p.legs);
  leg_of_contract_ = std::move(p.leg_of_contract);
  contract_lookup_.clear();
  contract_ids_.resize(input.contracts.size());
  for (std::size_t i = 0; i < input.contracts.size(); ++i) {
    const auto& c = input.contracts[i];
    contract_ids_[i] = {c.root, c.expiry, strike_to_milli(c.strike), c.type};
  }
  input_expiry_dates_.resize(input.expiries.size());
  for (std::size_t i = 0; i < input.expiries.size(); ++i) {
    input_expiry_dates_[i] = input.expiries[i].date;
  }
  if (!keep_slots) adopt_geometry();
  refit_all();
  reprice_all();
}

void HeatmapBuilder::adopt_geometry() {
  std::vector<Slot> old_slots = std::move(slots_);
  auto old_index = std::move(slot_of_key_);
  slots_.clear();
  slot_legs_.clear();
  slot_of_key_.clear();
  dirty_slots_.clear();
  const std::size_t per_strike = 1 + 2 * config_.widths.size();
  slots_.reserve(strikes_.size() * per_strike);
  slot_legs_.reserve(strikes_.size() * per_strike);
  auto add_slot = [&](TileKey key, const SlotLegs& legs) {
    Slot s;
    s.key = key;
    slots_.push_back(s);
    slot_legs_.push_back(legs);
  };

  auto strike_index = [&](const Expiry& e, std::int64_t milli) -> std::int32_t {
    const auto first = strikes_.begin() + e.first_strike;
    const auto last = first + e.strike_count;
    const auto it = std::lower_bound(first, last, milli,
                                     [](const StrikeRow& r, std::int64_t m) { return r.milli < m; });
    return it != last && it->milli == milli ? static_cast<std::int32_t>(it - strikes_.begin()) : -1;
  };

  for (std::uint32_t ei = 0; ei < expiries_.size(); ++ei) {
    auto& e = expiries_[ei];
    e.first_slot = static_cast<std::uint32_t>(slots_.size());
    for (std::uint32_t si = e.first_strike; si < e.first_strike + e.strike_count; ++si) {
      const StrikeRow& row = strikes_[si];
      SlotLegs single;
      single.strategy = TileStrategy::single;
      single.legs[0] = row.call_leg;
      single.legs[1] = row.put_leg;
      add_slot({TileStrategy::single, e.dte, 0, row.milli}, single);
      for (int w : config_.widths) {
        const std::int64_t w_milli = static_cast<std::int64_t>(w) * 1000;
        const auto lo = strike_index(e, row.milli - w_milli);
        const auto hi = strike_index(e, row.milli + w_milli);
        const StrikeRow* low = lo >= 0 ? &strikes_[lo] : nullptr;
        const StrikeRow* high = hi >= 0 ? &strikes_[hi] : nullptr;
        auto full = [](const StrikeRow* r) {
          return r && r->call_leg != kNoLeg && r->put_leg != kNoLeg;
        };
        if (full(low) && full(&row) && full(high)) {
          SlotLegs fly;
          fly.strategy = TileStrategy::butterfly;
          fly.legs[0] = low->call_leg;
          fly.legs[1] = row.call_leg;
          fly.legs[2] = high->call_leg;
          fly.legs[3] = low->put_leg;
          fly.legs[4] = row.put_leg;
          fly.legs[5] = high->put_leg;
          add_slot({TileStrategy::butterfly, e.dte, w, row.milli}, fly);
        }
        const bool call_side = row.call_leg != kNoLeg && high && high->call_leg != kNoLeg;
        const bool put_side = row.put_leg != kNoLeg && low && low->put_leg != kNoLeg;
        if (call_side || put_side) {
          SlotLegs vertical;
          vertical.strategy = TileStrategy::vertical;
          if (call_side) {
            vertical.legs[0] = row.call_leg;
            vertical.legs[1] = high->call_leg;
          }
          if (put_side) {
            vertical.legs[2] = row.put_leg;
            vertical.legs[3] = low->put_leg;
          }
          add_slot({TileStrategy::vertical, e.dte, w, row.milli}, vertical);
        }
      }
    }
    e.slot_count = static_cast<std::uint32_t>(slots_.size()) - e.first_slot;
  }

  // Which slots each leg feeds (compressed rows), for the per-tick path.
  leg_slot_offsets_.assign(legs_.size() + 1, 0);
  for (const auto& s : slot_legs_) {
    for (auto leg : s.legs) {
      if (leg != kNoLeg) ++leg_slot_offsets_[static_cast<std::size_t>(leg) + 1];
    }
  }
  std::partial_sum(leg_slot_offsets_.begin(), leg_slot_offsets_.end(), leg_slot_offsets_.begin());
  leg_slots_.assign(leg_slot_offsets_.back(), 0);
  std::vector<std::uint32_t> fill(leg_slot_offsets_.begin(), leg_slot_offsets_.end() - 1);
  for (std::uint32_t id = 0; id < slots_.size(); ++id) {
    for (auto leg : slot_legs_[id].legs) {
      if (leg != kNoLeg) leg_slots_[fill[static_cast<std::size_t>(leg)]++] = id;
    }
  }

  // Carry what was published under each key, so the next diff compares against it; keys that
  // were published and are gone become removals.
  values_.assign(slots_.size(), TileValue{});
  dirty_.assign(slots_.size(), 1);
  slot_of_key_.reserve(slots_.size());
  std::vector<bool> claimed(old_slots.size(), false);
  for (std::uint32_t id = 0; id < slots_.size(); ++id) {
    auto& s = slots_[id];
    slot_of_key_.emplace(s.key, id);
    dirty_slots_.push_back(id);
    if (auto it = old_index.find(s.key); it != old_index.end()) {
      claimed[it->second] = true;
      const auto& old = old_slots[it->second];
      s.has_published = old.has_published;
      s.published = old.published;
    } else if (auto r = unpublished_removals_.find(s.key); r != unpublished_removals_.end()) {
      s.has_published = true;
      s.published = r->second;
      unpublished_removals_.erase(r);
    }
  }
  for (std::size_t i = 0; i < old_slots.size(); ++i) {
    if (!claimed[i] && old_slots[i].has_published) {
      unpublished_removals_.emplace(old_slots[i].key, old_slots[i].published);
    }
  }
  render_slot_text();
}

void HeatmapBuilder::render_slot_text() {
  text_arena_.clear();
  text_arena_.reserve(slots_.size() * 112);
  for (auto& s : slots_) {
    s.key_offset = static_cast<std::uint32_t>(text_arena_.size());
    text_arena_.push_back('"');
    append_tile_key(text_arena_, s.key);
    text_arena_.push_back('"');
    s.key_length = static_cast<std::uint32_t>(text_arena_.size()) - s.key_offset;
    s.prefix_offset = static_cast<std::uint32_t>(text_arena_.size());
    text_arena_.append("{\"symbol\":");
    json::append_string(text_arena_, symbol_);
    text_arena_.append(",\"strategy\":\"");
    text_arena_.append(tile_strategy_name(s.key.strategy));
    text_arena_.append("\",\"dte\":");
    json::append_int(text_arena_, s.key.dte);
    text_arena_.append(",\"strike\":");
    json::append_fixed(text_arena_, s.key.strike_milli, 3);
    text_arena_.append(",\"width\":");
    json::append_int(text_arena_, s.key.width);
    s.prefix_length = static_cast<std::uint32_t>(text_arena_.size()) - s.prefix_offset;
  }
}

}  // namespace ms::quant
