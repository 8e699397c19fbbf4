// The shipped truth builds clean; each broken input fails with its rule id at its JSON pointer.
#include "core/truth/builder.hpp"

#include <gtest/gtest.h>

#include "core/truth/test_support.hpp"
#include "core/truth/truth.hpp"
#include "testing/temp_dir.hpp"

namespace ms::core::truth {
namespace {

using namespace ms::core::truth::testing;
using nlohmann::json;

TEST(TruthBuildShipped, BuildsWithoutIssues) {
  auto result = build(shipped_truth_dir());
  EXPECT_TRUE(result.ok()) << dump_issues(result.issues);
}

TEST(TruthBuildShipped, CompositeHasNodeOrderAndChecksum) {
  auto result = build(shipped_truth_dir());
  ASSERT_TRUE(result.ok()) << dump_issues(result.issues);
  const auto& c = result.composite;
  std::vector<std::string> top;
  for (auto it = c.begin(); it != c.end(); ++it) top.push_back(it.key());
  EXPECT_EQ(top, (std::vector<std::string>{"version", "description", "node", "buses", "components", "tools", "sha256"}));
  std::vector<std::string> ids;
  for (auto it = c["components"].begin(); it != c["components"].end(); ++it) ids.push_back(it.key());
  EXPECT_EQ(ids, (std::vector<std::string>{"massive", "journal", "copilot", "sse"}));
  const std::string sha = c["sha256"];
  EXPECT_EQ(sha.size(), 64u);
  EXPECT_EQ(sha, composite_sha256(json::parse(c.dump())));
  // Formatting and member order do not change the checksum; content does.
  EXPECT_EQ(sha, composite_sha256(json::parse(c.dump(4))));
  auto changed = json::parse(c.dump());
  changed["components"]["sse"]["http"]["port"] = 3011;
  EXPECT_NE(sha, composite_sha256(changed));
}

TEST(TruthBuildShipped, SeedPortsAndBuses) {
  auto result = build(shipped_truth_dir());
  ASSERT_TRUE(result.ok()) << dump_issues(result.issues);
  auto truth = Truth::from_json(json::parse(result.composite.dump()), [](const std::string&) {
    return std::optional<std::string>();
  });
  EXPECT_EQ(truth.bus_url("system-redis"), "redis://127.0.0.1:6379");
  EXPECT_EQ(truth.bus_url("market-redis"), "redis://127.0.0.1:6380");
  EXPECT_EQ(truth.bus_url("intel-redis"), "redis://127.0.0.1:6381");
  EXPECT_EQ(truth.http("sse")->port, 3001);
  EXPECT_EQ(truth.http("journal")->port, 3002);
  EXPECT_EQ(truth.http("massive")->port, 3003);
  EXPECT_EQ(truth.http("copilot")->port, 8095);
  EXPECT_EQ(truth.sim("massive")->port, 3004);
  for (const auto& id : truth.component_ids()) EXPECT_EQ(truth.http(id)->bind, "127.0.0.1") << id;
  EXPECT_EQ(truth.http("journal")->prefixes,
            (std::vector<std::string>{"/api/logs", "/api/trades", "/api/positions", "/api/orders", "/api/journal",
                                      "/api/playbook", "/api/alerts", "/api/risk-graph"}));
  EXPECT_EQ(truth.http("copilot")->prefixes,
            (std::vector<std::string>{"/api/mel", "/api/adi", "/api/commentary", "/ws/mel", "/ws/commentary"}));
  EXPECT_EQ(truth.market_source(), "auto");
  EXPECT_EQ(truth.node_env(), "dev");
  EXPECT_EQ(truth.database_url(), "sqlite:marketswarm.db");
}

TEST(TruthBuildShipped, NoSecretNameHoldsAValue) {
  auto result = build(shipped_truth_dir());
  ASSERT_TRUE(result.ok());
  for (auto& [id, component] : result.composite["components"].items()) {
    for (auto& [name, value] : component["env"].items()) {
      EXPECT_EQ(name.find("SECRET"), std::string::npos) << id << " " << name;
      EXPECT_EQ(name.find("PASSWORD"), std::string::npos) << id << " " << name;
    }
  }
}

TEST(TruthCheckFile, ShippedFilesPassSingleFileChecks) {
  auto dir = shipped_truth_dir();
  EXPECT_TRUE(check_node_file(dir / "node.json", dir / "schema").empty());
  for (const char* id : {"massive", "journal", "copilot", "sse"}) {
    auto issues = check_component_file(dir / "components" / (std::string(id) + ".json"), dir / "schema");
    EXPECT_TRUE(issues.empty()) << id << "\n" << dump_issues(issues);
  }
}

// Each test edits one file of a fresh copy of the shipped truth, then builds.
class BrokenTruth : public ::testing::Test {
 protected:
  BrokenTruth() : dir_(copy_shipped_truth(temp_.path())) {}

  fs::path component(const std::string& id) const { return dir_ / "components" / (id + ".json"); }
  fs::path node() const { return dir_ / "node.json"; }
  void edit(const fs::path& file, const std::function<void(json&)>& fn) { edit_json(file, fn); }
  Issues build_issues() {
    auto result = build(dir_);
    EXPECT_FALSE(result.ok()) << "expected the build to fail";
    EXPECT_TRUE(result.composite.is_null());
    return result.issues;
  }
  // Index of the first item with this key (and type, when given) in a bus item list.
  static std::size_t index_of(const json& list, const std::string& key, const std::string& type = {}) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i]["key"] == key && (type.empty() || list[i]["type"] == type)) return i;
    }
    ADD_FAILURE() << "no item " << key;
    return 0;
  }

  ms::testing::TempDir temp_{"ms-truth"};
  fs::path dir_;
};

TEST_F(BrokenTruth, MissingRequiredField) {
  edit(component("sse"), [](json& c) { c["meta"].erase("description"); });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/meta/description", "schema.required")) << dump_issues(issues);
}

TEST_F(BrokenTruth, MissingTopLevelBlock) {
  edit(component("journal"), [](json& c) { c.erase("heartbeat"); });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/heartbeat", "schema.required")) << dump_issues(issues);
}

TEST_F(BrokenTruth, WrongType) {
  edit(component("copilot"), [](json& c) { c["heartbeat"]["interval_sec"] = "5"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/heartbeat/interval_sec", "schema.type"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, PortOutOfRange) {
  edit(component("sse"), [](json& c) { c["http"]["port"] = 70000; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/http/port", "schema.maximum")) << dump_issues(issues);
}

TEST_F(BrokenTruth, BadBusUrl) {
  edit(node(), [](json& n) { n["buses"]["market-redis"]["url"] = "http://127.0.0.1:6380"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/buses/market-redis/url", "bus.url")) << dump_issues(issues);
}

TEST_F(BrokenTruth, BusUrlWithBadPort) {
  edit(node(), [](json& n) { n["buses"]["intel-redis"]["url"] = "redis://127.0.0.1:99999"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/buses/intel-redis/url", "bus.url")) << dump_issues(issues);
}

TEST_F(BrokenTruth, BusUrlWithPassword) {
  edit(node(), [](json& n) { n["buses"]["system-redis"]["url"] = "redis://:hunter2@127.0.0.1:6379"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/buses/system-redis/url", "bus.url_secret")) << dump_issues(issues);
}

TEST_F(BrokenTruth, BusNameWithBadForm) {
  edit(node(), [](json& n) { n["buses"]["Market_Redis"] = {{"url", "redis://127.0.0.1:6390"}, {"role", "x"}}; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/buses/Market_Redis", "schema.additional_property"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, UnknownBus) {
  edit(component("sse"), [](json& c) { c["access_points"]["subscribe_to"][0]["bus"] = "cache-redis"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/access_points/subscribe_to/0/bus", "bus.unknown"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, UnknownBusInTool) {
  edit(node(), [](json& n) { n["tools"]["truth-cli"]["publish_to"][0]["bus"] = "config-redis"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/tools/truth-cli/publish_to/0/bus", "bus.unknown"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, IdDiffersFromFileName) {
  edit(component("journal"), [](json& c) { c["id"] = "journals"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/id", "id.mismatch")) << dump_issues(issues);
}

TEST_F(BrokenTruth, ListedComponentFileMissing) {
  edit(node(), [](json& n) { n["components"].push_back("vexy"); });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/components/4", "component.missing")) << dump_issues(issues);
}

TEST_F(BrokenTruth, ComponentNameThatIsAPathIsRefused) {
  edit(node(), [](json& n) { n["components"].push_back("../node"); });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/components/4", "schema.pattern")) << dump_issues(issues);
}

TEST_F(BrokenTruth, InvalidJsonNamesTheFile) {
  ms::testing::write_file(component("copilot"), "{\"id\": \"copilot\", \"meta\": {");
  auto issues = build_issues();
  ASSERT_TRUE(has_issue(issues, "components/copilot.json", "", "json.parse")) << dump_issues(issues);
  for (const auto& i : issues) {
    if (i.rule == "json.parse") {
      EXPECT_NE(i.message.find("line"), std::string::npos) << i.message;
    }
  }
}

TEST_F(BrokenTruth, DuplicateKeyInOneObject) {
  ms::testing::write_file(node(), R"({"version": "1.0", "version": "2.0"})");
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/version", "json.duplicate_key")) << dump_issues(issues);
}

TEST_F(BrokenTruth, DuplicateKeyDeepInsideAnArray) {
  auto text = ms::testing::read_file(component("sse"));
  auto at = text.find("\"key\": \"truth\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"key\": \"x\", ");
  ms::testing::write_file(component("sse"), text);
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/access_points/subscribe_to/0/key", "json.duplicate_key"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, SubscriptionWithoutPublisher) {
  std::size_t n = 0;
  edit(component("sse"), [&](json& c) {
    auto& subs = c["access_points"]["subscribe_to"];
    subs.push_back({{"bus", "market-redis"}, {"key", "massive:nothing:update:{SYM}"}, {"type", "channel"}});
    n = subs.size() - 1;
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/access_points/subscribe_to/" + std::to_string(n),
                        "wiring.no_publisher"))
      << dump_issues(issues);
  EXPECT_EQ(issues.size(), 1u) << dump_issues(issues);
}

TEST_F(BrokenTruth, PublisherOnAnotherBus) {
  std::size_t i = 0;
  edit(component("copilot"), [&](json& c) {
    auto& subs = c["access_points"]["subscribe_to"];
    i = index_of(subs, "alerts:sync");
    subs[i]["bus"] = "market-redis";  // the original's quirk: journal publishes on intel-redis
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/access_points/subscribe_to/" + std::to_string(i) + "/bus",
                        "wiring.other_bus"))
      << dump_issues(issues);
  for (const auto& issue : issues) {
    if (issue.rule == "wiring.other_bus") {
      EXPECT_NE(issue.message.find("intel-redis"), std::string::npos);
    }
  }
}

TEST_F(BrokenTruth, ModelConsumedOnAnotherBus) {
  std::size_t i = 0;
  edit(component("journal"), [&](json& c) {
    auto& consumes = c["models"]["consumes"];
    i = index_of(consumes, "massive:model:spot:{SYM}");
    consumes[i]["bus"] = "intel-redis";
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/models/consumes/" + std::to_string(i) + "/bus",
                        "models.other_bus"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, ModelWithoutProducer) {
  edit(component("copilot"), [](json& c) {
    c["models"]["consumes"].push_back(
        {{"bus", "market-redis"}, {"key", "massive:vix_regime:model:latest"}, {"type", "string"}});
  });
  auto issues = build_issues();
  auto n = read_json(component("copilot"))["models"]["consumes"].size() - 1;
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/models/consumes/" + std::to_string(n), "models.no_producer"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, SubscriptionOfAModelKeyPointsToTheOtherSection) {
  edit(component("sse"), [](json& c) {
    c["access_points"]["subscribe_to"].push_back(
        {{"bus", "market-redis"}, {"key", "massive:chain:latest"}, {"type", "string"}});
  });
  auto issues = build_issues();
  ASSERT_EQ(count_rule(issues, "wiring.no_publisher"), 1u) << dump_issues(issues);
  EXPECT_NE(issues[0].message.find("models.produces"), std::string::npos) << issues[0].message;
}

TEST_F(BrokenTruth, SubscriptionOfTheWrongRedisType) {
  std::size_t i = 0;
  edit(component("sse"), [&](json& c) {
    auto& subs = c["access_points"]["subscribe_to"];
    i = index_of(subs, "tier_gates");
    subs[i]["type"] = "hash";
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/access_points/subscribe_to/" + std::to_string(i) + "/type",
                        "wiring.type_mismatch"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, PlaceholderMatchesAnyPlaceholderInTheSamePosition) {
  edit(component("sse"), [](json& c) {
    auto& subs = c["access_points"]["subscribe_to"];
    subs[index_of(subs, "user:{uid}:trade_log")]["key"] = "user:{user_id}:trade_log";
    subs[index_of(subs, "massive:heatmap:diff:{SYM}")]["key"] = "massive:heatmap:diff:{symbol}";
  });
  EXPECT_TRUE(build(dir_).ok()) << dump_issues(build(dir_).issues);
}

TEST_F(BrokenTruth, PlaceholderDoesNotMatchALiteralOrAnotherShape) {
  std::size_t a = 0, b = 0;
  edit(component("sse"), [&](json& c) {
    auto& subs = c["access_points"]["subscribe_to"];
    a = index_of(subs, "user:{uid}:trade_log");
    subs[a]["key"] = "user:7:trade_log";
    b = index_of(subs, "user:{uid}:logs");
    subs[b]["key"] = "user:{uid}:{kind}:logs";
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/access_points/subscribe_to/" + std::to_string(a),
                        "wiring.no_publisher"));
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/access_points/subscribe_to/" + std::to_string(b),
                        "wiring.no_publisher"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, PatternSubscriptionGlobMatchesPublications) {
  edit(component("sse"), [](json& c) {
    auto& subs = c["access_points"]["subscribe_to"];
    subs.push_back({{"bus", "market-redis"}, {"key", "massive:heatmap:diff:*"}, {"type", "pattern"}});
    subs.push_back({{"bus", "intel-redis"}, {"key", "user:{id}:*"}, {"type", "pattern"}});
    subs.push_back({{"bus", "market-redis"}, {"key", "massive:[bg]*:update:*"}, {"type", "pattern"}});
  });
  auto result = build(dir_);
  EXPECT_TRUE(result.ok()) << dump_issues(result.issues);
}

TEST_F(BrokenTruth, PatternSubscriptionWithoutMatchOrOnAnotherBus) {
  std::size_t n = 0;
  edit(component("sse"), [&](json& c) {
    auto& subs = c["access_points"]["subscribe_to"];
    subs.push_back({{"bus", "market-redis"}, {"key", "rss:*"}, {"type", "pattern"}});
    subs.push_back({{"bus", "system-redis"}, {"key", "massive:heatmap:diff:*"}, {"type", "pattern"}});
    n = subs.size();
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/access_points/subscribe_to/" + std::to_string(n - 2),
                        "wiring.no_publisher"));
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/access_points/subscribe_to/" + std::to_string(n - 1) + "/bus",
                        "wiring.other_bus"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, PatternOnlyForSubscriptions) {
  edit(component("massive"), [](json& c) {
    c["access_points"]["publish_to"][1]["type"] = "pattern";
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/massive.json", "/access_points/publish_to/1/type",
                        "item.pattern_publication"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, GlobCharactersInAChannel) {
  edit(component("massive"), [](json& c) { c["access_points"]["publish_to"][3]["key"] = "massive:spot:update:*"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/massive.json", "/access_points/publish_to/3/key", "key.glob"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, MalformedKeyTemplate) {
  edit(component("massive"), [](json& c) { c["models"]["produces"][0]["key"] = "massive:model:spot:{SYM"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/massive.json", "/models/produces/0/key", "key.template"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, DuplicatePortAcrossComponents) {
  edit(component("copilot"), [](json& c) { c["http"]["port"] = 3002; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/http/port", "port.duplicate")) << dump_issues(issues);
}

TEST_F(BrokenTruth, SimulatorPortTakenByAnotherComponent) {
  edit(component("massive"), [](json& c) { c["sim"]["port"] = 3001; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/http/port", "port.duplicate") ||
              has_issue(issues, "components/massive.json", "/sim/port", "port.duplicate"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, ComponentPortOnABusPort) {
  edit(component("journal"), [](json& c) { c["http"]["port"] = 6381; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/http/port", "port.duplicate")) << dump_issues(issues);
}

TEST_F(BrokenTruth, HttpAndSimOnOnePort) {
  edit(component("massive"), [](json& c) { c["sim"]["port"] = 3003; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/massive.json", "/sim/port", "port.duplicate")) << dump_issues(issues);
  EXPECT_EQ(count_rule(issues, "port.duplicate"), 1u) << dump_issues(issues);
}

TEST_F(BrokenTruth, SecretValueInEnv) {
  edit(component("sse"), [](json& c) { c["env"]["APP_SESSION_SECRET"] = "change-me"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/env/APP_SESSION_SECRET", "env.secret_value"))
      << dump_issues(issues);
  for (const auto& i : issues) EXPECT_EQ(i.message.find("change-me"), std::string::npos) << "value leaked";
}

TEST_F(BrokenTruth, EverySecretNameShapeIsRefusedInEnv) {
  edit(component("copilot"), [](json& c) {
    c["env"]["OPENAI_API_KEY"] = "";
    c["env"]["JOURNAL_INTERNAL_TOKEN"] = "t";
    c["env"]["MYSQL_PASSWORD_FILE"] = "/x";
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/env/OPENAI_API_KEY", "env.secret_value"));
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/env/JOURNAL_INTERNAL_TOKEN", "env.secret_value"));
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/env/MYSQL_PASSWORD_FILE", "env.secret_value"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, HeartbeatTtlNotAboveInterval) {
  edit(component("journal"), [](json& c) { c["heartbeat"] = {{"interval_sec", 5}, {"ttl_sec", 5}}; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/heartbeat/ttl_sec", "heartbeat.ttl")) << dump_issues(issues);
}

TEST_F(BrokenTruth, UnknownBusItemType) {
  edit(component("journal"), [](json& c) { c["access_points"]["publish_to"][1]["type"] = "queue"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/access_points/publish_to/1/type", "schema.enum"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, UnexpectedMemberInBusItem) {
  edit(component("journal"), [](json& c) { c["access_points"]["publish_to"][0]["ttl"] = 15; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/access_points/publish_to/0/ttl",
                        "schema.additional_property"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, BadBindAddress) {
  edit(component("sse"), [](json& c) { c["http"]["bind"] = "localhost"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/http/bind", "http.bind")) << dump_issues(issues);
}

TEST_F(BrokenTruth, BadSimulatorBindAddress) {
  edit(component("massive"), [](json& c) { c["sim"]["bind"] = "127.0.0.256"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/massive.json", "/sim/bind", "sim.bind")) << dump_issues(issues);
}

TEST_F(BrokenTruth, InternalPrefixNeverProxied) {
  edit(component("journal"), [](json& c) { c["http"]["prefixes"].push_back("/api/internal"); });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/http/prefixes/8", "http.internal_prefix"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, PrefixProxiedToTwoComponents) {
  edit(component("copilot"), [](json& c) { c["http"]["prefixes"].push_back("/api/alerts"); });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/http/prefixes/5", "http.prefix_duplicate"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, NodeEnvAndMarketSourceAreEnums) {
  edit(node(), [](json& n) {
    n["node"]["env"] = "staging";
    n["node"]["market"]["source"] = "replay";
  });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/node/env", "schema.enum"));
  EXPECT_TRUE(has_issue(issues, "node.json", "/node/market/source", "schema.enum")) << dump_issues(issues);
}

TEST_F(BrokenTruth, DatabasePasswordNeverInTheUrl) {
  edit(node(), [](json& n) { n["node"]["database"]["url"] = "mysql://ms:pw@127.0.0.1:3306/marketswarm"; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/node/database/url", "database.url_secret")) << dump_issues(issues);
}

TEST_F(BrokenTruth, MissingSchemaFile) {
  fs::remove(dir_ / "schema" / "component.schema.json");
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "schema/component.schema.json", "", "file.missing")) << dump_issues(issues);
}

TEST_F(BrokenTruth, AllProblemsAreReportedAtOnce) {
  edit(node(), [](json& n) { n["buses"]["market-redis"]["url"] = "redis//nope"; });
  edit(component("sse"), [](json& c) {
    c["meta"].erase("name");
    c["http"]["bind"] = "everywhere";
  });
  edit(component("journal"), [](json& c) { c["id"] = "ledger"; });
  edit(component("copilot"), [](json& c) { c["heartbeat"]["ttl_sec"] = 1; });
  auto issues = build_issues();
  EXPECT_TRUE(has_issue(issues, "node.json", "/buses/market-redis/url", "bus.url"));
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/meta/name", "schema.required"));
  EXPECT_TRUE(has_issue(issues, "components/sse.json", "/http/bind", "http.bind"));
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/id", "id.mismatch"));
  EXPECT_TRUE(has_issue(issues, "components/copilot.json", "/heartbeat/ttl_sec", "heartbeat.ttl"));
  EXPECT_EQ(issues.size(), 5u) << dump_issues(issues);
}

TEST_F(BrokenTruth, IssueLineFormat) {
  edit(component("sse"), [](json& c) { c["http"]["bind"] = "everywhere"; });
  auto issues = build_issues();
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].to_string(),
            "truth: " + (dir_ / "components" / "sse.json").string() + ": /http/bind: http.bind: " + issues[0].message);
}

TEST_F(BrokenTruth, CheckComponentRunsNoCrossFileRules) {
  edit(component("journal"), [](json& c) {
    c["id"] = "ledger";
    c["access_points"]["subscribe_to"][0]["bus"] = "nowhere";
  });
  EXPECT_TRUE(check_component_file(component("journal"), dir_ / "schema").empty());
  edit(component("journal"), [](json& c) { c["meta"].erase("description"); });
  auto issues = check_component_file(component("journal"), dir_ / "schema");
  EXPECT_TRUE(has_issue(issues, "components/journal.json", "/meta/description", "schema.required"))
      << dump_issues(issues);
}

TEST_F(BrokenTruth, CheckNodeReportsSchemaAndFormat) {
  edit(node(), [](json& n) {
    n["buses"]["system-redis"]["extra"] = true;
    n["buses"]["market-redis"]["url"] = "not a url";
  });
  auto issues = check_node_file(node(), dir_ / "schema");
  EXPECT_TRUE(has_issue(issues, "node.json", "/buses/system-redis/extra", "schema.additional_property"));
  EXPECT_TRUE(has_issue(issues, "node.json", "/buses/market-redis/url", "bus.url")) << dump_issues(issues);
}

TEST_F(BrokenTruth, CheckOfAMissingFile) {
  auto issues = check_component_file(dir_ / "components" / "nope.json", dir_ / "schema");
  EXPECT_TRUE(has_issue(issues, "components/nope.json", "", "file.missing")) << dump_issues(issues);
}

}  // namespace
}  // namespace ms::core::truth
