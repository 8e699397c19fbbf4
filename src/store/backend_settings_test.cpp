// What each backend's connections are set up with (DESIGN §10), and how connection trouble is
// reported: the parts that are not the same on both by construction.
#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "core/error.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/sql.hpp"
#include "testing/mariadb_server.hpp"
#include "testing/ports.hpp"
#include "testing/temp_dir.hpp"
#include "testing/wait.hpp"

namespace ms::store {
namespace {

std::string code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const core::Error& e) {
    return e.code();
  }
  return "no error";
}

std::string pragma(soci::session& s, const std::string& name) {
  std::string value;
  s << "PRAGMA " + name, soci::into(value);
  return value;
}

// ---------------------------------------------------------------- SQLite

class Sqlite : public ::testing::Test {
 protected:
  ms::testing::TempDir dir_{"ms-store"};
  DatabaseConfig config_ = [this] {
    DatabaseConfig c;
    c.url = "sqlite:var/ms.db";
    c.data_dir = dir_.path();
    return c;
  }();
};

TEST_F(Sqlite, CreatesTheFileUnderTheDataDir) {
  Database db = Database::open(config_);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "var" / "ms.db"));
  EXPECT_EQ(db.url().sqlite_path, dir_.path() / "var" / "ms.db");
}

TEST_F(Sqlite, WriterConnectionSettings) {
  Database db = Database::open(config_);
  db.with_session([](soci::session& s) {
    EXPECT_EQ(pragma(s, "journal_mode"), "wal");
    EXPECT_EQ(pragma(s, "busy_timeout"), "5000");
    EXPECT_EQ(pragma(s, "synchronous"), "2");  // FULL
    EXPECT_EQ(pragma(s, "foreign_keys"), "1");
    EXPECT_EQ(pragma(s, "query_only"), "0");
  });
}

TEST_F(Sqlite, ReaderConnectionSettings) {
  Database db = Database::open(config_);
  db.read([](soci::session& s) {
    EXPECT_EQ(pragma(s, "journal_mode"), "wal");
    EXPECT_EQ(pragma(s, "busy_timeout"), "5000");
    EXPECT_EQ(pragma(s, "synchronous"), "2");
    EXPECT_EQ(pragma(s, "foreign_keys"), "1");
    EXPECT_EQ(pragma(s, "query_only"), "1");
  });
}

TEST_F(Sqlite, BusyTimeoutIsConfigurable) {
  config_.busy_timeout = std::chrono::milliseconds(1234);
  Database db = Database::open(config_);
  db.with_session([](soci::session& s) { EXPECT_EQ(pragma(s, "busy_timeout"), "1234"); });
}

TEST_F(Sqlite, ReadersSeeCommittedWritesAndNotOpenOnes) {
  Database db = Database::open(config_);
  db.write([](soci::session& s) { s << "CREATE TABLE t (x INTEGER)"; });
  db.write([](soci::session& s) { s << "INSERT INTO t VALUES (1)"; });
  db.write([&](soci::session& s) {
    s << "INSERT INTO t VALUES (2)";
    // WAL: a reader runs beside the open write transaction and sees the last commit.
    EXPECT_EQ(db.read([](soci::session& r) { return *query_int(r, "SELECT COUNT(*) FROM t"); }), 1);
  });
  EXPECT_EQ(db.read([](soci::session& r) { return *query_int(r, "SELECT COUNT(*) FROM t"); }), 2);
}

TEST_F(Sqlite, LeavingATransactionOpenInWithSessionIsAnError) {
  Database db = Database::open(config_);
  db.write([](soci::session& s) { s << "CREATE TABLE t (x INTEGER)"; });
  EXPECT_EQ(code_of([&] {
              db.with_session([](soci::session& s) {
                s << "BEGIN";
                s << "INSERT INTO t VALUES (1)";
              });
            }),
            "transaction_left_open");
  // It was rolled back, and the writer is usable again.
  db.write([](soci::session& s) { s << "INSERT INTO t VALUES (2)"; });
  EXPECT_EQ(db.read([](soci::session& r) { return *query_int(r, "SELECT SUM(x) FROM t"); }), 2);
}

TEST_F(Sqlite, AnotherProcessHoldingTheWriteLockMakesWritesBusy) {
  config_.busy_timeout = std::chrono::milliseconds(50);
  Database db = Database::open(config_);
  Database other = Database::open(config_);
  db.write([](soci::session& s) { s << "CREATE TABLE t (x INTEGER)"; });
  other.with_session([&](soci::session& s) {
    s << "BEGIN IMMEDIATE";
    EXPECT_EQ(code_of([&] { db.write([](soci::session& w) { w << "INSERT INTO t VALUES (1)"; }); }), "database_busy");
    s << "ROLLBACK";
  });
  EXPECT_NO_THROW(db.write([](soci::session& w) { w << "INSERT INTO t VALUES (1)"; }));
}

TEST_F(Sqlite, UnopenableFileIsUnavailable) {
  ms::testing::write_file(dir_.path() / "not-a-dir", "x");
  config_.url = "sqlite:not-a-dir/ms.db";
  EXPECT_EQ(code_of([&] { Database::open(config_); }), "database_unavailable");
}

TEST_F(Sqlite, NotADatabaseFileIsUnavailable) {
  ms::testing::write_file(dir_.path() / "garbage.db", std::string(4096, 'g'));
  config_.url = "sqlite:garbage.db";
  EXPECT_EQ(code_of([&] { Database::open(config_); }), "database_unavailable");
}

TEST_F(Sqlite, BadUrlIsReportedByOpen) {
  config_.url = "sqlite:";
  EXPECT_EQ(code_of([&] { Database::open(config_); }), "bad_database_url");
  config_.url = "sqlite:x.db";
  config_.data_dir.clear();
  EXPECT_EQ(code_of([&] { Database::open(config_); }), "bad_database_url");
}

// ---------------------------------------------------------------- MySQL without a server

TEST(MysqlUnreachable, OpenFailsQuicklyAsUnavailable) {
  // Nothing listens on a port that was free a moment ago.
  const auto port = ms::testing::reserve_free_port();
  DatabaseConfig config;
  config.url = "mysql://ms@127.0.0.1:" + std::to_string(port) + "/ms";
  config.password = "s3cret-value";
  config.connect_timeout = std::chrono::milliseconds(1000);
  const auto start = std::chrono::steady_clock::now();
  try {
    Database::open(config);
    FAIL() << "opened an unreachable database";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "database_unavailable");
    const std::string message = e.what();
    EXPECT_NE(message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
    EXPECT_EQ(message.find("s3cret-value"), std::string::npos) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(MysqlUnreachable, PasswordInUrlIsRefusedBeforeConnecting) {
  DatabaseConfig config;
  config.url = "mysql://ms:pw@127.0.0.1:1/ms";
  EXPECT_EQ(code_of([&] { Database::open(config); }), "bad_database_url");
}

// ---------------------------------------------------------------- MySQL on the private server

class Mysql : public ::testing::Test {
 protected:
  void SetUp() override {
    MS_MARIADB_OR_SKIP(server);
    server_ = server;
    database_ = ms::testing::unique_database_name("s");
    server_->create_database(database_);
    config_.url = server_->url(database_);
    config_.password = server_->password();
    config_.pool_size = 2;
  }
  // KILL returns before the server has closed the socket; wait until the connection is gone.
  void kill_connection(long long id) {
    server_->execute_as_root("KILL " + std::to_string(id));
    const bool gone = ms::testing::wait_until([&] {
      return server_->execute_as_root("SELECT COUNT(*) FROM information_schema.processlist WHERE id = " +
                                      std::to_string(id)) == "0\n";
    });
    ASSERT_TRUE(gone) << "connection " << id << " still listed after KILL";
  }
  ms::testing::MariaDbServer* server_ = nullptr;
  std::string database_;
  DatabaseConfig config_;
};

TEST_F(Mysql, SessionSettings) {
  Database db = Database::open(config_);
  db.read([](soci::session& s) {
    std::string mode, charset, collation, zone;
    s << "SELECT @@SESSION.sql_mode, @@character_set_connection, @@collation_connection, @@SESSION.time_zone",
        soci::into(mode), soci::into(charset), soci::into(collation), soci::into(zone);
    EXPECT_NE(mode.find("STRICT_ALL_TABLES"), std::string::npos) << mode;
    EXPECT_NE(mode.find("ANSI_QUOTES"), std::string::npos) << mode;
    EXPECT_NE(mode.find("PIPES_AS_CONCAT"), std::string::npos) << mode;
    EXPECT_EQ(charset, "utf8mb4");
    EXPECT_EQ(collation, "utf8mb4_bin");
    EXPECT_EQ(zone, "+00:00");
    // || concatenates, as on SQLite.
    std::string joined;
    s << "SELECT 'a' || 'b'", soci::into(joined);
    EXPECT_EQ(joined, "ab");
  });
}

TEST_F(Mysql, TablesAreInnoDbUtf8mb4) {
  Database db = Database::open(config_);
  migrate(db);
  db.read([](soci::session& s) {
    soci::rowset<soci::row> rows = (s.prepare << "SELECT table_name, engine, table_collation FROM information_schema.tables "
                                                 "WHERE table_schema = DATABASE() ORDER BY table_name");
    int n = 0;
    for (const auto& r : rows) {
      ++n;
      EXPECT_EQ(*row_string(r, 1), "InnoDB") << *row_string(r, 0);
      EXPECT_EQ(*row_string(r, 2), "utf8mb4_bin") << *row_string(r, 0);
    }
    EXPECT_EQ(n, 4);  // three tables and schema_version
  });
}

TEST_F(Mysql, Utf8RoundTrips) {
  Database db = Database::open(config_);
  migrate(db);
  const std::string name = "Zoë 📈 東京";
  db.write([&](soci::session& s) {
    s << "INSERT INTO users (issuer, wp_user_id, email, display_name, created_at_ms) VALUES ('fotw', '1', 'e', :n, 1)",
        soci::use(name);
  });
  std::string back;
  db.read([&](soci::session& s) { s << "SELECT display_name FROM users", soci::into(back); });
  EXPECT_EQ(back, name);
}

TEST_F(Mysql, WrongPasswordIsUnavailable) {
  config_.password = "wrong";
  try {
    Database::open(config_);
    FAIL() << "connected with a wrong password";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "database_unavailable");
    EXPECT_NE(std::string(e.what()).find("Access denied"), std::string::npos) << e.what();
  }
}

TEST_F(Mysql, UnknownDatabaseIsUnavailable) {
  config_.url = server_->url("does_not_exist");
  EXPECT_EQ(code_of([&] { Database::open(config_); }), "database_unavailable");
}

TEST_F(Mysql, PasswordsWithQuotesAndSpacesWork) {
  const std::string user = "odd_" + std::to_string(::getpid());
  const std::string password = R"(it's a "pass" \ word;)";
  // SQL literal: '' for a quote, \\ for a backslash (MariaDB's default escaping).
  server_->execute_as_root("CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY 'it''s a \"pass\" \\\\ word;'; " +
                           "GRANT ALL PRIVILEGES ON " + database_ + ".* TO '" + user + "'@'127.0.0.1'");
  config_.url = "mysql://" + user + "@127.0.0.1:" + std::to_string(server_->port()) + "/" + database_;
  config_.password = password;
  Database db = Database::open(config_);
  EXPECT_EQ(db.read([](soci::session& s) { return *query_int(s, "SELECT 1"); }), 1);
}

TEST_F(Mysql, KilledConnectionIsReportedThenReplaced) {
  config_.pool_size = 1;
  config_.check_after_idle = std::chrono::milliseconds(0);
  Database db = Database::open(config_);
  const long long first = db.read([](soci::session& s) { return *query_int(s, "SELECT CONNECTION_ID()"); });
  kill_connection(first);
  EXPECT_EQ(code_of([&] { db.read([](soci::session& s) { return *query_int(s, "SELECT 1"); }); }),
            "database_unavailable");
  const long long second = db.read([](soci::session& s) { return *query_int(s, "SELECT CONNECTION_ID()"); });
  EXPECT_NE(second, first);
}

TEST_F(Mysql, IdleConnectionIsCheckedAndReplacedBeforeUse) {
  config_.pool_size = 1;
  config_.check_after_idle = std::chrono::milliseconds(1);
  Database db = Database::open(config_);
  const long long first = db.read([](soci::session& s) { return *query_int(s, "SELECT CONNECTION_ID()"); });
  kill_connection(first);  // takes well over the 1 ms idle threshold
  // The check runs on a connection idle longer than 1 ms: the caller never sees the dead one.
  const long long second = db.read([](soci::session& s) { return *query_int(s, "SELECT CONNECTION_ID()"); });
  EXPECT_NE(second, first);
}

TEST_F(Mysql, ServerGoneIsUnavailableNotAHang) {
  // A second private server, stopped under an open pool.
  std::string why;
  auto binaries = ms::testing::find_mariadb_binaries(&why);
  ASSERT_TRUE(binaries) << why;
  ms::testing::MariaDbServer doomed(*binaries);
  doomed.create_database("gone");
  DatabaseConfig config;
  config.url = doomed.url("gone");
  config.password = doomed.password();
  config.connect_timeout = std::chrono::milliseconds(1000);
  config.check_after_idle = std::chrono::milliseconds(0);
  Database db = Database::open(config);
  doomed.stop();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(code_of([&] { db.read([](soci::session& s) { return *query_int(s, "SELECT 1"); }); }),
            "database_unavailable");
  EXPECT_EQ(code_of([&] { db.read([](soci::session& s) { return *query_int(s, "SELECT 1"); }); }),
            "database_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ms::store
