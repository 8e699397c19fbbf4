#include "store/connect.hpp"

#include <mutex>

#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "core/error.hpp"
#include "store/sql_errors.hpp"

namespace ms::store {

// ANSI_QUOTES and PIPES_AS_CONCAT give "x" and || their SQLite (standard) meaning.
const char* const kMysqlSqlMode =
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,"
    "ONLY_FULL_GROUP_BY,ANSI_QUOTES,PIPES_AS_CONCAT";

namespace {

void register_backends_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    soci::register_factory_sqlite3();
    soci::register_factory_mysql();
  });
}

int whole_seconds(std::chrono::milliseconds ms) {
  const auto s = (ms.count() + 999) / 1000;
  return static_cast<int>(s < 1 ? 1 : s);
}

// SOCI's connect-string syntax: single-quoted, backslash escapes.
std::string quote_connect_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// SOCI's header declares the SQLite C API inside namespace sqlite_api.
using sqlite_api::sqlite3;
using sqlite_api::sqlite3_extended_result_codes;
using sqlite_api::sqlite3_get_autocommit;

sqlite3* sqlite_handle(soci::session& s) {
  // By name: SOCI does not export the backend's typeinfo, so dynamic_cast cannot link.
  if (s.get_backend() == nullptr || s.get_backend_name() != "sqlite3") return nullptr;
  return static_cast<soci::sqlite3_session_backend*>(s.get_backend())->conn_;
}

}  // namespace

bool sqlite_in_transaction(soci::session& s) noexcept {
  sqlite3* db = sqlite_handle(s);
  return db != nullptr && sqlite3_get_autocommit(db) == 0;
}

std::unique_ptr<soci::session> open_sqlite_session(const std::filesystem::path& file, SqliteRole role,
                                                   std::chrono::milliseconds busy_timeout) {
  register_backends_once();
  const std::string where = "sqlite:" + file.string();
  try {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    auto s = std::make_unique<soci::session>(*soci::factory_sqlite3(), file.string());
    // Extended codes tell a UNIQUE violation (conflict) from other constraint failures.
    if (sqlite3* db = sqlite_handle(*s)) sqlite3_extended_result_codes(db, 1);
    *s << "PRAGMA busy_timeout = " + std::to_string(busy_timeout.count());
    *s << "PRAGMA foreign_keys = ON";
    *s << "PRAGMA synchronous = FULL";
    if (role == SqliteRole::writer) {
      std::string mode;
      *s << "PRAGMA journal_mode = WAL", soci::into(mode);
      if (mode != "wal")
        throw core::Error("database_unavailable", "cannot open " + where + ": WAL mode refused (journal_mode=" + mode + ")");
    } else {
      *s << "PRAGMA query_only = ON";
    }
    return s;
  } catch (const soci::soci_error& e) {
    throw core::Error("database_unavailable", "cannot open " + where + ": " + translate_sql_error(e, Dialect::sqlite).error.what());
  }
}

std::unique_ptr<soci::session> open_mysql_session(const DatabaseUrl& url, const std::string& password,
                                                  std::chrono::milliseconds connect_timeout,
                                                  std::chrono::milliseconds io_timeout) {
  register_backends_once();
  std::string conn = "dbname=" + quote_connect_value(url.database) + " user=" + quote_connect_value(url.user) +
                     " host=" + quote_connect_value(url.host) + " port=" + std::to_string(url.port) +
                     " charset=utf8mb4 connect_timeout=" + std::to_string(whole_seconds(connect_timeout)) +
                     " read_timeout=" + std::to_string(whole_seconds(io_timeout)) +
                     " write_timeout=" + std::to_string(whole_seconds(io_timeout));
  if (!password.empty()) conn += " password=" + quote_connect_value(password);
  try {
    auto s = std::make_unique<soci::session>(*soci::factory_mysql(), conn);
    *s << "SET NAMES utf8mb4 COLLATE utf8mb4_bin";
    *s << std::string("SET SESSION sql_mode = '") + kMysqlSqlMode + "'";
    *s << "SET SESSION time_zone = '+00:00'";
    return s;
  } catch (const soci::soci_error& e) {
    // The message never holds the password: SOCI reports the server's text, not the connect string.
    throw core::Error("database_unavailable",
                      "cannot connect to " + url.to_string() + ": " + translate_sql_error(e, Dialect::mysql).error.what());
  }
}

}  // namespace ms::store
