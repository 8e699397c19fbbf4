#pragma once
// Schema migrations (DESIGN §9 "One database, one migration sequence", §10 "Store").
//
// The numbered files src/store/migrations/{sqlite,mysql}/NNNN_name.sql are embedded into the
// binary at build time; both dialects carry the same versions and names. Every service runs
// migrate() at start: under a lock (BEGIN IMMEDIATE on SQLite, GET_LOCK on MySQL) it records each
// applied migration in schema_version(version, name, checksum, applied_at_ms) and applies the
// pending ones in order, each in its own transaction where the dialect allows (MySQL commits DDL
// as it goes). Running it again does nothing. It refuses to start, changing nothing, when:
//   migration_checksum_mismatch  an applied migration's name or text differs from this binary's
//   database_newer_than_binary   the database holds a version above the newest this binary knows
//   migration_unknown            the database holds a lower version this binary does not have
//   migration_out_of_order       a pending migration is older than one already applied
// SQLite runs each migration inside a transaction, where PRAGMA foreign_keys has no effect: a
// table rebuild there must keep every foreign key valid. Statements are split on ';' (see
// store/sql_split.hpp: no triggers, no backslashes in literals).
// Other errors: migration_failed (a statement failed; the message names file and statement),
// migration_lock_timeout, bad_migrations (a malformed migration list), and the database codes.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace ms::store {

struct Migration {
  int version = 0;
  std::string name;  // [a-z0-9_]+, the file name without number and extension
  std::string sql;   // one or more statements separated by ';'
};

struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
  long long applied_at_ms = 0;
};

struct MigrationResult {
  int version_before = 0;     // highest version applied before this run (0: empty database)
  int version_after = 0;
  std::vector<int> applied;   // versions applied by this run, in order
};

struct MigrateOptions {
  // How long to wait for another process that is migrating the same database.
  std::chrono::milliseconds lock_timeout{60000};
};

// The migrations built into this binary for a dialect, ordered by version.
const std::vector<Migration>& embedded_migrations(Dialect dialect);

// The checksum recorded in schema_version: lowercase hex SHA-256 of the migration's text.
std::string migration_checksum(std::string_view sql);

MigrationResult migrate(Database& db, const MigrateOptions& options = {});
// With an explicit list (tests, tools). Throws core::Error("bad_migrations") when versions are
// not positive and strictly increasing, a name is malformed, or a text is empty.
MigrationResult migrate(Database& db, const std::vector<Migration>& migrations, const MigrateOptions& options = {});

// The rows of schema_version in version order; empty when the table does not exist yet.
std::vector<AppliedMigration> applied_migrations(Database& db);

}  // namespace ms::store
