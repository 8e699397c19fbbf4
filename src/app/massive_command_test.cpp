// `marketswarm massive` as a process refuses what it cannot run with: a malformed setting, or
// live market data without a key — exit 1 with a message naming the problem, never a crash.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/command.hpp"
#include "testing/ports.hpp"
#include "testing/redis_server.hpp"
#include "testing/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;

class MassiveCommand : public ::testing::Test {
 protected:
  // Composite truth of the shipped tree, with the market source set.
  std::string truth(const std::string& source) {
    auto r = ms::testing::run_command({MS_BINARY_PATH, "truth", "build", "--dir", std::string(MS_SOURCE_DIR) + "/truth",
                                       "--out", (dir / "truth.json").string()},
                                      {}, 30s);
    EXPECT_EQ(r.exit_code, std::optional<int>(0)) << r.output;
    auto doc = nlohmann::json::parse(std::ifstream(dir / "truth.json"));
    doc["node"]["market"]["source"] = source;
    const auto file = dir / ("truth-" + source + ".json");
    std::ofstream(file) << doc.dump();
    return file.string();
  }
  std::vector<std::pair<std::string, std::string>> env() {
    return {{"MS_BUS_SYSTEM_REDIS_URL", redis.url()},
            {"MS_BUS_MARKET_REDIS_URL", redis.url()},
            {"MS_BUS_INTEL_REDIS_URL", redis.url()},
            {"MS_MASSIVE_PORT", std::to_string(ms::testing::reserve_free_port())},
            {"MS_SIM_PORT", std::to_string(ms::testing::reserve_free_port())},
            {"MS_SECRETS_FILE", ""},
            {"MASSIVE_API_KEY", ""}};
  }

  ms::testing::RedisServer redis;
  ms::testing::TempDir dir{"ms-massive-cmd"};
};

TEST_F(MassiveCommand, AMalformedSettingNamesTheVariable) {
  auto e = env();
  e.emplace_back("MASSIVE_CHAIN_INTERVAL_SEC", "ten");
  auto r = ms::testing::run_command({MS_BINARY_PATH, "massive", "--truth", truth("sim"), "--data-dir", dir.path().string()},
                                    e, 30s);
  EXPECT_EQ(r.exit_code, std::optional<int>(1)) << r.output;
  EXPECT_NE(r.output.find("MASSIVE_CHAIN_INTERVAL_SEC"), std::string::npos) << r.output;
}

TEST_F(MassiveCommand, LiveDataWithoutAKeyIsRefused) {
  auto r = ms::testing::run_command({MS_BINARY_PATH, "massive", "--truth", truth("live"), "--data-dir", dir.path().string()},
                                    env(), 30s);
  EXPECT_EQ(r.exit_code, std::optional<int>(1)) << r.output;
  EXPECT_NE(r.output.find("MASSIVE_API_KEY"), std::string::npos) << r.output;
}

}  // namespace
