// `marketswarm up`: the whole platform on one machine (DESIGN §7, §10 "up runs its children in
// the foreground"). Redis servers first, then truth, then each service that this build has.
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/file.h>
#include <unistd.h>

#include "app/commands.hpp"
#include "app/up_command.hpp"
#include "app/port_owner.hpp"
#include "app/services.hpp"
#include "app/supervisor.hpp"
#include "bus/blocking_redis.hpp"
#include "bus/redis_url.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/secrets.hpp"
#include "core/truth/addresses.hpp"
#include "core/truth/builder.hpp"
#include "core/truth/truth.hpp"

namespace ms::app {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string up_remote_bus_message(const std::string& bus, const std::string& url) {
  return "[up] " + bus + " is remote (" + bus::redact_url(url) + "); not starting a server for it";
}

std::string up_bus_silent_message(const std::string& bus, const std::string& url) {
  return "up: " + bus + " (" + bus::redact_url(url) + ") did not answer PING within 10 s";
}

std::string up_bus_list(const std::vector<std::pair<std::string, std::string>>& bus_urls) {
  std::string out;
  for (const auto& [bus, url] : bus_urls) out += bus + "=" + bus::redact_url(url) + " ";
  return out;
}

namespace {

struct UpOptions {
  std::string data_dir = "var";
  std::string truth_dir;  // empty: find_truth_dir()
  bool prod = false;
  int ready_timeout_sec = 60;
};

// The lock that makes a second `up` on the same data dir say so instead of fighting the first.
class UpLock {
 public:
  explicit UpLock(const fs::path& dir) : path_(dir / "up.lock") {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw core::Error("up_lock", "cannot open " + path_.string());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      std::string holder;
      std::ifstream(path_) >> holder;
      ::close(fd_);
      fd_ = -1;
      std::cerr << "marketswarm up is already running for " << dir.string()
                << (holder.empty() ? "" : " (pid " + holder + ")")
                << "; stop it first (Ctrl-C in its terminal, or kill -TERM " << holder << ")\n";
      throw CommandExit{1};
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::write(fd_, pid.data(), pid.size()) < 0) {
      // The lock itself holds; the pid text is only a courtesy for the message above.
    }
  }
  ~UpLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

std::string find_redis_server() {
  if (auto p = core::env("MS_REDIS_SERVER")) return *p;
  for (const char* c : {"/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"})
    if (::access(c, X_OK) == 0) return c;
  throw core::Error("redis_server_missing",
                    "redis-server not found; run scripts/setup.sh (or set MS_REDIS_SERVER)");
}

std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw core::Error("self_exe", "cannot locate the marketswarm binary");
  return p.string();
}

bool redis_answers(const std::string& url) {
  try {
    bus::BlockingRedis r(url, 300ms);
    auto reply = r.command({"PING"});
    return !reply.is_error();
  } catch (const core::Error&) {
    return false;
  }
}

// Market data (massive:*) is rebuilt from the feed on start; the system and intel buses hold
// sessions, alert state and durable user streams, so those two keep an append-only file.
std::vector<std::string> redis_args(const std::string& bin, const std::string& bus, int port,
                                    const fs::path& dir) {
  std::vector<std::string> a{bin,       "--port", std::to_string(port), "--bind", "127.0.0.1",
                             "--dir",   dir.string(), "--daemonize", "no", "--protected-mode", "yes",
                             "--logfile", ""};
  if (bus == "market-redis") {
    // A heatmap diff is ~1 MB (SPX) to ~3 MB (NDX): Redis's default pub/sub output limit (32 MB
    // hard, 8 MB for 60 s) would drop a whole-model subscriber that stalls for a second or two.
    a.insert(a.end(), {"--save", "", "--appendonly", "no", "--client-output-buffer-limit", "pubsub 256mb 64mb 60"});
  } else {
    a.insert(a.end(), {"--save", "", "--appendonly", "yes", "--appendfsync", "everysec"});
  }
  return a;
}

int run_up(const UpOptions& o) {
  const fs::path data_dir = fs::absolute(o.data_dir);
  fs::create_directories(data_dir);
  UpLock lock(data_dir);

  // 1. Truth: validate and compose before anything starts.
  fs::path truth_dir;
  if (!o.truth_dir.empty()) {
    truth_dir = o.truth_dir;
  } else if (auto found = core::truth::find_truth_dir()) {
    truth_dir = *found;
  } else {
    std::cerr << "up: no truth directory found (looked at $MS_TRUTH_DIR, ./truth and next to the binary)\n";
    return 1;
  }
  auto built = core::truth::build(truth_dir);
  if (!built.ok()) {
    for (const auto& issue : built.issues) std::cerr << issue.to_string() << "\n";
    std::cerr << "up: truth has " << built.issues.size() << " problem(s); nothing started\n";
    return 1;
  }
  const std::string truth_text = built.composite.dump();
  {
    std::ofstream(data_dir / "truth.json") << built.composite.dump(2) << "\n";
  }
  auto truth = core::Truth::from_string(truth_text);

  // 2. Secrets: development secrets are generated once into var/secrets.env (mode 0600).
  const fs::path secrets_file = core::env("MS_SECRETS_FILE").value_or((data_dir / "secrets.env").string());
  if (!o.prod) {
    auto added = core::generate_dev_secrets(secrets_file);
    if (!added.empty()) std::cout << "[up] generated development secrets in " << secrets_file.string() << std::endl;
  }
  ::setenv("MS_SECRETS_FILE", secrets_file.c_str(), 1);

  SupervisorOptions sopts;
  Supervisor sup(sopts, std::cout);
  sup.capture_stop_signals();

  // 3. One redis-server per bus that lives on this machine; remote buses are only checked.
  const std::string redis_bin = find_redis_server();
  std::vector<std::pair<std::string, std::string>> bus_urls;
  for (const auto& bus : truth.bus_names()) {
    const std::string url = truth.bus_url(bus);
    std::string why;
    auto parsed = core::truth::parse_redis_url(url, &why, /*allow_credentials=*/true);
    if (!parsed) {
      // The URL may come from MS_BUS_<NAME>_URL with a password in it: never echo it.
      std::cerr << "up: bus " << bus << ": bad URL (truth or " << core::bus_url_env_name(bus) << "): " << why << "\n";
      return 1;
    }
    bus_urls.emplace_back(bus, url);
    if (!core::truth::is_loopback_host(parsed->host)) {
      std::cout << up_remote_bus_message(bus, url) << std::endl;
      continue;
    }
    auto owner = find_port_owner(static_cast<std::uint16_t>(parsed->port));
    if (owner.listening) {
      std::cerr << "up: cannot start " << bus << ": " << describe(owner, static_cast<std::uint16_t>(parsed->port))
                << ". It is not ours, so it is left alone; stop it or move the bus with "
                << core::bus_url_env_name(bus) << "=redis://127.0.0.1:<port>\n";
      return 1;
    }
    const fs::path dir = data_dir / "redis" / bus;
    fs::create_directories(dir);
    sup.start({bus, redis_args(redis_bin, bus, parsed->port, dir), {}, true});
  }
  for (const auto& [bus, url] : bus_urls) {
    const std::string u = url;
    if (!sup.pump_until([&] { return redis_answers(u); }, 10s)) {
      if (sup.stop_requested()) return 0;
      std::cerr << up_bus_silent_message(bus, url) << "\n";
      return 1;
    }
  }

  // 4. Load truth into system-redis; services read it from there. Nothing is ever flushed.
  {
    bus::BlockingRedis sys(truth.bus_url("system-redis"), 2000ms);
    auto r = sys.command({"SET", "truth", truth_text});
    if (r.is_error()) {
      std::cerr << "up: SET truth failed: " << r.str << "\n";
      return 1;
    }
    std::cout << "[up] truth loaded into system-redis (" << truth_text.size() << " bytes, sha256 "
              << truth.sha256().substr(0, 12) << ")" << std::endl;
  }

  // 5. Services in dependency order, each as `marketswarm <svc>` in the foreground.
  const std::string exe = self_exe();
  std::vector<std::pair<std::string, std::string>> child_env{
      {"TRUTH_REDIS_URL", truth.bus_url("system-redis")},
      {"MS_SECRETS_FILE", secrets_file.string()},
      {"MS_NODE_ENV", o.prod ? "prod" : truth.node_env()},
      {"MS_DATA_DIR", data_dir.string()},
  };
  for (const auto& svc : planned_services(truth)) {
    std::vector<std::string> argv{exe};
    argv.insert(argv.end(), svc.args.begin(), svc.args.end());
    sup.start({svc.name, argv, child_env, true, /*stop_tier=*/1});
    // massive connects to the simulator at once: give it a listening simulator (bounded; on a
    // timeout massive simply retries its feeds).
    if (svc.name == "sim") {
      if (const auto sim = truth.sim("massive")) {
        const std::string host = sim->bind == "0.0.0.0" ? "127.0.0.1" : sim->bind;
        const std::string healthz = "http://" + host + ":" + std::to_string(sim->port) + "/healthz";
        sup.pump_until([&] { return http_ready(healthz); }, 10s);
        if (sup.stop_requested()) {
          sup.stop_all();
          return 0;
        }
      }
    }
  }

  // 6. Ready when the gateway says so (or, until the gateway exists, when the buses answer).
  auto gateway = truth.has_component("sse") ? truth.http("sse") : std::nullopt;
  const bool have_gateway = gateway && service_available("sse");
  if (have_gateway) {
    const std::string url = "http://" + gateway->bind + ":" + std::to_string(gateway->port);
    if (!sup.pump_until([&] { return http_ready(url + "/readyz"); }, std::chrono::seconds(o.ready_timeout_sec))) {
      if (sup.stop_requested()) {
        sup.stop_all();
        return 0;
      }
      std::cerr << "up: the gateway did not become ready within " << o.ready_timeout_sec << " s\n";
    } else {
      std::cout << "\nMarketSwarm is up: " << url << "/\n";
    }
  } else {
    std::cout << "\nMarketSwarm is up: buses ";
    std::cout << up_bus_list(bus_urls);
    std::cout << "(this build has no gateway yet)\n";
  }
  std::cout << "Stop with Ctrl-C (or kill -TERM " << ::getpid() << ").\n" << std::flush;

  sup.pump_until([] { return false; }, std::chrono::hours(24 * 365));
  std::cout << "[up] stopping..." << std::endl;
  sup.stop_all();
  std::cout << "[up] stopped" << std::endl;
  return 0;
}

}  // namespace

void add_up_command(CLI::App& root) {
  auto opts = std::make_shared<UpOptions>();
  auto* cmd = root.add_subcommand("up", "Run the whole platform on this machine (Redis, services, UI)");
  cmd->add_option("--data-dir", opts->data_dir, "Where Redis data, the SQLite database and secrets live")
      ->envname("MS_DATA_DIR");
  cmd->add_option("--truth-dir", opts->truth_dir, "The truth directory (default: ./truth)")->envname("MS_TRUTH_DIR");
  cmd->add_flag("--prod", opts->prod, "Production mode: secrets must come from the environment or MS_SECRETS_FILE");
  cmd->add_option("--ready-timeout", opts->ready_timeout_sec, "Seconds to wait for the gateway to be ready");
  cmd->callback([opts] {
    int rc = run_up(*opts);
    if (rc != 0) throw CommandExit{rc};
  });
}

}  // namespace ms::app
