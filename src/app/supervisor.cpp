#include "app/supervisor.hpp"

#include <algorithm>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <ostream>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/error.hpp"

namespace ms::app {

using Clock = std::chrono::steady_clock;

struct Supervisor::Child {
  ChildSpec spec;
  core::Process process;
  int out_fd = -1;
  std::string partial;
  std::deque<std::string> tail;
  std::deque<Clock::time_point> deaths;
  std::optional<Clock::time_point> restart_at;
  int consecutive_failures = 0;
  bool gave_up = false;
  bool stopped = false;
};

Supervisor::Supervisor(SupervisorOptions opts, std::ostream& out) : opts_(opts), out_(out) {}

Supervisor::~Supervisor() {
  stop_all();
  if (signal_fd_ >= 0) ::close(signal_fd_);
}

void Supervisor::capture_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd_ < 0) throw core::Error("signalfd_failed", std::strerror(errno));
}

void Supervisor::spawn(Child& c) {
  core::ProcessOptions po;
  po.argv = c.spec.argv;
  po.env_overrides = c.spec.env;
  po.capture_output = true;
  po.die_with_parent = true;
  // Own process group: a terminal's Ctrl-C reaches only `up`, which then stops children in order.
  po.new_process_group = true;
  c.process = core::Process::spawn(po);
  c.out_fd = c.process.release_output_fd();
  ::fcntl(c.out_fd, F_SETFL, ::fcntl(c.out_fd, F_GETFL) | O_NONBLOCK);
  c.partial.clear();
  c.restart_at.reset();
}

void Supervisor::start(ChildSpec spec) {
  auto c = std::make_unique<Child>();
  c->spec = std::move(spec);
  spawn(*c);
  out_ << "[up] started " << c->spec.name << " (pid " << c->process.pid() << ")" << std::endl;
  children_.push_back(std::move(c));
}

void Supervisor::emit_line(Child& c, const std::string& line) {
  out_ << c.spec.name << " | " << line << '\n';
  c.tail.push_back(line);
  while (c.tail.size() > opts_.tail_lines) c.tail.pop_front();
}

void Supervisor::drain_output(Child& c, bool final) {
  if (c.out_fd < 0) return;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(c.out_fd, buf, sizeof buf);
    if (n > 0) {
      c.partial.append(buf, static_cast<std::size_t>(n));
      std::size_t pos;
      while ((pos = c.partial.find('\n')) != std::string::npos) {
        emit_line(c, c.partial.substr(0, pos));
        c.partial.erase(0, pos + 1);
      }
      if (!final) break;  // let other children speak too; poll() brings us back
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    // EOF (or a hard error): the child closed its output; flush what is left.
    if (!c.partial.empty()) emit_line(c, c.partial);
    c.partial.clear();
    ::close(c.out_fd);
    c.out_fd = -1;
    break;
  }
  out_.flush();
}

void Supervisor::poll_once(std::chrono::milliseconds max_wait) {
  std::vector<pollfd> fds;
  std::vector<Child*> owners;
  if (signal_fd_ >= 0) {
    fds.push_back({signal_fd_, POLLIN, 0});
    owners.push_back(nullptr);
  }
  for (auto& c : children_) {
    if (c->out_fd >= 0) {
      fds.push_back({c->out_fd, POLLIN, 0});
      owners.push_back(c.get());
    }
  }
  int rc = ::poll(fds.data(), fds.size(), static_cast<int>(max_wait.count()));
  if (rc > 0) {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (owners[i] == nullptr) {
        signalfd_siginfo si;
        while (::read(signal_fd_, &si, sizeof si) == sizeof si) {
          out_ << "[up] received " << ::strsignal(static_cast<int>(si.ssi_signo)) << ", stopping" << std::endl;
          stop_requested_ = true;
        }
      } else {
        drain_output(*owners[i], false);
      }
    }
  }
  reap_and_restart();
}

void Supervisor::reap_and_restart() {
  const auto now = Clock::now();
  for (auto& cp : children_) {
    Child& c = *cp;
    if (c.stopped || c.gave_up) continue;
    if (c.restart_at) {
      if (now >= *c.restart_at && !stop_requested_) {
        try {
          spawn(c);
          out_ << "[up] restarted " << c.spec.name << " (pid " << c.process.pid() << ")" << std::endl;
        } catch (const core::Error& e) {
          out_ << "[up] cannot restart " << c.spec.name << ": " << e.what() << std::endl;
          c.gave_up = true;
        }
      }
      continue;
    }
    if (c.process.running()) continue;
    drain_output(c, true);
    const int status = c.process.exit_status().value_or(0);
    c.deaths.push_back(now);
    while (!c.deaths.empty() && now - c.deaths.front() > opts_.death_window) c.deaths.pop_front();
    out_ << "[up] " << c.spec.name << " " << core::describe_wait_status(status);
    if (!c.spec.restart || stop_requested_) {
      out_ << std::endl;
      c.stopped = true;
      continue;
    }
    if (static_cast<int>(c.deaths.size()) >= opts_.max_deaths) {
      out_ << "; it died " << c.deaths.size() << " times within "
           << std::chrono::duration_cast<std::chrono::seconds>(opts_.death_window).count()
           << " s, not restarting it. Its last lines:" << std::endl;
      for (const auto& l : c.tail) out_ << "  " << c.spec.name << " | " << l << '\n';
      out_.flush();
      c.gave_up = true;
      continue;
    }
    auto delay = opts_.restart_base * (1 << std::min<int>(static_cast<int>(c.deaths.size()) - 1, 10));
    if (delay > opts_.restart_max) delay = opts_.restart_max;
    out_ << "; restarting in " << delay.count() << " ms" << std::endl;
    c.restart_at = now + delay;
  }
}

bool Supervisor::pump_until(const std::function<bool()>& until, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (until()) return true;
    if (stop_requested_) return false;
    const auto now = Clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    poll_once(std::min(left, std::chrono::milliseconds(100)));
  }
}

void Supervisor::stop_all() {
  // By tier, highest first; inside a tier everyone is signalled (reverse start order) before
  // anyone is waited for. One deadline for the whole stop; a lower tier always keeps a short
  // slice of it so its servers can shut down cleanly.
  const auto deadline = Clock::now() + opts_.stop_grace;
  const auto reserve = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(1000), opts_.stop_grace / 4);
  std::vector<int> tiers;
  for (const auto& c : children_) tiers.push_back(c->spec.stop_tier);
  std::sort(tiers.rbegin(), tiers.rend());
  tiers.erase(std::unique(tiers.begin(), tiers.end()), tiers.end());
  for (std::size_t t = 0; t < tiers.size(); ++t) {
    const auto tier_deadline = t + 1 < tiers.size() ? deadline - reserve : deadline;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      Child& c = **it;
      if (c.spec.stop_tier != tiers[t]) continue;
      c.restart_at.reset();
      if (c.process.running()) c.process.signal(SIGTERM);
    }
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      Child& c = **it;
      if (c.spec.stop_tier != tiers[t]) continue;
      if (c.stopped && !c.process.running()) continue;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(tier_deadline - Clock::now());
      if (left.count() < 0) left = std::chrono::milliseconds(0);
      if (c.process.running()) {
        if (!c.process.wait_for(left)) {
          out_ << "[up] " << c.spec.name << " did not stop in time; killing it" << std::endl;
          c.process.signal(SIGKILL);
          c.process.wait_for(std::chrono::milliseconds(2000));
        }
      }
      drain_output(c, true);
      c.stopped = true;
    }
  }
}

bool Supervisor::running(const std::string& name) {
  for (auto& c : children_)
    if (c->spec.name == name) return c->process.running();
  return false;
}

std::optional<pid_t> Supervisor::pid(const std::string& name) const {
  for (const auto& c : children_)
    if (c->spec.name == name && c->process.pid() > 0) return c->process.pid();
  return std::nullopt;
}

std::vector<pid_t> Supervisor::pids() const {
  std::vector<pid_t> out;
  for (const auto& c : children_)
    if (c->process.pid() > 0) out.push_back(c->process.pid());
  return out;
}

bool Supervisor::gave_up(const std::string& name) const {
  for (const auto& c : children_)
    if (c->spec.name == name) return c->gave_up;
  return false;
}

}  // namespace ms::app
