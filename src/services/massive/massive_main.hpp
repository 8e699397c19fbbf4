#pragma once
// `marketswarm massive`: the service spec (for run_service, and for tests that run the service
// in-process) and the subcommand's entry point.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "runtime/loop_supervisor.hpp"
#include "runtime/service.hpp"

namespace ms::massive {

struct MassiveRunOptions {
  std::optional<std::filesystem::path> record;  // --record FILE
  // Beyond the CLI (tests): the worker loops' restart backoff, and loops told to fail
  // (EngineOptions::loop_failures).
  std::optional<runtime::SupervisorOptions> supervision;
  std::map<std::string, int> loop_failures;
};

// The spec run_service() runs. `on_configured` (tests) is called at the end of configure().
runtime::ServiceSpec massive_spec(const MassiveRunOptions& options,
                                  std::function<void(runtime::ServiceContext&)> on_configured = {});

int run_massive(const runtime::ServiceOptions& service, const MassiveRunOptions& options);

}  // namespace ms::massive
