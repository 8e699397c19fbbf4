#include "core/truth/wiring.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/truth/addresses.hpp"
#include "core/truth/key_template.hpp"

namespace ms::core::truth {
namespace {

struct BusItem {
  std::string owner;  // component id or "tool <name>"
  std::string file;
  std::string pointer;
  std::string bus;
  std::string key;
  std::string type;
};

const nlohmann::json* member(const nlohmann::json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

std::string string_member(const nlohmann::json& obj, const char* name) {
  auto m = member(obj, name);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

void collect(const nlohmann::json& owner_doc, const char* block, const char* list_name, const std::string& owner,
             const std::string& file, const std::string& base_pointer, std::vector<BusItem>& out) {
  const nlohmann::json* container = block ? member(owner_doc, block) : &owner_doc;
  if (!container) return;
  auto list = member(*container, list_name);
  if (!list || !list->is_array()) return;
  std::string list_pointer = pointer_append(block ? pointer_append(base_pointer, block) : base_pointer, list_name);
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    BusItem b{owner, file, pointer_append(list_pointer, i), string_member(item, "bus"), string_member(item, "key"),
              string_member(item, "type")};
    static const std::set<std::string> kTypes = {"channel", "pattern", "stream", "string",
                                                 "hash",    "zset",    "set",    "list"};
    if (b.bus.empty() || b.key.empty() || kTypes.count(b.type) == 0) continue;  // the schema reported it
    out.push_back(std::move(b));
  }
}

// "{SYM}" and "{uid}" both become "{}", so a pattern written with one placeholder name matches a
// publication written with another.
std::string erase_placeholder_names(const std::string& key) {
  auto parts = parse_key_template(key);
  if (!parts) return key;
  std::string out;
  for (const auto& p : *parts) out += p.placeholder ? std::string("{}") : p.text;
  return out;
}

bool item_matches(const BusItem& sub, const BusItem& pub) {
  if (pub.type == "pattern") return false;
  if (sub.type == "pattern") return glob_match(erase_placeholder_names(sub.key), erase_placeholder_names(pub.key));
  return templates_match(sub.key, pub.key);
}

std::string describe(const std::vector<const BusItem*>& items, bool with_bus, bool with_type) {
  std::string out;
  std::set<std::string> seen;
  for (const auto* i : items) {
    std::string d = i->owner;
    if (with_bus) d += " on " + i->bus;
    if (with_type) d += " as " + i->type;
    if (!seen.insert(d).second) continue;
    if (!out.empty()) out += ", ";
    out += d;
  }
  return out;
}

struct WiringRules {
  const char* no_match;
  const char* other_bus;
  const char* type_mismatch;
  const char* wanted;        // "publisher" / "producer"
  const char* other_section;  // where a misplaced declaration would sit
};

void check_wiring(const std::vector<BusItem>& subscriptions, const std::vector<BusItem>& primary,
                  const std::vector<BusItem>& secondary, const WiringRules& rules, Issues& issues) {
  for (const auto& sub : subscriptions) {
    std::vector<const BusItem*> same_bus, other_bus, misplaced;
    for (const auto& pub : primary) {
      if (!item_matches(sub, pub)) continue;
      (pub.bus == sub.bus ? same_bus : other_bus).push_back(&pub);
    }
    const std::string what = "'" + sub.key + "' (" + sub.type + ") on " + sub.bus;
    if (!same_bus.empty()) {
      if (sub.type == "pattern") continue;
      bool type_ok = std::any_of(same_bus.begin(), same_bus.end(), [&](const BusItem* p) { return p->type == sub.type; });
      if (!type_ok) {
        issues.push_back({sub.file, pointer_append(sub.pointer, "type"), rules.type_mismatch,
                          what + ": declared by " + describe(same_bus, false, true) + ", a different Redis type"});
      }
      continue;
    }
    if (!other_bus.empty()) {
      issues.push_back({sub.file, pointer_append(sub.pointer, "bus"), rules.other_bus,
                        what + ": publisher on another bus: " + describe(other_bus, true, false)});
      continue;
    }
    for (const auto& pub : secondary) {
      if (pub.bus == sub.bus && item_matches(sub, pub)) misplaced.push_back(&pub);
    }
    std::string message = what + ": no " + std::string(rules.wanted) + " declares it";
    if (!misplaced.empty()) {
      message += " (" + describe(misplaced, false, false) + " declares it under " + rules.other_section +
                 "; keep both sides in the same section)";
    }
    issues.push_back({sub.file, sub.pointer, rules.no_match, message});
  }
}

void check_buses_exist(const std::vector<BusItem>& items, const nlohmann::json* buses, Issues& issues) {
  if (!buses || !buses->is_object()) return;
  for (const auto& i : items) {
    if (i.owner.rfind("tool ", 0) == 0) continue;  // node checks report tool items
    if (!buses->contains(i.bus)) {
      issues.push_back({i.file, pointer_append(i.pointer, "bus"), "bus.unknown",
                        "bus '" + i.bus + "' is not one of node.buses"});
    }
  }
}

std::vector<BusItem> known_bus_only(std::vector<BusItem> items, const nlohmann::json* buses) {
  if (!buses || !buses->is_object()) return items;
  items.erase(std::remove_if(items.begin(), items.end(), [&](const BusItem& i) { return !buses->contains(i.bus); }),
              items.end());
  return items;
}

void check_ports(const nlohmann::json& node, const std::vector<LoadedComponent>& components, Issues& issues) {
  struct Claim {
    std::string owner;
    std::string file;
  };
  std::map<long long, Claim> claimed;
  if (auto buses = member(node, "buses"); buses && buses->is_object()) {
    for (const auto& [name, bus] : buses->items()) {
      auto url = parse_redis_url(string_member(bus, "url"));
      if (url && is_loopback_host(url->host)) claimed.emplace(url->port, Claim{"bus " + name, ""});
    }
  }
  for (const auto& c : components) {
    for (const char* block : {"http", "sim"}) {
      auto b = member(*c.doc, block);
      auto port = b ? member(*b, "port") : nullptr;
      if (!port || !port->is_number_integer()) continue;
      long long p = port->get<long long>();
      std::string owner = c.id + " " + block;
      auto [it, inserted] = claimed.emplace(p, Claim{owner, c.file});
      if (inserted || it->second.file == c.file) continue;  // same file: the component check reports it
      issues.push_back({c.file, pointer_append(pointer_append("", block), "port"), "port.duplicate",
                        "port " + std::to_string(p) + " is already taken by " + it->second.owner});
    }
  }
}

void check_prefixes(const std::vector<LoadedComponent>& components, Issues& issues) {
  std::map<std::string, std::string> claimed;
  for (const auto& c : components) {
    auto http = member(*c.doc, "http");
    auto prefixes = http ? member(*http, "prefixes") : nullptr;
    if (!prefixes || !prefixes->is_array()) continue;
    for (std::size_t i = 0; i < prefixes->size(); ++i) {
      if (!(*prefixes)[i].is_string()) continue;
      std::string p = (*prefixes)[i].get<std::string>();
      auto [it, inserted] = claimed.emplace(p, c.id);
      if (!inserted && it->second != c.id) {
        issues.push_back({c.file, pointer_append("/http/prefixes", i), "http.prefix_duplicate",
                          "prefix '" + p + "' is already proxied to " + it->second});
      }
    }
  }
}

}  // namespace

Issues check_across_files(const nlohmann::json& node, const std::string& node_file,
                          const std::vector<LoadedComponent>& components) {
  Issues issues;
  std::vector<BusItem> publish, subscribe, produce, consume;
  if (auto tools = member(node, "tools"); tools && tools->is_object()) {
    for (const auto& [name, tool] : tools->items()) {
      collect(tool, nullptr, "publish_to", "tool " + name, node_file, pointer_append("/tools", name), publish);
    }
  }
  for (const auto& c : components) {
    collect(*c.doc, "access_points", "publish_to", c.id, c.file, "", publish);
    collect(*c.doc, "access_points", "subscribe_to", c.id, c.file, "", subscribe);
    collect(*c.doc, "models", "produces", c.id, c.file, "", produce);
    collect(*c.doc, "models", "consumes", c.id, c.file, "", consume);
  }
  const nlohmann::json* buses = member(node, "buses");
  for (const auto* list : {&publish, &subscribe, &produce, &consume}) check_buses_exist(*list, buses, issues);

  const WiringRules access_rules{"wiring.no_publisher", "wiring.other_bus", "wiring.type_mismatch", "publisher",
                                 "models.produces"};
  const WiringRules model_rules{"models.no_producer", "models.other_bus", "models.type_mismatch", "producer",
                                "access_points.publish_to"};
  // An item on an unknown bus was reported above; matching it against anything would only add noise.
  auto pub = known_bus_only(publish, buses), prod = known_bus_only(produce, buses);
  check_wiring(known_bus_only(subscribe, buses), pub, prod, access_rules, issues);
  check_wiring(known_bus_only(consume, buses), prod, pub, model_rules, issues);

  check_ports(node, components, issues);
  check_prefixes(components, issues);
  return issues;
}

}  // namespace ms::core::truth
