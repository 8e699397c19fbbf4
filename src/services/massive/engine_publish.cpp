// MassiveEngine: coalesced publication of the heatmap (diff + model), candles and the volume
// profile; state reloaded at start.
#include <utility>  // before Asio: boost/asio/awaitable.hpp in 1.74 misses it
#include <chrono>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bus/keys.hpp"
#include "quant/heatmap_json.hpp"
#include "services/massive/engine_support.hpp"
#include "services/massive/massive_engine.hpp"

namespace ms::massive {

namespace asio = boost::asio;

namespace {

constexpr std::int64_t kCandleTtlSec = 8 * 86400;
// 1-point bins: SPX 0 to 20,000, far more than SPX can travel while the hash accumulates, so
// the bound only ever cuts off prints that were never real.
constexpr std::size_t kVolumeProfileMaxBins = 20'000;

}  // namespace

asio::awaitable<void> MassiveEngine::load_state() {
  auto market = ctx_.bus(std::string(bus::keys::buses::market));
  // The live volume hash accumulates across restarts; the served profile is built from it, so
  // no profile is published until it has been read (trades keep accumulating meanwhile).
  for (int attempt = 1;; ++attempt) {
    try {
      const auto hash = co_await market->hgetall(std::string(bus::keys::volume_profile_hash.tmpl));
      // A bucket that cannot be a real SPX volume (an absurd print stored before the input
      // guard existed, a foreign field) would poison every profile after every restart: it is
      // dropped from the hash and counted, and the rest is kept.
      const std::vector<std::pair<std::string, std::string>> fields(hash.begin(), hash.end());
      auto checked = check_volume_hash(fields, guard_.limits());
      volume_totals_ = std::move(checked.buckets);
      if (!checked.dropped.empty()) {
        std::vector<std::string> hdel;
        hdel.push_back("HDEL");
        hdel.push_back(std::string(bus::keys::volume_profile_hash.tmpl));
        for (const auto& [field, reason] : checked.dropped) {
          count_rejected("volume_hash", reason);
          hdel.push_back(field);
        }
        out_->push(std::move(hdel));
        spdlog::warn("massive: dropped {} bad buckets of the stored volume profile", checked.dropped.size());
      }
      break;
    } catch (const std::exception& e) {
      if (attempt == 1) spdlog::warn("massive: could not read the volume profile hash (retrying): {}", e.what());
    }
    if (!co_await pause(std::chrono::seconds(1))) co_return;
  }
  volume_loaded_ = true;
  // Candles continue from their stored model (seven sessions of history survive a restart).
  for (const auto& symbol : config_.spot_symbols) {
    try {
      const auto stored = co_await market->get(bus::keys::candles_model(symbol));
      if (!stored) continue;
      quant::CandleBuilder b(symbol, config_.candle_sessions);
      b.restore(nlohmann::json::parse(*stored));
      // A spot that arrived during the GET already started a builder: keep the live one.
      candles_.try_emplace(symbol, std::move(b));
    } catch (const std::exception& e) {
      spdlog::warn("massive: stored candles of {} ignored: {}", symbol, e.what());
    }
  }
  co_await restore_ideas();
}

asio::awaitable<void> MassiveEngine::publish_loop() {
  auto last_flush = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (!co_await pause(config_.heatmap_publish_interval)) break;
    for (auto& [_, chain] : chains_) {
      if (chain->loaded()) publish_heatmap(*chain);
    }
    publish_candles();
    publish_micro();
    if (volume_.flush_due(wall_ms())) flush_volume();
    if (std::chrono::steady_clock::now() - last_flush > std::chrono::seconds(1)) {
      last_flush = std::chrono::steady_clock::now();
      update_feed_metrics();
      if (recorder_) {
        try {
          recorder_->flush();
        } catch (const std::exception& e) {
          spdlog::error("massive: recording stopped: {}", e.what());
          recorder_.reset();
        }
      }
    }
  }
}

MassiveEngine::HeatmapPublication& MassiveEngine::heatmap_publication(const std::string& symbol) {
  if (auto it = heatmap_pubs_.find(symbol); it != heatmap_pubs_.end()) return it->second;
  auto& m = ctx_.metrics();
  const core::Labels l{{"symbol", symbol}};
  const char* published = "Bytes of heatmap JSON massive wrote to market-redis";
  HeatmapPublication p{ReplayWindow({config_.heatmap_model_interval, config_.replay_max_bytes})};
  p.model_bytes = &m.counter("massive_heatmap_bytes_total", published, {{"symbol", symbol}, {"kind", "model"}});
  p.diff_bytes = &m.counter("massive_heatmap_bytes_total", published, {{"symbol", symbol}, {"kind", "diff"}});
  const char* writes = "Heatmap models SET and diffs published by massive";
  p.model_writes = &m.counter("massive_heatmap_writes_total", writes, {{"symbol", symbol}, {"kind", "model"}});
  p.diff_writes = &m.counter("massive_heatmap_writes_total", writes, {{"symbol", symbol}, {"kind", "diff"}});
  p.replay_bytes = &m.gauge("massive_heatmap_replay_bytes", "Bytes of diffs the replay stream holds", l);
  p.replay_entries = &m.gauge("massive_heatmap_replay_entries", "Diffs the replay stream holds", l);
  return heatmap_pubs_.emplace(symbol, std::move(p)).first->second;
}

void MassiveEngine::publish_heatmap(SymbolChain& chain, bool final) {
  const auto t0 = std::chrono::steady_clock::now();
  auto& builder = chain.heatmap();
  const auto& symbol = chain.symbol();
  auto& pub = heatmap_publication(symbol);
  const std::string replay = bus::keys::heatmap_replay(symbol);
  const auto diff = builder.take_diff();
  bool geometry_changed = false;
  if (!diff.empty()) {  // DESIGN §9: no empty diffs
    const auto seq = next_seq("heatmap", symbol);
    const quant::ModelEnvelope env{market_now(), epoch_, seq, seq - 1};
    std::string delta;
    quant::write_heatmap_diff_json(delta, builder, diff, env);
    // Stream ids are the seqs; the previous epoch's entries would refuse them (and bridge nothing).
    if (pub.window.fresh()) out_->push({"DEL", replay});
    out_->push({"XADD", replay, std::to_string(seq) + "-0", "payload", delta});
    out_->push({"EXPIRE", replay, std::to_string(config_.replay_ttl_sec)});
    pub.window.on_diff(seq, delta.size());
    pub.diff_bytes->inc(delta.size());
    pub.diff_writes->inc();
    out_->publish(bus::keys::heatmap_diff(symbol), std::move(delta));
    pub.seq = seq;
    geometry_changed = diff.expirations_changed || !diff.removed.empty() || chain.version() != pub.chain_version;
  }
  const bool lagging = pub.seq != pub.window.model_seq();
  if (pub.window.model_due(t0, geometry_changed) || (final && lagging)) {
    const quant::ModelEnvelope env{market_now(), epoch_, pub.seq, pub.seq - 1};
    std::string model;
    quant::write_heatmap_model_json(model, builder, env);
    pub.model_bytes->inc(model.size());
    pub.model_writes->inc();
    out_->set(bus::keys::heatmap_model(symbol), std::move(model), config_.model_ttl_sec);
    if (const auto keep = pub.window.on_model(pub.seq, t0)) {
      out_->push({"XTRIM", replay, "MINID", std::to_string(*keep) + "-0"});
    }
    pub.chain_version = chain.version();
  }
  pub.replay_bytes->set(double(pub.window.bytes()));
  pub.replay_entries->set(double(pub.window.entries()));
  if (!diff.empty()) {
    build_heatmap_->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
}

void MassiveEngine::publish_candles() {
  for (auto& [symbol, builder] : candles_) {
    if (!builder.has_changes()) continue;
    const auto changes = builder.take_changes();
    const auto seq = next_seq("candles", symbol);
    out_->set(bus::keys::candles_model(symbol), builder.model_json(epoch_, std::uint64_t(seq)).dump(), kCandleTtlSec);
    out_->publish(bus::keys::candles_update(symbol), builder.update_json(changes, epoch_, std::uint64_t(seq)).dump());
  }
}

void MassiveEngine::flush_volume() {
  if (!volume_loaded_ || volume_.pending_buckets() == 0) return;
  const auto increments = volume_.take(wall_ms());
  const std::string hash(bus::keys::volume_profile_hash.tmpl);
  for (const auto& [bucket, volume] : increments) {
    out_->push({"HINCRBY", hash, std::to_string(bucket), std::to_string(volume)});
    volume_totals_[bucket] += double(volume);
  }
  std::vector<std::pair<double, double>> levels;
  levels.reserve(volume_totals_.size());
  for (const auto& [bucket, volume] : volume_totals_) levels.emplace_back(double(bucket) / 100.0, volume);
  quant::ProfileOptions po;
  po.max_bins = kVolumeProfileMaxBins;
  const auto profile = quant::build_volume_profile(levels, po);
  volume_outside_->set(double(profile.outside_bins));
  const auto seq = next_seq("volume_profile", "SPX");
  auto json = quant::volume_profile_to_json(profile, "SPX", std::uint64_t(seq), market_now());
  json["epoch"] = epoch_;
  const std::string text = json.dump();
  out_->set(std::string(bus::keys::volume_profile_model.tmpl), text);
  out_->publish(std::string(bus::keys::volume_profile_update.tmpl), text);
}

}  // namespace ms::massive
