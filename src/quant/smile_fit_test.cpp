#include "quant/smile_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "quant/heatmap_builder.hpp"

namespace ms::quant {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A smooth, arbitrage-free smile in total variance (an SVI slice): w(k) = a + b(ρ(k−m) +
// sqrt((k−m)² + s²)).
struct Svi {
  double a, b, rho, m, s;
  double w(double k) const { return a + b * (rho * (k - m) + std::sqrt((k - m) * (k - m) + s * s)); }
};

struct Market {
  double spot = 6000;
  double years = 7.0 / 365;
  double rate = 0.05;
  double true_forward_basis = 1.0;  // the market's forward / spot·e^{rT}
  Svi smile{0.0006, 0.012, -0.6, 0.002, 0.03};
  double strike_step = 10;
  int strikes_each_side = 40;
  double half_spread_fraction = 0.02;  // bid/ask = theo·(1 ∓ this), symmetric: mid = theo
  bool with_iv = true;

  double forward() const { return spot * std::exp(rate * years) * true_forward_basis; }
  double vol(double strike) const { return std::sqrt(smile.w(std::log(strike / forward())) / years); }
  double price(double strike, OptionType type) const {
    const OptionInputs in{forward() * std::exp(-rate * years), strike, years, rate, vol(strike)};
    return black_scholes_price(type, in);
  }
  SmileInput input() const {
    SmileInput in;
    in.spot = spot;
    in.years = years;
    in.rate = rate;
    for (int i = -strikes_each_side; i <= strikes_each_side; ++i) {
      const double k = 6000 + i * strike_step;
      for (auto type : {OptionType::call, OptionType::put}) {
        const double p = price(k, type);
        in.quotes.push_back({k, type, p * (1 - half_spread_fraction), p * (1 + half_spread_fraction),
                             with_iv ? vol(k) : kNaN});
      }
    }
    return in;
  }
};

TEST(SmileFit, ForwardFromPutCallParity) {
  Market m;
  m.true_forward_basis = 1.003;  // a dividend the configuration does not know about
  const auto fit = fit_smile(m.input());
  ASSERT_EQ(fit.source, SmileSource::fitted);
  EXPECT_TRUE(fit.forward_from_parity);
  EXPECT_NEAR(fit.forward / m.forward(), 1.0, 1e-9);
  EXPECT_NEAR(fit.basis, 1.003, 1e-9);
}

TEST(SmileFit, ModelForwardWithoutParityPairs) {
  Market m;
  auto in = m.input();
  // Calls only above 6000, puts only below: no strike has both sides.
  std::vector<SmileQuote> otm;
  for (const auto& q : in.quotes) {
    if ((q.type == OptionType::call) == (q.strike > 6000)) otm.push_back(q);
  }
  in.quotes = otm;
  in.dividend_yield = 0.01;
  const auto fit = fit_smile(in);
  ASSERT_EQ(fit.source, SmileSource::fitted);
  EXPECT_FALSE(fit.forward_from_parity);
  EXPECT_DOUBLE_EQ(fit.forward, 6000 * std::exp((0.05 - 0.01) * m.years));
  EXPECT_DOUBLE_EQ(fit.basis, 1.0);
}

void expect_recovers(const Market& m, const SmileFit& fit, double tolerance) {
  ASSERT_EQ(fit.source, SmileSource::fitted);
  for (int i = -m.strikes_each_side + 1; i < m.strikes_each_side; ++i) {
    const double strike = 6000 + i * m.strike_step;
    const double k = std::log(strike / fit.forward);
    EXPECT_NEAR(fit.curve.vol(k), m.vol(strike), tolerance) << "strike " << strike;
  }
}

TEST(SmileFit, RecoversAKnownSmileFromVendorIvs) {
  Market m;
  expect_recovers(m, fit_smile(m.input()), 2e-4);
}

TEST(SmileFit, RecoversAKnownSmileFromQuoteMids) {
  Market m;
  m.with_iv = false;  // every IV solved from the mid with quant's solver
  const auto fit = fit_smile(m.input());
  EXPECT_EQ(fit.rejected_quotes, 0);
  expect_recovers(m, fit, 2e-4);
}

TEST(SmileFit, UsesTheOtmSideOnly) {
  Market m;
  auto in = m.input();
  // Garbage IVs on every in-the-money side: the fit must not see them.
  const double F = m.forward();
  for (auto& q : in.quotes) {
    const bool otm = q.type == OptionType::put ? q.strike < F : q.strike >= F;
    if (!otm) q.iv = 3.0;
  }
  expect_recovers(m, fit_smile(in), 2e-4);
}

TEST(SmileFit, FittedSmilesHaveNoButterflyArbitrage) {
  for (double years : {1.0 / (365 * 24), 1.0 / 365, 7.0 / 365, 30.0 / 365}) {
    Market m;
    m.years = years;
    m.smile.a *= years * 365 / 7;
    m.smile.b *= std::sqrt(years * 365 / 7);
    const auto fit = fit_smile(m.input());
    ASSERT_EQ(fit.source, SmileSource::fitted) << years;
    EXPECT_TRUE(butterfly_free(fit.curve, fit.curve.k_min() - 0.2, fit.curve.k_max() + 0.2)) << years;
  }
}

TEST(SmileFit, ButterflyCheckCatchesAConcaveSmile) {
  // Total variance with a sharp dip: call prices lose convexity around it.
  std::vector<double> w, dw;
  for (int i = 0; i < 21; ++i) {
    const double k = -0.1 + 0.01 * i;
    w.push_back(0.004 - 0.0035 * std::exp(-k * k / 0.0002));
    dw.push_back(0.0035 * std::exp(-k * k / 0.0002) * 2 * k / 0.0002);
  }
  const auto curve = SmileCurve::from_nodes(0.1, -0.1, 0.01, w, dw);
  EXPECT_FALSE(butterfly_free(curve, -0.1, 0.1));
}

TEST(SmileFit, NoisyArbitrageIsSmoothedAway) {
  Market m;
  m.with_iv = true;
  auto in = m.input();
  // Zig-zag IVs: alternate strikes ±3 vol points — raw, they imply negative butterflies.
  for (auto& q : in.quotes) {
    const int i = static_cast<int>(std::lround((q.strike - 6000) / m.strike_step));
    q.iv += (i % 2 == 0 ? 0.03 : -0.03);
  }
  const auto fit = fit_smile(in);
  if (fit.source == SmileSource::fitted) {
    EXPECT_TRUE(butterfly_free(fit.curve, fit.curve.k_min(), fit.curve.k_max()));
  } else {
    EXPECT_EQ(fit.reason, SmileFallbackReason::arbitrage);
  }
}

TEST(SmileFit, CalendarFloorPreventsInversion) {
  Market short_m;
  short_m.years = 2.0 / 365;
  short_m.smile.a = 0.0004;
  short_m.smile.b = 0.008;
  const auto short_fit = fit_smile(short_m.input());
  ASSERT_EQ(short_fit.source, SmileSource::fitted);

  Market long_m;  // 7 days, but a lower smile: its raw total variance is below the 2-day's
  long_m.smile.a = 0.0001;
  long_m.smile.b = 0.004;
  const auto raw = fit_smile(long_m.input());
  ASSERT_EQ(raw.source, SmileSource::fitted);
  EXPECT_FALSE(calendar_free(short_fit.curve, raw.curve, -0.1, 0.1, 400, 1e-6));

  const auto floored = fit_smile(long_m.input(), &short_fit.curve);
  ASSERT_EQ(floored.source, SmileSource::fitted);
  EXPECT_TRUE(calendar_free(short_fit.curve, floored.curve, -0.3, 0.3, 2000, 1e-6));
}

TEST(SmileFit, WingsAreBoundedLines) {
  Market m;
  const auto fit = fit_smile(m.input());
  ASSERT_EQ(fit.source, SmileSource::fitted);
  const auto& c = fit.curve;
  for (double d : {0.1, 1.0, 10.0}) {
    EXPECT_GE(c.total_variance(c.k_min() - d), c.total_variance(c.k_min()));
    EXPECT_GE(c.total_variance(c.k_max() + d), c.total_variance(c.k_max()));
    EXPECT_LE(c.total_variance(c.k_min() - d), c.total_variance(c.k_min()) + kMaxWingSlope * d + 1e-15);
    EXPECT_LE(c.total_variance(c.k_max() + d), c.total_variance(c.k_max()) + kMaxWingSlope * d + 1e-15);
  }
}

TEST(SmileFit, FallsBackWithTooFewQuotes) {
  Market m;
  m.strikes_each_side = 1;  // 3 strikes
  auto fit = fit_smile(m.input());
  EXPECT_EQ(fit.source, SmileSource::fallback);
  EXPECT_EQ(fit.reason, SmileFallbackReason::too_few_quotes);
  EXPECT_EQ(fit.usable_strikes, 3);

  m.strikes_each_side = 2;  // 5 strikes: exactly the threshold
  EXPECT_EQ(fit_smile(m.input()).source, SmileSource::fitted);

  auto in = m.input();
  in.spot = 0;
  fit = fit_smile(in);
  EXPECT_EQ(fit.source, SmileSource::fallback);
  EXPECT_EQ(fit.reason, SmileFallbackReason::no_spot);
}

TEST(SmileFit, GarbageQuotesAreIgnored) {
  Market m;
  m.with_iv = false;
  const auto clean = fit_smile(m.input());
  auto in = m.input();
  const std::size_t n = in.quotes.size();
  in.quotes.push_back({6005, OptionType::call, kNaN, 5.0, kNaN});        // NaN bid
  in.quotes.push_back({6015, OptionType::put, 0.0, 3.0, 0.2});            // zero bid
  in.quotes.push_back({6025, OptionType::call, 9.0, 8.0, kNaN});          // crossed
  in.quotes.push_back({6035, OptionType::put, 1.0, 30.0, kNaN});          // far too wide
  in.quotes.push_back({kNaN, OptionType::call, 1.0, 1.1, 0.2});           // NaN strike
  in.quotes.push_back({-10, OptionType::put, 1.0, 1.1, 0.2});             // negative strike
  in.quotes.push_back({6045, OptionType::call, 1e-300, 1e-300, kNaN});    // no time value to solve
  in.quotes.push_back({6055, OptionType::call, 5.0, std::numeric_limits<double>::infinity(), kNaN});
  const auto fit = fit_smile(in);
  ASSERT_EQ(fit.source, SmileSource::fitted);
  EXPECT_EQ(fit.rejected_quotes, 8);
  EXPECT_EQ(fit.usable_strikes, clean.usable_strikes);
  EXPECT_EQ(n + 8, in.quotes.size());
  for (double k = clean.curve.k_min(); k <= clean.curve.k_max(); k += 0.001) {
    EXPECT_DOUBLE_EQ(fit.curve.total_variance(k), clean.curve.total_variance(k));
  }
}

TEST(SmileFit, AllGarbageFallsBack) {
  SmileInput in;
  in.spot = 6000;
  in.years = 0.01;
  in.rate = 0.05;
  for (int i = 0; i < 50; ++i) {
    in.quotes.push_back({5900.0 + i * 5, OptionType::call, kNaN, kNaN, kNaN});
    in.quotes.push_back({5900.0 + i * 5, OptionType::put, 0, 0, 0.2});
  }
  const auto fit = fit_smile(in);
  EXPECT_EQ(fit.source, SmileSource::fallback);
  EXPECT_EQ(fit.reason, SmileFallbackReason::too_few_quotes);
  EXPECT_EQ(fit.rejected_quotes, 100);
}

// The heatmap prices single legs from the fitted smile: Black-76 on the fitted forward.
TEST(SmileHeatmap, SinglesArePricedFromTheFittedSmile) {
  Market m;
  HeatmapInput in;
  in.symbol = "I:SPX";
  in.spot = m.spot;
  in.vix = 16;
  in.pricing_minute_ms = 1770735600000;
  in.expiries.push_back({7, "2026-02-17", m.years});
  for (const auto& q : m.input().quotes) {
    ContractInput c;
    c.root = "SPXW";
    c.expiry = 0;
    c.strike = q.strike;
    c.type = q.type;
    c.quote.bid = q.bid;
    c.quote.ask = q.ask;
    c.quote.iv = q.iv;
    in.contracts.push_back(c);
  }
  HeatmapConfig config;
  config.widths = {20};
  HeatmapBuilder b(config);
  b.rebuild(in);
  ASSERT_EQ(b.expirations().size(), 1u);
  EXPECT_EQ(b.expirations()[0].smile, SmileSource::fitted);
  EXPECT_EQ(b.pricing_minute_ms(), 1770735600000);
  EXPECT_NEAR(b.expirations()[0].atm_iv, std::sqrt(m.smile.w(0) / m.years), 2e-4);
  for (double strike : {5700.0, 5900.0, 6000.0, 6150.0, 6300.0}) {
    const auto slot = b.find_tile({TileStrategy::single, 7, 0, strike_to_milli(strike)});
    ASSERT_TRUE(slot);
    const auto& v = b.tile_value(*slot);
    for (auto [side, type] : {std::pair{&v.call, OptionType::call}, std::pair{&v.put, OptionType::put}}) {
      ASSERT_TRUE(side->has_theo);
      const double theo = static_cast<double>(side->theo) / kTheoScale;
      const double truth = m.price(strike, type);
      EXPECT_NEAR(theo, truth, std::max(0.002 * truth, 1e-4)) << strike;
    }
  }
  // A spot move shifts the forward and the held smile with it; refit_smiles() then equals a
  // rebuild at the new spot.
  b.set_market(6030, 16);
  b.refit_smiles();
  HeatmapBuilder fresh(config);
  in.spot = 6030;
  fresh.rebuild(in);
  for (std::uint32_t s = 0; s < b.tile_count(); ++s) EXPECT_EQ(b.tile_value(s), fresh.tile_value(s));
}

TEST(SmileHeatmap, FallbackExpiryKeepsTheRegimeSkew) {
  HeatmapInput in;
  in.symbol = "I:SPX";
  in.spot = 6000;
  in.vix = 16;
  in.expiries.push_back({0, "2026-02-10", 1.0 / 365});
  for (double k : {5970.0, 6000.0, 6030.0}) {
    for (auto type : {OptionType::call, OptionType::put}) {
      ContractInput c;
      c.root = "SPXW";
      c.strike = k;
      c.type = type;
      c.quote.bid = 10;
      c.quote.ask = 10.5;
      c.quote.iv = 0.15;
      in.contracts.push_back(c);
    }
  }
  HeatmapConfig config;
  config.widths = {30};
  config.dividend_yield = 0.0;
  HeatmapBuilder b(config);
  b.rebuild(in);
  EXPECT_EQ(b.expirations()[0].smile, SmileSource::fallback);
  EXPECT_EQ(b.smile_fit(0).reason, SmileFallbackReason::too_few_quotes);
  const auto slot = b.find_tile({TileStrategy::single, 0, 0, strike_to_milli(5970)});
  const double expected = black_scholes_price(
      OptionType::put, {6000, 5970, 1.0 / 365, 0.05, skewed_vol(0.15, 6000, 5970, skew_shape(VolRegime::normal))});
  EXPECT_NEAR(static_cast<double>(b.tile_value(*slot).put.theo) / kTheoScale, expected, 1e-4);
}

}  // namespace
}  // namespace ms::quant
