#pragma once
// Process-wide logging setup. Services log through spdlog's default logger; the pattern carries
// no service name because `marketswarm up` prefixes each child's lines with its name.
#include <string_view>

#include <spdlog/spdlog.h>

namespace ms::core {

// level: trace|debug|info|warn|error|off; unknown values fall back to info.
void init_logging(std::string_view level);

}  // namespace ms::core
