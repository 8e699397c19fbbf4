// The private MariaDB test server itself (src/testing/mariadb_server.*), tested here because it
// exists for the store's tests.
#include "testing/mariadb_server.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::testing {
namespace {

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(MariaDbBinaries, EnvironmentOverrideThatIsNotExecutableIsReported) {
  ScopedEnv env("MS_MARIADBD", "/nonexistent/mariadbd");
  std::string why;
  EXPECT_FALSE(find_mariadb_binaries(&why));
  EXPECT_NE(why.find("MS_MARIADBD=/nonexistent/mariadbd"), std::string::npos) << why;
}

TEST(MariaDbBinaries, RequiredOnlyUnderCi) {
  {
    ScopedEnv env("CI", "true");
    EXPECT_TRUE(mariadb_required());
  }
  {
    ScopedEnv env("CI", "false");
    EXPECT_FALSE(mariadb_required());
  }
}

TEST(MariaDbBinaries, UniqueDatabaseNamesDiffer) {
  EXPECT_NE(unique_database_name("t"), unique_database_name("t"));
  EXPECT_EQ(unique_database_name("abc").rfind("abc_", 0), 0u);
}

TEST(MariaDbServer, SharedServerAnswersAndCreatesDatabases) {
  MS_MARIADB_OR_SKIP(server);
  EXPECT_TRUE(server->running());
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->url("abc"), "mysql://ms_test@127.0.0.1:" + std::to_string(server->port()) + "/abc");
  EXPECT_EQ(server->password().size(), 24u);
  const std::string name = unique_database_name("m");
  server->create_database(name);
  EXPECT_EQ(server->execute_as_root("SHOW DATABASES LIKE '" + name + "'"), name + "\n");
  EXPECT_EQ(server->execute_as_root("SELECT DEFAULT_COLLATION_NAME FROM information_schema.schemata WHERE schema_name = '" +
                                    name + "'"),
            "utf8mb4_bin\n");
  // The app user exists for both loopback spellings.
  EXPECT_EQ(server->execute_as_root("SELECT COUNT(*) FROM mysql.user WHERE user = 'ms_test'"), "2\n");
  server->drop_database(name);
  EXPECT_EQ(server->execute_as_root("SHOW DATABASES LIKE '" + name + "'"), "");
}

TEST(MariaDbServer, BadDatabaseNamesAreRefused) {
  MS_MARIADB_OR_SKIP(server);
  for (const char* bad : {"", "a-b", "x; DROP DATABASE mysql", "a b"}) {
    try {
      server->create_database(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), "bad_database_name");
    }
  }
}

TEST(MariaDbServer, ClientErrorsAreReported) {
  MS_MARIADB_OR_SKIP(server);
  try {
    server->execute_as_root("SELEKT 1");
    FAIL() << "accepted bad SQL";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "mariadb_client_failed");
    EXPECT_NE(std::string(e.what()).find("syntax"), std::string::npos) << e.what();
  }
}

TEST(MariaDbServer, StopEndsTheProcess) {
  MS_MARIADB_OR_SKIP(shared);
  std::string why;
  auto binaries = find_mariadb_binaries(&why);
  ASSERT_TRUE(binaries) << why;
  MariaDbServer own(*binaries);
  const pid_t pid = own.pid();
  EXPECT_GT(pid, 0);
  EXPECT_NE(own.port(), shared->port());
  own.stop();
  EXPECT_FALSE(own.running());
  own.stop();  // idempotent
}

}  // namespace
}  // namespace ms::testing
