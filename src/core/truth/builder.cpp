#include "core/truth/builder.hpp"

#include <regex>
#include <set>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/truth/checks.hpp"
#include "core/truth/json_file.hpp"
#include "core/truth/schema_validator.hpp"
#include "core/truth/sha256.hpp"
#include "core/truth/wiring.hpp"

namespace ms::core::truth {
namespace {

namespace fs = std::filesystem;

std::optional<SchemaValidator> load_schema(const fs::path& path, Issues& issues) {
  auto file = load_json_file(path, path.string(), issues);
  if (!file) return std::nullopt;
  try {
    return SchemaValidator(file->doc);
  } catch (const core::Error& e) {
    issues.push_back({path.string(), "", "schema.unusable", e.what()});
    return std::nullopt;
  }
}

void append(Issues& to, Issues from) {
  for (auto& i : from) to.push_back(std::move(i));
}

bool is_component_name(const std::string& s) {
  static const std::regex re("^[a-z][a-z0-9_]*$");
  return std::regex_match(s, re);
}

Issues check_file(const fs::path& file, const fs::path& schema_path,
                  Issues (*document_check)(const nlohmann::json&, const std::string&)) {
  Issues issues;
  auto schema = load_schema(schema_path, issues);
  auto doc = load_json_file(file, file.string(), issues);
  if (!doc) return issues;
  if (schema) append(issues, schema->validate(doc->doc, doc->display));
  append(issues, document_check(doc->doc, doc->display));
  return issues;
}

}  // namespace

std::string composite_sha256(const nlohmann::json& composite) {
  nlohmann::json copy = composite;
  if (copy.is_object()) copy.erase("sha256");
  return sha256_hex(copy.dump());
}

BuildResult build(const fs::path& dir) {
  BuildResult result;
  Issues& issues = result.issues;
  auto node_schema = load_schema(dir / "schema" / "node.schema.json", issues);
  auto component_schema = load_schema(dir / "schema" / "component.schema.json", issues);

  const fs::path node_path = dir / "node.json";
  auto node = load_json_file(node_path, node_path.string(), issues);
  if (!node) return result;
  if (node_schema) append(issues, node_schema->validate(node->doc, node->display));
  append(issues, check_node_document(node->doc, node->display));

  std::vector<JsonFile> component_files;
  std::vector<std::string> ids;
  const auto* list = node->doc.is_object() && node->doc.contains("components") ? &node->doc["components"] : nullptr;
  if (list && list->is_array()) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& entry = (*list)[i];
      // Only names the schema accepts become paths: "../x" must never reach the file system.
      if (!entry.is_string() || !is_component_name(entry.get<std::string>())) continue;
      const std::string id = entry.get<std::string>();
      if (!seen.insert(id).second) continue;
      const fs::path path = dir / "components" / (id + ".json");
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        issues.push_back({node->display, pointer_append("/components", i), "component.missing",
                          "component '" + id + "' is listed but " + path.string() + " does not exist"});
        continue;
      }
      auto file = load_json_file(path, path.string(), issues);
      if (!file) continue;
      if (component_schema) append(issues, component_schema->validate(file->doc, file->display));
      append(issues, check_component_document(file->doc, file->display));
      const auto* id_value = file->doc.is_object() && file->doc.contains("id") ? &file->doc["id"] : nullptr;
      if (id_value && id_value->is_string() && *id_value != id) {
        issues.push_back({file->display, "/id", "id.mismatch",
                          "id '" + id_value->get<std::string>() + "' must equal the file name and the node entry '" +
                              id + "'"});
      }
      ids.push_back(id);
      component_files.push_back(std::move(*file));
    }
  }

  std::vector<LoadedComponent> loaded;
  for (std::size_t i = 0; i < component_files.size(); ++i) {
    loaded.push_back({ids[i], component_files[i].display, &component_files[i].doc});
  }
  append(issues, check_across_files(node->doc, node->display, loaded));
  if (!issues.empty()) return result;

  // The composite keeps each author's member order; the checksum does not depend on it.
  auto ordered_node = nlohmann::ordered_json::parse(node->text);
  nlohmann::ordered_json composite;
  composite["version"] = ordered_node["version"];
  composite["description"] = ordered_node.value("description", "");
  composite["node"] = ordered_node["node"];
  composite["buses"] = ordered_node["buses"];
  composite["components"] = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < component_files.size(); ++i) {
    composite["components"][ids[i]] = nlohmann::ordered_json::parse(component_files[i].text);
  }
  composite["tools"] = ordered_node.contains("tools") ? ordered_node["tools"] : nlohmann::ordered_json::object();
  composite["sha256"] = composite_sha256(nlohmann::json::parse(composite.dump()));
  result.composite = std::move(composite);
  return result;
}

Issues check_node_file(const fs::path& file, const fs::path& schema_dir) {
  return check_file(file, schema_dir / "node.schema.json", &check_node_document);
}

Issues check_component_file(const fs::path& file, const fs::path& schema_dir) {
  return check_file(file, schema_dir / "component.schema.json", &check_component_document);
}

std::optional<fs::path> find_truth_dir() {
  auto holds_truth = [](const fs::path& d) {
    std::error_code ec;
    return fs::is_regular_file(d / "node.json", ec);
  };
  // An explicit choice is never second-guessed: a wrong MS_TRUTH_DIR finds nothing rather than
  // silently picking another truth.
  if (auto env_dir = core::env("MS_TRUTH_DIR"); env_dir && !env_dir->empty()) {
    if (holds_truth(*env_dir)) return fs::path(*env_dir);
    return std::nullopt;
  }
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (!ec && holds_truth(cwd / "truth")) return cwd / "truth";
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  for (fs::path d = exe.parent_path(); !d.empty(); d = d.parent_path()) {
    if (holds_truth(d / "truth")) return d / "truth";
    if (holds_truth(d / "share" / "marketswarm" / "truth")) return d / "share" / "marketswarm" / "truth";
    if (d == d.root_path()) break;
  }
  return std::nullopt;
}

}  // namespace ms::core::truth
