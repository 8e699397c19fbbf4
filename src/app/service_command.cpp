#include "app/service_command.hpp"

#include <memory>

#include "app/commands.hpp"

namespace ms::app {

CLI::App* add_service_command(CLI::App& root, const std::string& name, const std::string& description,
                              std::function<int(const runtime::ServiceOptions&)> run) {
  auto opts = std::make_shared<runtime::ServiceOptions>();
  auto data_dir = std::make_shared<std::string>("var");
  auto* cmd = root.add_subcommand(name, description);
  cmd->add_option("--truth", opts->truth_file, "Read truth from this composite file instead of system-redis");
  cmd->add_option("--data-dir", *data_dir, "Data directory (SQLite database, recordings)")->envname("MS_DATA_DIR");
  cmd->add_option("--threads", opts->threads, "I/O threads (default: one per core)");
  cmd->callback([opts, data_dir, run = std::move(run)] {
    opts->data_dir = *data_dir;
    int rc = run(*opts);
    if (rc != 0) throw CommandExit{rc};
  });
  return cmd;
}

}  // namespace ms::app
