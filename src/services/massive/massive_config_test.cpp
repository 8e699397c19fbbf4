#include "services/massive/massive_config.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::massive {
namespace {

core::Truth truth_with(nlohmann::json env, std::map<std::string, std::string> process_env = {}) {
  nlohmann::json doc = {
      {"node", {{"name", "t"}, {"env", "dev"}, {"market", {{"source", "auto"}}}}},
      {"buses", {{"system-redis", {{"url", "redis://127.0.0.1:6379"}}}}},
      {"components",
       {{"massive",
         {{"id", "massive"},
          {"sim", {{"bind", "127.0.0.1"}, {"port", 3004}, {"seed", 1}, {"speed", 1.0}}},
          {"env", env}}}}}};
  return core::Truth::from_json(doc, [process_env](const std::string& name) -> std::optional<std::string> {
    const auto it = process_env.find(name);
    if (it == process_env.end()) return std::nullopt;
    return it->second;
  });
}

TEST(MassiveConfig, SimulatorEndpointsComeFromTheSimBlock) {
  const auto c = load_massive_config(truth_with(nlohmann::json::object()), true);
  EXPECT_TRUE(c.simulated);
  EXPECT_EQ(c.endpoints.rest_base_url, "http://127.0.0.1:3004");
  EXPECT_EQ(c.endpoints.options_ws_url, "ws://127.0.0.1:3004/options");
  EXPECT_EQ(c.endpoints.stocks_ws_url, "ws://127.0.0.1:3004/stocks");
  EXPECT_EQ(c.endpoints.indices_ws_url, "ws://127.0.0.1:3004/indices");
}

TEST(MassiveConfig, LiveEndpointsAndDefaults) {
  const auto c = load_massive_config(truth_with({{"MASSIVE_WS_URL", "wss://example.test/options"}}), false);
  EXPECT_EQ(c.endpoints.rest_base_url, "https://api.massive.com");
  EXPECT_EQ(c.endpoints.options_ws_url, "wss://example.test/options");
  EXPECT_EQ(c.chain_symbols, (std::vector<std::string>{"I:SPX", "I:NDX"}));
  EXPECT_EQ(c.widths("I:NDX"), (std::vector<int>{50, 60, 70, 80, 100, 120, 130}));
  EXPECT_EQ(c.strike_increment("I:NDX"), 10);
  EXPECT_TRUE(c.filter_strikes("I:NDX"));
  EXPECT_FALSE(c.filter_strikes("I:SPX"));
  EXPECT_EQ(c.max_dte, 4);
  EXPECT_EQ(c.model_dtes, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(c.max_quote_contracts, 1000u);
  EXPECT_EQ(c.chain_interval, std::chrono::milliseconds(10000));
}

TEST(MassiveConfig, OfficialCloseWatchAndStockSymbols) {
  auto c = load_massive_config(truth_with(nlohmann::json::object()), true);
  EXPECT_EQ(c.stock_symbols, (std::vector<std::string>{"SPY", "QQQ", "IWM"}));
  EXPECT_EQ(c.close_poll_interval, std::chrono::milliseconds(30000));
  EXPECT_EQ(c.close_max_polls, 120);
  EXPECT_EQ(c.close_recheck_interval, std::chrono::milliseconds(300000));
  EXPECT_EQ(c.close_rechecks, 48);
  EXPECT_EQ(c.close_ttl_sec, 35 * 86400);
  c = load_massive_config(truth_with({{"MASSIVE_CLOSE_POLL_MS", "200"},
                                      {"MASSIVE_CLOSE_MAX_POLLS", "7"},
                                      {"MASSIVE_CLOSE_RECHECK_MS", "500"},
                                      {"MASSIVE_CLOSE_RECHECKS", "0"}}),
                          true);
  EXPECT_EQ(c.close_poll_interval, std::chrono::milliseconds(200));
  EXPECT_EQ(c.close_max_polls, 7);
  EXPECT_EQ(c.close_recheck_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(c.close_rechecks, 0);
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"MASSIVE_CLOSE_POLL_MS", "0"}, {"MASSIVE_CLOSE_MAX_POLLS", "0"}, {"MASSIVE_CLOSE_TTL_SEC", "60"}}) {
    try {
      load_massive_config(truth_with({{name, value}}), true);
      ADD_FAILURE() << name << "=" << value << " was accepted";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_massive_config");
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos);
    }
  }
}

TEST(MassiveConfig, RateAndDividendYield) {
  const auto defaults = load_massive_config(truth_with(nlohmann::json::object()), true);
  EXPECT_DOUBLE_EQ(defaults.risk_free_rate, 0.05);
  EXPECT_DOUBLE_EQ(defaults.dividend_yield, 0.0);
  const auto c = load_massive_config(
      truth_with({{"MASSIVE_RISK_FREE_RATE", "0.043"}}, {{"MASSIVE_DIVIDEND_YIELD", "0.013"}}), true);
  EXPECT_DOUBLE_EQ(c.risk_free_rate, 0.043);
  EXPECT_DOUBLE_EQ(c.dividend_yield, 0.013);
}

TEST(MassiveConfig, ProcessEnvironmentOverridesTruth) {
  const auto c = load_massive_config(
      truth_with({{"MASSIVE_CHAIN_INTERVAL_SEC", "10"}}, {{"MASSIVE_CHAIN_INTERVAL_SEC", "0.5"}}), true);
  EXPECT_EQ(c.chain_interval, std::chrono::milliseconds(500));
}

TEST(MassiveConfig, BadValuesNameTheVariable) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"MASSIVE_CHAIN_INTERVAL_SEC", "ten"},
           {"MASSIVE_CHAIN_INTERVAL_SEC", "0"},
           {"MASSIVE_WIDTHS_SPX", "20,-5"},
           {"MASSIVE_WIDTHS_SPX", ""},
           {"MASSIVE_CHAIN_SYMBOLS", "SPX"},
           {"MASSIVE_CHAIN_SYMBOLS", " , "},
           {"MASSIVE_SPX_FILTER_STRIKES", "maybe"},
           {"MASSIVE_MAX_QUOTE_CONTRACTS", "5000"},
           {"MASSIVE_MODEL_DTES", "0,x"},
           {"MASSIVE_HEATMAP_MODEL_INTERVAL_MS", "100"},  // under the 250 ms publish interval
           {"MASSIVE_REPLAY_MAX_BYTES", "1000"},
           {"MASSIVE_RISK_FREE_RATE", "5%"},
           {"MASSIVE_RISK_FREE_RATE", "0.9"},
           {"MASSIVE_DIVIDEND_YIELD", "nan"},
       }) {
    try {
      load_massive_config(truth_with({{name, value}}), true);
      ADD_FAILURE() << name << "=" << value << " accepted";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_massive_config") << name;
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST(MassiveConfig, HeatmapBudgetDefaultsAndOverrides) {
  const auto d = load_massive_config(truth_with(nlohmann::json::object()), true);
  EXPECT_EQ(d.heatmap_model_interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(d.replay_max_bytes, std::size_t(32) << 20);
  EXPECT_EQ(d.replay_ttl_sec, 300);
  const auto c = load_massive_config(
      truth_with({{"MASSIVE_HEATMAP_MODEL_INTERVAL_MS", "5000"}, {"MASSIVE_REPLAY_MAX_BYTES", "8388608"}}), true);
  EXPECT_EQ(c.heatmap_model_interval, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.replay_max_bytes, std::size_t(8) << 20);
}

TEST(MassiveConfig, ModelDtesAreExactlyTheList) {
  auto c = load_massive_config(truth_with({{"MASSIVE_MODEL_DTES", "0,1,2,5"}}), true);
  EXPECT_EQ(c.model_dtes, (std::vector<int>{0, 1, 2, 5}));
  EXPECT_EQ(c.max_dte, 5);
  c = load_massive_config(truth_with({{"MASSIVE_MODEL_DTES", " 7, 0 ,3"}}), true);  // sorted, trimmed
  EXPECT_EQ(c.model_dtes, (std::vector<int>{0, 3, 7}));
  c = load_massive_config(truth_with({}, {{"MASSIVE_MODEL_DTES", "1"}}), true);
  EXPECT_EQ(c.model_dtes, (std::vector<int>{1}));
  for (const std::string bad : {"0,x", "", " , ", "-1", "61", "1.5", "0,1,1", "0;1", "2 3"}) {
    try {
      load_massive_config(truth_with({{"MASSIVE_MODEL_DTES", bad}}), true);
      ADD_FAILURE() << "MASSIVE_MODEL_DTES=" << bad << " accepted";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_massive_config") << bad;
      EXPECT_NE(std::string(e.what()).find("MASSIVE_MODEL_DTES"), std::string::npos) << e.what();
    }
  }
}

TEST(MassiveConfig, SplitListTrimsAndDropsBlanks) {
  EXPECT_EQ(split_list(" I:SPX , ,I:NDX "), (std::vector<std::string>{"I:SPX", "I:NDX"}));
  EXPECT_TRUE(split_list("").empty());
}

}  // namespace
}  // namespace ms::massive
