#include "quant/volume_profile.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "quant/rounding.hpp"

namespace ms::quant {

namespace {

// Prices beyond this many dollars are skipped before binning (cents must fit an int64).
constexpr double kMaxPrice = 1e12;

[[noreturn]] void bad_input(const std::string& why) {
  throw core::Error("bad_input", "volume profile: " + why);
}

std::int64_t bin_cents_of(double bin) {
  if (!std::isfinite(bin) || bin <= 0.0) bad_input("bin must be a positive number");
  const double cents = bin * 100.0;
  const double whole = std::round(cents);
  if (whole < 1.0 || std::fabs(cents - whole) > 1e-6) bad_input("bin must be a multiple of 0.01");
  return std::int64_t(whole);
}

void validate(const ProfileOptions& o) {
  bin_cents_of(o.bin);
  if (!(o.value_area > 0.0 && o.value_area <= 1.0)) bad_input("value_area must be in (0, 1]");
  if (o.smoothing_window < 1 || o.smoothing_window % 2 == 0) {
    bad_input("smoothing_window must be an odd number >= 1");
  }
  if (o.min_price && o.max_price && *o.min_price > *o.max_price) {
    bad_input("min_price is above max_price");
  }
  if (o.max_bins < 1) bad_input("max_bins must be >= 1");
}

// The run of sparse bins [first, last) spanning at most `max_bins` bin indices with the most
// volume; the lowest such run on a tie.
std::pair<std::size_t, std::size_t> densest_window(const std::vector<std::pair<std::int64_t, double>>& bins,
                                                   std::size_t max_bins) {
  std::size_t best_first = 0, best_last = 0, first = 0;
  double best = -1.0, sum = 0.0;
  for (std::size_t last = 0; last < bins.size(); ++last) {
    sum += bins[last].second;
    while (std::uint64_t(bins[last].first - bins[first].first) + 1 > max_bins) sum -= bins[first++].second;
    if (sum > best) {
      best = sum;
      best_first = first;
      best_last = last + 1;
    }
  }
  return {best_first, best_last};
}

bool nearly_equal(double a, double b) {
  return std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
}

std::vector<double> smooth(const std::vector<double>& v, int window) {
  const std::size_t n = v.size(), half = std::size_t(window / 2);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= half ? i - half : 0, hi = std::min(n - 1, i + half);
    double sum = 0.0;
    for (std::size_t j = lo; j <= hi; ++j) sum += v[j];
    out[i] = sum / double(hi - lo + 1);
  }
  return out;
}

struct Extrema {
  std::vector<std::size_t> peaks, troughs;
};

Extrema find_extrema(const std::vector<double>& s) {
  struct Run {
    std::size_t first, last;
    double value;
  };
  std::vector<Run> runs;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!runs.empty() && nearly_equal(runs.back().value, s[i])) {
      runs.back().last = i;
    } else {
      runs.push_back({i, i, s[i]});
    }
  }
  Extrema out;
  for (std::size_t r = 1; r + 1 < runs.size(); ++r) {
    const double prev = runs[r - 1].value, v = runs[r].value, next = runs[r + 1].value;
    const std::size_t middle = runs[r].first + (runs[r].last - runs[r].first) / 2;
    if (prev < v && next < v) out.peaks.push_back(middle);
    if (prev > v && next > v) out.troughs.push_back(middle);
  }
  return out;
}

// The strongest `limit` nodes by smoothed value (`higher_first` for HVNs), back in price order.
std::vector<std::size_t> strongest(std::vector<std::size_t> nodes, const std::vector<double>& s,
                                   std::size_t limit, bool higher_first) {
  if (limit > 0 && nodes.size() > limit) {
    std::stable_sort(nodes.begin(), nodes.end(), [&](std::size_t a, std::size_t b) {
      return higher_first ? s[a] > s[b] : s[a] < s[b];
    });
    nodes.resize(limit);
    std::sort(nodes.begin(), nodes.end());
  }
  return nodes;
}

}  // namespace

// ---- (a) Live accumulator -------------------------------------------------------------------

std::int64_t spy_to_spx_bucket(double spy_price) {
  return round_half_even_to_int(spy_price * 100.0) * 10;
}

VolumeAccumulator::VolumeAccumulator(std::int64_t flush_interval_ms)
    : flush_interval_ms_(std::max<std::int64_t>(0, flush_interval_ms)) {}

bool VolumeAccumulator::add_trade(double spy_price, std::int64_t size) {
  if (!std::isfinite(spy_price) || spy_price <= 0.0 || spy_price > 1e9 || size <= 0) return false;
  pending_[spy_to_spx_bucket(spy_price)] += size;
  ++trades_;
  volume_ += size;
  return true;
}

bool VolumeAccumulator::flush_due(std::int64_t now_ms) const {
  return !pending_.empty() && now_ms - last_flush_ms_ >= flush_interval_ms_;
}

std::map<std::int64_t, std::int64_t> VolumeAccumulator::take(std::int64_t now_ms) {
  std::map<std::int64_t, std::int64_t> out;
  out.swap(pending_);
  last_flush_ms_ = now_ms;
  return out;
}

// ---- (b) Profile model ----------------------------------------------------------------------

VolumeProfile build_volume_profile(const std::vector<std::pair<double, double>>& price_volume,
                                   const ProfileOptions& options) {
  validate(options);
  const std::int64_t bin_cents = bin_cents_of(options.bin);
  VolumeProfile p;
  p.bin = double(bin_cents) / 100.0;

  std::map<std::int64_t, double> bins;  // bin index -> volume
  for (const auto& [price, volume] : price_volume) {
    if (!std::isfinite(price) || price <= 0.0 || price > kMaxPrice) continue;
    if (!std::isfinite(volume) || volume <= 0.0) continue;
    const std::int64_t k = div_round_half_even(round_half_even_to_int(price * 100.0), bin_cents);
    const double bin_price = double(k * bin_cents) / 100.0;
    if (options.min_price && bin_price < *options.min_price) continue;
    if (options.max_price && bin_price > *options.max_price) continue;
    bins[k] += volume;
  }
  if (bins.empty()) return p;

  std::vector<std::pair<std::int64_t, double>> sparse(bins.begin(), bins.end());
  const auto [first, last] = densest_window(sparse, options.max_bins);
  for (std::size_t i = 0; i < sparse.size(); ++i) {
    if (i >= first && i < last) continue;
    ++p.outside_bins;
    p.outside_volume += sparse[i].second;
  }
  const std::int64_t k_min = sparse[first].first, k_max = sparse[last - 1].first;
  const std::size_t n = std::size_t(k_max - k_min + 1);
  std::vector<double> vol(n, 0.0);
  for (std::size_t i = first; i < last; ++i) vol[std::size_t(sparse[i].first - k_min)] = sparse[i].second;
  auto price_of = [&](std::size_t i) { return double((k_min + std::int64_t(i)) * bin_cents) / 100.0; };

  p.levels.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    p.levels.emplace_back(price_of(i), vol[i]);
    p.total += vol[i];
  }

  const std::size_t poc = std::size_t(std::max_element(vol.begin(), vol.end()) - vol.begin());
  p.poc = price_of(poc);

  std::size_t lo = poc, hi = poc;
  double area = vol[poc];
  const double target = options.value_area * p.total;
  while (area < target && (lo > 0 || hi + 1 < n)) {
    const double below = lo > 0 ? vol[lo - 1] : -1.0;
    const double above = hi + 1 < n ? vol[hi + 1] : -1.0;
    if (above >= below) area += vol[++hi];
    if (below >= above) area += vol[--lo];
  }
  p.val = price_of(lo);
  p.vah = price_of(hi);

  const auto smoothed = smooth(vol, options.smoothing_window);
  const auto extrema = find_extrema(smoothed);
  for (auto i : strongest(extrema.peaks, smoothed, options.max_nodes, true)) {
    p.hvns.push_back(price_of(i));
  }
  for (auto i : strongest(extrema.troughs, smoothed, options.max_nodes, false)) {
    p.lvns.push_back(price_of(i));
  }
  return p;
}

VolumeProfile build_volume_profile_from_hash(
    const std::vector<std::pair<std::string, std::string>>& hash_fields,
    const ProfileOptions& options) {
  std::vector<std::pair<double, double>> levels;
  levels.reserve(hash_fields.size());
  for (const auto& [field, value] : hash_fields) {
    std::int64_t cents = 0;
    const auto f = std::from_chars(field.data(), field.data() + field.size(), cents);
    if (f.ec != std::errc{} || f.ptr != field.data() + field.size()) continue;
    double volume = 0.0;
    const auto v = std::from_chars(value.data(), value.data() + value.size(), volume);
    if (v.ec != std::errc{} || v.ptr != value.data() + value.size()) continue;
    levels.emplace_back(double(cents) / 100.0, volume);
  }
  return build_volume_profile(levels, options);
}

nlohmann::json volume_profile_to_json(const VolumeProfile& p, const std::string& symbol,
                                      std::uint64_t seq, std::int64_t ts_ms) {
  auto opt = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  auto levels = nlohmann::json::array();
  for (const auto& [price, volume] : p.levels) levels.push_back({price, volume});
  return nlohmann::json{{"symbol", symbol}, {"seq", seq},           {"ts", ts_ms},
                        {"bin", p.bin},     {"levels", levels},     {"poc", opt(p.poc)},
                        {"vah", opt(p.vah)}, {"val", opt(p.val)},    {"hvns", p.hvns},
                        {"lvns", p.lvns},   {"total", p.total}};
}

}  // namespace ms::quant
