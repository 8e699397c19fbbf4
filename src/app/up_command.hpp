#pragma once
// What `marketswarm up` prints about its buses. The URLs may come from MS_BUS_<NAME>_URL with a
// password in them; every message goes through bus::redact_url so none reaches the console.
#include <string>
#include <utility>
#include <vector>

namespace ms::app {

// "[up] market-redis is remote (redis://:***@db:6379); not starting a server for it"
std::string up_remote_bus_message(const std::string& bus, const std::string& url);
// "up: market-redis (redis://:***@127.0.0.1:6380) did not answer PING within 10 s"
std::string up_bus_silent_message(const std::string& bus, const std::string& url);
// "system-redis=redis://127.0.0.1:6379 market-redis=redis://:***@127.0.0.1:6380 "
std::string up_bus_list(const std::vector<std::pair<std::string, std::string>>& bus_urls);

}  // namespace ms::app
