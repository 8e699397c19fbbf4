#pragma once
// Rules across files: every bus named exists, ports and proxy prefixes are not shared, and every
// subscription / model consumption has a publisher / producer on the same bus.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/truth/issue.hpp"

namespace ms::core::truth {

struct LoadedComponent {
  std::string id;
  std::string file;
  const nlohmann::json* doc = nullptr;
};

// Rules: "bus.unknown" (a component item names a bus not in node.buses), "port.duplicate" (two
// components, or a component and a loopback bus, share a port), "http.prefix_duplicate",
// and the wiring rules, per bus, with placeholders matching any placeholder in the same position
// and pattern subscriptions glob-matching publications:
//   access_points.subscribe_to against publish_to (components and node tools):
//     "wiring.no_publisher", "wiring.other_bus" (published only on another bus), "wiring.type_mismatch"
//   models.consumes against models.produces:
//     "models.no_producer", "models.other_bus", "models.type_mismatch"
Issues check_across_files(const nlohmann::json& node, const std::string& node_file,
                          const std::vector<LoadedComponent>& components);

}  // namespace ms::core::truth
