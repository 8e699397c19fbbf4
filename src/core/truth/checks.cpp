#include "core/truth/checks.hpp"

#include "core/truth/addresses.hpp"
#include "core/truth/key_template.hpp"

namespace ms::core::truth {
namespace {

const nlohmann::json* member(const nlohmann::json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

const nlohmann::json* object_member(const nlohmann::json& obj, const char* name) {
  auto m = member(obj, name);
  return m && m->is_object() ? m : nullptr;
}

void check_items(const nlohmann::json& owner, const char* list_name, const std::string& owner_pointer,
                 bool publishing, const std::string& file, Issues& issues) {
  auto list = member(owner, list_name);
  if (!list || !list->is_array()) return;
  std::string list_pointer = pointer_append(owner_pointer, list_name);
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    auto key = member(item, "key");
    auto type = member(item, "type");
    if (!key || !key->is_string()) continue;
    std::string item_pointer = pointer_append(list_pointer, i);
    const std::string k = key->get<std::string>();
    const bool is_pattern = type && type->is_string() && *type == "pattern";
    std::string why;
    if (!parse_key_template(k, &why)) {
      issues.push_back({file, pointer_append(item_pointer, "key"), "key.template", "'" + k + "': " + why});
    }
    if (is_pattern && publishing) {
      issues.push_back({file, pointer_append(item_pointer, "type"), "item.pattern_publication",
                        "'" + k + "': a pattern can only be subscribed to; publish concrete keys or templates"});
    } else if (!is_pattern && has_glob_chars(k)) {
      issues.push_back({file, pointer_append(item_pointer, "key"), "key.glob",
                        "'" + k + "' holds glob characters (* ? [) but its type is not \"pattern\""});
    }
  }
}

void check_bind(const nlohmann::json& block, const std::string& pointer, const char* rule, const std::string& file,
                Issues& issues) {
  auto bind = member(block, "bind");
  if (!bind || !bind->is_string()) return;
  std::string b = bind->get<std::string>();
  if (!is_ip_address(b)) {
    issues.push_back({file, pointer_append(pointer, "bind"), rule,
                      "'" + b + "' is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)"});
  }
}

}  // namespace

Issues check_node_document(const nlohmann::json& node, const std::string& file) {
  Issues issues;
  if (auto buses = object_member(node, "buses")) {
    for (const auto& [name, bus] : buses->items()) {
      auto url = member(bus, "url");
      if (!url || !url->is_string()) continue;
      std::string u = url->get<std::string>();
      std::string pointer = pointer_append(pointer_append("/buses", name), "url");
      std::string why;
      if (url_has_credentials(u)) {
        issues.push_back({file, pointer, "bus.url_secret",
                          "credentials in a bus URL are secrets and do not belong in truth"});
      } else if (!parse_redis_url(u, &why)) {
        issues.push_back({file, pointer, "bus.url", why});
      }
    }
  }
  if (auto node_block = object_member(node, "node")) {
    if (auto db = object_member(*node_block, "database")) {
      auto url = member(*db, "url");
      if (url && url->is_string()) {
        std::string u = url->get<std::string>();
        if (auto problem = database_url_problem(u)) {
          bool secret = problem->find("password") != std::string::npos;
          issues.push_back({file, "/node/database/url", secret ? "database.url_secret" : "database.url", *problem});
        }
      }
    }
  }
  if (auto tools = object_member(node, "tools")) {
    auto buses = object_member(node, "buses");
    for (const auto& [name, tool] : tools->items()) {
      std::string tool_pointer = pointer_append("/tools", name);
      check_items(tool, "publish_to", tool_pointer, true, file, issues);
      auto list = member(tool, "publish_to");
      if (!list || !list->is_array() || !buses) continue;
      for (std::size_t i = 0; i < list->size(); ++i) {
        auto bus = member((*list)[i], "bus");
        if (bus && bus->is_string() && !buses->contains(bus->get<std::string>())) {
          issues.push_back({file, pointer_append(pointer_append(pointer_append(tool_pointer, "publish_to"), i), "bus"),
                            "bus.unknown", "bus '" + bus->get<std::string>() + "' is not one of node.buses"});
        }
      }
    }
  }
  return issues;
}

Issues check_component_document(const nlohmann::json& component, const std::string& file) {
  Issues issues;
  auto http = object_member(component, "http");
  auto sim = object_member(component, "sim");
  if (http) {
    check_bind(*http, "/http", "http.bind", file, issues);
    if (auto prefixes = member(*http, "prefixes"); prefixes && prefixes->is_array()) {
      for (std::size_t i = 0; i < prefixes->size(); ++i) {
        const auto& p = (*prefixes)[i];
        if (!p.is_string()) continue;
        std::string s = p.get<std::string>();
        if (s == "/api/internal" || s.rfind("/api/internal/", 0) == 0 || s == "/api" || s == "/") {
          issues.push_back({file, pointer_append("/http/prefixes", i), "http.internal_prefix",
                            "'" + s + "' would expose /api/internal, which is for the service token only"});
        }
      }
    }
  }
  if (sim) check_bind(*sim, "/sim", "sim.bind", file, issues);
  if (http && sim) {
    auto a = member(*http, "port");
    auto b = member(*sim, "port");
    if (a && b && a->is_number_integer() && *a == *b) {
      issues.push_back({file, "/sim/port", "port.duplicate",
                        "port " + b->dump() + " is already this component's http.port"});
    }
  }
  if (auto hb = object_member(component, "heartbeat")) {
    auto interval = member(*hb, "interval_sec");
    auto ttl = member(*hb, "ttl_sec");
    if (interval && ttl && interval->is_number_integer() && ttl->is_number_integer() &&
        ttl->get<long long>() <= interval->get<long long>()) {
      issues.push_back({file, "/heartbeat/ttl_sec", "heartbeat.ttl",
                        "ttl_sec (" + ttl->dump() + ") must be greater than interval_sec (" + interval->dump() +
                            ") or the key expires between beats"});
    }
  }
  if (auto env = object_member(component, "env")) {
    auto secrets = member(component, "secrets");
    for (const auto& [name, value] : env->items()) {
      bool declared_secret = false;
      if (secrets && secrets->is_array()) {
        for (const auto& s : *secrets) declared_secret = declared_secret || (s.is_string() && s == name);
      }
      if (is_secret_name(name) || declared_secret) {
        issues.push_back({file, pointer_append("/env", name), "env.secret_value",
                          name + " is a secret: list its name in secrets[] and provide the value through the "
                                 "environment or the secrets file, never in truth"});
      }
    }
  }
  if (auto ap = object_member(component, "access_points")) {
    check_items(*ap, "publish_to", "/access_points", true, file, issues);
    check_items(*ap, "subscribe_to", "/access_points", false, file, issues);
  }
  if (auto models = object_member(component, "models")) {
    check_items(*models, "produces", "/models", true, file, issues);
    check_items(*models, "consumes", "/models", false, file, issues);
  }
  return issues;
}

}  // namespace ms::core::truth
