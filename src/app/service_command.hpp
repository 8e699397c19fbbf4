#pragma once
// The command line every service subcommand shares: `marketswarm <svc> [--truth FILE]
// [--data-dir DIR] [--threads N]`.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "runtime/service.hpp"

namespace ms::app {

// Adds `name` to `root`; `run` returns the exit code.
CLI::App* add_service_command(CLI::App& root, const std::string& name, const std::string& description,
                              std::function<int(const runtime::ServiceOptions&)> run);

}  // namespace ms::app
