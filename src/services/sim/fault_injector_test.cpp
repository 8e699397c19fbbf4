#include "services/sim/fault_injector.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

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

}  // namespace
}  // namespace ms::sim
