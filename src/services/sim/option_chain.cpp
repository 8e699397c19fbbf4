#include "services/sim/option_chain.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "services/sim/option_pricing.hpp"
#include "services/sim/rng.hpp"

namespace ms::sim {

namespace {

constexpr UnderlyingSpec kSpx{Underlying::spx, "I:SPX", "SPX", "SPXW", "SPX", 5.0, 65};
constexpr UnderlyingSpec kNdx{Underlying::ndx, "I:NDX", "NDX", "NDXP", "NDX", 10.0, 302};


void add_expiry(std::vector<ContractSpec>& out, const UnderlyingSpec& u, std::string_view root,
                core::Settlement settlement, core::Date session, core::Date expiry,
                double spot_open, double vix_open, double range, std::uint64_t seed) {
  const double step = u.strike_step;
  const double lo = std::ceil(spot_open * (1.0 - range) / step) * step;
  const double hi = std::floor(spot_open * (1.0 + range) / step) * step;
  const EpochMs expiration = core::expiration_ms(expiry, settlement);
  const int dte = core::calendar_dte(session, expiry);
  for (double k = lo; k <= hi + 1e-9; k += step) {
    for (auto type : {quant::OptionType::call, quant::OptionType::put}) {
      ContractSpec c;
      const auto right = type == quant::OptionType::call ? core::OptionRight::call
                                                         : core::OptionRight::put;
      const auto t = core::make_option_ticker(std::string(root), expiry, right, k);
      c.ticker = core::format_option_ticker(t);
      c.underlying = u.id;
      c.root = std::string(root);
      c.expiry = expiry;
      c.expiry_text = core::format_date(expiry);
      c.type = type;
      c.strike = k;
      c.strike_milli = t.strike_milli;
      c.settlement = settlement;
      c.expiration_ms = expiration;
      c.dte = dte;
      c.hash = stable_hash(c.ticker);
      c.open_interest = open_interest_for(c, spot_open, vix_open, seed);
      out.push_back(std::move(c));
    }
  }
}

}  // namespace

const UnderlyingSpec& underlying_spec(Underlying u) { return u == Underlying::spx ? kSpx : kNdx; }

std::optional<Underlying> parse_underlying(std::string_view text) {
  for (auto u : kAllUnderlyings) {
    const auto& s = underlying_spec(u);
    if (text == s.index_ticker || text == s.bare) return u;
  }
  return std::nullopt;
}

core::Date monthly_expiration(int year, unsigned month) { return core::monthly_expiration(year, month); }

core::Date next_monthly_expiration_after(core::Date session) {
  int y = int(session.year());
  unsigned m = unsigned(session.month());
  for (int i = 0; i < 3; ++i) {
    const core::Date e = monthly_expiration(y, m);
    if (core::days_between(session, e) > 0) return e;
    if (++m == 13) {
      m = 1;
      ++y;
    }
  }
  throw core::Error("bad_date", "no monthly expiration after " + core::format_date(session));
}

std::int64_t open_interest_for(const ContractSpec& c, double spot_open, double vix_open,
                               std::uint64_t seed) {
  const double days = std::max(1.0, double(c.dte));
  const double sd = spot_open * atm_vol(vix_open, days / 365.0) * std::sqrt(days / 365.0) * 2.0;
  const double z = (c.strike - spot_open) / sd;
  const double bell = std::exp(-0.5 * z * z);
  const bool otm = c.type == quant::OptionType::call ? c.strike > spot_open : c.strike < spot_open;
  const double side = c.type == quant::OptionType::put ? (otm ? 1.3 : 0.6) : (otm ? 1.1 : 0.5);
  const std::int64_t k = c.strike_milli / 1000;
  const bool whole = c.strike_milli % 1000 == 0;
  double round_bump = 1.0;
  if (whole && k % 100 == 0) {
    round_bump = 2.5;
  } else if (whole && k % 50 == 0) {
    round_bump = 1.7;
  } else if (whole && k % 25 == 0) {
    round_bump = 1.25;
  }
  double base = c.dte == 0 ? 3000.0 : c.dte <= 2 ? 2500.0 : 2000.0;
  if (c.settlement == core::Settlement::am) base = 12000.0;
  if (c.underlying == Underlying::ndx) base *= 0.25;
  const double noise = 0.8 + 0.4 * unit_from_bits(mix(seed, c.hash, 0x4F49 /* "OI" */));
  const std::int64_t floor = 2 + std::int64_t(mix(seed, c.hash, 0x4F4A) % 20);
  return floor + std::int64_t(std::llround(base * bell * side * round_bump * noise));
}

OptionChain OptionChain::build(const ChainConfig& config, core::Date session, double spx_open,
                               double ndx_open, double vix_open) {
  if (config.daily_expirations < 1 || config.daily_expirations > 60) {
    throw core::Error("bad_chain_config", "daily_expirations must be in [1, 60]");
  }
  if (!(config.strike_range_fraction > 0 && config.strike_range_fraction <= 0.5)) {
    throw core::Error("bad_chain_config", "strike_range_fraction must be in (0, 0.5]");
  }
  if (!(std::isfinite(config.rate) && std::abs(config.rate) < 1.0)) {
    throw core::Error("bad_chain_config", "rate must be a decimal like 0.045");
  }
  if (!core::is_trading_day(session)) {
    throw core::Error("not_a_trading_day", core::format_date(session) + " is not a trading day");
  }
  OptionChain chain;
  chain.config_ = config;
  chain.session_ = session;
  const auto dailies = core::daily_expirations(session, config.daily_expirations);
  const core::Date monthly = next_monthly_expiration_after(session);
  auto list = [&](const UnderlyingSpec& u, double spot) {
    for (const auto& e : dailies) {
      add_expiry(chain.contracts_, u, u.daily_root, core::Settlement::pm, session, e, spot, vix_open,
                 config.strike_range_fraction, config.seed);
    }
    if (config.include_monthly) {
      add_expiry(chain.contracts_, u, u.monthly_root, core::Settlement::am, session, monthly, spot,
                 vix_open, config.strike_range_fraction, config.seed);
    }
  };
  if (config.list_spx) list(kSpx, spx_open);
  if (config.list_ndx) list(kNdx, ndx_open);
  std::sort(chain.contracts_.begin(), chain.contracts_.end(),
            [](const ContractSpec& a, const ContractSpec& b) { return a.ticker < b.ticker; });
  for (std::uint32_t i = 0; i < chain.contracts_.size(); ++i) {
    chain.by_underlying_[static_cast<std::size_t>(chain.contracts_[i].underlying)].push_back(i);
  }
  return chain;
}

std::optional<std::uint32_t> OptionChain::find(std::string_view ticker) const {
  auto it = std::lower_bound(contracts_.begin(), contracts_.end(), ticker,
                             [](const ContractSpec& c, std::string_view t) { return c.ticker < t; });
  if (it == contracts_.end() || it->ticker != ticker) return std::nullopt;
  return std::uint32_t(it - contracts_.begin());
}

std::vector<core::Date> OptionChain::expirations(Underlying u) const {
  std::vector<core::Date> out;
  for (auto i : contracts_of(u)) out.push_back(contracts_[i].expiry);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace ms::sim
