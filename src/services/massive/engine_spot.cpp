// MassiveEngine: spot values (REST snapshots and the indices feed), the trail, candles.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <algorithm>

#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bus/keys.hpp"
#include "quant/model_envelope.hpp"
#include "services/massive/massive_engine.hpp"

namespace ms::massive {

namespace asio = boost::asio;

double MassiveEngine::spot_of(const std::string& symbol) const {
  const auto it = spots_.find(symbol);
  return it == spots_.end() ? 0.0 : it->second.value;
}

std::optional<double> MassiveEngine::vix() const {
  const double v = spot_of("I:VIX");
  return v > 0 ? std::optional<double>(v) : std::nullopt;
}

namespace {

// A vendor stamp further ahead of the market clock than this is not believed: ordering by it
// would hold back every later update until the clock caught up. A minute of market time, or 10
// wall seconds of it at the simulator's speed (its clock reaches massive once a market second).
constexpr core::EpochMs kMaxStampAheadMs = 60'000;
constexpr double kMaxStampAheadWallSec = 10;

}  // namespace

core::EpochMs MassiveEngine::stamp_tolerance_ms() const {
  const double speed = std::max(1.0, ctx_.clock().speed());
  return std::max(kMaxStampAheadMs, core::EpochMs(kMaxStampAheadWallSec * 1000 * speed));
}

void MassiveEngine::drop_spot(std::string_view reason, std::string_view source) {
  ctx_.metrics()
      .counter("massive_spot_dropped_total",
               "Spot updates not applied: older than the last applied one (stale), stamped in the future, or unstamped",
               {{"reason", std::string(reason)}, {"source", std::string(source)}})
      .inc();
}

// The vendor's own timestamp orders every spot source (the REST snapshot's last_updated, the
// V. event's t, the stock snapshot's lastTrade.t), so a snapshot older than the last V. event
// never overwrites it (on_spot drops it). A snapshot without a stamp can only seed a symbol
// that has no value yet.
core::EpochMs MassiveEngine::snapshot_stamp(const std::string& symbol, std::optional<core::EpochMs> stamp,
                                            std::string_view source) {
  const core::EpochMs now = market_now();
  if (stamp && *stamp <= 0) stamp.reset();
  if (!stamp) {
    if (spot_of(symbol) > 0) {
      drop_spot("unstamped", source);
      return 0;
    }
    return now;
  }
  if (*stamp > now + stamp_tolerance_ms()) {
    drop_spot("future", source);
    return 0;
  }
  return *stamp;
}

asio::awaitable<void> MassiveEngine::spot_loop() {
  std::vector<std::string> indices;
  for (const auto& s : config_.spot_symbols) {
    if (s.rfind("I:", 0) == 0) indices.push_back(s);
  }
  std::uint64_t failures = 0;
  while (!stopping_) {
    if (clock_ready_) {
      try {
        if (!indices.empty()) {
          const auto snaps = co_await rest_->index_snapshots(indices);
          for (const auto& s : snaps) {
            if (!s.value) continue;
            const auto t = snapshot_stamp(s.ticker, s.last_updated_ms, "rest");
            if (t > 0) on_spot(s.ticker, *s.value, t, "massive/spot");
          }
        }
        for (const auto& sym : config_.stock_symbols) {
          const auto snap = co_await rest_->stock_snapshot(sym);
          const double value = snap.last_trade_price.value_or(snap.close);
          const auto t = snapshot_stamp(sym, snap.last_trade_price ? snap.last_trade_ms : snap.minute_ts_ms, "rest");
          if (t > 0) on_spot(sym, value, t, "massive/spot", &snap);
        }
      } catch (const std::exception& e) {
        rest_errors_->inc();
        if (++failures == 1 || failures % 60 == 0) spdlog::warn("massive: spot snapshot failed: {}", e.what());
      }
    }
    if (!co_await pause(config_.spot_interval)) break;
  }
}

void MassiveEngine::on_spot(const std::string& symbol, double value, core::EpochMs t_ms, std::string_view source,
                            const marketdata::StockSnapshot* stock) {
  if (!admit_spot(symbol, value, t_ms, source)) return;  // engine_guard.cpp: counted by reason
  if (!(value > 0) || !std::isfinite(value)) return;
  auto& spot = spots_[symbol];
  // Older than what is applied: each flip back would re-price every tile. Unless the market clock
  // itself went back past the applied stamp (a restarted simulator or feed): then start over.
  if (t_ms < spot.t_ms && spot.t_ms <= market_now() + stamp_tolerance_ms()) {
    drop_spot("stale", source == "massive/ws" ? "ws" : "rest");
    return;
  }
  if (spot.value == value) {  // Q16: an unchanged value is no update
    spot.t_ms = t_ms;
    return;
  }
  const bool first = spot.value <= 0;
  spot.value = value;
  spot.t_ms = t_ms;

  const auto seq = next_seq("spot", symbol);
  const std::string iso = quant::iso8601_utc(t_ms);
  nlohmann::json model{{"symbol", symbol}, {"value", value},    {"ts", iso},
                       {"ts_ms", t_ms},    {"source", source},  {"timeframe", "REAL-TIME"},
                       {"epoch", epoch_},  {"seq", seq}};
  if (stock) {
    model["open"] = stock->open;
    model["high"] = stock->high;
    model["low"] = stock->low;
    model["close"] = stock->close;
    model["volume"] = stock->volume;
    model["instrument_type"] = "ETF";
  }
  const std::string text = model.dump();
  const std::string trail = bus::keys::spot_trail(symbol);
  const double score = double(t_ms) / 1000.0;
  out_->set(bus::keys::spot_model(symbol), text);
  out_->push({"ZADD", trail, std::to_string(score),
              nlohmann::json{{"value", value}, {"ts", iso}, {"ts_ms", t_ms}}.dump()});
  out_->push({"ZREMRANGEBYSCORE", trail, "-inf", "(" + std::to_string(score - double(config_.trail_window_sec))});
  out_->push({"EXPIRE", trail, std::to_string(config_.trail_ttl_sec)});
  out_->publish(bus::keys::spot_update(symbol), text);

  auto c = candles_.find(symbol);
  if (c == candles_.end()) c = candles_.emplace(symbol, quant::CandleBuilder(symbol, config_.candle_sessions)).first;
  c->second.add(t_ms, value);

  if (auto it = chains_.find(symbol); it != chains_.end()) {
    it->second->set_market(value, vix().value_or(0));
    on_micro_spot(symbol, value, t_ms);
    // The chain waits for its first spot (the window's centre): fetch it now, not a cycle later.
    if (first && !it->second->loaded()) wake_chain_loop();
  } else if (symbol == "I:VIX") {
    for (auto& [sym, chain] : chains_) chain->set_market(spot_of(sym), value);
  }
}

}  // namespace ms::massive
