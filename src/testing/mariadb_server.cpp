#include "testing/mariadb_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "core/env.hpp"
#include "core/error.hpp"
#include "testing/ports.hpp"

#ifndef MS_MARIADBD_DEFAULT
#define MS_MARIADBD_DEFAULT ""
#endif
#ifndef MS_MARIADB_INSTALL_DB_DEFAULT
#define MS_MARIADB_INSTALL_DB_DEFAULT ""
#endif

namespace ms::testing {

namespace {

namespace fs = std::filesystem;

bool executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

std::string search_path(const std::string& name) {
  std::string dirs = core::env_or("PATH", "/usr/bin:/bin");
  dirs += ":/usr/sbin:/usr/local/sbin:/sbin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    if (executable(candidate)) return candidate;
  }
  return {};
}

// Environment first, then the configure-time default (CMake's "-NOTFOUND" counts as none), then PATH.
std::string locate(const char* env_name, const std::string& compiled_default, std::initializer_list<const char*> names,
                   std::string* tried) {
  if (auto v = core::env(env_name); v && !v->empty()) {
    if (executable(*v)) return *v;
    *tried += std::string(env_name) + "=" + *v + " is not executable; ";
    return {};
  }
  if (!compiled_default.empty() && compiled_default.find("NOTFOUND") == std::string::npos &&
      executable(compiled_default))
    return compiled_default;
  for (const char* n : names)
    if (auto p = search_path(n); !p.empty()) return p;
  *tried += std::string("no ") + *names.begin() + " (set " + env_name + "); ";
  return {};
}

std::string random_password() {
  static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(alphabet) - 2);
  std::string out;
  for (int i = 0; i < 24; ++i) out += alphabet[pick(rd)];
  return out;
}

struct Captured {
  int status = -1;
  std::string output;
};

// Runs a short-lived child, collecting its output, within a deadline.
Captured run_captured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  core::ProcessOptions opts;
  opts.argv = argv;
  opts.capture_output = true;
  core::Process p = core::Process::spawn(opts);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Captured out;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      p.terminate(std::chrono::milliseconds(500));
      throw core::Error("mariadb_client_failed", argv[0] + " did not finish within " +
                                                     std::to_string(timeout.count()) + " ms; output: " + out.output);
    }
    pollfd pfd{p.output_fd(), POLLIN, 0};
    const int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    const ssize_t n = ::read(p.output_fd(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.output.append(buf, static_cast<std::size_t>(n));
  }
  const auto status = p.wait_for(std::chrono::milliseconds(5000));
  out.status = status ? *status : -1;
  return out;
}

bool exited_ok(int status) { return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

bool tcp_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

void check_database_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!ok) throw core::Error("bad_database_name", "database name '" + name + "' must be [A-Za-z0-9_]{1,64}");
}

std::string read_text(const fs::path& p) {
  try {
    return read_file(p);
  } catch (const std::exception&) {
    return {};
  }
}

// Small and quick: a test server needs neither a large buffer pool nor a 96 MB redo log.
const std::vector<std::string> kSizing = {"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M"};

// mariadb-install-db dominates start-up (about a second, far more on a busy machine), and ctest
// runs every test in its own process. So a pristine data dir is installed once per mariadbd
// build under $TMPDIR (ms-mariadb-template-<key>, built under a file lock, published by a
// `ready` marker) and each server starts from a copy of it.
fs::path pristine_data_dir(const MariaDbBinaries& b, std::chrono::milliseconds timeout) {
  struct stat st {};
  if (::stat(b.mariadbd.c_str(), &st) != 0)
    throw core::Error("mariadb_start_failed", "cannot stat " + b.mariadbd + ": " + std::strerror(errno));
  std::string identity = b.mariadbd + "|" + b.install_db + "|" + std::to_string(st.st_size) + "|" +
                         std::to_string(st.st_mtime) + "|" + std::to_string(::getuid());
  for (const auto& arg : kSizing) identity += "|" + arg;
  char key[32];
  std::snprintf(key, sizeof key, "%016zx", std::hash<std::string>{}(identity));
  const fs::path base = fs::temp_directory_path() / (std::string("ms-mariadb-template-") + key);
  if (fs::exists(base / "ready")) return base / "data";

  const std::string lock_path = base.string() + ".lock";
  const int lock = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock < 0) throw core::Error("mariadb_start_failed", "cannot open " + lock_path + ": " + std::strerror(errno));
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }  // closing releases the flock
  } unlock{lock};
  while (::flock(lock, LOCK_EX) != 0)
    if (errno != EINTR) throw core::Error("mariadb_start_failed", "cannot lock " + lock_path + ": " + std::strerror(errno));
  if (fs::exists(base / "ready")) return base / "data";  // another test binary built it meanwhile

  std::error_code ec;
  fs::remove_all(base, ec);
  fs::create_directories(base / "data");
  std::vector<std::string> install = {b.install_db, "--no-defaults", "--user=root", "--datadir=" + (base / "data").string(),
                                      "--auth-root-authentication-method=socket", "--skip-test-db"};
  install.insert(install.end(), kSizing.begin(), kSizing.end());
  const Captured installed = run_captured(install, timeout);
  if (!exited_ok(installed.status)) {
    fs::remove_all(base, ec);
    throw core::Error("mariadb_start_failed", "mariadb-install-db " + core::describe_wait_status(installed.status) +
                                                  ":\n" + installed.output);
  }
  write_file(base / "ready", "");
  return base / "data";
}

}  // namespace

std::optional<MariaDbBinaries> find_mariadb_binaries(std::string* why_not) {
  std::string tried;
  MariaDbBinaries b;
  b.mariadbd = locate("MS_MARIADBD", MS_MARIADBD_DEFAULT, {"mariadbd", "mysqld"}, &tried);
  b.install_db = locate("MS_MARIADB_INSTALL_DB", MS_MARIADB_INSTALL_DB_DEFAULT,
                        {"mariadb-install-db", "mysql_install_db"}, &tried);
  std::string client_default;
  if (!b.install_db.empty()) client_default = (fs::path(b.install_db).parent_path() / "mariadb").string();
  b.client = locate("MS_MARIADB_CLIENT", client_default, {"mariadb", "mysql"}, &tried);
  if (b.mariadbd.empty() || b.install_db.empty() || b.client.empty()) {
    if (tried.size() >= 2) tried.resize(tried.size() - 2);  // the last "; "
    if (why_not != nullptr) *why_not = tried;
    return std::nullopt;
  }
  return b;
}

MariaDbServer::MariaDbServer(MariaDbBinaries binaries) : MariaDbServer(std::move(binaries), Options{}) {}

MariaDbServer::MariaDbServer(MariaDbBinaries binaries, Options options)
    : binaries_(std::move(binaries)), options_(options), dir_("ms-mariadb") {
  socket_ = (dir_.path() / "mysqld.sock").string();
  password_ = random_password();
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  fs::copy(pristine_data_dir(binaries_, options_.start_timeout), dir_.path() / "data", fs::copy_options::recursive);

  bool started = false;
  for (int attempt = 0; attempt < options_.port_attempts && !started; ++attempt)
    started = try_start_on(reserve_free_port(), deadline);
  if (!started)
    throw core::Error("mariadb_start_failed", "no free port after " + std::to_string(options_.port_attempts) +
                                                  " attempts; log:\n" + log_tail());

  // The app user exists for both spellings of loopback: TCP from 127.0.0.1 and the socket.
  std::string sql;
  for (const char* host : {"localhost", "127.0.0.1"}) {
    sql += "CREATE USER '" + user_ + "'@'" + host + "' IDENTIFIED BY '" + password_ + "'; ";
    sql += "GRANT ALL PRIVILEGES ON *.* TO '" + user_ + "'@'" + host + "'; ";
  }
  execute_as_root(sql);
}

bool MariaDbServer::try_start_on(std::uint16_t port, std::chrono::steady_clock::time_point deadline) {
  const fs::path log = dir_.path() / "mariadbd.err";
  std::error_code ec;
  fs::remove(log, ec);
  core::ProcessOptions opts;
  opts.argv = {binaries_.mariadbd,
               "--no-defaults",
               "--user=root",
               "--datadir=" + (dir_.path() / "data").string(),
               "--socket=" + socket_,
               "--port=" + std::to_string(port),
               "--bind-address=127.0.0.1",
               "--skip-name-resolve",
               "--pid-file=" + (dir_.path() / "mariadbd.pid").string(),
               "--log-error=" + log.string()};
  opts.argv.insert(opts.argv.end(), kSizing.begin(), kSizing.end());
  process_ = core::Process::spawn(opts);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.running()) {
      const std::string text = read_text(log);
      if (text.find("Address already in use") != std::string::npos || text.find("Bind on TCP/IP port") != std::string::npos)
        return false;  // someone took the port between reserving and binding: try another
      throw core::Error("mariadb_start_failed", "mariadbd " + core::describe_wait_status(*process_.exit_status()) +
                                                    "; log:\n" + log_tail());
    }
    if (tcp_accepts(port)) {
      port_ = port;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  process_.terminate(std::chrono::milliseconds(2000));
  throw core::Error("mariadb_start_failed", "mariadbd not ready within " +
                                                std::to_string(options_.start_timeout.count()) + " ms; log:\n" + log_tail());
}

std::string MariaDbServer::log_tail() const {
  const std::string text = read_text(dir_.path() / "mariadbd.err");
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

MariaDbServer::~MariaDbServer() { stop(); }

std::string MariaDbServer::url(const std::string& database) const {
  return "mysql://" + user_ + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string MariaDbServer::execute_as_root(const std::string& sql) {
  const Captured r = run_captured({binaries_.client, "--no-defaults", "--protocol=SOCKET", "--socket=" + socket_,
                                   "--user=root", "--batch", "--skip-column-names", "--execute=" + sql},
                                  std::chrono::milliseconds(30000));
  if (!exited_ok(r.status))
    throw core::Error("mariadb_client_failed", "mariadb client " + core::describe_wait_status(r.status) + ": " + r.output);
  return r.output;
}

void MariaDbServer::create_database(const std::string& name) {
  check_database_name(name);
  execute_as_root("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
}

void MariaDbServer::drop_database(const std::string& name) {
  check_database_name(name);
  execute_as_root("DROP DATABASE IF EXISTS " + name);
}

bool MariaDbServer::running() { return process_.running(); }

void MariaDbServer::stop() {
  if (process_.pid() > 0) process_.terminate(std::chrono::milliseconds(5000));
}

bool mariadb_required() { return core::env_or("CI", "") == "true"; }

const MariaDbAvailability& shared_mariadb() {
  static MariaDbAvailability availability = [] {
    MariaDbAvailability a;
    if (core::env_or("MS_TEST_MYSQL", "") == "0") {
      a.status = MariaDbAvailability::Status::disabled;
      a.reason = "MS_TEST_MYSQL=0";
      return a;
    }
    std::string why;
    auto binaries = find_mariadb_binaries(&why);
    if (!binaries) {
      a.status = MariaDbAvailability::Status::missing;
      a.reason = why;
      return a;
    }
    try {
      // A function-local static: its destructor stops the server when the binary exits.
      static MariaDbServer server(*binaries);
      a.server = &server;
      a.status = MariaDbAvailability::Status::ready;
    } catch (const std::exception& e) {
      a.status = MariaDbAvailability::Status::failed;
      a.reason = e.what();
    }
    return a;
  }();
  return availability;
}

std::string unique_database_name(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

}  // namespace ms::testing
