#pragma once
// `marketswarm truth build | check-node | check-component`: validate the truth files and merge them
// into the composite every service reads. Every problem is reported at once, never the first only.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/truth/issue.hpp"

namespace ms::core::truth {

struct BuildResult {
  Issues issues;
  // {version, description, node, buses, components:{<id>:<component>}, tools, sha256} in node
  // order; null unless issues is empty.
  nlohmann::ordered_json composite;
  bool ok() const noexcept { return issues.empty(); }
};

// Reads <dir>/node.json and each listed <dir>/components/<id>.json, validates them against
// <dir>/schema/{node,component}.schema.json, runs the file checks (checks.hpp), the id rule
// ("id.mismatch": id must equal the file name and the node entry), "component.missing", and the
// cross-file checks (wiring.hpp). Files are named in issues as <dir>/... as given.
BuildResult build(const std::filesystem::path& truth_dir);

// Schema and single-file checks of one file; no id or cross-file checks. Schemas are read from
// `schema_dir` (<truth dir>/schema).
Issues check_node_file(const std::filesystem::path& file, const std::filesystem::path& schema_dir);
Issues check_component_file(const std::filesystem::path& file, const std::filesystem::path& schema_dir);

// SHA-256 of the composite without its "sha256" member, over a key-sorted compact dump, so the
// value does not depend on formatting or member order.
std::string composite_sha256(const nlohmann::json& composite);

// The truth directory to use when none is given: $MS_TRUTH_DIR when set (nullopt if it holds no
// node.json), else ./truth, else from the running executable's directory upwards the first
// <dir>/truth or <dir>/share/marketswarm/truth holding node.json.
std::optional<std::filesystem::path> find_truth_dir();

}  // namespace ms::core::truth
