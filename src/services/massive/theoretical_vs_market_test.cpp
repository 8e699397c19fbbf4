// Theoretical values against the market, on the simulator (issue 7 item 5): the simulator's
// quotes come from a smile (sim/option_pricing.hpp), so a heatmap that fits the chain's own smile
// must put its theoretical single-leg mids inside the quoted bid/ask for nearly every contract
// near the money. Hermetic: the simulator runs in-process, its chain snapshot goes through the
// vendor's contract type into massive's SymbolChain, no Redis, no sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/market_calendar.hpp"
#include "services/massive/symbol_chain.hpp"
#include "services/sim/option_pricing.hpp"
#include "services/sim/sim_market.hpp"
#include "services/sim/snapshot_json.hpp"

namespace ms::massive {
namespace {

using nlohmann::json;

core::Date tuesday() { return core::Date{std::chrono::year{2026}, std::chrono::month{2}, std::chrono::day{10}}; }

std::optional<double> num(const json& j, const char* a, const char* b = nullptr) {
  const json* v = &j;
  for (const char* key : {a, b}) {
    if (!key) break;
    if (!v->is_object() || !v->contains(key)) return std::nullopt;
    v = &(*v)[key];
  }
  if (!v->is_number()) return std::nullopt;
  return v->get<double>();
}

// The vendor's contract object as the simulator serves it, into the vendor client's type.
marketdata::OptionContractSnapshot to_vendor(const json& wire, bool with_iv) {
  marketdata::OptionContractSnapshot s;
  s.ticker = wire["details"]["ticker"].get<std::string>();
  s.expiration_date = wire["details"]["expiration_date"].get<std::string>();
  s.strike = wire["details"]["strike_price"].get<double>();
  s.is_call = wire["details"]["contract_type"] == "call";
  if (with_iv) s.implied_volatility = num(wire, "implied_volatility");
  s.gamma = num(wire, "greeks", "gamma");
  s.open_interest = num(wire, "open_interest");
  s.bid = num(wire, "last_quote", "bid");
  s.ask = num(wire, "last_quote", "ask");
  s.midpoint = num(wire, "last_quote", "midpoint");
  s.last_price = num(wire, "last_trade", "price");
  s.wire = wire;
  return s;
}

std::vector<marketdata::OptionContractSnapshot> snapshot(const sim::SimMarket& m, sim::Underlying u, bool with_iv) {
  std::vector<marketdata::OptionContractSnapshot> out;
  std::string text;
  for (auto i : m.chain().contracts_of(u)) {
    text.clear();
    sim::append_contract_json(text, m, i, false);
    out.push_back(to_vendor(json::parse(text), with_iv));
  }
  return out;
}

struct Coverage {
  int inside = 0, total = 0, fitted_expiries = 0, expiries = 0, expected_fallbacks = 0;
  int calls_inside = 0, calls = 0, last_hour_inside = 0, last_hour = 0;
  double share() const { return total ? double(inside) / total : 0; }
  double call_share() const { return calls ? double(calls_inside) / calls : 0; }
  double put_share() const { return total > calls ? double(inside - calls_inside) / (total - calls) : 0; }
  double last_hour_share() const { return last_hour ? double(last_hour_inside) / last_hour : 0; }
};

// Singles within ±3 standard deviations (σ_ATM·S·√T) of spot: is the theoretical mid inside the
// simulator's bid/ask?
void measure(const sim::SimMarket& m, sim::Underlying u, const SymbolChain& chain, Coverage& cov) {
  const auto& b = chain.heatmap();
  const double spot = m.spot(u);
  const double vix = m.index_value(sim::Index::vix);
  const auto expirations = b.expirations();
  for (std::size_t x = 0; x < expirations.size(); ++x) {
    const auto& e = expirations[x];
    ++cov.expiries;
    if (e.smile == quant::SmileSource::fitted) {
      ++cov.fitted_expiries;
    } else if (e.dte == 0 && b.smile_fit(x).reason == quant::SmileFallbackReason::too_few_quotes) {
      ++cov.expected_fallbacks;  // a 0-DTE in its last minutes: few strikes still have a bid
    }
  }
  for (auto i : m.chain().contracts_of(u)) {
    const auto& c = m.chain()[i];
    if (c.root != sim::underlying_spec(u).daily_root) continue;  // the heatmap prices the PM root
    const auto v = m.valuation(i);
    const double sd = sim::atm_vol(vix, v.years) * spot * std::sqrt(v.years);
    if (std::fabs(c.strike - spot) > 3 * sd) continue;
    const auto slot = b.find_tile({quant::TileStrategy::single, c.dte, 0, c.strike_milli});
    ASSERT_TRUE(slot) << c.ticker;
    const auto& side = c.type == quant::OptionType::call ? b.tile_value(*slot).call : b.tile_value(*slot).put;
    ASSERT_TRUE(side.has_theo) << c.ticker;
    const double theo = double(side.theo) / quant::kTheoScale;
    const auto q = m.quote(i);
    const bool inside = theo >= q.bid() && theo <= q.ask();
    const bool call = c.type == quant::OptionType::call;
    const bool last_hour = m.now_ms() >= m.session().close_ms - 3'600'000;
    cov.total += 1;
    cov.inside += inside;
    cov.calls += call;
    cov.calls_inside += call && inside;
    cov.last_hour += last_hour;
    cov.last_hour_inside += last_hour && inside;
  }
}

quant::HeatmapConfig config_for(sim::Underlying u, const sim::SimMarket& m) {
  quant::HeatmapConfig hc;
  hc.widths = u == sim::Underlying::spx ? std::vector<int>{20, 30} : std::vector<int>{50, 100};
  hc.rate = m.config().chain.rate;  // the simulator's rate (MASSIVE_RISK_FREE_RATE in a deployment)
  hc.dividend_yield = 0;
  return hc;
}

// Market times through the session, on minute boundaries (T is quantised to the minute), the
// last hour included down to the final minute.
const int kTimes[][2] = {{9, 45}, {11, 0}, {13, 30}, {15, 0}, {15, 30}, {15, 50}, {15, 59}};

Coverage run_session(bool with_iv, bool incremental) {
  sim::SimConfig config;
  config.seed = 20260302;
  config.chain.daily_expirations = 4;
  config.option_trades_per_second = 0.01;
  const auto day = tuesday();
  sim::SimMarket m(config, day);
  Coverage cov;
  for (const auto& [hour, minute] : kTimes) {
    const core::EpochMs at = core::new_york_time_ms(day, hour, minute);
    // Incremental: the snapshot a minute early, then a minute of feed quotes and spot ticks,
    // refitted by the minute's clock step. Otherwise: the snapshot at the time itself.
    const core::EpochMs snap_at = incremental ? at - 60'000 : at;
    m.advance_to(snap_at, [](const sim::MarketTick&) {});
    std::vector<std::unique_ptr<SymbolChain>> chains;
    std::vector<std::vector<sim::OptionQuote>> last(std::size(sim::kAllUnderlyings));
    for (auto u : sim::kAllUnderlyings) {
      chains.push_back(std::make_unique<SymbolChain>(std::string(sim::underlying_spec(u).index_ticker),
                                                     config_for(u, m)));
      chains.back()->replace(snapshot(m, u, with_iv), day, m.now_ms(), m.spot(u),
                             m.index_value(sim::Index::vix));
      for (auto i : m.chain().contracts_of(u)) last[std::size_t(u)].push_back(m.quote(i));
    }
    if (incremental) {
      m.advance_to(at, [&](const sim::MarketTick&) {
        for (auto u : sim::kAllUnderlyings) {
          auto& chain = *chains[std::size_t(u)];
          chain.set_market(m.spot(u), m.index_value(sim::Index::vix));
          std::size_t n = 0;
          for (auto i : m.chain().contracts_of(u)) {
            const auto q = m.quote(i);
            if (!(q == last[std::size_t(u)][n])) {
              chain.on_quote(m.chain()[i].ticker, q.bid(), q.ask(), q.bid_size, q.ask_size);
              last[std::size_t(u)][n] = q;
            }
            ++n;
          }
          chain.set_time(m.now_ms());
        }
      });
      EXPECT_EQ(m.now_ms(), at);
    }
    for (auto u : sim::kAllUnderlyings) measure(m, u, *chains[std::size_t(u)], cov);
  }
  return cov;
}

void report(const char* what, const Coverage& c) {
  std::printf("[coverage] %s: %d/%d singles inside bid/ask (%.2f %%), %d/%d expiries fitted, "
              "%d 0-DTE fallbacks for too few quotes; calls %.2f %%, puts %.2f %%, last hour %.2f %% of %d\n",
              what, c.inside, c.total, 100 * c.share(), c.fitted_expiries, c.expiries, c.expected_fallbacks,
              100 * c.call_share(), 100 * c.put_share(), 100 * c.last_hour_share(), c.last_hour);
}

// Item 5's bar, the same for every way the quotes arrive.
void expect_market_coverage(const char* what, const Coverage& c) {
  report(what, c);
  EXPECT_GT(c.total, 500);
  EXPECT_EQ(c.fitted_expiries + c.expected_fallbacks, c.expiries);
  EXPECT_LE(c.expected_fallbacks, 6);  // 15:50 and 15:59, SPX and NDX, at most
  EXPECT_GE(c.share(), 0.95);
  EXPECT_GE(c.call_share(), 0.95);
  EXPECT_GE(c.put_share(), 0.95);
  EXPECT_GE(c.last_hour_share(), 0.95);
}

TEST(TheoreticalVsMarket, VendorIvsFromTheSnapshot) {
  expect_market_coverage("snapshot with vendor IVs", run_session(true, false));
}

TEST(TheoreticalVsMarket, IvsSolvedFromQuoteMids) {
  expect_market_coverage("snapshot, IVs solved from mids", run_session(false, false));
}

TEST(TheoreticalVsMarket, FeedQuotesAndMinuteRefits) {
  expect_market_coverage("snapshot a minute early, then feed quotes and the minute refit", run_session(true, true));
}

}  // namespace
}  // namespace ms::massive
