// keys.hpp is the same table as the shipped truth: every publication (and every pattern a
// subscriber uses) with its bus and type, nothing more and nothing less.
#include "bus/keys.hpp"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "core/error.hpp"
#include "core/truth/builder.hpp"
#include "core/truth/test_support.hpp"

namespace ms::bus {
namespace {

using Entry = std::tuple<std::string, std::string, std::string>;  // template, bus, type

std::set<Entry> declared_by_shipped_truth() {
  auto result = core::truth::build(core::truth::testing::shipped_truth_dir());
  EXPECT_TRUE(result.ok()) << core::truth::testing::dump_issues(result.issues);
  std::set<Entry> out;
  auto add = [&](const nlohmann::ordered_json& list, bool patterns_only) {
    for (const auto& item : list) {
      if (patterns_only && item["type"] != "pattern") continue;
      out.emplace(item["key"], item["bus"], item["type"]);
    }
  };
  for (const auto& [name, tool] : result.composite["tools"].items()) add(tool["publish_to"], false);
  for (const auto& [id, c] : result.composite["components"].items()) {
    add(c["access_points"]["publish_to"], false);
    add(c["models"]["produces"], false);
    add(c["access_points"]["subscribe_to"], true);
    add(c["models"]["consumes"], true);
  }
  return out;
}

std::string show(const std::set<Entry>& entries) {
  std::string out;
  for (const auto& [t, b, ty] : entries) out += "  " + t + " (" + b + ", " + ty + ")\n";
  return out.empty() ? "  (none)\n" : out;
}

TEST(Keys, TableEqualsTheShippedTruth) {
  std::set<Entry> table;
  for (const auto& k : keys::all) table.emplace(k.tmpl, k.bus, keys::type_name(k.type));
  EXPECT_EQ(table.size(), keys::all.size());
  auto truth = declared_by_shipped_truth();
  std::set<Entry> missing_in_table, missing_in_truth;
  for (const auto& e : truth) {
    if (!table.count(e)) missing_in_table.insert(e);
  }
  for (const auto& e : table) {
    if (!truth.count(e)) missing_in_truth.insert(e);
  }
  EXPECT_TRUE(missing_in_table.empty()) << "declared in truth/ but not in keys.hpp:\n" << show(missing_in_table);
  EXPECT_TRUE(missing_in_truth.empty()) << "in keys.hpp but not declared in truth/:\n" << show(missing_in_truth);
}

TEST(Keys, BusMapOfTheDesign) {
  for (const auto& k : keys::all) {
    std::string_view t = k.tmpl;
    auto starts = [&](std::string_view p) { return t.rfind(p, 0) == 0; };
    if (t.size() > 10 && t.substr(t.size() - 10) == ":heartbeat") {
      EXPECT_EQ(k.bus, keys::buses::system) << t;
    } else if (starts("massive:") || starts("vexy:") || starts("copilot:mel:") || starts("copilot:commentary:")) {
      EXPECT_EQ(k.bus, keys::buses::market) << t;
    } else if (starts("copilot:alerts:") || starts("alerts:sync") || starts("user:") || t == "user_events") {
      EXPECT_EQ(k.bus, keys::buses::intel) << t;
    } else if (t == "truth" || starts("tier_gates") || starts("sse:")) {
      EXPECT_EQ(k.bus, keys::buses::system) << t;
    } else {
      ADD_FAILURE() << "no bus rule for " << t;
    }
  }
}

TEST(Keys, FillsPlaceholdersInOrder) {
  EXPECT_EQ(keys::spot_model("I:SPX"), "massive:model:spot:I:SPX");
  EXPECT_EQ(keys::spot_trail(std::string("I:NDX")), "massive:model:spot:I:NDX:trail");
  EXPECT_EQ(keys::session_close("I:SPX", "2026-03-02"), "massive:close:I:SPX:2026-03-02");
  EXPECT_EQ(keys::user_alerts(std::to_string(42)), "user:42:alerts");
  EXPECT_EQ(keys::truth(), "truth");
  EXPECT_EQ(keys::heartbeat("massive"), keys::massive_heartbeat());
  static_assert(keys::session_close.placeholder_count() == 2);
  static_assert(keys::clock.placeholder_count() == 0);
  static_assert(keys::find("heatmap_diff")->tmpl == "massive:heatmap:diff:{SYM}");
  static_assert(keys::find("no_such_key") == nullptr);
}

TEST(Keys, WrongNumberOrEmptyValuesAreErrors) {
  auto code = [](auto fn) {
    try {
      fn();
    } catch (const core::Error& e) {
      return e.code();
    }
    return std::string("no error");
  };
  EXPECT_EQ(code([] { keys::spot_model(); }), "key_placeholders");
  EXPECT_EQ(code([] { keys::spot_model("I:SPX", "x"); }), "key_placeholders");
  EXPECT_EQ(code([] { keys::spot_model(""); }), "key_placeholders");
  EXPECT_EQ(code([] { keys::truth("x"); }), "key_placeholders");
}

TEST(Keys, FormatByName) {
  EXPECT_EQ(keys::format(keys::session_close.tmpl, {{"date", "2026-03-02"}, {"SYM", "I:SPX"}}),
            "massive:close:I:SPX:2026-03-02");
  EXPECT_THROW(keys::format(keys::spot_model.tmpl, {{"sym", "I:SPX"}}), core::Error);
}

TEST(Keys, NamesAreTheCppNames) {
  EXPECT_EQ(keys::heatmap_diff.name, "heatmap_diff");
  EXPECT_EQ(keys::user_events.name, "user_events");
  for (const auto& k : keys::all) EXPECT_EQ(keys::find(k.name), &k) << k.name;
}

}  // namespace
}  // namespace ms::bus
