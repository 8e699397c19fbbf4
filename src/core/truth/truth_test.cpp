// The loader services use: accessors and the precedence process env > truth > compiled default.
#include "core/truth/truth.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/error.hpp"
#include "core/truth/builder.hpp"
#include "core/truth/test_support.hpp"
#include "testing/temp_dir.hpp"

namespace ms::core {
namespace {

using namespace ms::core::truth::testing;
using nlohmann::json;

json shipped_composite() {
  auto result = truth::build(shipped_truth_dir());
  EXPECT_TRUE(result.ok()) << dump_issues(result.issues);
  return json::parse(result.composite.dump());
}

EnvLookup fake_env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return "no error";
}

TEST(Truth, EnvNames) {
  EXPECT_EQ(bus_url_env_name("system-redis"), "MS_BUS_SYSTEM_REDIS_URL");
  EXPECT_EQ(component_env_name("sse", "PORT"), "MS_SSE_PORT");
  EXPECT_EQ(component_env_name("copilot", "bind"), "MS_COPILOT_BIND");
}

TEST(Truth, ValuesFromTruthWhenTheEnvironmentIsSilent) {
  auto truth = Truth::from_json(shipped_composite(), fake_env({}));
  EXPECT_EQ(truth.bus_url("market-redis"), "redis://127.0.0.1:6380");
  EXPECT_EQ(truth.http("sse")->port, 3001);
  EXPECT_EQ(truth.http("sse")->bind, "127.0.0.1");
  EXPECT_EQ(truth.env_or("massive", "MASSIVE_CHAIN_SYMBOLS", "compiled"), "I:SPX,I:NDX");
  EXPECT_EQ(truth.env_or("massive", "MASSIVE_NOT_DECLARED", "compiled"), "compiled");
  EXPECT_FALSE(truth.env_value("massive", "MASSIVE_NOT_DECLARED"));
  EXPECT_EQ(truth.heartbeat("journal").interval_sec, 5);
  EXPECT_EQ(truth.heartbeat("journal").ttl_sec, 15);
  EXPECT_EQ(truth.component_ids(), (std::vector<std::string>{"copilot", "journal", "massive", "sse"}));
  EXPECT_EQ(truth.bus_names(), (std::vector<std::string>{"intel-redis", "market-redis", "system-redis"}));
  EXPECT_EQ(truth.secret_names("massive"), (std::vector<std::string>{"MASSIVE_API_KEY", "DATABASE_PASSWORD"}));
  EXPECT_FALSE(truth.http("massive")->port == 0);
  EXPECT_EQ(truth.component("copilot")["config"]["mel"]["weights"]["gamma"], 0.30);
  auto sim = truth.sim("massive");
  ASSERT_TRUE(sim);
  EXPECT_EQ(sim->port, 3004);
  EXPECT_DOUBLE_EQ(sim->speed, 1.0);
  EXPECT_FALSE(truth.sim("sse"));
}

TEST(Truth, EnvironmentOverridesSingleValues) {
  auto truth = Truth::from_json(shipped_composite(), fake_env({{"MS_BUS_MARKET_REDIS_URL", "redis://127.0.0.1:16380"},
                                                               {"MS_SSE_PORT", "13001"},
                                                               {"MS_SSE_BIND", "0.0.0.0"},
                                                               {"MS_SIM_SPEED", "60"},
                                                               {"MS_SIM_SEED", "7"},
                                                               {"MS_MARKET_SOURCE", "sim"},
                                                               {"MS_NODE_ENV", "prod"},
                                                               {"MS_DATABASE_URL", "mysql://ms@127.0.0.1:3306/ms"},
                                                               {"MASSIVE_CHAIN_SYMBOLS", "I:SPX"},
                                                               {"MASSIVE_NOT_DECLARED", "from-env"}}));
  EXPECT_EQ(truth.bus_url("market-redis"), "redis://127.0.0.1:16380");
  EXPECT_EQ(truth.bus_url("system-redis"), "redis://127.0.0.1:6379");
  auto with_password = Truth::from_json(shipped_composite(), fake_env({{"MS_BUS_SYSTEM_REDIS_URL", "redis://:pw@10.0.0.5:6379"}}));
  EXPECT_EQ(with_password.bus_url("system-redis"), "redis://:pw@10.0.0.5:6379");
  EXPECT_EQ(truth.http("sse")->port, 13001);
  EXPECT_EQ(truth.http("sse")->bind, "0.0.0.0");
  EXPECT_EQ(truth.http("journal")->port, 3002);
  EXPECT_DOUBLE_EQ(truth.sim("massive")->speed, 60.0);
  EXPECT_EQ(truth.sim("massive")->seed, 7u);
  EXPECT_EQ(truth.market_source(), "sim");
  EXPECT_TRUE(truth.is_prod());
  EXPECT_EQ(truth.database_url(), "mysql://ms@127.0.0.1:3306/ms");
  EXPECT_FALSE(truth.sqlite_file("/data"));
  EXPECT_EQ(truth.env_or("massive", "MASSIVE_CHAIN_SYMBOLS", "compiled"), "I:SPX");
  EXPECT_EQ(truth.env_or("massive", "MASSIVE_NOT_DECLARED", "compiled"), "from-env");
}

TEST(Truth, ProcessEnvironmentIsTheDefaultSource) {
  ScopedEnv port("MS_JOURNAL_PORT", "13002");
  ScopedEnv symbols("JOURNAL_CONTEXT_SYMBOL", "I:NDX");
  auto truth = Truth::from_json(shipped_composite());
  EXPECT_EQ(truth.http("journal")->port, 13002);
  EXPECT_EQ(truth.env_or("journal", "JOURNAL_CONTEXT_SYMBOL", "x"), "I:NDX");
}

TEST(Truth, EmptyVariableCountsAsSet) {
  auto truth = Truth::from_json(shipped_composite(), fake_env({{"SSE_STATIC_DIR", ""}}));
  EXPECT_EQ(truth.env_or("sse", "SSE_STATIC_DIR", "compiled"), "");
}

TEST(Truth, MalformedOverridesAreErrors) {
  auto truth = Truth::from_json(shipped_composite(), fake_env({{"MS_SSE_PORT", "30o1"},
                                                               {"MS_COPILOT_BIND", "localhost"},
                                                               {"MS_BUS_INTEL_REDIS_URL", "127.0.0.1:6381"},
                                                               {"MS_MARKET_SOURCE", "replay"},
                                                               {"MS_DATABASE_URL", "mysql://u:p@h/db"},
                                                               {"MS_SIM_SPEED", "-1"}}));
  EXPECT_EQ(error_code_of([&] { truth.http("sse"); }), "bad_env");
  EXPECT_EQ(error_code_of([&] { truth.http("copilot"); }), "bad_env");
  EXPECT_EQ(error_code_of([&] { truth.bus_url("intel-redis"); }), "bad_env");
  EXPECT_EQ(error_code_of([&] { truth.market_source(); }), "bad_env");
  EXPECT_EQ(error_code_of([&] { truth.database_url(); }), "bad_env");
  EXPECT_EQ(error_code_of([&] { truth.sim("massive"); }), "bad_env");
}

TEST(Truth, UnknownNamesAreErrors) {
  auto truth = Truth::from_json(shipped_composite(), fake_env({}));
  EXPECT_EQ(error_code_of([&] { truth.bus_url("echo-redis"); }), "truth_unknown_bus");
  EXPECT_EQ(error_code_of([&] { truth.component("vexy_ai"); }), "truth_unknown_component");
  EXPECT_EQ(error_code_of([&] { truth.env_value("sse", "APP_SESSION_SECRET"); }), "secret_via_env");
  EXPECT_FALSE(truth.has_component("vexy_ai"));
  EXPECT_TRUE(truth.has_component("sse"));
}

TEST(Truth, SqliteFileIsUnderTheDataDir) {
  auto truth = Truth::from_json(shipped_composite(), fake_env({}));
  EXPECT_EQ(*truth.sqlite_file("/srv/ms/var"), std::filesystem::path("/srv/ms/var/marketswarm.db"));
}

TEST(Truth, ChecksumSurvivesTheRoundTripThroughText) {
  auto composite = shipped_composite();
  auto truth = Truth::from_string(composite.dump(2));
  EXPECT_EQ(truth.sha256(), composite["sha256"].get<std::string>());
  composite.erase("sha256");
  EXPECT_EQ(Truth::from_json(composite).sha256(), truth.sha256());
}

TEST(Truth, BadDocumentsAreRefused) {
  EXPECT_EQ(error_code_of([] { Truth::from_string("{not json"); }), "truth_invalid");
  EXPECT_EQ(error_code_of([] { Truth::from_string("[]"); }), "truth_invalid");
  EXPECT_EQ(error_code_of([] { Truth::from_string(R"({"node":{},"buses":{}})"); }), "truth_invalid");
}

TEST(Truth, LoadFromFile) {
  ms::testing::TempDir dir;
  ms::testing::write_file(dir / "truth.json", shipped_composite().dump());
  EXPECT_EQ(load_truth_from_file(dir / "truth.json").node_name(), "marketswarm-local");
  EXPECT_EQ(error_code_of([&] { load_truth_from_file(dir / "missing.json"); }), "truth_file");
}

TEST(Truth, FindTruthDirHonoursTheEnvironment) {
  ms::testing::TempDir dir;
  auto copy = copy_shipped_truth(dir.path());
  {
    ScopedEnv env("MS_TRUTH_DIR", copy.string());
    EXPECT_EQ(truth::find_truth_dir(), copy);
  }
  ScopedEnv wrong("MS_TRUTH_DIR", (dir / "nothing-here").string());
  EXPECT_FALSE(truth::find_truth_dir());
}

TEST(Truth, FindTruthDirFromTheBinary) {
  ScopedEnv unset("MS_TRUTH_DIR", std::nullopt);
  auto found = truth::find_truth_dir();
  ASSERT_TRUE(found);
  EXPECT_TRUE(std::filesystem::equivalent(*found, shipped_truth_dir()));
}

}  // namespace
}  // namespace ms::core
