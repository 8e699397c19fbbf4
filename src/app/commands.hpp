#pragma once
// Every subcommand of `marketswarm` registers itself through one of these functions.
#include <CLI/CLI.hpp>

namespace ms::app {

// Thrown by a subcommand to end the process with `code` after it has printed its own message.
struct CommandExit {
  int code;
};

void add_truth_commands(CLI::App& root);  // truth build | check-node | check-component | load
void add_up_command(CLI::App& root);      // up: the whole platform on one machine
void add_sim_command(CLI::App& root);     // sim: the market simulator (vendor REST + WebSocket)
void add_massive_command(CLI::App& root); // massive: market data in, every model out

}  // namespace ms::app
