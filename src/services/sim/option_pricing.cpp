#include "services/sim/option_pricing.hpp"

#include <algorithm>
#include <cmath>

#include "services/sim/rng.hpp"

namespace ms::sim {

namespace {

constexpr double kMsPerYear = 365.0 * 24 * 3600 * 1000;
constexpr double kMinPricingYears = 60'000.0 / kMsPerYear;         // one minute
constexpr double kMinSmileYears = 15.0 * 60'000.0 / kMsPerYear;    // fifteen minutes

}  // namespace

double atm_vol(double vix, double years) {
  const double days = std::max(0.0, years * 365.0);
  return vix / 100.0 * (0.82 + 0.18 * std::min(1.0, std::sqrt(days / 30.0)));
}

double standardised_moneyness(double vix, double forward, double strike, double years) {
  const double atm = atm_vol(vix, years);
  return std::log(strike / forward) / (atm * std::sqrt(std::max(years, kMinSmileYears)));
}

double smile_vol(double vix, double forward, double strike, double years) {
  const double atm = atm_vol(vix, years);
  const double x = std::clamp(standardised_moneyness(vix, forward, strike, years), -5.0, 5.0);
  const double m = x < 0 ? 1.0 - 0.10 * x + 0.025 * x * x : 1.0 - 0.04 * x + 0.012 * x * x;
  return std::clamp(atm * m, 0.03, 4.0);
}

Valuation value_contract(const ContractSpec& c, double spot, double vix, EpochMs now,
                         double rate) {
  Valuation v;
  v.years = std::max(kMinPricingYears, double(c.expiration_ms - now) / kMsPerYear);
  const double forward = spot * std::exp(rate * v.years);
  v.moneyness = standardised_moneyness(vix, forward, c.strike, v.years);
  v.vol = smile_vol(vix, forward, c.strike, v.years);
  v.theo = quant::black_scholes_price(c.type, {spot, c.strike, v.years, rate, v.vol});
  return v;
}

quant::Greeks greeks_of(const ContractSpec& c, double spot, const Valuation& v, double rate) {
  return quant::black_scholes_greeks(c.type, {spot, c.strike, v.years, rate, v.vol});
}

std::int64_t tick_cents(std::int64_t price_cents) { return price_cents < 300 ? 5 : 10; }

bool on_tick_grid(std::int64_t p) { return p >= 0 && p % tick_cents(p) == 0; }

std::int64_t floor_to_tick(double price) {
  const double cents = price * 100.0;
  if (!(cents >= 5.0)) return 0;
  // A tiny epsilon keeps 2.95 (295.0000000001 or 294.9999999) on its own tick.
  const std::int64_t c = std::int64_t(std::floor(cents + 1e-6));
  if (c < 300) return c - c % 5;
  return c - c % 10;
}

std::int64_t ceil_to_tick(double price) {
  const double cents = price * 100.0;
  if (!(cents > 5.0)) return 5;
  const std::int64_t c = std::int64_t(std::ceil(cents - 1e-6));
  if (c <= 300) return (c + 4) / 5 * 5;  // 300 is on both grids
  return (c + 9) / 10 * 10;
}

OptionQuote make_quote(const ContractSpec& c, const Valuation& v, EpochMs now, std::uint64_t noise) {
  const double otm = c.type == quant::OptionType::call ? v.moneyness : -v.moneyness;
  const double otm_mult = 1.0 + 0.5 * std::clamp(otm, 0.0, 4.0);
  double expiry_mult = 1.0;
  const double minutes_left = double(c.expiration_ms - now) / 60'000.0;
  if (c.dte == 0 && minutes_left < 60.0) expiry_mult = 1.0 + 1.5 * (1.0 - std::max(0.0, minutes_left) / 60.0);
  const double width = std::max(0.05, 0.03 * v.theo) * otm_mult * expiry_mult;

  OptionQuote q;
  q.bid_cents = floor_to_tick(v.theo - width / 2.0);
  q.ask_cents = ceil_to_tick(v.theo + width / 2.0);
  if (q.ask_cents <= q.bid_cents) q.ask_cents = q.bid_cents + tick_cents(q.bid_cents);
  if (!on_tick_grid(q.ask_cents)) q.ask_cents = ceil_to_tick(double(q.ask_cents) / 100.0);

  const double near = std::exp(-0.5 * v.moneyness * v.moneyness);
  const std::uint64_t base = 10 + std::uint64_t(140.0 * near);
  q.bid_size = 1 + std::int64_t(mix(noise, 1) % base);
  q.ask_size = 1 + std::int64_t(mix(noise, 2) % base);
  q.bid_exchange = q.ask_exchange = underlying_spec(c.underlying).exchange_id;
  return q;
}

}  // namespace ms::sim
