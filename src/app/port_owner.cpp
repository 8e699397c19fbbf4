#include "app/port_owner.hpp"

#include <arpa/inet.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace ms::app {

namespace {

bool connect_succeeds(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Inodes of sockets listening on `port` (IPv4 and IPv6 tables).
std::vector<std::string> listening_inodes(std::uint16_t port) {
  std::vector<std::string> inodes;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream f(table);
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line)) {
      std::istringstream ls(line);
      std::string sl, local, remote, state, queues, tr, retr, uid, timeout, inode;
      ls >> sl >> local >> remote >> state >> queues >> tr >> retr >> uid >> timeout >> inode;
      if (state != "0A") continue;  // LISTEN
      auto colon = local.rfind(':');
      if (colon == std::string::npos) continue;
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) inodes.push_back(inode);
    }
  }
  return inodes;
}

}  // namespace

PortOwner find_port_owner(std::uint16_t port) {
  PortOwner owner;
  auto inodes = listening_inodes(port);
  owner.listening = !inodes.empty() || connect_succeeds(port);
  if (inodes.empty()) return owner;
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = proc.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code fec;
    for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fec)) {
      std::error_code lec;
      auto target = std::filesystem::read_symlink(fd.path(), lec).string();
      for (const auto& inode : inodes) {
        if (target == "socket:[" + inode + "]") {
          owner.pid = static_cast<pid_t>(std::stol(name));
          std::ifstream comm(proc.path() / "comm");
          std::getline(comm, owner.command);
          return owner;
        }
      }
    }
  }
  return owner;
}

std::string describe(const PortOwner& owner, std::uint16_t port) {
  std::string s = "port " + std::to_string(port) + " is taken";
  if (owner.pid) {
    s += " by " + (owner.command.empty() ? std::string("a process") : owner.command) + " (pid " +
         std::to_string(*owner.pid) + ")";
  } else {
    s += " by a process this user cannot see";
  }
  return s;
}

}  // namespace ms::app
