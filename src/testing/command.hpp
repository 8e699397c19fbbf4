#pragma once
// Runs a program to completion and captures what it prints (stdout and stderr together), with a
// deadline: tests of the `marketswarm` command line use it instead of hand-rolled pipe loops.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ms::testing {

struct CommandResult {
  std::optional<int> exit_code;  // nullopt: killed by a signal, or still running at the deadline
  std::string output;
};

// A program still running at `timeout` is terminated (by its PID) and reported without an exit code.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::pair<std::string, std::string>>& env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace ms::testing
