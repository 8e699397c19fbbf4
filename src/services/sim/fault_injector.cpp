#include "services/sim/fault_injector.hpp"

#include <charconv>

#include "core/error.hpp"

namespace ms::sim {

FaultConfig parse_fault_spec(std::string_view spec) {
  FaultConfig c;
  if (spec.empty() || spec == "none") return c;
  std::string_view rest = spec;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      throw core::Error("bad_fault_spec", "fault '" + std::string(part) +
                                              "' must be name=N (garbage, truncate, drop)");
    }
    const std::string_view name = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    std::uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || ptr != value.data() + value.size() || value.empty()) {
      throw core::Error("bad_fault_spec", "fault '" + std::string(name) +
                                              "' needs a non-negative integer, got '" +
                                              std::string(value) + "'");
    }
    if (name == "garbage") {
      c.garbage_every = n;
    } else if (name == "truncate") {
      c.truncate_every = n;
    } else if (name == "drop") {
      c.drop_after = n;
    } else {
      throw core::Error("bad_fault_spec", "unknown fault '" + std::string(name) +
                                              "' (garbage, truncate, drop)");
    }
  }
  return c;
}

FaultAction FaultInjector::apply(std::string& frame) {
  if (stats_.dropped || (config_.drop_after && stats_.frames >= config_.drop_after)) {
    stats_.dropped = true;
    return FaultAction::drop;
  }
  const std::uint64_t n = ++stats_.frames;
  if (config_.garbage_every && n % config_.garbage_every == 0) {
    frame.assign(kGarbage);
    ++stats_.garbage;
    return FaultAction::send_garbage;
  }
  if (config_.truncate_every && n % config_.truncate_every == 0) {
    frame.resize(frame.size() / 2);
    ++stats_.truncated;
    return FaultAction::send_truncated;
  }
  return FaultAction::send;
}

}  // namespace ms::sim
