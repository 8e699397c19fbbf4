#include "testing/command.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/process.hpp"

namespace ms::testing {

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout) {
  core::ProcessOptions o;
  o.argv = argv;
  o.env_overrides = env;
  o.capture_output = true;
  auto p = core::Process::spawn(o);
  CommandResult r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{p.output_fd(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::read(p.output_fd(), buf, sizeof buf);
    if (n <= 0) break;  // EOF: the program (and anything it started) closed its output
    r.output.append(buf, static_cast<std::size_t>(n));
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  const auto status = p.wait_for(std::max(left, std::chrono::milliseconds(0)));
  if (!status) {
    p.terminate(std::chrono::milliseconds(1000));
    return r;
  }
  if (WIFEXITED(*status)) r.exit_code = WEXITSTATUS(*status);
  return r;
}

}  // namespace ms::testing
