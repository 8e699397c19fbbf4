#pragma once
// Where the database is: `sqlite:<path>` or `mysql://user@host:port/db` (DESIGN §10). The
// MySQL password is a secret and never part of the URL, so a URL can be logged as it is.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace ms::store {

enum class Dialect { sqlite, mysql };

// "sqlite" or "mysql".
std::string_view to_string(Dialect dialect) noexcept;

struct DatabaseUrl {
  Dialect dialect = Dialect::sqlite;
  // sqlite: the database file, absolute (a relative URL path is resolved against the data dir).
  std::filesystem::path sqlite_path;
  // mysql. `localhost` means the Unix socket to the MariaDB client library; use 127.0.0.1 for TCP.
  std::string user;
  std::string host;
  std::uint16_t port = 3306;
  std::string database;

  // The canonical URL (safe to log: it never holds a password).
  std::string to_string() const;
};

// Throws core::Error("bad_database_url", ...) naming the problem. `data_dir` is required only
// when a sqlite path is relative.
DatabaseUrl parse_database_url(std::string_view url, const std::filesystem::path& data_dir = {});

}  // namespace ms::store
