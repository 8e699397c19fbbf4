#pragma once
// OHLC candles (5m / 15m / 1h) from the spot trail, in market time (DESIGN §9 "Candles").
// A candle's bucket is floor(t / size) * size in UTC epoch ms (New York offsets are whole hours,
// so 1h buckets are New York clock hours); o = first, h = max, l = min, c = last. In JSON a
// candle is {"t": <bucket start, epoch ms>, "o", "h", "l", "c"}: integer epoch milliseconds like
// every numeric time of the platform (the original used seconds).
// Points with a NaN, infinite or non-positive price are ignored; the incremental builder also
// ignores points older than the last accepted one (equal timestamps are accepted).
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ms::quant {

struct TrailPoint {
  std::int64_t ts_ms;
  double price;
};

struct Candle {
  std::int64_t t_ms;  // bucket start
  double o, h, l, c;
  bool operator==(const Candle&) const = default;
};

enum class CandleInterval { m5, m15, h1 };
inline constexpr std::array<CandleInterval, 3> kCandleIntervals{CandleInterval::m5,
                                                                CandleInterval::m15,
                                                                CandleInterval::h1};
std::int64_t interval_ms(CandleInterval interval);
std::string_view model_field(CandleInterval interval);  // "candles_5m", "candles_15m", "candles_1h"

std::int64_t candle_bucket(std::int64_t ts_ms, std::int64_t size_ms);  // floor, also below 0

// Batch build: points are sorted by time (stable, so equal times keep their order) first.
std::vector<Candle> build_candles(std::vector<TrailPoint> points, std::int64_t size_ms);

nlohmann::json candle_to_json(const Candle& candle);
// Throws core::Error("bad_candle_model") naming what is wrong.
Candle candle_from_json(const nlohmann::json& json);

// The candles of the last `sessions` New York dates present in the series (the gateway's `days`:
// days=1 is the latest session that has candles, whatever the weekday). sessions <= 0 -> empty.
std::vector<Candle> last_sessions(const std::vector<Candle>& candles, int sessions);
// The gateway's view of a stored model: each candles_* series cut to the last `days` sessions
// (days clamped to 1..7), other fields kept, "days" added. Throws core::Error("bad_candle_model").
nlohmann::json filter_candle_model(const nlohmann::json& model, int days);

struct CandleChanges {
  std::vector<Candle> m5, m15, h1;
  bool empty() const { return m5.empty() && m15.empty() && h1.empty(); }
  std::vector<Candle>& of(CandleInterval interval);
  const std::vector<Candle>& of(CandleInterval interval) const;
};

// Incremental builder for one symbol: feed trail points in time order, publish what changed.
// Keeps the candles of the last `keep_sessions` New York dates seen (7 by default). Not
// thread-safe: one owner feeds it.
class CandleBuilder {
 public:
  explicit CandleBuilder(std::string symbol, std::size_t keep_sessions = 7);

  // False when the point is ignored (bad price, or older than the last accepted point).
  bool add(std::int64_t ts_ms, double price);
  // The candles changed since the last take (current values, time order), then forgets them.
  CandleChanges take_changes();
  bool has_changes() const;

  const std::deque<Candle>& candles(CandleInterval interval) const;
  const std::string& symbol() const { return symbol_; }
  std::optional<double> spot() const { return spot_; }
  std::optional<std::int64_t> last_ts_ms() const { return last_ts_; }

  // {symbol, epoch, seq, ts, spot, candles_5m, candles_15m, candles_1h}; ts and spot are the last
  // accepted point (null before any).
  nlohmann::json model_json(std::string_view epoch, std::uint64_t seq) const;
  // The same shape holding only `changes` (what massive:candles:update:{SYM} carries).
  nlohmann::json update_json(const CandleChanges& changes, std::string_view epoch,
                             std::uint64_t seq) const;
  // Continue from a stored model (after a restart). Throws core::Error("bad_candle_model") and
  // leaves the builder unchanged when the model is malformed or for another symbol.
  void restore(const nlohmann::json& model);

 private:
  void note_session(std::int64_t ts_ms);
  void prune();
  std::size_t index(CandleInterval interval) const { return std::size_t(interval); }

  std::string symbol_;
  std::size_t keep_sessions_;
  std::array<std::deque<Candle>, 3> series_;
  std::array<std::set<std::int64_t>, 3> dirty_;
  std::deque<std::int64_t> session_starts_;  // New York midnight (ms) of each kept session date
  std::int64_t day_start_ms_ = 0, day_end_ms_ = 0;
  std::optional<std::int64_t> last_ts_;
  std::optional<double> spot_;
};

}  // namespace ms::quant
