#pragma once
// Which services this build of `marketswarm` has, and in what order `up` starts them.
#include <string>
#include <string_view>
#include <vector>

#include "core/truth/truth.hpp"

namespace ms::app {

struct PlannedService {
  std::string name;               // log prefix, e.g. "journal"
  std::vector<std::string> args;  // arguments after the binary, e.g. {"journal"}
};

// Start order (DESIGN §10): journal → copilot → sim (when the market source is the simulator)
// → massive → sse; only services compiled into this binary are listed.
std::vector<PlannedService> planned_services(const core::Truth& truth);

// True when `marketswarm <name>` exists in this build.
bool service_available(std::string_view name);

// GET url answered 2xx within a short timeout.
bool http_ready(const std::string& url);

}  // namespace ms::app
