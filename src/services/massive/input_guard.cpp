#include "services/massive/input_guard.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ms::massive {

std::string_view to_string(RejectReason r) {
  switch (r) {
    case RejectReason::price_not_finite: return "price_not_finite";
    case RejectReason::price_not_positive: return "price_not_positive";
    case RejectReason::price_implausible: return "price_implausible";
    case RejectReason::size_negative: return "size_negative";
    case RejectReason::size_implausible: return "size_implausible";
    case RejectReason::strike_out_of_range: return "strike_out_of_range";
    case RejectReason::ticker_unparsable: return "ticker_unparsable";
    case RejectReason::time_future: return "time_future";
    case RejectReason::time_stale: return "time_stale";
    case RejectReason::unparsable: return "unparsable";
    case RejectReason::volume_not_positive: return "volume_not_positive";
  }
  return "unknown";
}

InputGuard::InputGuard(GuardLimits limits) : limits_(limits) {}

Verdict InputGuard::check_price_value(double price) const {
  if (!std::isfinite(price)) return RejectReason::price_not_finite;
  if (price <= 0) return RejectReason::price_not_positive;
  if (price > limits_.max_price) return RejectReason::price_implausible;
  return std::nullopt;
}

Verdict InputGuard::check_level(const std::string& symbol, double level) {
  if (auto bad = check_price_value(level)) return bad;
  auto it = levels_.find(symbol);
  if (it == levels_.end()) {
    levels_.emplace(symbol, Level{level, {}});
    return std::nullopt;
  }
  Level& l = it->second;
  if (std::fabs(level / l.reference - 1.0) <= limits_.max_jump) {
    l.reference = level;
    l.rejected.clear();
    return std::nullopt;
  }
  // Implausible against the reference. Consistent with the implausible levels before it?
  if (!l.rejected.empty() && std::fabs(level / l.rejected.front() - 1.0) > limits_.reanchor_tolerance) {
    l.rejected.clear();
  }
  l.rejected.push_back(level);
  if (int(l.rejected.size()) >= std::max(1, limits_.reanchor_after)) {
    l.reference = level;
    l.rejected.clear();
    return std::nullopt;
  }
  return RejectReason::price_implausible;
}

Verdict InputGuard::check_size(std::int64_t size) const {
  if (size < 0) return RejectReason::size_negative;
  if (size > limits_.max_size) return RejectReason::size_implausible;
  return std::nullopt;
}

Verdict InputGuard::check_time(core::EpochMs t_ms, const std::optional<GuardClock>& clock) const {
  if (t_ms <= 0 || !clock) return std::nullopt;
  const double speed = std::isfinite(clock->speed) && clock->speed > 0 ? clock->speed : 1.0;
  const auto allowance = core::EpochMs(double(limits_.wall_allowance_ms) * speed);
  if (t_ms > clock->now_ms + limits_.max_future_ms + allowance) return RejectReason::time_future;
  if (t_ms < clock->now_ms - limits_.max_age_ms - allowance) return RejectReason::time_stale;
  return std::nullopt;
}

Verdict InputGuard::check_premium(double premium, double strike, double spot) const {
  // No call is worth more than its underlying, no put more than its strike.
  const double bound = spot > 0 ? std::max(spot, strike) * limits_.premium_slack : limits_.max_price;
  if (premium > bound) return RejectReason::price_implausible;
  return std::nullopt;
}

Verdict InputGuard::check_option_quote(double bid, double ask, double strike, double spot) const {
  if (!std::isfinite(bid) || !std::isfinite(ask)) return RejectReason::price_not_finite;
  if (bid < 0 || ask < 0) return RejectReason::price_not_positive;
  return check_premium(std::max(bid, ask), strike, spot);
}

Verdict InputGuard::check_option_trade(double price, double strike, double spot) const {
  if (auto bad = check_price_value(price)) return bad;
  return check_premium(price, strike, spot);
}

Verdict InputGuard::check_strike(double strike, double spot) const {
  if (!std::isfinite(strike) || strike <= 0) return RejectReason::strike_out_of_range;
  if (spot > 0 && std::fabs(strike / spot - 1.0) > limits_.max_strike_distance) {
    return RejectReason::strike_out_of_range;
  }
  return std::nullopt;
}

std::optional<double> InputGuard::reference(const std::string& symbol) const {
  const auto it = levels_.find(symbol);
  if (it == levels_.end()) return std::nullopt;
  return it->second.reference;
}

VolumeHashCheck check_volume_hash(const std::vector<std::pair<std::string, std::string>>& fields,
                                  const GuardLimits& limits) {
  VolumeHashCheck out;
  std::vector<std::pair<std::string, std::pair<std::int64_t, double>>> parsed;
  parsed.reserve(fields.size());
  for (const auto& [field, value] : fields) {
    std::int64_t cents = 0;
    const auto f = std::from_chars(field.data(), field.data() + field.size(), cents);
    double volume = 0;
    const auto v = std::from_chars(value.data(), value.data() + value.size(), volume);
    if (field.empty() || value.empty() || f.ec != std::errc{} || f.ptr != field.data() + field.size() ||
        v.ec != std::errc{} || v.ptr != value.data() + value.size()) {
      out.dropped.emplace_back(field, RejectReason::unparsable);
    } else if (!std::isfinite(volume) || volume <= 0) {
      out.dropped.emplace_back(field, RejectReason::volume_not_positive);
    } else if (cents <= 0) {
      out.dropped.emplace_back(field, RejectReason::price_not_positive);
    } else {
      parsed.push_back({field, {cents, volume}});
    }
  }
  if (parsed.empty()) return out;
  // The volume-weighted median price: half the volume trades at or below it. One absurd bucket
  // cannot move it unless it holds half the volume.
  std::vector<std::pair<std::int64_t, double>> by_price;
  by_price.reserve(parsed.size());
  double total = 0;
  for (const auto& p : parsed) {
    by_price.push_back(p.second);
    total += p.second.second;
  }
  std::sort(by_price.begin(), by_price.end());
  double seen = 0;
  double median = double(by_price.back().first);
  for (const auto& [cents, volume] : by_price) {
    seen += volume;
    if (seen >= total / 2) {
      median = double(cents);
      break;
    }
  }
  for (const auto& [field, bucket] : parsed) {
    if (std::fabs(double(bucket.first) / median - 1.0) > limits.max_bucket_distance) {
      out.dropped.emplace_back(field, RejectReason::price_implausible);
    } else {
      out.buckets[bucket.first] += bucket.second;
    }
  }
  return out;
}

}  // namespace ms::massive
