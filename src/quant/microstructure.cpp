#include "quant/microstructure.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/money.hpp"
#include "quant/heatmap_types.hpp"

namespace ms::quant {

namespace {

std::string_view type_name(OptionType type) { return type == OptionType::call ? "call" : "put"; }

double r(double x, int decimals) { return core::round_half_away(x, decimals); }

bool usable_quote(double bid, double ask) {
  return std::isfinite(bid) && std::isfinite(ask) && ask > 0 && bid >= 0 && bid <= ask;
}

std::size_t group_index(OptionType type, TradeSide side) {
  return std::size_t(type == OptionType::put) * 2 + std::size_t(side == TradeSide::sell);
}

std::size_t side_index(TradeSide side) { return side == TradeSide::sell ? 1 : 0; }

// Ticker hash, 8 bytes at a time (tickers are ~20 bytes: three multiply rounds).
std::uint64_t ticker_hash(std::string_view s) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = s.size() * kMul;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  return h ^ (h >> 32);
}

}  // namespace

std::string_view trade_side_name(TradeSide side) {
  switch (side) {
    case TradeSide::buy: return "buy";
    case TradeSide::sell: return "sell";
    case TradeSide::unknown: break;
  }
  return "unknown";
}

MicroBuilder::MicroBuilder(std::string symbol, MicroParams params)
    : symbol_(std::move(symbol)), params_(params) {
  const auto& p = params_;
  if (!(std::isfinite(p.band_pct) && p.band_pct > 0) || p.sweep_window_ms <= 0 ||
      p.sweep_min_trades <= 0 || p.sweep_min_strikes <= 0 || p.absorption_window_ms <= 0 ||
      p.absorption_min_contracts <= 0 ||
      !(std::isfinite(p.absorption_max_spot_move) && p.absorption_max_spot_move > 0) ||
      p.max_events == 0) {
    throw core::Error("invalid_micro_params", "microstructure: invalid parameters for " + symbol_);
  }
}

void MicroBuilder::set_spot(double spot, std::int64_t t_ms) {
  if (!std::isfinite(spot) || spot <= 0) return;
  // Samples stay in time order even if a caller steps back: the window is about recent moves.
  spot_t_ = std::max(spot_t_, t_ms);
  if (spot_ && *spot_ == spot) return;
  changed_ = true;
  spot_ = spot;
  spot_hist_.push_back({spot_t_, spot});
  spot_range_valid_ = false;
  evict_spot(spot_t_ - params_.absorption_window_ms);
}

// Drops the samples older than the one prevailing at `cutoff_ms`.
void MicroBuilder::evict_spot(std::int64_t cutoff_ms) {
  while (spot_hist_.size() >= 2 && spot_hist_[1].t_ms <= cutoff_ms) {
    spot_hist_.pop_front();
    spot_range_valid_ = false;
  }
}

bool MicroBuilder::in_band(double strike) const {
  if (!spot_) return false;
  return std::fabs(strike - *spot_) <= *spot_ * params_.band_pct / 100.0;
}

MicroBuilder::Contract& MicroBuilder::contract(std::string_view ticker, double strike,
                                               OptionType type) {
  const std::uint64_t hash = ticker_hash(ticker);
  if (!index_.empty()) {
    const std::size_t mask = index_.size() - 1;
    for (std::size_t i = std::size_t(hash) & mask;; i = (i + 1) & mask) {
      const std::uint32_t at = index_[i];
      if (at == kNoContract) break;
      Contract& c = contracts_[at];
      if (c.hash == hash && c.ticker == ticker) return c;
    }
  }
  // First sight of the ticker: its strike and type are fixed from here on.
  const std::int64_t milli = strike_to_milli(strike);
  const std::int64_t key = milli * 2 + std::int64_t(type == OptionType::put);
  auto [slot_it, inserted] = slot_by_key_.try_emplace(key, std::uint32_t(slots_.size()));
  if (inserted) {
    StrikeSlot slot;
    slot.strike_milli = milli;
    slot.strike = strike;
    slot.type = type;
    slots_.push_back(slot);
  }
  Contract c;
  c.ticker = std::string(ticker);
  c.hash = hash;
  c.slot = slot_it->second;
  contracts_.push_back(std::move(c));
  if ((contracts_.size()) * 2 > index_.size()) {
    grow_index();
  } else {
    const std::size_t mask = index_.size() - 1;
    std::size_t i = std::size_t(hash) & mask;
    while (index_[i] != kNoContract) i = (i + 1) & mask;
    index_[i] = std::uint32_t(contracts_.size() - 1);
  }
  return contracts_.back();
}

void MicroBuilder::grow_index() {
  std::size_t size = index_.empty() ? 64 : index_.size();
  while (contracts_.size() * 2 > size) size *= 2;
  index_.assign(size, kNoContract);
  const std::size_t mask = size - 1;
  for (std::size_t n = 0; n < contracts_.size(); ++n) {
    std::size_t i = std::size_t(contracts_[n].hash) & mask;
    while (index_[i] != kNoContract) i = (i + 1) & mask;
    index_[i] = std::uint32_t(n);
  }
}

void MicroBuilder::on_quote(std::string_view ticker, double strike, OptionType type, double bid,
                            double ask, std::int64_t bid_size, std::int64_t ask_size,
                            std::int64_t t_ms) {
  if (!std::isfinite(strike) || strike <= 0) return;
  Contract& c = contract(ticker, strike, type);
  const bool usable = usable_quote(bid, ask);
  const bool same = c.quoted == usable &&
                    (!usable || (c.bid == bid && c.ask == ask && c.bid_size == bid_size &&
                                 c.ask_size == ask_size));
  if (!same && in_band(slots_[c.slot].strike)) changed_ = true;
  c.quoted = usable;
  if (usable) {
    c.bid = bid;
    c.ask = ask;
    c.bid_size = std::max<std::int64_t>(0, bid_size);
    c.ask_size = std::max<std::int64_t>(0, ask_size);
    c.t_ms = t_ms;
  }
}

TradeSide MicroBuilder::on_trade(std::string_view ticker, double strike, OptionType type,
                                 double price, std::int64_t size, std::int64_t t_ms) {
  if (!std::isfinite(price) || price <= 0 || size <= 0 || !std::isfinite(strike) || strike <= 0) {
    return TradeSide::unknown;
  }
  Contract& c = contract(ticker, strike, type);
  TradeSide side = TradeSide::unknown;
  if (c.quoted) {
    if (price >= c.ask) side = TradeSide::buy;
    else if (price <= c.bid) side = TradeSide::sell;
  }
  const std::uint32_t slot = c.slot;
  if (side != TradeSide::unknown) on_sweep_trade(slot, side, size, t_ms);
  on_absorption_trade(slot, size, t_ms);
  return side;
}

SweepEvent* MicroBuilder::sweep_by_id(std::int64_t id) {
  if (id < 0 || sweeps_.empty()) return nullptr;
  const auto first = std::int64_t(sweeps_.front().id);
  if (id < first || id > std::int64_t(sweeps_.back().id)) return nullptr;
  return &sweeps_[std::size_t(id - first)];
}

AbsorptionEvent* MicroBuilder::absorption_by_id(std::int64_t id) {
  if (id < 0 || absorptions_.empty()) return nullptr;
  const auto first = std::int64_t(absorptions_.front().id);
  if (id < first || id > std::int64_t(absorptions_.back().id)) return nullptr;
  return &absorptions_[std::size_t(id - first)];
}

void MicroBuilder::on_sweep_trade(std::uint32_t slot_index, TradeSide side, std::int64_t size,
                                  std::int64_t t_ms) {
  StrikeSlot& slot = slots_[slot_index];
  SweepGroup& g = groups_[group_index(slot.type, side)];
  const std::size_t s = side_index(side);
  const std::int64_t window = params_.sweep_window_ms;

  // A sweep still within its window absorbs the trade.
  if (SweepEvent* ongoing = sweep_by_id(g.ongoing); ongoing && t_ms - ongoing->t_ms <= window) {
    ++ongoing->trades;
    ongoing->contracts += size;
    ongoing->last_t_ms = std::max(ongoing->last_t_ms, t_ms);
    auto pos = std::lower_bound(ongoing->strikes.begin(), ongoing->strikes.end(), slot.strike);
    if (pos == ongoing->strikes.end() || *pos != slot.strike) ongoing->strikes.insert(pos, slot.strike);
    changed_ = true;
    return;
  }
  g.ongoing = -1;

  while (!g.window.empty() && g.window.front().t_ms < t_ms - window) {
    const WindowTrade old = g.window.front();
    g.window.pop_front();
    if (--slots_[old.slot].sweep_count[s] == 0) --g.distinct;
  }
  g.window.push_back({t_ms, slot_index, size});
  if (slot.sweep_count[s]++ == 0) ++g.distinct;

  if (int(g.window.size()) < params_.sweep_min_trades || g.distinct < params_.sweep_min_strikes) {
    return;
  }
  // A sweep: the window's trades form it and are consumed.
  SweepEvent e;
  e.id = next_sweep_id_++;
  e.side = side;
  e.type = slot.type;
  e.t_ms = g.window.front().t_ms;
  e.last_t_ms = g.window.front().t_ms;
  e.strikes.reserve(std::size_t(g.distinct));
  for (std::size_t i = 0; i < g.window.size(); ++i) {
    const WindowTrade& w = g.window[i];
    StrikeSlot& ws = slots_[w.slot];
    e.t_ms = std::min(e.t_ms, w.t_ms);
    e.last_t_ms = std::max(e.last_t_ms, w.t_ms);
    ++e.trades;
    e.contracts += w.size;
    if (ws.sweep_count[s] > 0) {  // first time this strike is met in the window
      e.strikes.push_back(ws.strike);
      ws.sweep_count[s] = 0;
    }
  }
  std::sort(e.strikes.begin(), e.strikes.end());
  g.window.clear();
  g.distinct = 0;
  g.ongoing = std::int64_t(e.id);
  sweeps_.push_back(std::move(e));
  if (sweeps_.size() > params_.max_events) sweeps_.pop_front();
  changed_ = true;
}

void MicroBuilder::on_absorption_trade(std::uint32_t slot_index, std::int64_t size,
                                       std::int64_t t_ms) {
  const std::int64_t window = params_.absorption_window_ms;
  const std::int64_t cutoff = t_ms - window;
  abs_window_.push_back({t_ms, slot_index, size});
  slots_[slot_index].abs_contracts += size;
  while (!abs_window_.empty() && abs_window_.front().t_ms < cutoff) {
    slots_[abs_window_.front().slot].abs_contracts -= abs_window_.front().size;
    abs_window_.pop_front();
  }
  StrikeSlot& slot = slots_[slot_index];
  if (!spot_ || slot.abs_contracts < params_.absorption_min_contracts) {
    slot.abs_event = -1;
    return;
  }
  // The spot range only when the volume qualifies: a short scan of the window's spot changes,
  // cached until a sample arrives or leaves.
  evict_spot(cutoff);
  if (!spot_range_valid_) {
    spot_hi_ = spot_lo_ = *spot_;
    for (std::size_t i = 0; i < spot_hist_.size(); ++i) {
      spot_hi_ = std::max(spot_hi_, spot_hist_[i].value);
      spot_lo_ = std::min(spot_lo_, spot_hist_[i].value);
    }
    spot_range_valid_ = true;
  }
  const double move = spot_hi_ - spot_lo_;
  if (!(move < params_.absorption_max_spot_move)) {
    slot.abs_event = -1;
    return;
  }
  AbsorptionEvent* ongoing = absorption_by_id(slot.abs_event);
  if (ongoing && t_ms - slot.abs_last_t <= window) {
    ongoing->contracts += size;
    ongoing->last_t_ms = std::max(ongoing->last_t_ms, t_ms);
    ongoing->spot_move = std::max(ongoing->spot_move, move);
  } else {
    AbsorptionEvent e;
    e.id = next_absorption_id_++;
    e.t_ms = t_ms;
    e.last_t_ms = t_ms;
    e.strike = slot.strike;
    e.type = slot.type;
    e.contracts = slot.abs_contracts;
    e.spot_move = move;
    slot.abs_event = std::int64_t(e.id);
    absorptions_.push_back(e);
    if (absorptions_.size() > params_.max_events) absorptions_.pop_front();
  }
  slot.abs_last_t = t_ms;
  changed_ = true;
}

void MicroBuilder::clear() {
  contracts_.clear();
  index_.clear();
  slots_.clear();
  slot_by_key_.clear();
  for (auto& g : groups_) {
    g.window.clear();
    g.distinct = 0;
    g.ongoing = -1;
  }
  abs_window_.clear();
  sweeps_.clear();
  absorptions_.clear();
  changed_ = true;
}

nlohmann::json MicroBuilder::model_json(std::string_view epoch, std::uint64_t seq,
                                        std::int64_t ts_ms) {
  using nlohmann::json;
  std::vector<const Contract*> band;
  for (const auto& c : contracts_) {
    if (c.quoted && in_band(slots_[c.slot].strike)) band.push_back(&c);
  }
  std::sort(band.begin(), band.end(), [&](const Contract* a, const Contract* b) {
    const StrikeSlot& sa = slots_[a->slot];
    const StrikeSlot& sb = slots_[b->slot];
    if (sa.strike_milli != sb.strike_milli) return sa.strike_milli < sb.strike_milli;
    if (sa.type != sb.type) return sa.type == OptionType::call;
    return a->ticker < b->ticker;
  });

  json quotes = json::array();
  std::vector<double> spreads;
  spreads.reserve(band.size());
  double spread_sum = 0;
  std::int64_t bid_total = 0, ask_total = 0;
  for (const Contract* c : band) {
    const StrikeSlot& s = slots_[c->slot];
    const double spread = c->ask - c->bid;
    spreads.push_back(spread);
    spread_sum += spread;
    bid_total += c->bid_size;
    ask_total += c->ask_size;
    quotes.push_back({{"ticker", c->ticker},
                      {"strike", s.strike},
                      {"type", type_name(s.type)},
                      {"bid", r(c->bid, 2)},
                      {"ask", r(c->ask, 2)},
                      {"mid", r((c->bid + c->ask) / 2, 3)},
                      {"spread", r(spread, 3)},
                      {"bid_size", c->bid_size},
                      {"ask_size", c->ask_size},
                      {"t", c->t_ms}});
  }

  json summary = {{"contracts", band.size()},
                  {"total_bid_size", bid_total},
                  {"total_ask_size", ask_total},
                  {"avg_spread", nullptr},
                  {"median_spread", nullptr},
                  {"avg_bid_size", nullptr},
                  {"avg_ask_size", nullptr}};
  if (!band.empty()) {
    const double n = double(band.size());
    std::sort(spreads.begin(), spreads.end());
    const std::size_t mid = spreads.size() / 2;
    const double median =
        spreads.size() % 2 ? spreads[mid] : (spreads[mid - 1] + spreads[mid]) / 2;
    summary["avg_spread"] = r(spread_sum / n, 3);
    summary["median_spread"] = r(median, 3);
    summary["avg_bid_size"] = r(double(bid_total) / n, 1);
    summary["avg_ask_size"] = r(double(ask_total) / n, 1);
  }

  json sweeps = json::array();
  for (auto it = sweeps_.rbegin(); it != sweeps_.rend(); ++it) {
    sweeps.push_back({{"t", it->t_ms},
                      {"last_t", it->last_t_ms},
                      {"side", trade_side_name(it->side)},
                      {"type", type_name(it->type)},
                      {"strikes", it->strikes},
                      {"trades", it->trades},
                      {"contracts", it->contracts}});
  }
  json absorption = json::array();
  for (auto it = absorptions_.rbegin(); it != absorptions_.rend(); ++it) {
    absorption.push_back({{"t", it->t_ms},
                          {"last_t", it->last_t_ms},
                          {"strike", it->strike},
                          {"type", type_name(it->type)},
                          {"contracts", it->contracts},
                          {"spot_move", r(it->spot_move, 2)}});
  }

  changed_ = false;
  return {{"symbol", symbol_},
          {"epoch", epoch},
          {"seq", seq},
          {"ts", ts_ms},
          {"spot", spot_ ? json(r(*spot_, 2)) : json(nullptr)},
          {"band_pct", params_.band_pct},
          {"quotes", std::move(quotes)},
          {"summary", std::move(summary)},
          {"sweeps", std::move(sweeps)},
          {"absorption", std::move(absorption)}};
}

}  // namespace ms::quant
