#include "store/migrations.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <thread>

#include <openssl/evp.h>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "store/connect.hpp"
#include "store/embedded_migration_files.hpp"
#include "store/sql_errors.hpp"
#include "store/sql_split.hpp"

namespace ms::store {

namespace {

std::string label(const Migration& m) {
  std::string v = std::to_string(m.version);
  if (v.size() < 4) v.insert(0, 4 - v.size(), '0');
  return v + "_" + m.name;
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

void validate(const std::vector<Migration>& migrations) {
  int previous = 0;
  for (const auto& m : migrations) {
    if (m.version <= previous)
      throw core::Error("bad_migrations", "migration versions must be positive and strictly increasing (" +
                                              std::to_string(m.version) + " after " + std::to_string(previous) + ")");
    if (!valid_name(m.name))
      throw core::Error("bad_migrations", "migration " + std::to_string(m.version) + " has a bad name '" + m.name +
                                              "' (use [a-z0-9_]+)");
    if (split_sql_statements(m.sql).empty())
      throw core::Error("bad_migrations", "migration " + label(m) + " holds no SQL statement");
    previous = m.version;
  }
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ensure_version_table(soci::session& s, Dialect dialect) {
  if (dialect == Dialect::sqlite) {
    s << "CREATE TABLE IF NOT EXISTS schema_version ("
         "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
         "applied_at_ms INTEGER NOT NULL) STRICT";
  } else {
    s << "CREATE TABLE IF NOT EXISTS schema_version ("
         "version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum CHAR(64) NOT NULL, "
         "applied_at_ms BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  }
}

bool version_table_exists(soci::session& s, Dialect dialect) {
  long long n = 0;
  if (dialect == Dialect::sqlite)
    s << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'", soci::into(n);
  else
    s << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
         "AND table_name = 'schema_version'",
        soci::into(n);
  return n > 0;
}

std::vector<AppliedMigration> read_applied(soci::session& s) {
  std::vector<AppliedMigration> out;
  AppliedMigration row;
  soci::statement st = (s.prepare << "SELECT version, name, checksum, applied_at_ms FROM schema_version "
                                     "ORDER BY version",
                        soci::into(row.version), soci::into(row.name), soci::into(row.checksum),
                        soci::into(row.applied_at_ms));
  st.execute();
  while (st.fetch()) out.push_back(row);
  return out;
}

// What is left to apply, after refusing every state this binary must not touch.
std::vector<const Migration*> pending_after_checks(const std::vector<AppliedMigration>& applied,
                                                   const std::vector<Migration>& migrations) {
  std::map<int, const Migration*> known;
  for (const auto& m : migrations) known[m.version] = &m;
  const int newest_known = migrations.empty() ? 0 : migrations.back().version;
  int newest_applied = 0;
  for (const auto& a : applied) {
    newest_applied = std::max(newest_applied, a.version);
    const auto it = known.find(a.version);
    if (it == known.end()) {
      if (a.version > newest_known)
        throw core::Error("database_newer_than_binary",
                          "the database schema is at version " + std::to_string(a.version) + " (" + a.name +
                              ") but this binary knows migrations only up to " + std::to_string(newest_known) +
                              ": run a newer marketswarm against this database");
      throw core::Error("migration_unknown", "the database records migration " + std::to_string(a.version) + " (" +
                                                 a.name + ") which this binary does not have");
    }
    const Migration& m = *it->second;
    if (a.name != m.name)
      throw core::Error("migration_checksum_mismatch", "migration " + std::to_string(a.version) +
                                                           " was applied as '" + a.name + "' but this binary calls it '" +
                                                           m.name + "'");
    const std::string expected = migration_checksum(m.sql);
    if (a.checksum != expected)
      throw core::Error("migration_checksum_mismatch",
                        "migration " + label(m) + " was applied with checksum " + a.checksum +
                            " but this binary's text has " + expected +
                            ": an applied migration must never be edited; add a new migration instead");
  }
  std::vector<const Migration*> pending;
  for (const auto& m : migrations) {
    const bool done = std::any_of(applied.begin(), applied.end(), [&](const auto& a) { return a.version == m.version; });
    if (done) continue;
    if (m.version < newest_applied)
      throw core::Error("migration_out_of_order", "migration " + label(m) + " is not applied but the database is already at version " +
                                                      std::to_string(newest_applied));
    pending.push_back(&m);
  }
  return pending;
}

void apply(soci::session& s, Dialect dialect, const Migration& m) {
  const auto statements = split_sql_statements(m.sql);
  for (std::size_t i = 0; i < statements.size(); ++i) {
    try {
      s << statements[i];
    } catch (const soci::soci_error& e) {
      TranslatedError t = translate_sql_error(e, dialect);
      if (t.connection_lost) throw t.error;
      std::string message = "migration " + label(m) + " failed at statement " + std::to_string(i + 1) + " of " +
                            std::to_string(statements.size()) + ": " + t.error.what();
      if (dialect == Dialect::mysql && i > 0)
        message += " (MySQL commits DDL as it runs: the statements before it stayed applied; repair the schema "
                   "by hand before starting again)";
      throw core::Error("migration_failed", message);
    }
  }
  const std::string checksum = migration_checksum(m.sql);
  const long long at = now_ms();
  s << "INSERT INTO schema_version (version, name, checksum, applied_at_ms) VALUES (:v, :n, :c, :t)",
      soci::use(m.version), soci::use(m.name), soci::use(checksum), soci::use(at);
}

// SQLite: one BEGIN IMMEDIATE transaction per step. The state is re-read under the lock each
// time, so another process migrating at the same moment is simply seen as having done the work.
MigrationResult migrate_sqlite(soci::session& s, const std::vector<Migration>& migrations,
                               const MigrateOptions& options) {
  MigrationResult result;
  bool first = true;
  const auto deadline = std::chrono::steady_clock::now() + options.lock_timeout;
  while (true) {
    while (true) {
      try {
        s << "BEGIN IMMEDIATE";
        break;
      } catch (const soci::soci_error& e) {
        TranslatedError t = translate_sql_error(e, Dialect::sqlite);
        if (t.error.code() != "database_busy") throw t.error;
        if (std::chrono::steady_clock::now() >= deadline)
          throw core::Error("migration_lock_timeout", "another process held the SQLite write lock for longer than " +
                                                          std::to_string(options.lock_timeout.count()) + " ms");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // busy_timeout already waited
      }
    }
    try {
      ensure_version_table(s, Dialect::sqlite);
      const auto applied = read_applied(s);
      const auto pending = pending_after_checks(applied, migrations);
      if (first) {
        result.version_before = applied.empty() ? 0 : applied.back().version;
        first = false;
      }
      if (pending.empty()) {
        s << "COMMIT";
        result.version_after = applied.empty() ? 0 : applied.back().version;
        return result;
      }
      apply(s, Dialect::sqlite, *pending.front());
      s << "COMMIT";
      result.applied.push_back(pending.front()->version);
    } catch (...) {
      try {
        if (sqlite_in_transaction(s)) s << "ROLLBACK";
      } catch (...) {
      }
      throw;
    }
  }
}

// MySQL: a named lock for the whole run (DDL cannot hold a transaction open across statements).
MigrationResult migrate_mysql(soci::session& s, const std::vector<Migration>& migrations,
                              const MigrateOptions& options) {
  const long long wait_s = std::max<long long>(0, (options.lock_timeout.count() + 999) / 1000);
  int got = 0;
  soci::indicator ind = soci::i_ok;
  s << "SELECT GET_LOCK(CONCAT('ms_migrate.', DATABASE()), :t)", soci::use(wait_s), soci::into(got, ind);
  if (ind != soci::i_ok || got != 1)
    throw core::Error("migration_lock_timeout", "another process held the migration lock of this database for longer than " +
                                                    std::to_string(options.lock_timeout.count()) + " ms");
  auto release = [&s] {
    try {
      int released = 0;
      soci::indicator rind = soci::i_ok;
      s << "SELECT RELEASE_LOCK(CONCAT('ms_migrate.', DATABASE()))", soci::into(released, rind);
    } catch (...) {
      // A dead connection released its lock with it.
    }
  };
  MigrationResult result;
  try {
    ensure_version_table(s, Dialect::mysql);
    const auto applied = read_applied(s);
    const auto pending = pending_after_checks(applied, migrations);
    result.version_before = applied.empty() ? 0 : applied.back().version;
    result.version_after = result.version_before;
    for (const Migration* m : pending) {
      s << "START TRANSACTION";
      apply(s, Dialect::mysql, *m);
      s << "COMMIT";
      result.applied.push_back(m->version);
      result.version_after = m->version;
    }
  } catch (...) {
    try {
      s << "ROLLBACK";
    } catch (...) {
    }
    release();
    throw;
  }
  release();
  return result;
}

}  // namespace

std::string migration_checksum(std::string_view sql) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(sql.data(), sql.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw core::Error("checksum_failed", "SHA-256 of a migration failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

const std::vector<Migration>& embedded_migrations(Dialect dialect) {
  static const auto build = [](Dialect d) {
    std::vector<Migration> out;
    std::size_t count = 0;
    const auto* files = detail::embedded_migration_files(count);
    for (std::size_t i = 0; i < count; ++i)
      if (to_string(d) == files[i].dialect) out.push_back(Migration{files[i].version, files[i].name, files[i].sql});
    validate(out);
    return out;
  };
  static const std::vector<Migration> sqlite = build(Dialect::sqlite);
  static const std::vector<Migration> mysql = build(Dialect::mysql);
  return dialect == Dialect::sqlite ? sqlite : mysql;
}

MigrationResult migrate(Database& db, const MigrateOptions& options) {
  return migrate(db, embedded_migrations(db.dialect()), options);
}

MigrationResult migrate(Database& db, const std::vector<Migration>& migrations, const MigrateOptions& options) {
  validate(migrations);
  const Dialect dialect = db.dialect();
  MigrationResult result = db.with_session([&](soci::session& s) {
    return dialect == Dialect::sqlite ? migrate_sqlite(s, migrations, options) : migrate_mysql(s, migrations, options);
  });
  for (int version : result.applied) {
    const auto it = std::find_if(migrations.begin(), migrations.end(), [&](const auto& m) { return m.version == version; });
    spdlog::info("database {}: applied migration {}", db.url().to_string(), label(*it));
  }
  return result;
}

std::vector<AppliedMigration> applied_migrations(Database& db) {
  const Dialect dialect = db.dialect();
  return db.read([&](soci::session& s) {
    if (!version_table_exists(s, dialect)) return std::vector<AppliedMigration>{};
    return read_applied(s);
  });
}

}  // namespace ms::store
