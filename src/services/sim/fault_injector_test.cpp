#include "services/sim/fault_injector.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "services/sim/data_faults.hpp"

namespace ms::sim {
namespace {

std::string code_of(std::string_view spec) {
  try {
    parse_fault_spec(spec);
  } catch (const core::Error& e) {
    return e.code();
  }
  return "ok";
}

TEST(FaultSpec, Parses) {
  EXPECT_EQ(parse_fault_spec(""), FaultConfig{});
  EXPECT_EQ(parse_fault_spec("none"), FaultConfig{});
  EXPECT_EQ(parse_fault_spec("garbage=100,truncate=250,drop=1000"), (FaultConfig{100, 250, 1000}));
  EXPECT_EQ(parse_fault_spec("drop=3"), (FaultConfig{0, 0, 3}));
  EXPECT_EQ(parse_fault_spec("bad_price=5,bad_size=6,far_strike=7,bad_time=8"), (FaultConfig{0, 0, 0, 5, 6, 7, 8}));
  EXPECT_TRUE(parse_fault_spec("bad_time=2").any());
  EXPECT_TRUE(parse_fault_spec("bad_time=2").any_data());
  EXPECT_FALSE(parse_fault_spec("garbage=2").any_data());
  EXPECT_TRUE(parse_fault_spec("drop=3").any());
  EXPECT_FALSE(FaultConfig{}.any());
}

TEST(FaultSpec, RefusesBadParts) {
  for (const char* s : {"garbage", "garbage=", "garbage=x", "garbage=-1", "garbage=1x", "boom=1",
                        "garbage=1,,drop=2", "=5"}) {
    EXPECT_EQ(code_of(s), "bad_fault_spec") << s;
  }
}

TEST(FaultInjector, PassesFramesUntouchedWhenOff) {
  FaultInjector f;
  for (int i = 0; i < 100; ++i) {
    std::string frame = "[{\"ev\":\"T\"}]";
    EXPECT_EQ(f.apply(frame), FaultAction::send);
    EXPECT_EQ(frame, "[{\"ev\":\"T\"}]");
  }
  EXPECT_EQ(f.stats().frames, 100u);
}

TEST(FaultInjector, GarbageAndTruncationOnSchedule) {
  FaultInjector f({3, 2, 0});
  std::vector<FaultAction> got;
  for (int i = 1; i <= 6; ++i) {
    std::string frame = R"([{"ev":"V","val":6001.2,"T":"I:SPX","t":1}])";
    got.push_back(f.apply(frame));
    if (got.back() != FaultAction::send) {
      EXPECT_TRUE(nlohmann::json::parse(frame, nullptr, false).is_discarded()) << frame;
    }
  }
  // 2 truncate, 3 garbage, 4 truncate, 6 both -> garbage wins.
  EXPECT_EQ(got, (std::vector<FaultAction>{FaultAction::send, FaultAction::send_truncated,
                                           FaultAction::send_garbage, FaultAction::send_truncated,
                                           FaultAction::send, FaultAction::send_garbage}));
  EXPECT_EQ(f.stats().garbage, 2u);
  EXPECT_EQ(f.stats().truncated, 2u);
}

TEST(FaultInjector, DropsAfterNFramesForGood) {
  FaultInjector f({0, 0, 2});
  std::string a = "[1]", b = "[2]", c = "[3]", d = "[4]";
  EXPECT_EQ(f.apply(a), FaultAction::send);
  EXPECT_EQ(f.apply(b), FaultAction::send);
  EXPECT_EQ(f.apply(c), FaultAction::drop);
  EXPECT_EQ(f.apply(d), FaultAction::drop);
  EXPECT_TRUE(f.stats().dropped);
  EXPECT_EQ(f.stats().frames, 2u);
}

// ---- bad data inside valid frames ---------------------------------------------------------------

constexpr const char* kOptionFrame =
    R"([{"ev":"Q","sym":"O:SPXW260305C06000000","bx":65,"ax":65,"bp":7.6,"ap":7.8,"bs":12,"as":30,"t":1772726400000,"q":4},)"
    R"({"ev":"T","sym":"O:SPXW260305P05990000","x":65,"p":7.7,"s":3,"c":[209],"t":1772726400000,"q":5}])";
constexpr const char* kIndexFrame = R"([{"ev":"V","val":6001.25,"T":"I:SPX","t":1772726400000}])";
constexpr const char* kStockFrame =
    R"([{"ev":"T","sym":"SPY","i":"7","x":11,"p":690.5,"s":100,"c":[37],"t":1772726400000,"q":9,"z":2}])";

std::string faulted(const char* frame, DataFault f, std::uint64_t form) {
  std::string s = frame;
  EXPECT_TRUE(apply_data_fault(s, f, form)) << frame;
  return s;
}

TEST(DataFaults, PriceFormsCycleThroughAbsurdZeroAndNegative) {
  EXPECT_EQ(faulted(kStockFrame, DataFault::bad_price, 0),
            R"([{"ev":"T","sym":"SPY","i":"7","x":11,"p":1000000000.0,"s":100,"c":[37],"t":1772726400000,"q":9,"z":2}])");
  EXPECT_EQ(faulted(kIndexFrame, DataFault::bad_price, 1), R"([{"ev":"V","val":0.0,"T":"I:SPX","t":1772726400000}])");
  EXPECT_EQ(faulted(kIndexFrame, DataFault::bad_price, 2), R"([{"ev":"V","val":-6001.25,"T":"I:SPX","t":1772726400000}])");
  EXPECT_EQ(faulted(kIndexFrame, DataFault::bad_price, 3), faulted(kIndexFrame, DataFault::bad_price, 0));
  // Quotes: the first event of the frame takes it; the trade after it is untouched.
  const auto q = nlohmann::json::parse(faulted(kOptionFrame, DataFault::bad_price, 0));
  EXPECT_EQ(q[0]["ap"], 1e9);
  EXPECT_EQ(q[0]["bp"], 7.6);
  EXPECT_EQ(q[1]["p"], 7.7);
  EXPECT_EQ(nlohmann::json::parse(faulted(kOptionFrame, DataFault::bad_price, 1))[0]["bp"], -0.05);
  EXPECT_EQ(nlohmann::json::parse(faulted(kOptionFrame, DataFault::bad_price, 2))[0]["bp"], -7.6);
}

TEST(DataFaults, SizesStrikesAndTimes) {
  const auto neg = nlohmann::json::parse(faulted(kStockFrame, DataFault::bad_size, 0));
  EXPECT_EQ(neg[0]["s"], -100);
  EXPECT_EQ(nlohmann::json::parse(faulted(kStockFrame, DataFault::bad_size, 1))[0]["s"], 1000000000000);
  EXPECT_EQ(nlohmann::json::parse(faulted(kOptionFrame, DataFault::bad_size, 0))[0]["bs"], -12);
  std::string v = kIndexFrame;
  EXPECT_FALSE(apply_data_fault(v, DataFault::bad_size, 0));  // an index value has no size
  EXPECT_FALSE(apply_data_fault(v, DataFault::far_strike, 0));
  EXPECT_EQ(v, kIndexFrame);

  const auto far = nlohmann::json::parse(faulted(kOptionFrame, DataFault::far_strike, 0));
  EXPECT_EQ(far[0]["sym"], "O:SPXW260305C60000000");
  EXPECT_EQ(far[1]["sym"], "O:SPXW260305P05990000");
  std::string big = R"([{"ev":"T","sym":"O:NDXP260305C21000000","p":1,"s":1,"t":1}])";
  ASSERT_TRUE(apply_data_fault(big, DataFault::far_strike, 0));
  EXPECT_EQ(nlohmann::json::parse(big)[0]["sym"], "O:NDXP260305C99999999");

  EXPECT_EQ(nlohmann::json::parse(faulted(kIndexFrame, DataFault::bad_time, 0))[0]["t"],
            1772726400000 + 30LL * 86400000);
  EXPECT_EQ(nlohmann::json::parse(faulted(kIndexFrame, DataFault::bad_time, 1))[0]["t"],
            1772726400000 - 3653LL * 86400000);

  std::string not_json = "[{\"ev\":";
  EXPECT_FALSE(apply_data_fault(not_json, DataFault::bad_price, 0));
}

TEST(DataFaults, RestSpotSnapshots) {
  std::string indices = R"({"results":[{"value":6001.25,"ticker":"I:SPX"},{"value":21000.5,"ticker":"I:NDX"}],"status":"OK"})";
  ASSERT_TRUE(apply_rest_price_fault(indices, 0));
  EXPECT_EQ(indices, R"({"results":[{"value":1000000000.0,"ticker":"I:SPX"},{"value":21000.5,"ticker":"I:NDX"}],"status":"OK"})");
  std::string stock = R"({"ticker":{"ticker":"SPY","lastTrade":{"p":690.5,"s":100},"day":{"c":690.1}},"status":"OK"})";
  ASSERT_TRUE(apply_rest_price_fault(stock, 2));
  EXPECT_EQ(nlohmann::json::parse(stock)["ticker"]["lastTrade"]["p"], -690.5);
  std::string other = R"({"results":[{"ticker":"O:SPXW260305C06000000"}]})";
  EXPECT_FALSE(apply_rest_price_fault(other, 0));
  EXPECT_EQ(parse_fault_spec("rest_bad_price=4").rest_bad_price_every, 4u);
  EXPECT_TRUE(parse_fault_spec("rest_bad_price=4").any());
  EXPECT_FALSE(parse_fault_spec("rest_bad_price=4").any_data());
}

TEST(FaultInjector, DataKnobsSkipClockFramesAndCycleTheirForms) {
  FaultConfig c;
  c.bad_price_every = 2;
  FaultInjector f(c);
  std::vector<std::string> sent;
  for (int i = 0; i < 8; ++i) {
    std::string clock = R"([{"ev":"status","status":"clock","message":"market clock","ts_ms":1}])";
    EXPECT_EQ(f.apply(clock), FaultAction::send);
    EXPECT_EQ(clock, R"([{"ev":"status","status":"clock","message":"market clock","ts_ms":1}])");
    std::string frame = kIndexFrame;
    EXPECT_EQ(f.apply(frame), FaultAction::send);
    sent.push_back(nlohmann::json::parse(frame)[0]["val"].dump());
  }
  EXPECT_EQ(sent, (std::vector<std::string>{"6001.25", "1000000000.0", "6001.25", "0.0", "6001.25", "-6001.25",
                                            "6001.25", "1000000000.0"}));
  EXPECT_EQ(f.stats().data_frames, 8u);
  EXPECT_EQ(f.stats().bad_price, 4u);
  EXPECT_EQ(f.stats().frames, 16u);
}

}  // namespace
}  // namespace ms::sim
