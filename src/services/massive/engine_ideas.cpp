// MassiveEngine: the 0-DTE microstructure model (DESIGN §9 "MEL inputs") and the trade
// selector's idea tracking (spec §5.5), both fed on the strand.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bus/keys.hpp"
#include "services/massive/massive_engine.hpp"

namespace ms::massive {

namespace asio = boost::asio;

namespace {
constexpr std::int64_t kMicroTtlSec = 86400;
constexpr std::int64_t kTrackingTtlSec = 604800;
constexpr int kHistoryKeep = 10000;
}  // namespace

quant::MicroBuilder& MassiveEngine::micro_for(const std::string& symbol) {
  auto it = micro_.find(symbol);
  if (it == micro_.end()) {
    quant::MicroParams p;
    p.band_pct = config_.micro_band_pct;
    it = micro_.try_emplace(symbol, symbol, p).first;
  }
  return it->second;
}

void MassiveEngine::on_micro_spot(const std::string& symbol, double value, core::EpochMs t_ms) {
  if (chains_.count(symbol)) micro_for(symbol).set_spot(value, t_ms);
}

void MassiveEngine::on_micro_quote(const SymbolChain& chain, const ChainContract& c, const marketdata::QuoteEvent& q) {
  if (!chain.is_zero_dte(c)) return;
  micro_for(chain.symbol()).on_quote(q.sym, c.strike, c.type, q.bid, q.ask, q.bid_size, q.ask_size, q.t_ms);
}

void MassiveEngine::on_micro_trade(const SymbolChain& chain, const ChainContract& c, const marketdata::TradeEvent& t) {
  if (!chain.is_zero_dte(c)) return;
  micro_for(chain.symbol()).on_trade(t.sym, c.strike, c.type, t.price, t.size, t.t_ms);
}

void MassiveEngine::publish_micro() {
  for (auto& [symbol, micro] : micro_) {
    if (!micro.changed()) continue;
    const auto seq = next_seq("micro", symbol);
    const std::string text = micro.model_json(epoch_, std::uint64_t(seq), market_now()).dump();
    out_->set(bus::keys::micro_model(symbol), text, kMicroTtlSec);
    out_->publish(bus::keys::micro_update(symbol), text);
  }
}

void MassiveEngine::on_session_change() {
  for (auto& [_, micro] : micro_) micro.clear();
}

asio::awaitable<void> MassiveEngine::restore_ideas() {
  if (!config_.selector_tracking) co_return;
  auto market = ctx_.bus(std::string(bus::keys::buses::market));
  for (const auto& symbol : config_.chain_symbols) {
    std::map<std::string, std::string> active;
    try {
      active = co_await market->hgetall(bus::keys::selector_tracking_active(symbol));
    } catch (const std::exception& e) {
      spdlog::warn("massive: could not reload tracked ideas of {}: {}", symbol, e.what());
    }
    // Created only now: until then track_ideas() skips the symbol, so nothing is tracked twice.
    auto [it, _] = trackers_.try_emplace(symbol, symbol, config_.selector_top_n);
    const auto n = it->second.restore(active);
    if (n > 0) spdlog::info("massive: tracking {} active ideas of {} again", n, symbol);
  }
  watch_awaiting_ideas();  // engine_close.cpp: ideas that expired while massive was down
}

void MassiveEngine::settle_ideas(const std::string& symbol, core::EpochMs expiration_ms, const OfficialValue& v,
                                 OfficialKind kind) {
  if (!config_.selector_tracking) return;
  const auto it = trackers_.find(symbol);
  if (it == trackers_.end()) return;
  SettlementValue s;
  s.expiration_ms = expiration_ms;
  s.value = v.value;
  s.source = v.source == "vendor" ? "vendor" : "last_tick";
  s.final = v.final;
  s.style = kind == OfficialKind::am_settlement ? "am" : "pm";
  s.now_ms = market_now();
  apply_tracking_writes(symbol, it->second.settle(s));
}

void MassiveEngine::track_ideas(const std::string& symbol, const quant::SelectorResult& result) {
  if (!config_.selector_tracking) return;
  auto it = trackers_.find(symbol);
  if (it == trackers_.end()) return;  // not restored yet
  const auto& chain = *chains_.at(symbol);
  TrackingContext tc;
  tc.now_ms = market_now();
  tc.spot = result.context.spot;
  tc.vix = result.context.vix;
  tc.regime = std::string(quant::selector_regime_name(result.context.regime));
  if (auto g = gex_.find(symbol); g != gex_.end()) {
    tc.gex_flip = g->second.all_levels.flip;
    tc.call_wall = g->second.all_levels.call_wall;
    tc.put_wall = g->second.all_levels.put_wall;
  }
  const auto expirations = chain.heatmap().expirations();
  tc.expiration_ms = [expirations](int dte) -> std::optional<std::int64_t> {
    for (const auto& e : expirations) {
      if (e.dte != dte) continue;
      if (const auto d = core::parse_date(e.date)) return core::expiration_ms(*d, core::Settlement::pm);
    }
    return std::nullopt;
  };
  apply_tracking_writes(symbol, it->second.update(result, tc));
}

void MassiveEngine::apply_tracking_writes(const std::string& symbol, const TrackingWrites& writes) {
  if (writes.empty()) return;
  const std::string active = bus::keys::selector_tracking_active(symbol);
  const std::string history = bus::keys::selector_tracking_history(symbol);
  const std::string stats = bus::keys::selector_tracking_stats(symbol);
  const std::string totals = bus::keys::selector_tracking_totals(symbol);
  for (const auto& [id, json] : writes.active_set) out_->push({"HSET", active, id, json});
  if (!writes.active_set.empty()) out_->push({"EXPIRE", active, std::to_string(kTrackingTtlSec)});
  for (const auto& id : writes.active_del) out_->push({"HDEL", active, id});
  for (const auto& json : writes.history_remove) out_->push({"LREM", history, "1", json});
  for (const auto& json : writes.history_push) out_->push({"LPUSH", history, json});
  if (!writes.history_push.empty()) out_->push({"LTRIM", history, "0", std::to_string(kHistoryKeep - 1)});
  for (const auto& [field, by] : writes.stats_incr) out_->push({"HINCRBY", stats, field, std::to_string(by)});
  for (const auto& [field, by] : writes.stats_incr_float) {
    out_->push({"HINCRBYFLOAT", stats, field, nlohmann::json(by).dump()});
  }
  if (!writes.stats_incr.empty() || !writes.stats_incr_float.empty()) {
    out_->push({"EXPIRE", stats, std::to_string(kTrackingTtlSec)});
  }
  if (!writes.totals.empty()) {
    std::vector<std::string> cmd{"HSET", totals};
    for (const auto& [k, v] : writes.totals) {
      cmd.push_back(k);
      cmd.push_back(v);
    }
    out_->push(std::move(cmd));
  }
}

}  // namespace ms::massive
