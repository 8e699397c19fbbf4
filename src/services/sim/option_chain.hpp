#pragma once
// The listed option contracts of one simulated session: which expirations, roots and strikes
// exist, and their open interest. Prices live in option_pricing.hpp; the trading day's activity
// in option_book.hpp.
//
// Geometry (fixed for the session, as an exchange's listings are):
//   expirations  the first `daily_expirations` trading days on or after the session date
//                (DTE 0, 1, 2, ... on trading days; holidays never appear) under the PM root
//                (SPXW, NDXP), plus the month's AM-settled standard expiration (third Friday,
//                the trading day before when that is a holiday) under the AM root (SPX, NDX).
//                An AM contract stops trading the day before it settles, so it is listed only
//                while its expiry is after the session date. When the third Friday is also one
//                of the dailies both roots exist for that date.
//   strikes      every strike_step (5 SPX, 10 NDX) within +-strike_range_fraction of the
//                opening spot.
//   open interest a bell around the opening spot (width from the expiry's expected move),
//                heavier on the out-of-the-money side of each type, bumps at round strikes
//                (x2.5 at 100s, x1.7 at 50s, x1.25 at 25s), per-contract deterministic noise.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/market_calendar.hpp"
#include "core/option_ticker.hpp"
#include "quant/black_scholes.hpp"

namespace ms::sim {

using core::EpochMs;

enum class Underlying : std::uint8_t { spx, ndx };

struct UnderlyingSpec {
  Underlying id;
  std::string_view index_ticker;  // "I:SPX"
  std::string_view bare;          // "SPX"
  std::string_view daily_root;    // "SPXW" (PM)
  std::string_view monthly_root;  // "SPX" (AM)
  double strike_step;
  int exchange_id;  // options exchange id in quotes and trades
};

const UnderlyingSpec& underlying_spec(Underlying u);
inline constexpr Underlying kAllUnderlyings[] = {Underlying::spx, Underlying::ndx};
// The path form of the chain endpoint: "I:SPX" (documented for indices) or the bare "SPX".
std::optional<Underlying> parse_underlying(std::string_view text);

struct ChainConfig {
  int daily_expirations = 6;
  bool include_monthly = true;
  double strike_range_fraction = 0.08;
  double rate = 0.045;
  std::uint64_t seed = 1;
  bool list_spx = true;
  bool list_ndx = true;
};

struct ContractSpec {
  std::string ticker;
  Underlying underlying = Underlying::spx;
  std::string root;
  core::Date expiry{};
  std::string expiry_text;  // YYYY-MM-DD
  quant::OptionType type = quant::OptionType::call;
  double strike = 0;
  std::int64_t strike_milli = 0;
  core::Settlement settlement = core::Settlement::pm;
  EpochMs expiration_ms = 0;  // when the value is fixed (PM close / AM open)
  int dte = 0;                // calendar days from the session date
  std::int64_t open_interest = 0;
  std::uint64_t hash = 0;  // stable hash of the ticker (randomness key)
};

// The month's standard AM expiration: third Friday, or the trading day before when it is a holiday.
core::Date monthly_expiration(int year, unsigned month);
// The first standard monthly expiration strictly after `session` (AM contracts expiring on the
// session date no longer trade).
core::Date next_monthly_expiration_after(core::Date session);

std::int64_t open_interest_for(const ContractSpec& c, double spot_open, double vix_open,
                               std::uint64_t seed);

class OptionChain {
 public:
  OptionChain() = default;
  // Throws core::Error("bad_chain_config") for a config that lists nothing sensible and
  // core::Error("not_a_trading_day") when `session` is not one.
  static OptionChain build(const ChainConfig& config, core::Date session, double spx_open,
                           double ndx_open, double vix_open);

  const std::vector<ContractSpec>& contracts() const { return contracts_; }
  std::size_t size() const { return contracts_.size(); }
  const ContractSpec& operator[](std::size_t i) const { return contracts_[i]; }
  // Indices of one underlying's contracts, in ticker order.
  const std::vector<std::uint32_t>& contracts_of(Underlying u) const {
    return by_underlying_[static_cast<std::size_t>(u)];
  }
  std::optional<std::uint32_t> find(std::string_view ticker) const;
  // Distinct expiry dates of an underlying, ascending.
  std::vector<core::Date> expirations(Underlying u) const;
  core::Date session_date() const { return session_; }
  const ChainConfig& config() const { return config_; }

 private:
  ChainConfig config_;
  core::Date session_{};
  std::vector<ContractSpec> contracts_;  // ticker order
  std::vector<std::uint32_t> by_underlying_[2];
};

}  // namespace ms::sim
