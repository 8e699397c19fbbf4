#include "app/services.hpp"

#include <algorithm>
#include <array>

#include "core/market_source.hpp"
#include "net/http_client.hpp"

namespace ms::app {

namespace {
// Subcommands that exist in this build. A service joins this list in the same change that adds
// its subcommand, so `up` never starts something that is not there.
constexpr std::array<std::string_view, 2> kAvailable{"sim", "massive"};
}  // namespace

bool service_available(std::string_view name) {
  return std::find(kAvailable.begin(), kAvailable.end(), name) != kAvailable.end();
}

std::vector<PlannedService> planned_services(const core::Truth& truth) {
  std::vector<PlannedService> out;
  auto add = [&](const std::string& name, std::vector<std::string> args) {
    if (service_available(name) && (name == "sim" || truth.has_component(name))) out.push_back({name, std::move(args)});
  };
  add("journal", {"journal"});
  add("copilot", {"copilot"});
  if (core::resolve_market_source(truth) == "sim") add("sim", {"sim"});
  add("massive", {"massive"});
  add("sse", {"sse"});
  return out;
}

bool http_ready(const std::string& url) {
  static net::HttpClient client(net::HttpClient::Options{1, "marketswarm-up/0.1", "", 1 << 20});
  try {
    net::HttpClient::Request req;
    req.url = url;
    req.connect_timeout = std::chrono::milliseconds(300);
    req.total_timeout = std::chrono::milliseconds(1000);
    return client.perform(req).ok();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace ms::app
