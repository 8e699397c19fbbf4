#include "services/sim/option_pricing.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "services/sim/sim_test_util.hpp"

namespace ms::sim {
namespace {

using test::tuesday;

constexpr double kRate = 0.045;

TEST(OptionPricing, TickSizesFollowThePriceLevel) {
  EXPECT_EQ(tick_cents(295), 5);
  EXPECT_EQ(tick_cents(300), 10);
  EXPECT_EQ(floor_to_tick(2.97), 295);
  EXPECT_EQ(ceil_to_tick(2.97), 300);
  EXPECT_EQ(floor_to_tick(3.04), 300);
  EXPECT_EQ(ceil_to_tick(3.01), 310);
  EXPECT_EQ(floor_to_tick(2.95), 295);  // already on the grid
  EXPECT_EQ(ceil_to_tick(2.95), 295);
  EXPECT_EQ(floor_to_tick(0.04), 0);
  EXPECT_EQ(ceil_to_tick(0.001), 5);
  EXPECT_EQ(floor_to_tick(-1), 0);
  EXPECT_EQ(floor_to_tick(std::nan("")), 0);
  EXPECT_TRUE(on_tick_grid(295));
  EXPECT_TRUE(on_tick_grid(310));
  EXPECT_FALSE(on_tick_grid(305));
  EXPECT_FALSE(on_tick_grid(297));
}

TEST(OptionPricing, PutSkewIsSteeperThanCallSkew) {
  const double years = 30.0 / 365;
  const double f = 6000;
  const double atm = smile_vol(16, f, f, years);
  EXPECT_NEAR(atm, atm_vol(16, years), 1e-12);
  for (double d : {0.02, 0.04, 0.06}) {
    const double put_side = smile_vol(16, f, f * (1 - d), years) - atm;
    const double call_side = smile_vol(16, f, f * (1 + d), years) - atm;
    EXPECT_GT(put_side, 0) << d;
    EXPECT_GT(put_side, call_side + 0.01) << d;
  }
}

TEST(OptionPricing, TermStructureFollowsVix) {
  EXPECT_LT(atm_vol(16, 1.0 / 365), atm_vol(16, 30.0 / 365));
  EXPECT_NEAR(atm_vol(16, 60.0 / 365), 0.16, 1e-12);
  EXPECT_NEAR(atm_vol(32, 5.0 / 365) / atm_vol(16, 5.0 / 365), 2.0, 1e-12);
}

struct PricedChain {
  OptionChain chain;
  std::vector<Valuation> val;
  std::vector<OptionQuote> quote;
};

PricedChain price_at(EpochMs now, double spx = 6000, double vix = 16) {
  PricedChain p;
  p.chain = OptionChain::build({}, tuesday(), 6000, 21500, 16);
  for (std::size_t i = 0; i < p.chain.size(); ++i) {
    const auto& c = p.chain[i];
    const double spot = c.underlying == Underlying::spx ? spx : 21500;
    p.val.push_back(value_contract(c, spot, vix, now, kRate));
    p.quote.push_back(make_quote(c, p.val.back(), now, i * 7919));
  }
  return p;
}

TEST(OptionPricing, QuotesAreOrderedOnTheTickGridWithSizes) {
  const auto s = test::session_of(tuesday());
  for (EpochMs now : {s.open_ms, s.open_ms + 3 * 3'600'000, s.close_ms - 5 * 60'000}) {
    const auto p = price_at(now);
    for (std::size_t i = 0; i < p.chain.size(); ++i) {
      const auto& q = p.quote[i];
      ASSERT_LT(q.bid_cents, q.ask_cents) << p.chain[i].ticker;
      ASSERT_GE(q.bid_cents, 0);
      ASSERT_GE(q.ask_cents, 5);
      ASSERT_TRUE(on_tick_grid(q.bid_cents)) << q.bid_cents;
      ASSERT_TRUE(on_tick_grid(q.ask_cents)) << q.ask_cents;
      ASSERT_GE(q.bid_size, 1);
      ASSERT_GE(q.ask_size, 1);
      // The theoretical value lies inside the market.
      ASSERT_LE(q.bid(), p.val[i].theo + 1e-9) << p.chain[i].ticker;
      ASSERT_GE(q.ask(), p.val[i].theo - 1e-9) << p.chain[i].ticker;
    }
  }
}

TEST(OptionPricing, MidsSatisfyPutCallParityWithinTheSpreads) {
  const auto s = test::session_of(tuesday());
  for (EpochMs now : {s.open_ms + 3'600'000, s.close_ms - 20 * 60'000}) {
    const auto p = price_at(now, 6012.37, 17.5);
    std::map<std::string, std::pair<int, int>> pairs;  // root+expiry+strike -> (call, put)
    for (std::size_t i = 0; i < p.chain.size(); ++i) {
      const auto& c = p.chain[i];
      if (c.underlying != Underlying::spx) continue;
      auto& slot = pairs.try_emplace(c.root + c.expiry_text + std::to_string(c.strike_milli), -1, -1)
                       .first->second;
      (c.type == quant::OptionType::call ? slot.first : slot.second) = int(i);
    }
    int checked = 0;
    for (const auto& [key, cp] : pairs) {
      ASSERT_GE(cp.first, 0);
      ASSERT_GE(cp.second, 0);
      const auto& c = p.chain[cp.first];
      const auto& qc = p.quote[cp.first];
      const auto& qp = p.quote[cp.second];
      const double years = p.val[cp.first].years;
      const double parity = 6012.37 - c.strike * std::exp(-kRate * years);
      const double tolerance = (qc.ask() - qc.bid() + qp.ask() - qp.bid()) / 2;
      EXPECT_LE(std::abs(qc.mid() - qp.mid() - parity), tolerance + 1e-9) << key;
      ++checked;
    }
    EXPECT_GT(checked, 1000);
  }
}

double mean_spread(const PricedChain& p, bool near, int dte) {
  double sum = 0;
  int n = 0;
  for (std::size_t i = 0; i < p.chain.size(); ++i) {
    const auto& c = p.chain[i];
    if (c.underlying != Underlying::spx || c.dte != dte || c.root != "SPXW") continue;
    const bool otm_call = c.type == quant::OptionType::call && c.strike > 6000;
    if (!otm_call) continue;
    const double x = p.val[i].moneyness;
    if ((near && x < 0.5) || (!near && x > 2.5 && x < 4)) {
      sum += p.quote[i].ask() - p.quote[i].bid();
      ++n;
    }
  }
  return n ? sum / n : 0;
}

TEST(OptionPricing, SpreadsWidenWithMoneynessAndIntoTheZeroDteClose) {
  const auto s = test::session_of(tuesday());
  const auto midday = price_at(s.open_ms + 3 * 3'600'000);
  // Relative to price, far out-of-the-money quotes are the widest.
  double near_rel = 0, far_rel = 0;
  int nn = 0, nf = 0;
  for (std::size_t i = 0; i < midday.chain.size(); ++i) {
    const auto& c = midday.chain[i];
    if (c.dte != 1 || c.root != "SPXW" || c.type != quant::OptionType::call || c.strike < 6000) continue;
    const auto& q = midday.quote[i];
    const double rel = (q.ask() - q.bid()) / q.ask();
    if (midday.val[i].moneyness < 0.5) {
      near_rel += rel;
      ++nn;
    } else if (midday.val[i].moneyness > 2) {
      far_rel += rel;
      ++nf;
    }
  }
  ASSERT_GT(nn, 0);
  ASSERT_GT(nf, 0);
  EXPECT_GT(far_rel / nf, near_rel / nn);

  // The same at-the-money 0-DTE contract is quoted wider ten minutes before the close.
  const auto late = price_at(s.close_ms - 10 * 60'000);
  const auto i = *midday.chain.find("O:SPXW260210C06000000");
  const double w_mid = midday.quote[i].ask() - midday.quote[i].bid();
  const double w_late = late.quote[i].ask() - late.quote[i].bid();
  EXPECT_GT(w_late / std::max(late.val[i].theo, 0.05), w_mid / midday.val[i].theo);
  EXPECT_GT(mean_spread(midday, true, 0), 0);
}

TEST(OptionPricing, SizesAreLargerNearTheMoney) {
  const auto p = price_at(test::session_of(tuesday()).open_ms + 3'600'000);
  double near = 0, far = 0;
  int nn = 0, nf = 0;
  for (std::size_t i = 0; i < p.chain.size(); ++i) {
    const double x = std::abs(p.val[i].moneyness);
    if (x < 0.3) {
      near += double(p.quote[i].bid_size);
      ++nn;
    } else if (x > 3) {
      far += double(p.quote[i].bid_size);
      ++nf;
    }
  }
  EXPECT_GT(near / nn, 2 * far / nf);
}

TEST(OptionPricing, GreeksComeFromBlackScholesAtTheSmileVol) {
  const auto chain = OptionChain::build({}, tuesday(), 6000, 21500, 16);
  const auto& c = chain[*chain.find("O:SPXW260211C06000000")];
  const auto now = test::session_of(tuesday()).open_ms + 3'600'000;
  const auto v = value_contract(c, 6000, 16, now, kRate);
  const auto g = greeks_of(c, 6000, v, kRate);
  EXPECT_GT(g.delta, 0.45);
  EXPECT_LT(g.delta, 0.6);
  EXPECT_GT(g.gamma, 0);
  EXPECT_LT(g.theta_per_day, 0);
  EXPECT_GT(g.vega, 0);
  EXPECT_DOUBLE_EQ(v.theo, quant::black_scholes_price(c.type, {6000, 6000, v.years, kRate, v.vol}));
}

}  // namespace
}  // namespace ms::sim
