#pragma once
// Opening one configured SOCI session per backend (DESIGN §10):
//   SQLite: busy_timeout, foreign_keys=ON, synchronous=FULL, WAL; readers are query_only so a
//           write that bypasses the single writer connection fails loudly instead of contending.
//   MySQL/MariaDB: utf8mb4 with binary collation (string comparison and ordering as on SQLite),
//           strict SQL mode, UTC session time zone.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "store/database_url.hpp"

namespace soci {
class session;
}

namespace ms::store {

enum class SqliteRole { writer, reader };

// Both throw core::Error("database_unavailable", ...) naming the database and the cause.
std::unique_ptr<soci::session> open_sqlite_session(const std::filesystem::path& file, SqliteRole role,
                                                   std::chrono::milliseconds busy_timeout);
std::unique_ptr<soci::session> open_mysql_session(const DatabaseUrl& url, const std::string& password,
                                                  std::chrono::milliseconds connect_timeout,
                                                  std::chrono::milliseconds io_timeout);

// The SQL mode every MySQL session runs with.
extern const char* const kMysqlSqlMode;

// Whether a SQLite session is inside a transaction (false for other backends).
bool sqlite_in_transaction(soci::session& s) noexcept;

}  // namespace ms::store
