// marketswarm: one binary, one subcommand per job (DESIGN §2).
#include <csignal>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

int main(int argc, char** argv) {
  // A closed socket must surface as an error on write, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App root{"MarketSwarm: real-time 0-DTE options analytics and trading journal"};
  root.require_subcommand(1);
  std::string log_level = "info";
  root.add_option("--log-level", log_level, "trace|debug|info|warn|error")
      ->envname("MS_LOG_LEVEL");
  root.parse_complete_callback([&] { ms::core::init_logging(log_level); });

  ms::app::add_truth_commands(root);
  ms::app::add_up_command(root);
  ms::app::add_sim_command(root);
  ms::app::add_massive_command(root);

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return root.exit(e);
  } catch (const ms::app::CommandExit& e) {
    return e.code;
  } catch (const ms::core::Error& e) {
    std::cerr << "marketswarm: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "marketswarm: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
