// `marketswarm massive [--record FILE]`: market data in, every model out.
#include <memory>

#include "app/commands.hpp"
#include "app/service_command.hpp"
#include "services/massive/massive_main.hpp"

namespace ms::app {

void add_massive_command(CLI::App& root) {
  auto record = std::make_shared<std::string>();
  auto* cmd = add_service_command(root, "massive", "Market data in (vendor or simulator), every model out to Redis",
                                  [record](const runtime::ServiceOptions& o) {
                                    massive::MassiveRunOptions m;
                                    if (!record->empty()) m.record = *record;
                                    return massive::run_massive(o, m);
                                  });
  cmd->add_option("--record", *record, "Record every feed frame and REST response to FILE (JSON lines)");
}

}  // namespace ms::app
