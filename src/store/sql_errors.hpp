#pragma once
// SOCI exceptions turned into the project's error codes, so callers never match on driver text:
//   database_unavailable  the server is unreachable or the connection was lost
//   conflict              a UNIQUE / PRIMARY KEY violation
//   constraint_violation  foreign key, NOT NULL, CHECK, too long or out-of-range values
//   database_busy         lock wait timeout, deadlock, SQLITE_BUSY: retrying may succeed
//   database_error        anything else (bad SQL, type mismatches)
#include "core/error.hpp"
#include "store/database_url.hpp"

namespace soci {
class soci_error;
}

namespace ms::store {

struct TranslatedError {
  core::Error error;
  bool connection_lost;  // the session must not be reused
};

TranslatedError translate_sql_error(const soci::soci_error& e, Dialect dialect);

}  // namespace ms::store
