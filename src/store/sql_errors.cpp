#include "store/sql_errors.hpp"

#include <string>

#include <mysqld_error.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace ms::store {

namespace {

bool contains(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

TranslatedError from_mysql(unsigned int code, const std::string& message) {
  switch (code) {
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2005:  // CR_UNKNOWN_HOST
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 2026:  // CR_SSL_CONNECTION_ERROR
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
      return {core::Error("database_unavailable", "database connection lost: " + message), true};
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_BAD_DB_ERROR:
    case ER_CON_COUNT_ERROR:
    case ER_TOO_MANY_USER_CONNECTIONS:
      return {core::Error("database_unavailable", "cannot use the database: " + message), true};
    case ER_DUP_ENTRY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
    case ER_DUP_KEY:
    case ER_FOREIGN_DUPLICATE_KEY_WITH_CHILD_INFO:
    case ER_FOREIGN_DUPLICATE_KEY_WITHOUT_CHILD_INFO:
      return {core::Error("conflict", message), false};
    case ER_ROW_IS_REFERENCED:
    case ER_NO_REFERENCED_ROW:
    case ER_ROW_IS_REFERENCED_2:
    case ER_NO_REFERENCED_ROW_2:
    case ER_BAD_NULL_ERROR:
    case ER_NO_DEFAULT_FOR_FIELD:
    case ER_DATA_TOO_LONG:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case WARN_DATA_TRUNCATED:
    case ER_CONSTRAINT_FAILED:  // CHECK
      return {core::Error("constraint_violation", message), false};
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
      return {core::Error("database_busy", message), false};
    default:
      return {core::Error("database_error", message), false};
  }
}

TranslatedError from_sqlite(int code, const std::string& message) {
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
        return {core::Error("conflict", message), false};
      return {core::Error("constraint_violation", message), false};
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
      return {core::Error("constraint_violation", message), false};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {core::Error("database_busy", message), false};
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return {core::Error("database_unavailable", "database file unusable: " + message), true};
    case SQLITE_READONLY:
      return {core::Error("database_error",
                          message + " (writes belong in Database::write or with_session, not read)"),
              false};
    default:
      return {core::Error("database_error", message), false};
  }
}

}  // namespace

TranslatedError translate_sql_error(const soci::soci_error& e, Dialect dialect) {
  const std::string message = e.what();
  if (const auto* my = dynamic_cast<const soci::mysql_soci_error*>(&e)) return from_mysql(my->err_num_, message);
  if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) return from_sqlite(lite->result(), message);
  // Some SOCI paths throw the plain type; only the text is left to go on.
  if (e.get_error_category() == soci::soci_error::connection_error || contains(message, "Lost connection") ||
      contains(message, "server has gone away") || contains(message, "Can't connect"))
    return {core::Error("database_unavailable", "database connection lost: " + message), true};
  if (dialect == Dialect::sqlite && (contains(message, "database is locked") || contains(message, "database is busy")))
    return {core::Error("database_busy", message), false};
  return {core::Error("database_error", message), false};
}

}  // namespace ms::store
