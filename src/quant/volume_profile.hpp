#pragma once
// Volume profile: (a) the live SPY -> SPX bucket accumulator of massive's VP worker (spec massive
// §4.8) and (b) the served profile model (DESIGN §9 "Volume profile model").
//
// Model rules:
//   levels    dense bins from the lowest to the highest non-empty bin (empty bins are 0: they are
//             the low-volume nodes); a price goes to the nearest multiple of `bin` (ties to even).
//   POC       the bin with the most volume; ties go to the lower price.
//   value     starting at the POC, repeatedly add the larger of the next bin above and the next
//   area      bin below (one bin each side); on a tie add both; stop once the area holds >= 70 %
//             of the total. VAL / VAH are the area's lowest and highest bin.
//   HVN/LVN   local maxima / minima of the profile smoothed by a centred moving average over
//             `smoothing_window` bins (5 by default; shrinks at the edges). A run of equal smoothed
//             values counts once (at its middle, lower middle for even runs) and only when both
//             neighbours are lower (HVN) or higher (LVN); runs touching either end never count.
//             At most `max_nodes` of each are kept (the highest HVNs, the lowest LVNs), listed
//             by ascending price.
// An empty or all-zero profile has null poc/vah/val and no nodes.
// Bounded: prices that are not finite or not positive are skipped, and when the non-empty bins
// span more than `max_bins`, only the densest window of `max_bins` bins (the most volume; the
// lowest such window on a tie) is kept — one absurd print cannot stretch the dense levels over
// a price range nothing traded in. What was left out is reported (outside_bins/outside_volume).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ms::quant {

// ---- (a) Live accumulator -------------------------------------------------------------------

// SPX price in cents for a SPY trade price: round_half_even(p * 100) * 10 (697.53 -> 697530).
std::int64_t spy_to_spx_bucket(double spy_price);

class VolumeAccumulator {
 public:
  explicit VolumeAccumulator(std::int64_t flush_interval_ms = 1000);

  // False (and nothing counted) unless the price is finite and positive and size > 0.
  bool add_trade(double spy_price, std::int64_t size);
  // True when something is pending and `flush_interval` has passed since the last flush.
  bool flush_due(std::int64_t now_ms) const;
  // The pending bucket -> volume increments (for HINCRBY), cleared; records now_ms as the flush.
  std::map<std::int64_t, std::int64_t> take(std::int64_t now_ms);

  std::size_t pending_buckets() const { return pending_.size(); }
  std::int64_t trades_processed() const { return trades_; }
  std::int64_t volume_added() const { return volume_; }
  std::int64_t last_flush_ms() const { return last_flush_ms_; }

 private:
  std::int64_t flush_interval_ms_;
  std::map<std::int64_t, std::int64_t> pending_;
  std::int64_t trades_ = 0;
  std::int64_t volume_ = 0;
  std::int64_t last_flush_ms_ = 0;
};

// ---- (b) Profile model ----------------------------------------------------------------------

struct ProfileOptions {
  double bin = 1.0;               // price step of the served profile (> 0, a multiple of 0.01)
  double value_area = 0.70;       // fraction of total volume in the value area, (0, 1]
  int smoothing_window = 5;       // odd, >= 1; 1 = no smoothing
  std::size_t max_nodes = 10;     // per kind; 0 = no limit
  std::optional<double> min_price;  // drop levels outside [min_price, max_price]
  std::optional<double> max_price;
  std::size_t max_bins = 1'000'000;  // >= 1
};

struct VolumeProfile {
  double bin = 1.0;
  std::vector<std::pair<double, double>> levels;  // (price, volume), ascending price
  std::optional<double> poc, vah, val;
  std::vector<double> hvns, lvns;
  double total = 0.0;
  std::size_t outside_bins = 0;  // non-empty bins left out of the densest max_bins window
  double outside_volume = 0.0;
};

// From price -> volume (any prices; they are binned). Throws core::Error("bad_input") for bad
// options only, never for data: non-finite or non-positive prices and non-finite or
// non-positive volumes are skipped.
VolumeProfile build_volume_profile(const std::vector<std::pair<double, double>>& price_volume,
                                   const ProfileOptions& options = {});
// From the live hash massive:volume_profile:spx (field = SPX price in cents as text, value =
// volume as text); unparsable fields or values are skipped.
VolumeProfile build_volume_profile_from_hash(
    const std::vector<std::pair<std::string, std::string>>& hash_fields,
    const ProfileOptions& options = {});

// {symbol, seq, ts, bin, levels:[[price,volume]], poc, vah, val, hvns, lvns, total}
nlohmann::json volume_profile_to_json(const VolumeProfile& profile, const std::string& symbol,
                                      std::uint64_t seq, std::int64_t ts_ms);

}  // namespace ms::quant
