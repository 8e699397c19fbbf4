#pragma once
// Who is listening on a local TCP port: so `up` can say "port 6379 is taken by redis-server
// (pid 812)" instead of failing obscurely, and never touch a process it did not start.
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace ms::app {

struct PortOwner {
  bool listening = false;           // something accepts connections on the port
  std::optional<pid_t> pid;         // known when /proc lets us see the owning process
  std::string command;              // its /proc/<pid>/comm
};

PortOwner find_port_owner(std::uint16_t port);
std::string describe(const PortOwner& owner, std::uint16_t port);

}  // namespace ms::app
