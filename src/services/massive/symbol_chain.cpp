#include "services/massive/symbol_chain.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/option_ticker.hpp"

namespace ms::massive {

namespace {

std::optional<double> finite(std::optional<double> v) {
  if (v && std::isfinite(*v)) return v;
  return std::nullopt;
}

std::optional<double> mid_of(double bid, double ask) {
  if (bid > 0 && ask > 0 && ask >= bid) return (bid + ask) / 2.0;
  return std::nullopt;
}

}  // namespace

SymbolChain::SymbolChain(std::string symbol, quant::HeatmapConfig config)
    : symbol_(std::move(symbol)), heatmap_(std::move(config)) {}

const ChainContract* SymbolChain::find(std::string_view ticker) const {
  const auto i = index_of(ticker);
  return i ? &contracts_[*i] : nullptr;
}

bool SymbolChain::replace(const std::vector<marketdata::OptionContractSnapshot>& snapshot, core::Date session,
                          core::EpochMs now_ms, double spot, double vix) {
  std::vector<ChainContract> next;
  next.reserve(snapshot.size());
  std::set<std::string> seen;
  for (const auto& s : snapshot) {
    const auto t = core::parse_option_ticker(s.ticker);
    if (!t) continue;
    const auto underlying = core::underlying_for_root(t->root);
    if (!underlying || *underlying != symbol_) continue;
    // Expired: before the session date (Q10), or its settlement instant has passed (today's PM
    // series after the close, an AM monthly from its expiry morning).
    if (core::is_expired(t->expiry, session)) continue;
    const auto settlement = core::settlement_for_root(t->root).value_or(core::Settlement::pm);
    if (core::expiration_ms(t->expiry, settlement) <= now_ms) continue;
    if (!seen.insert(s.ticker).second) continue;  // a repeated ticker: the first wins
    ChainContract c;
    c.ticker = s.ticker;
    c.root = t->root;
    c.expiry = t->expiry;
    c.expiry_text = core::format_date(t->expiry);
    c.strike = t->strike();
    c.type = t->right == core::OptionRight::call ? quant::OptionType::call : quant::OptionType::put;
    c.gamma = finite(s.gamma);
    c.open_interest = finite(s.open_interest);
    c.quote.bid = finite(s.bid);
    c.quote.ask = finite(s.ask);
    c.quote.mid = finite(s.midpoint);
    c.quote.last = finite(s.last_price);
    c.quote.iv = finite(s.implied_volatility);
    c.stored = marketdata::stored_contract_json(s.wire);
    // A feed quote is at least as fresh as the snapshot's; keep it.
    if (const auto* old = find(s.ticker)) {
      if (old->feed_quote && old->quote.bid && old->quote.ask) {
        c.quote.bid = old->quote.bid;
        c.quote.ask = old->quote.ask;
        c.quote.mid = old->quote.mid;
        c.quote.iv = old->quote.iv;  // the snapshot's IV belongs to the snapshot's quote
        c.bid_size = old->bid_size;
        c.ask_size = old->ask_size;
      }
      if (old->quote.last && !c.quote.last) c.quote.last = old->quote.last;
    }
    next.push_back(std::move(c));
  }
  std::sort(next.begin(), next.end(), [](const ChainContract& a, const ChainContract& b) { return a.ticker < b.ticker; });

  // Both lists are sorted by ticker: one merge gives what entered and what left.
  entered_.clear();
  exited_.clear();
  std::size_t i = 0, j = 0;
  while (i < next.size() || j < contracts_.size()) {
    if (j == contracts_.size() || (i < next.size() && next[i].ticker < contracts_[j].ticker)) {
      entered_.push_back(next[i++].ticker);
    } else if (i == next.size() || contracts_[j].ticker < next[i].ticker) {
      exited_.push_back(contracts_[j++].ticker);
    } else {
      ++i;
      ++j;
    }
  }
  const bool changed = !loaded_ || !entered_.empty() || !exited_.empty();
  contracts_ = std::move(next);
  index_.clear();
  for (std::uint32_t i = 0; i < contracts_.size(); ++i) index_.emplace(contracts_[i].ticker, i);
  session_ = session;
  minute_ms_ = core::floor_to_minute(now_ms);
  loaded_ = true;
  if (changed) ++version_;
  rebuild(spot, vix);
  return changed;
}

std::vector<double> SymbolChain::years_for(core::EpochMs minute_ms) const {
  std::vector<double> out;
  out.reserve(expiries_.size());
  // Tiles use the PM-settled series (SPXW/NDXP) where both exist, so time runs to the close.
  // T runs from the start of the market-clock minute down to the close; the heatmap's floor
  // (one minute) only keeps it positive in the last minute.
  const double floor = heatmap_.config().min_years;
  for (const auto& e : expiries_) {
    out.push_back(core::years_to_expiry(minute_ms, core::expiration_ms(e, core::Settlement::pm), floor));
  }
  return out;
}

void SymbolChain::rebuild(double spot, double vix) {
  std::set<core::Date> dates;
  for (const auto& c : contracts_) dates.insert(c.expiry);
  expiries_.assign(dates.begin(), dates.end());
  const auto years = years_for(minute_ms_);

  quant::HeatmapInput in;
  in.symbol = symbol_;
  in.spot = spot > 0 ? spot : 0;
  in.vix = vix > 0 ? vix : 0;
  in.pricing_minute_ms = minute_ms_;
  for (std::size_t i = 0; i < expiries_.size(); ++i) {
    in.expiries.push_back({core::calendar_dte(session_, expiries_[i]), core::format_date(expiries_[i]), years[i]});
  }
  in.contracts.reserve(contracts_.size());
  for (const auto& c : contracts_) {
    const auto e = std::lower_bound(expiries_.begin(), expiries_.end(), c.expiry) - expiries_.begin();
    in.contracts.push_back({c.root, std::uint32_t(e), c.strike, c.type, c.quote});
  }
  spot_ = in.spot;
  vix_ = in.vix;
  heatmap_.rebuild(in);
}

std::optional<std::uint32_t> SymbolChain::index_of(std::string_view ticker) const {
  const auto it = index_.find(ticker);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

bool SymbolChain::on_quote(std::string_view ticker, double bid, double ask, std::int64_t bid_size,
                           std::int64_t ask_size) {
  const auto i = index_of(ticker);
  return i && on_quote(*i, bid, ask, bid_size, ask_size);
}

bool SymbolChain::on_quote(std::uint32_t index, double bid, double ask, std::int64_t bid_size,
                           std::int64_t ask_size) {
  if (!std::isfinite(bid) || !std::isfinite(ask) || bid < 0 || ask < 0) return false;
  auto& c = contracts_[index];
  c.bid_size = bid_size;
  c.ask_size = ask_size;
  c.feed_quote = true;
  if (c.quote.bid == bid && c.quote.ask == ask) return false;
  c.quote.bid = bid;
  c.quote.ask = ask;
  c.quote.mid = mid_of(bid, ask);
  // The vendor's IV described the snapshot's quote; the smile fit solves this one's from its mid.
  c.quote.iv.reset();
  heatmap_.update_quote(index, c.quote);
  return true;
}

bool SymbolChain::on_trade(std::string_view ticker, double price) {
  const auto i = index_of(ticker);
  return i && on_trade(*i, price);
}

bool SymbolChain::on_trade(std::uint32_t index, double price) {
  if (!std::isfinite(price) || price <= 0) return false;
  auto& c = contracts_[index];
  if (c.quote.last == price) return false;
  c.quote.last = price;
  // The last price moves a tile only when the contract has no quote mid (spec §5.1 rule 8).
  if (!c.quote.mid) heatmap_.update_quote(index, c.quote);
  return true;
}

void SymbolChain::set_market(double spot, double vix) {
  if (!loaded_ || spot <= 0 || !std::isfinite(spot)) return;
  if (!(vix > 0) || !std::isfinite(vix)) vix = vix_;
  if (spot == spot_ && vix == vix_) return;
  spot_ = spot;
  vix_ = vix;
  heatmap_.set_market(spot, vix);
}

void SymbolChain::set_time(core::EpochMs now_ms) {
  const auto minute = core::floor_to_minute(now_ms);
  if (!loaded_ || minute == minute_ms_) return;
  minute_ms_ = minute;
  const auto years = years_for(minute);
  heatmap_.set_pricing_minute(minute);
  for (std::size_t i = 0; i < years.size(); ++i) heatmap_.set_years_to_expiry(i, years[i]);
  // The smile refit throttle: once per market-clock minute (and at every snapshot, through
  // rebuild()); ticks in between price from the held smiles.
  heatmap_.refit_smiles();
}

quant::GexInput SymbolChain::gex_input(double spot) const {
  quant::GexInput in;
  in.symbol = symbol_;
  in.spot = spot > 0 ? spot : 0;
  in.min_expiry_date = core::format_date(session_);
  in.contracts.reserve(contracts_.size());
  for (const auto& c : contracts_) {
    in.contracts.push_back({c.expiry_text, c.strike, c.type, c.gamma, c.open_interest});
  }
  return in;
}

std::vector<RankedContract> SymbolChain::ranked_contracts(double spot) const {
  std::vector<RankedContract> out;
  out.reserve(contracts_.size());
  for (const auto& c : contracts_) {
    const double d = spot > 0 ? std::abs(c.strike - spot) / spot : 0;
    out.push_back({core::calendar_dte(session_, c.expiry), d, c.ticker});
  }
  std::stable_sort(out.begin(), out.end(), [](const RankedContract& a, const RankedContract& b) {
    if (a.dte != b.dte) return a.dte < b.dte;
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.ticker < b.ticker;
  });
  return out;
}

}  // namespace ms::massive
