#pragma once
// Test-only (included by *_test.cpp, never by the library): a test parameterised over both
// backends — a SQLite file in a temp dir, and a fresh database on the binary's private MariaDB.
#include <chrono>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "store/database.hpp"
#include "testing/mariadb_server.hpp"
#include "testing/temp_dir.hpp"

namespace ms::store {
// gtest names the parameter in test listings: "sqlite" / "mysql" rather than raw bytes.
inline void PrintTo(Dialect d, std::ostream* os) { *os << to_string(d); }
}  // namespace ms::store

namespace ms::store::test {

class BackendTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    config_.pool_size = 3;
    config_.acquire_timeout = std::chrono::milliseconds(5000);
    if (GetParam() == Dialect::mysql) {
      MS_MARIADB_OR_SKIP(server);
      server_ = server;
      database_ = ms::testing::unique_database_name("t");
      server->create_database(database_);
      config_.url = server->url(database_);
      config_.password = server->password();
    } else {
      config_.url = "sqlite:test.db";
      config_.data_dir = dir_.path();
    }
  }

  Database open() const { return Database::open(config_); }
  Database open(const DatabaseConfig& config) const { return Database::open(config); }
  bool is_sqlite() const { return GetParam() == Dialect::sqlite; }

  ms::testing::TempDir dir_{"ms-store"};
  DatabaseConfig config_;
  ms::testing::MariaDbServer* server_ = nullptr;  // mysql only
  std::string database_;                          // mysql only
};

inline std::string backend_name(const ::testing::TestParamInfo<Dialect>& info) {
  return std::string(to_string(info.param));
}

}  // namespace ms::store::test

#define MS_INSTANTIATE_BACKENDS(fixture)                                                              \
  INSTANTIATE_TEST_SUITE_P(Backends, fixture,                                                         \
                           ::testing::Values(::ms::store::Dialect::sqlite, ::ms::store::Dialect::mysql), \
                           ::ms::store::test::backend_name)
