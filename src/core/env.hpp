#pragma once
// Reading the process environment in one place, so tests can see what a service reads.
#include <optional>
#include <string>

namespace ms::core {

// The variable's value, or nullopt when unset. An empty value counts as set.
std::optional<std::string> env(const char* name);
std::string env_or(const char* name, std::string fallback);

}  // namespace ms::core
