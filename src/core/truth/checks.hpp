#pragma once
// The rules of one truth file that JSON Schema cannot express. They run after schema validation
// and tolerate documents that failed it (wrong shapes are skipped, never dereferenced).
#include <string>

#include <nlohmann/json.hpp>

#include "core/truth/issue.hpp"

namespace ms::core::truth {

// node.json: bus URLs ("bus.url", "bus.url_secret"), the database URL ("database.url",
// "database.url_secret"), tool items (their bus must be a node bus: "bus.unknown"; plus the
// item rules below).
Issues check_node_document(const nlohmann::json& node, const std::string& file);

// components/<id>.json: bind addresses ("http.bind", "sim.bind"), ttl > interval
// ("heartbeat.ttl"), no secret-looking or declared-secret name in env ("env.secret_value"), no
// /api/internal prefix ("http.internal_prefix"), http and sim on one port ("port.duplicate"), and
// the item rules: key template syntax ("key.template"), glob characters only in pattern items
// ("key.glob"), patterns only in subscriptions ("item.pattern_publication").
Issues check_component_document(const nlohmann::json& component, const std::string& file);

}  // namespace ms::core::truth
