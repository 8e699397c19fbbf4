#pragma once
// Market data that cannot be true stops at massive's boundary (issue 7 item 2): where feed
// events and REST snapshots enter the engine, each value is checked here first; a rejected one is
// counted by reason (massive_rejected_inputs_total{feed,reason}) and dropped, so no model ever
// sees it and no loop ever throws on it. Pure: no I/O, no clock reads (the caller passes market
// time); one owner (massive's strand).
//
// Reasons (stable names, documented in docs/operations.md):
//   price_not_finite     NaN or ±inf
//   price_not_positive   a price ≤ 0 (quotes: a side < 0; a zero bid or ask is an empty side)
//   price_implausible    above max_price; an index/stock level more than max_jump away from the
//                        symbol's reference (its last accepted level); an option premium above
//                        what any option can be worth (max(spot, strike) × premium_slack)
//   size_negative        a size < 0
//   size_implausible     a size above max_size
//   strike_out_of_range  an option whose strike lies more than max_strike_distance from spot
//   ticker_unparsable    an option event whose ticker is not an option ticker
//   time_future          a timestamp more than max_future ahead of the market clock
//   time_stale           a timestamp more than max_age behind it ("a decade ago")
//   (volume hash buckets, at load) unparsable, volume_not_positive, price_not_positive,
//                        price_implausible (check_volume_hash)
//
// References re-anchor: when reanchor_after consecutive levels of one symbol were rejected as
// implausible and agree with each other within reanchor_tolerance, the market really is there
// (or the reference was the bad value): the last of them is accepted and becomes the reference.
// An isolated absurd print between good ones never re-anchors.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/market_calendar.hpp"

namespace ms::massive {

enum class RejectReason {
  price_not_finite,
  price_not_positive,
  price_implausible,
  size_negative,
  size_implausible,
  strike_out_of_range,
  ticker_unparsable,
  time_future,
  time_stale,
  unparsable,
  volume_not_positive,
};
std::string_view to_string(RejectReason r);

struct GuardLimits {
  double max_price = 1e7;               // no instrument massive reads trades this high
  double max_jump = 0.25;               // |level / reference − 1| (US index circuit breakers stop at 20 %)
  int reanchor_after = 3;
  double reanchor_tolerance = 0.01;
  double premium_slack = 1.10;          // quotes of deep in-the-money options run a little wide
  std::int64_t max_size = 100'000'000;  // shares or contracts in one print or quote side
  double max_strike_distance = 0.5;     // |strike / spot − 1|
  // Market time. The clock massive follows can lag its source by a wall second or two; at high
  // simulator speeds that is many market minutes, hence the allowance scaled by the clock speed.
  core::EpochMs max_future_ms = 5 * 60'000;
  core::EpochMs max_age_ms = 7LL * 86'400'000;  // a holiday weekend back is still a real print
  core::EpochMs wall_allowance_ms = 10'000;     // × speed, added to both
  double max_bucket_distance = 0.5;  // volume hash: |bucket / volume-weighted median − 1|
};

// Where the market clock is, for the time checks; absent before massive has a clock.
struct GuardClock {
  core::EpochMs now_ms = 0;
  double speed = 1.0;
};

using Verdict = std::optional<RejectReason>;  // nullopt: accepted

class InputGuard {
 public:
  explicit InputGuard(GuardLimits limits = {});

  // An index value, a stock trade price or a REST spot of `symbol`. Accepted levels become the
  // symbol's reference.
  Verdict check_level(const std::string& symbol, double level);
  // A print's or quote side's size.
  Verdict check_size(std::int64_t size) const;
  // An event time; t_ms ≤ 0 means the event carried none (accepted).
  Verdict check_time(core::EpochMs t_ms, const std::optional<GuardClock>& clock) const;
  // An option quote (bid, ask) or trade (price) of a contract with `strike`; spot ≤ 0 = unknown.
  Verdict check_option_quote(double bid, double ask, double strike, double spot) const;
  Verdict check_option_trade(double price, double strike, double spot) const;
  // An option the chain does not hold: is its strike anywhere near spot (spot ≤ 0: unknown)?
  Verdict check_strike(double strike, double spot) const;

  std::optional<double> reference(const std::string& symbol) const;
  const GuardLimits& limits() const { return limits_; }

 private:
  Verdict check_price_value(double price) const;
  Verdict check_premium(double premium, double strike, double spot) const;

  struct Level {
    double reference = 0;
    std::vector<double> rejected;  // consecutive implausible levels since the last accepted one
  };
  GuardLimits limits_;
  std::map<std::string, Level, std::less<>> levels_;
};

// The stored volume hash (massive:volume_profile:spx, field = SPX price in cents, value =
// volume) as read back at start: the buckets to keep and the fields to drop with their reason.
// A bucket is dropped when its field or value does not parse, its volume is not a positive
// finite number, its price is not positive, or it lies more than max_bucket_distance from the
// volume-weighted median price of the parsable buckets (one absurd print must not stretch the
// profile over a price range nothing traded in).
struct VolumeHashCheck {
  std::map<std::int64_t, double> buckets;                  // cents → volume
  std::vector<std::pair<std::string, RejectReason>> dropped;  // field → reason
};
VolumeHashCheck check_volume_hash(const std::vector<std::pair<std::string, std::string>>& fields,
                                  const GuardLimits& limits = {});

}  // namespace ms::massive
