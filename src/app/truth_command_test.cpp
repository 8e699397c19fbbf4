// The `marketswarm truth` command line as an operator uses it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bus/blocking_redis.hpp"
#include "testing/command.hpp"
#include "testing/redis_server.hpp"
#include "testing/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;

ms::testing::CommandResult run(std::vector<std::string> args) {
  args.insert(args.begin(), MS_BINARY_PATH);
  return ms::testing::run_command(args);
}

const std::string kTruth = std::string(MS_SOURCE_DIR) + "/truth";

TEST(TruthCommand, BuildsTheShippedTruth) {
  ms::testing::TempDir dir("ms-truth-cli");
  auto r = run({"truth", "build", "--dir", kTruth, "--out", (dir / "truth.json").string()});
  EXPECT_EQ(r.exit_code, std::optional<int>(0)) << r.output;
  auto doc = nlohmann::json::parse(ms::testing::read_file(dir / "truth.json"));
  for (const char* id : {"massive", "sse", "journal", "copilot"}) EXPECT_TRUE(doc["components"].contains(id)) << id;
}

TEST(TruthCommand, BrokenComponentFailsNamingFilePointerAndRule) {
  ms::testing::TempDir dir("ms-truth-cli");
  std::filesystem::copy(kTruth, dir / "truth", std::filesystem::copy_options::recursive);
  auto path = dir / "truth" / "components" / "journal.json";
  auto doc = nlohmann::json::parse(ms::testing::read_file(path));
  doc["http"]["port"] = "not a number";
  ms::testing::write_file(path, doc.dump(2));
  auto r = run({"truth", "build", "--dir", (dir / "truth").string(), "--out", (dir / "out.json").string()});
  EXPECT_EQ(r.exit_code, std::optional<int>(1)) << r.output;
  EXPECT_NE(r.output.find("journal.json: /http/port: schema.type"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out.json"));
}

TEST(TruthCommand, CheckComponentByName) {
  auto r = run({"truth", "check-component", "--file", kTruth + "/components/massive.json"});
  EXPECT_EQ(r.exit_code, std::optional<int>(0)) << r.output;
  auto bad = run({"truth", "check-node", "--file", "/nonexistent/node.json"});
  EXPECT_NE(bad.exit_code, std::optional<int>(0)) << bad.output;
}

TEST(TruthCommand, LoadWritesTheTruthKeyAndFlushesNothing) {
  ms::testing::RedisServer redis;
  ms::bus::BlockingRedis r(redis.url(), 1000ms);
  r.command({"SET", "massive:model:spot:I:SPX", "{\"value\":6000}"});
  auto res = run({"truth", "load", "--dir", kTruth, "--url", redis.url()});
  ASSERT_EQ(res.exit_code, std::optional<int>(0)) << res.output;
  auto truth = r.command({"GET", "truth"});
  ASSERT_EQ(truth.type, ms::bus::Reply::Type::string);
  EXPECT_TRUE(nlohmann::json::parse(truth.str)["components"].contains("sse"));
  EXPECT_EQ(r.command({"GET", "massive:model:spot:I:SPX"}).str, "{\"value\":6000}");
}

TEST(TruthCommand, LoadAgainstAClosedPortFailsClearly) {
  auto res = run({"truth", "load", "--dir", kTruth, "--url", "redis://127.0.0.1:1"});
  EXPECT_NE(res.exit_code, std::optional<int>(0));
  EXPECT_NE(res.output.find("127.0.0.1:1"), std::string::npos) << res.output;
}

}  // namespace
