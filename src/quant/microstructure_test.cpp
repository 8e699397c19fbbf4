#include "quant/microstructure.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"

namespace ms::quant {
namespace {

using nlohmann::json;

constexpr std::int64_t kT0 = 1'770'737'400'000;  // 2026-02-10 15:30:00 UTC
constexpr auto kCall = OptionType::call;
constexpr auto kPut = OptionType::put;

std::string ticker(double strike, OptionType type) {
  return "O:SPXW260210" + std::string(type == kCall ? "C" : "P") +
         std::to_string(static_cast<long long>(strike * 1000));
}

// A quote 1.00 / 1.20 (sizes 10 / 12) on the contract.
void quote(MicroBuilder& b, double strike, OptionType type, std::int64_t t = kT0,
           double bid = 1.00, double ask = 1.20) {
  b.on_quote(ticker(strike, type), strike, type, bid, ask, 10, 12, t);
}

TradeSide trade(MicroBuilder& b, double strike, OptionType type, double price, std::int64_t size,
                std::int64_t t) {
  return b.on_trade(ticker(strike, type), strike, type, price, size, t);
}

std::vector<std::string> quote_tickers(const json& model) {
  std::vector<std::string> out;
  for (const auto& q : model["quotes"]) out.push_back(q["ticker"].get<std::string>());
  return out;
}

TEST(MicroBuilder, RejectsBadParams) {
  EXPECT_THROW(MicroBuilder("I:SPX", MicroParams{.band_pct = 0}), core::Error);
  EXPECT_THROW(MicroBuilder("I:SPX", MicroParams{.sweep_window_ms = 0}), core::Error);
  EXPECT_THROW(MicroBuilder("I:SPX", MicroParams{.sweep_min_strikes = 0}), core::Error);
  EXPECT_THROW(MicroBuilder("I:SPX", MicroParams{.absorption_max_spot_move = -1}), core::Error);
  EXPECT_THROW(MicroBuilder("I:SPX", MicroParams{.max_events = 0}), core::Error);
  try {
    MicroBuilder("I:SPX", MicroParams{.absorption_window_ms = -5});
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "invalid_micro_params");
  }
}

TEST(MicroBuilder, BandFollowsSpotInclusiveSortedCallBeforePut) {
  MicroBuilder b("I:SPX");
  // No spot yet: nothing is in the band.
  quote(b, 6000, kPut);
  EXPECT_TRUE(b.model_json("e", 1, kT0)["quotes"].empty());

  b.set_spot(6000, kT0);  // band ±30
  for (double k : {5965.0, 5970.0, 6030.0, 6031.0, 6040.0}) quote(b, k, kCall);
  quote(b, 6000, kCall);
  auto m = b.model_json("e", 2, kT0);
  EXPECT_EQ(quote_tickers(m),
            (std::vector<std::string>{ticker(5970, kCall), ticker(6000, kCall), ticker(6000, kPut),
                                      ticker(6030, kCall)}));

  b.set_spot(6010, kT0 + 1000);  // band ±30.05 → [5979.95, 6040.05]
  m = b.model_json("e", 3, kT0 + 1000);
  EXPECT_EQ(quote_tickers(m),
            (std::vector<std::string>{ticker(6000, kCall), ticker(6000, kPut), ticker(6030, kCall),
                                      ticker(6031, kCall), ticker(6040, kCall)}));
  EXPECT_EQ(m["spot"], 6010.0);
  EXPECT_EQ(m["summary"]["contracts"], 5);

  b.set_spot(5950, kT0 + 2000);  // band ±29.75 → [5920.25, 5979.75]
  EXPECT_EQ(quote_tickers(b.model_json("e", 4, kT0 + 2000)),
            (std::vector<std::string>{ticker(5965, kCall), ticker(5970, kCall)}));
}

TEST(MicroBuilder, QuoteFieldsAndSummaryByHand) {
  MicroBuilder b("I:SPX");
  b.set_spot(6000, kT0);
  b.on_quote(ticker(5990, kPut), 5990, kPut, 1.00, 1.10, 10, 20, kT0 + 1);   // spread 0.10
  b.on_quote(ticker(6000, kCall), 6000, kCall, 2.00, 2.30, 5, 7, kT0 + 2);   // 0.30
  b.on_quote(ticker(6005, kCall), 6005, kCall, 3.00, 3.20, 1, 3, kT0 + 3);   // 0.20
  b.on_quote(ticker(6010, kCall), 6010, kCall, 4.00, 4.50, 2, 4, kT0 + 4);   // 0.50
  const auto m = b.model_json("e", 1, kT0);
  ASSERT_EQ(m["quotes"].size(), 4u);
  EXPECT_EQ(m["quotes"][0], (json{{"ticker", ticker(5990, kPut)},
                                  {"strike", 5990.0},
                                  {"type", "put"},
                                  {"bid", 1.0},
                                  {"ask", 1.1},
                                  {"mid", 1.05},
                                  {"spread", 0.1},
                                  {"bid_size", 10},
                                  {"ask_size", 20},
                                  {"t", kT0 + 1}}));
  EXPECT_EQ(m["quotes"][3]["mid"], 4.25);
  EXPECT_EQ(m["quotes"][1]["spread"], 0.3);
  // Spreads 0.1 0.2 0.3 0.5: avg 1.1/4 = 0.275, median (0.2+0.3)/2 = 0.25.
  // Bid sizes 10+5+1+2 = 18 → 4.5; ask sizes 20+7+3+4 = 34 → 8.5.
  EXPECT_EQ(m["summary"], (json{{"contracts", 4},
                                {"avg_spread", 0.275},
                                {"median_spread", 0.25},
                                {"avg_bid_size", 4.5},
                                {"avg_ask_size", 8.5},
                                {"total_bid_size", 18},
                                {"total_ask_size", 34}}));

  // Odd count: drop the 0.50 one by an unusable (crossed) quote → median 0.2, avg 0.6/3 = 0.2.
  b.on_quote(ticker(6010, kCall), 6010, kCall, 4.60, 4.50, 2, 4, kT0 + 5);
  const auto m2 = b.model_json("e", 2, kT0);
  EXPECT_EQ(m2["summary"]["contracts"], 3);
  EXPECT_EQ(m2["summary"]["median_spread"], 0.2);
  EXPECT_EQ(m2["summary"]["avg_spread"], 0.2);
  EXPECT_EQ(m2["summary"]["avg_bid_size"], 5.3);  // 16 / 3
  EXPECT_EQ(m2["summary"]["avg_ask_size"], 10.0);  // 30 / 3
}

TEST(MicroBuilder, EmptySummaryHasNullAverages) {
  MicroBuilder b("I:NDX");
  const auto m = b.model_json("e", 1, kT0);
  EXPECT_EQ(m["spot"], nullptr);
  EXPECT_EQ(m["summary"], (json{{"contracts", 0},
                                {"avg_spread", nullptr},
                                {"median_spread", nullptr},
                                {"avg_bid_size", nullptr},
                                {"avg_ask_size", nullptr},
                                {"total_bid_size", 0},
                                {"total_ask_size", 0}}));
}

TEST(MicroBuilder, TradeSideFromCurrentQuote) {
  MicroBuilder b("I:SPX");
  EXPECT_EQ(trade(b, 6000, kCall, 1.20, 1, kT0), TradeSide::unknown);  // no quote yet
  quote(b, 6000, kCall);                                                 // 1.00 / 1.20
  EXPECT_EQ(trade(b, 6000, kCall, 1.20, 1, kT0), TradeSide::buy);
  EXPECT_EQ(trade(b, 6000, kCall, 1.25, 1, kT0), TradeSide::buy);
  EXPECT_EQ(trade(b, 6000, kCall, 1.00, 1, kT0), TradeSide::sell);
  EXPECT_EQ(trade(b, 6000, kCall, 0.95, 1, kT0), TradeSide::sell);
  EXPECT_EQ(trade(b, 6000, kCall, 1.10, 1, kT0), TradeSide::unknown);
  EXPECT_EQ(trade(b, 6000, kCall, 1.20, 0, kT0), TradeSide::unknown);  // no size
  EXPECT_EQ(trade(b, 6000, kCall, std::nan(""), 1, kT0), TradeSide::unknown);
  quote(b, 6000, kCall, kT0, 1.30, 1.50);  // the quote moved: 1.20 is now below the bid
  EXPECT_EQ(trade(b, 6000, kCall, 1.20, 1, kT0), TradeSide::sell);
}

class Sweeps : public ::testing::Test {
 protected:
  void SetUp() override {
    b.set_spot(6000, kT0);
    for (double k : {5990.0, 5995.0, 6000.0, 6005.0, 6010.0}) {
      quote(b, k, kCall);
      quote(b, k, kPut);
    }
  }
  MicroBuilder b{"I:SPX"};
};

TEST_F(Sweeps, ThreeBuysOnThreeStrikesIn900ms) {
  trade(b, 6000, kCall, 1.20, 5, kT0);
  trade(b, 6005, kCall, 1.25, 7, kT0 + 400);
  EXPECT_TRUE(b.sweeps().empty());
  trade(b, 6010, kCall, 1.20, 9, kT0 + 900);
  ASSERT_EQ(b.sweeps().size(), 1u);
  const auto m = b.model_json("e", 1, kT0 + 900);
  ASSERT_EQ(m["sweeps"].size(), 1u);
  EXPECT_EQ(m["sweeps"][0], (json{{"t", kT0},
                                  {"last_t", kT0 + 900},
                                  {"side", "buy"},
                                  {"type", "call"},
                                  {"strikes", {6000.0, 6005.0, 6010.0}},
                                  {"trades", 3},
                                  {"contracts", 21}}));

  // Same side and type within the sweep's window: the sweep grows, no second sweep.
  trade(b, 5995, kCall, 1.20, 2, kT0 + 950);
  trade(b, 6000, kCall, 1.20, 1, kT0 + 1000);
  ASSERT_EQ(b.sweeps().size(), 1u);
  EXPECT_EQ(b.sweeps()[0].trades, 5);
  EXPECT_EQ(b.sweeps()[0].contracts, 24);
  EXPECT_EQ(b.sweeps()[0].strikes, (std::vector<double>{5995, 6000, 6005, 6010}));
  EXPECT_EQ(b.sweeps()[0].last_t_ms, kT0 + 1000);

  // After the window the consumed trades do not count again: two more are not a sweep...
  trade(b, 5990, kCall, 1.20, 1, kT0 + 1100);
  trade(b, 5995, kCall, 1.20, 1, kT0 + 1200);
  EXPECT_EQ(b.sweeps().size(), 1u);
  // ...a third on a third strike is.
  trade(b, 6000, kCall, 1.20, 1, kT0 + 1300);
  ASSERT_EQ(b.sweeps().size(), 2u);
  EXPECT_EQ(b.sweeps()[1].t_ms, kT0 + 1100);
  EXPECT_EQ(b.sweeps()[1].trades, 3);
  EXPECT_EQ(b.model_json("e", 2, kT0)["sweeps"][0]["t"], kT0 + 1100);  // newest first
}

TEST_F(Sweeps, SellSweepOnPuts) {
  trade(b, 5990, kPut, 1.00, 10, kT0);
  trade(b, 5995, kPut, 0.90, 10, kT0 + 10);
  trade(b, 6000, kPut, 1.00, 10, kT0 + 20);
  ASSERT_EQ(b.sweeps().size(), 1u);
  EXPECT_EQ(b.sweeps()[0].side, TradeSide::sell);
  EXPECT_EQ(b.sweeps()[0].type, kPut);
  EXPECT_EQ(b.model_json("e", 1, kT0)["sweeps"][0]["side"], "sell");
}

TEST_F(Sweeps, WindowBoundaryIsInclusive) {
  trade(b, 5990, kCall, 1.20, 1, kT0);
  trade(b, 5995, kCall, 1.20, 1, kT0 + 500);
  trade(b, 6000, kCall, 1.20, 1, kT0 + 1000);
  EXPECT_EQ(b.sweeps().size(), 1u);
}

TEST_F(Sweeps, NotOnTwoStrikes) {
  trade(b, 6000, kCall, 1.20, 5, kT0);
  trade(b, 6005, kCall, 1.20, 5, kT0 + 100);
  trade(b, 6005, kCall, 1.20, 5, kT0 + 200);
  trade(b, 6000, kCall, 1.20, 5, kT0 + 300);
  EXPECT_TRUE(b.sweeps().empty());
}

TEST_F(Sweeps, NotWhenSpreadOverMoreThanTheWindow) {
  trade(b, 6000, kCall, 1.20, 5, kT0);
  trade(b, 6005, kCall, 1.20, 5, kT0 + 600);
  trade(b, 6010, kCall, 1.20, 5, kT0 + 1200);  // 1.2 s after the first
  EXPECT_TRUE(b.sweeps().empty());
  // The first fell out of the window; the last two and a new one within 1 s are a sweep.
  trade(b, 5995, kCall, 1.20, 5, kT0 + 1500);
  ASSERT_EQ(b.sweeps().size(), 1u);
  EXPECT_EQ(b.sweeps()[0].t_ms, kT0 + 600);
  EXPECT_EQ(b.sweeps()[0].strikes, (std::vector<double>{5995, 6005, 6010}));
}

TEST_F(Sweeps, NotOnMixedSidesTypesOrUnknown) {
  trade(b, 6000, kCall, 1.20, 5, kT0);         // buy
  trade(b, 6005, kCall, 1.00, 5, kT0 + 100);   // sell
  trade(b, 6010, kCall, 1.20, 5, kT0 + 200);   // buy
  trade(b, 5995, kPut, 1.20, 5, kT0 + 300);    // put buy
  trade(b, 5990, kCall, 1.10, 5, kT0 + 400);   // inside the spread: unknown
  EXPECT_TRUE(b.sweeps().empty());
  EXPECT_TRUE(b.model_json("e", 1, kT0)["sweeps"].empty());
}

TEST_F(Sweeps, EventListIsCapped) {
  MicroBuilder capped("I:SPX", MicroParams{.max_events = 2});
  capped.set_spot(6000, kT0);
  for (double k : {5990.0, 5995.0, 6000.0}) quote(capped, k, kCall);
  for (int i = 0; i < 3; ++i) {
    const std::int64_t t = kT0 + i * 5000;
    trade(capped, 5990, kCall, 1.20, i + 1, t);
    trade(capped, 5995, kCall, 1.20, 1, t + 1);
    trade(capped, 6000, kCall, 1.20, 1, t + 2);
  }
  ASSERT_EQ(capped.sweeps().size(), 2u);
  const auto m = capped.model_json("e", 1, kT0);
  ASSERT_EQ(m["sweeps"].size(), 2u);
  EXPECT_EQ(m["sweeps"][0]["t"], kT0 + 10000);
  EXPECT_EQ(m["sweeps"][0]["contracts"], 5);
  EXPECT_EQ(m["sweeps"][1]["t"], kT0 + 5000);
}

class Absorption : public ::testing::Test {
 protected:
  void SetUp() override {
    b.set_spot(6000, kT0);
    quote(b, 6000, kPut);
  }
  MicroBuilder b{"I:SPX"};
};

TEST_F(Absorption, FiftyContractsWhileSpotHolds) {
  trade(b, 6000, kPut, 1.10, 20, kT0);
  b.set_spot(6000.5, kT0 + 2000);
  trade(b, 6000, kPut, 1.20, 20, kT0 + 4000);
  EXPECT_TRUE(b.absorptions().empty());
  b.set_spot(6000.25, kT0 + 5000);
  trade(b, 6000, kPut, 1.00, 15, kT0 + 9000);  // 55 in 9 s, spot range 0.5
  ASSERT_EQ(b.absorptions().size(), 1u);
  const auto m = b.model_json("e", 1, kT0 + 9000);
  EXPECT_EQ(m["absorption"], json::array({json{{"t", kT0 + 9000},
                                               {"last_t", kT0 + 9000},
                                               {"strike", 6000.0},
                                               {"type", "put"},
                                               {"contracts", 55},
                                               {"spot_move", 0.5}}}));
  // Still holding: the same event grows.
  trade(b, 6000, kPut, 1.10, 10, kT0 + 9500);
  ASSERT_EQ(b.absorptions().size(), 1u);
  EXPECT_EQ(b.absorptions()[0].contracts, 65);
  EXPECT_EQ(b.absorptions()[0].last_t_ms, kT0 + 9500);
  EXPECT_TRUE(b.changed());
}

TEST_F(Absorption, NotWhenSpotMovedTwoPoints) {
  trade(b, 6000, kPut, 1.10, 30, kT0);
  b.set_spot(6002, kT0 + 3000);
  trade(b, 6000, kPut, 1.10, 30, kT0 + 5000);
  EXPECT_TRUE(b.absorptions().empty());
  // Spot back at 6000 does not erase the move inside the window...
  b.set_spot(6000, kT0 + 6000);
  trade(b, 6000, kPut, 1.10, 1, kT0 + 7000);
  EXPECT_TRUE(b.absorptions().empty());
  // ...nor does a window that starts while spot was still at 6002 (6002 prevailed 3 s..6 s)...
  trade(b, 6000, kPut, 1.10, 20, kT0 + 13500);  // 30 @5 s + 1 @7 s + 20 = 51
  EXPECT_TRUE(b.absorptions().empty());
  // ...but once spot has held 6000 for the whole window it counts: 1 @7 s + 20 @13.5 s + 30.
  trade(b, 6000, kPut, 1.10, 30, kT0 + 16500);
  ASSERT_EQ(b.absorptions().size(), 1u);
  EXPECT_EQ(b.absorptions()[0].contracts, 51);
  EXPECT_EQ(b.absorptions()[0].spot_move, 0.0);
}

TEST_F(Absorption, NotWhenVolumeIsSpreadOverMoreThanTenSeconds) {
  trade(b, 6000, kPut, 1.10, 30, kT0);
  trade(b, 6000, kPut, 1.10, 30, kT0 + 10001);
  EXPECT_TRUE(b.absorptions().empty());
}

TEST_F(Absorption, CountsPerStrikeAndType) {
  quote(b, 6000, kCall);
  quote(b, 6005, kPut);
  trade(b, 6000, kPut, 1.10, 25, kT0);
  trade(b, 6000, kCall, 1.10, 25, kT0 + 1);
  trade(b, 6005, kPut, 1.10, 25, kT0 + 2);
  EXPECT_TRUE(b.absorptions().empty());
  trade(b, 6000, kCall, 1.10, 25, kT0 + 3);
  ASSERT_EQ(b.absorptions().size(), 1u);
  EXPECT_EQ(b.absorptions()[0].type, kCall);
  EXPECT_EQ(b.absorptions()[0].strike, 6000.0);
}

TEST_F(Absorption, EndsWhenTheConditionFailsThenStartsAgain) {
  trade(b, 6000, kPut, 1.10, 60, kT0);
  ASSERT_EQ(b.absorptions().size(), 1u);
  b.set_spot(6003, kT0 + 1000);
  trade(b, 6000, kPut, 1.10, 5, kT0 + 2000);  // spot moved: the event ends
  EXPECT_EQ(b.absorptions()[0].contracts, 60);
  b.set_spot(6003.5, kT0 + 11000);
  trade(b, 6000, kPut, 1.10, 60, kT0 + 11200);  // 6003 prevailing at 1.2 s, then 6003.5
  ASSERT_EQ(b.absorptions().size(), 2u);
  EXPECT_EQ(b.absorptions()[1].t_ms, kT0 + 11200);
  EXPECT_EQ(b.absorptions()[1].spot_move, 0.5);
  EXPECT_EQ(b.absorptions()[1].contracts, 65);  // 5 @2000 + 60 now
}

TEST(MicroBuilder, AbsorptionNeedsSpotAndCapsList) {
  MicroBuilder b("I:SPX", MicroParams{.max_events = 3});
  trade(b, 6000, kPut, 1.10, 100, kT0);
  EXPECT_TRUE(b.absorptions().empty());
  b.set_spot(6000, kT0);
  for (int i = 0; i < 5; ++i) {
    trade(b, 6000 + 5 * i, kPut, 1.10, 50 + i, kT0 + 100 * i);
  }
  ASSERT_EQ(b.absorptions().size(), 3u);
  const auto m = b.model_json("e", 1, kT0);
  ASSERT_EQ(m["absorption"].size(), 3u);
  EXPECT_EQ(m["absorption"][0]["strike"], 6020.0);
  EXPECT_EQ(m["absorption"][2]["strike"], 6010.0);
}

TEST(MicroBuilder, ChangedTracksWhatTheModelShows) {
  MicroBuilder b("I:SPX");
  EXPECT_FALSE(b.changed());
  b.set_spot(6000, kT0);
  EXPECT_TRUE(b.changed());
  b.model_json("e", 1, kT0);
  EXPECT_FALSE(b.changed());
  b.set_spot(6000, kT0 + 1000);  // same value
  EXPECT_FALSE(b.changed());
  b.set_spot(std::numeric_limits<double>::infinity(), kT0);
  EXPECT_EQ(b.spot(), 6000.0);
  quote(b, 6100, kCall);  // out of the band
  EXPECT_FALSE(b.changed());
  quote(b, 6010, kCall);  // in the band
  EXPECT_TRUE(b.changed());
  b.model_json("e", 2, kT0);
  quote(b, 6010, kCall, kT0 + 5);  // same values, new time
  EXPECT_FALSE(b.changed());
  EXPECT_EQ(b.model_json("e", 3, kT0)["quotes"][0]["t"], kT0 + 5);
  quote(b, 6010, kCall, kT0 + 6, 1.05, 1.20);
  EXPECT_TRUE(b.changed());
  b.model_json("e", 4, kT0);
  trade(b, 6010, kCall, 1.10, 1, kT0);  // unknown side, no event
  EXPECT_FALSE(b.changed());
  b.set_spot(6000.25, kT0 + 2000);
  EXPECT_TRUE(b.changed());
}

TEST(MicroBuilder, ClearForgetsChainKeepsSpot) {
  MicroBuilder b("I:SPX");
  b.set_spot(6000, kT0);
  for (double k : {5995.0, 6000.0, 6005.0}) quote(b, k, kCall);
  trade(b, 5995, kCall, 1.20, 20, kT0);
  trade(b, 6000, kCall, 1.20, 20, kT0 + 1);
  trade(b, 6005, kCall, 1.20, 20, kT0 + 2);
  trade(b, 6005, kCall, 1.20, 40, kT0 + 3);
  EXPECT_EQ(b.sweeps().size(), 1u);
  EXPECT_EQ(b.absorptions().size(), 1u);
  b.model_json("e", 1, kT0);
  b.clear();
  EXPECT_TRUE(b.changed());
  const auto m = b.model_json("e", 2, kT0 + 10);
  EXPECT_TRUE(m["quotes"].empty());
  EXPECT_TRUE(m["sweeps"].empty());
  EXPECT_TRUE(m["absorption"].empty());
  EXPECT_EQ(m["spot"], 6000.0);
  // Nothing of before is remembered: the trades do not combine with new ones.
  for (double k : {5995.0, 6000.0, 6005.0}) quote(b, k, kCall);
  trade(b, 5995, kCall, 1.20, 1, kT0 + 20);
  trade(b, 6000, kCall, 1.20, 1, kT0 + 21);
  EXPECT_TRUE(b.sweeps().empty());
  trade(b, 6005, kCall, 1.20, 1, kT0 + 22);
  EXPECT_EQ(b.sweeps().size(), 1u);
  EXPECT_TRUE(b.absorptions().empty());
}

TEST(MicroBuilder, ManyContractsKeepTheirOwnQuotes) {
  // Past the first index sizes: every ticker still finds its own contract.
  MicroBuilder b("I:SPX", MicroParams{.band_pct = 50});
  b.set_spot(6000, kT0);
  for (int k = 0; k < 600; ++k) {
    for (auto type : {kCall, kPut}) {
      b.on_quote(ticker(4000 + 5 * k, type), 4000 + 5 * k, type, k, k + 0.5, k, k + 1, kT0);
    }
  }
  for (int k = 0; k < 600; k += 7) {
    b.on_quote(ticker(4000 + 5 * k, kPut), 4000 + 5 * k, kPut, k + 0.25, k + 0.5, 1, 1, kT0 + 1);
  }
  const auto m = b.model_json("e", 1, kT0);
  ASSERT_EQ(m["quotes"].size(), 1200u);
  for (int k = 0; k < 600; ++k) {
    const auto& call = m["quotes"][2 * k];
    const auto& put = m["quotes"][2 * k + 1];
    ASSERT_EQ(call["ticker"], ticker(4000 + 5 * k, kCall));
    ASSERT_EQ(call["bid"], double(k));
    ASSERT_EQ(call["ask_size"], k + 1);
    ASSERT_EQ(put["ticker"], ticker(4000 + 5 * k, kPut));
    ASSERT_EQ(put["bid"], k % 7 ? double(k) : k + 0.25);
  }
}

TEST(MicroBuilder, ModelJsonShape) {
  MicroBuilder b("I:SPX");
  b.set_spot(6000.123, kT0);
  quote(b, 6000, kCall);
  const auto m = b.model_json("20260210-1", 42, kT0 + 7);
  std::set<std::string> keys;
  for (const auto& [k, v] : m.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"symbol", "epoch", "seq", "ts", "spot", "band_pct",
                                         "quotes", "summary", "sweeps", "absorption"}));
  EXPECT_EQ(m["symbol"], "I:SPX");
  EXPECT_EQ(m["epoch"], "20260210-1");
  EXPECT_EQ(m["seq"], 42);
  EXPECT_TRUE(m["ts"].is_number_integer());
  EXPECT_EQ(m["ts"], kT0 + 7);
  EXPECT_EQ(m["spot"], 6000.12);
  EXPECT_EQ(m["band_pct"], 0.5);
  EXPECT_TRUE(m["quotes"].is_array());
  EXPECT_TRUE(m["quotes"][0]["t"].is_number_integer());
  EXPECT_TRUE(m["quotes"][0]["bid_size"].is_number_integer());
  EXPECT_TRUE(m["summary"].is_object());
  EXPECT_TRUE(m["sweeps"].is_array());
  EXPECT_TRUE(m["absorption"].is_array());
}

TEST(MicroBuilder, SteadyStateStaysBounded) {
  // A long feed: windows slide without growing, the event lists stay capped.
  MicroBuilder b("I:SPX", MicroParams{.max_events = 10});
  b.set_spot(6000, kT0);
  for (int k = 0; k < 13; ++k) {
    quote(b, 5970 + 5 * k, kCall);
    quote(b, 5970 + 5 * k, kPut);
  }
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t t = kT0 + i * 10;
    const double k = 5970 + 5 * (i % 13);
    const auto type = i % 2 ? kCall : kPut;
    if (i % 50 == 0) b.set_spot(6000 + (i % 7) * 0.3, t);
    b.on_quote(ticker(k, type), k, type, 1.00, 1.20 + (i % 3) * 0.05, 10, 12, t);
    trade(b, k, type, i % 5 ? 1.25 : 1.00, 1, t);
  }
  EXPECT_EQ(b.sweeps().size(), 10u);
  EXPECT_LE(b.absorptions().size(), 10u);
  b.set_spot(6000, kT0 + 2'000'000);
  EXPECT_EQ(b.model_json("e", 1, kT0)["quotes"].size(), 26u);
}

}  // namespace
}  // namespace ms::quant
