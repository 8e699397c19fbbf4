#pragma once
// How the simulator prices its options and makes its quotes. Pure functions of the market state.
//
// Volatility: ATM vol = VIX/100 x (0.82 + 0.18 x min(1, sqrt(days/30))) — short expiries a little
// under the 30-day VIX (the usual contango). The smile is a function of standardised moneyness
// x = ln(K/F) / (atm x sqrt(T)) with T floored at 15 minutes, x clamped to [-5, 5]:
//   puts' side (x < 0): atm x (1 - 0.10 x + 0.025 x^2)   — the steeper put skew
//   calls' side (x > 0): atm x (1 - 0.04 x + 0.012 x^2)
// Prices: quant's Black-Scholes (no dividends) on calendar time to the expiration instant
// (floored at one minute), rate from the chain config. Put and call at one strike share a vol, so
// theoretical prices satisfy put-call parity exactly.
// Quotes: spread width = max(one tick, 3 % of theo) x (1 + 0.5 x out-of-the-money depth in
// standard deviations, capped at 4) x (up to 2.5 for a 0-DTE in its last hour); the bid is the
// theo minus half the width rounded down to its tick, the ask rounded up (tick 0.05 below $3,
// 0.10 from $3), a bid under one tick is 0 and the ask is at least one tick above the bid.
// Sizes are larger near the money and change with the quote's noise key.
#include <cstdint>

#include "services/sim/option_chain.hpp"

namespace ms::sim {

double atm_vol(double vix, double years);
double smile_vol(double vix, double forward, double strike, double years);
// x = ln(K/F) / (atm x sqrt(T)), unclamped.
double standardised_moneyness(double vix, double forward, double strike, double years);

struct Valuation {
  double years = 0;  // to the expiration instant
  double vol = 0;
  double theo = 0;
  double moneyness = 0;  // standardised, positive = strike above the forward
};

Valuation value_contract(const ContractSpec& c, double spot, double vix, EpochMs now,
                         double rate);
quant::Greeks greeks_of(const ContractSpec& c, double spot, const Valuation& v, double rate);

// Tick size of an option price in cents: 5 below $3.00, 10 from $3.00.
std::int64_t tick_cents(std::int64_t price_cents);
std::int64_t floor_to_tick(double price);  // cents, on the tick grid, >= 0
std::int64_t ceil_to_tick(double price);   // cents, on the tick grid, >= 5
bool on_tick_grid(std::int64_t price_cents);

struct OptionQuote {
  std::int64_t bid_cents = 0;
  std::int64_t ask_cents = 0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
  int bid_exchange = 0;
  int ask_exchange = 0;
  bool operator==(const OptionQuote&) const = default;
  double bid() const { return double(bid_cents) / 100.0; }
  double ask() const { return double(ask_cents) / 100.0; }
  double mid() const { return double(bid_cents + ask_cents) / 200.0; }
};

// `noise` picks the sizes; the prices depend only on the valuation and the time to expiry.
OptionQuote make_quote(const ContractSpec& c, const Valuation& v, EpochMs now, std::uint64_t noise);

}  // namespace ms::sim
