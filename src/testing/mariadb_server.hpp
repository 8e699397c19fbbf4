#pragma once
// A private MariaDB server for tests (DESIGN §10 "Tests", STACK-NOTES "Servers without systemd"):
// one instance per test binary, one database per test. mariadb-install-db into a temp dir, then
// mariadbd in the foreground on a reserved loopback port (retried on EADDRINUSE) and a socket in
// that dir; root logs in over the socket (unix_socket auth, so the tests run as root), the app
// user `ms_test` over TCP with a random password. mariadb-install-db runs once per machine and
// mariadbd build: its pristine data dir is kept in $TMPDIR/ms-mariadb-template-<key> and each
// server starts from a copy (ctest runs every test in its own process).
//
// Binary paths: MS_MARIADBD / MS_MARIADB_INSTALL_DB / MS_MARIADB_CLIENT in the environment, else
// the paths CMake found at configure time, else PATH (plus /usr/sbin).
// Availability: MS_TEST_MYSQL=0 skips MariaDB tests; a missing mariadbd skips them too, except
// under CI=true where it fails them. A server that is present but does not start always fails.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/process.hpp"
#include "testing/temp_dir.hpp"

namespace ms::testing {

struct MariaDbBinaries {
  std::string mariadbd;
  std::string install_db;
  std::string client;  // `mariadb`, for statements run as root
};

// The binaries, or nullopt with the reason in *why_not.
std::optional<MariaDbBinaries> find_mariadb_binaries(std::string* why_not);

class MariaDbServer {
 public:
  struct Options {
    std::chrono::milliseconds start_timeout{30000};
    int port_attempts = 5;
  };

  // Starts the server; throws core::Error("mariadb_start_failed") with the log's last lines.
  // The spawning thread must outlive the server (children die with it: PR_SET_PDEATHSIG).
  explicit MariaDbServer(MariaDbBinaries binaries);
  MariaDbServer(MariaDbBinaries binaries, Options options);
  ~MariaDbServer();
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return process_.pid(); }
  const std::string& user() const noexcept { return user_; }
  const std::string& password() const noexcept { return password_; }
  const std::string& socket_path() const noexcept { return socket_; }
  // mysql://ms_test@127.0.0.1:<port>/<database>
  std::string url(const std::string& database) const;

  // utf8mb4 / utf8mb4_bin, like the migrations' tables. Names: [A-Za-z0-9_], at most 64.
  void create_database(const std::string& name);
  void drop_database(const std::string& name);
  // Runs SQL as root through the client; returns its tab-separated output. Throws
  // core::Error("mariadb_client_failed").
  std::string execute_as_root(const std::string& sql);

  bool running();
  // SIGTERM, then SIGKILL after the grace period; idempotent.
  void stop();

 private:
  bool try_start_on(std::uint16_t port, std::chrono::steady_clock::time_point deadline);
  std::string log_tail() const;

  MariaDbBinaries binaries_;
  Options options_;
  TempDir dir_;
  std::string socket_;
  std::string user_ = "ms_test";
  std::string password_;
  std::uint16_t port_ = 0;
  core::Process process_;
};

struct MariaDbAvailability {
  enum class Status { ready, disabled, missing, failed };
  Status status = Status::failed;
  MariaDbServer* server = nullptr;  // set when ready
  std::string reason;               // why not
};

// The per-binary server, started on the first call (from the main thread) and stopped at exit.
const MariaDbAvailability& shared_mariadb();
// CI=true: a missing server fails the tests that need it.
bool mariadb_required();
// A name no other database of this test binary uses: <prefix>_<pid>_<n>.
std::string unique_database_name(std::string_view prefix);

}  // namespace ms::testing

// In a test body or SetUp(): declares `var` as the shared server, or skips / fails the test as
// the availability rule says.
#define MS_MARIADB_OR_SKIP(var)                                                              \
  ::ms::testing::MariaDbServer* var = nullptr;                                               \
  do {                                                                                       \
    const auto& ms_availability_ = ::ms::testing::shared_mariadb();                          \
    using ms_status_ = ::ms::testing::MariaDbAvailability::Status;                           \
    if (ms_availability_.status == ms_status_::ready) {                                      \
      var = ms_availability_.server;                                                         \
    } else if (ms_availability_.status == ms_status_::disabled ||                            \
               (ms_availability_.status == ms_status_::missing &&                            \
                !::ms::testing::mariadb_required())) {                                       \
      GTEST_SKIP() << "MariaDB tests skipped: " << ms_availability_.reason;                  \
    } else {                                                                                 \
      FAIL() << "MariaDB unavailable: " << ms_availability_.reason;                          \
    }                                                                                        \
  } while (0)
