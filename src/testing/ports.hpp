#pragma once
// A TCP port on 127.0.0.1 that was free a moment ago. For servers that cannot bind port 0
// themselves (redis-server, mariadbd); callers retry on EADDRINUSE.
#include <cstdint>

namespace ms::testing {

std::uint16_t reserve_free_port();

}  // namespace ms::testing
