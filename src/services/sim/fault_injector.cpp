#include "services/sim/fault_injector.hpp"

#include <charconv>

#include "core/error.hpp"
#include "services/sim/data_faults.hpp"

namespace ms::sim {

namespace {

constexpr std::string_view kFaultNames = "garbage, truncate, drop, bad_price, bad_size, far_strike, bad_time, rest_bad_price";
constexpr std::string_view kClockPrefix = R"([{"ev":"status")";

}  // namespace

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
                                              "' must be name=N (" + std::string(kFaultNames) + ")");
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
    } else if (name == "bad_price") {
      c.bad_price_every = n;
    } else if (name == "bad_size") {
      c.bad_size_every = n;
    } else if (name == "far_strike") {
      c.far_strike_every = n;
    } else if (name == "bad_time") {
      c.bad_time_every = n;
    } else if (name == "rest_bad_price") {
      c.rest_bad_price_every = n;
    } else {
      throw core::Error("bad_fault_spec", "unknown fault '" + std::string(name) + "' (" +
                                              std::string(kFaultNames) + ")");
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
  if (config_.any_data() && frame.compare(0, kClockPrefix.size(), kClockPrefix) != 0) {
    const std::uint64_t d = ++stats_.data_frames;
    struct Knob {
      std::uint64_t every;
      DataFault fault;
      std::uint64_t* count;
    };
    const Knob knobs[] = {{config_.bad_price_every, DataFault::bad_price, &stats_.bad_price},
                          {config_.bad_size_every, DataFault::bad_size, &stats_.bad_size},
                          {config_.far_strike_every, DataFault::far_strike, &stats_.far_strike},
                          {config_.bad_time_every, DataFault::bad_time, &stats_.bad_time}};
    for (const auto& k : knobs) {
      // The form cycles with the count of rewrites so far: 1e9, then 0, then negative, ...
      if (k.every && d % k.every == 0 && apply_data_fault(frame, k.fault, *k.count)) ++*k.count;
    }
  }
  return FaultAction::send;
}

}  // namespace ms::sim
