#include "store/migrations.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "core/error.hpp"
#include "store/backend_fixture_test.hpp"
#include "store/sql.hpp"

namespace ms::store {
namespace {

using test::BackendTest;

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const core::Error& e) {
    return e.code();
  }
  return "no error";
}

bool table_exists(Database& db, const std::string& table) {
  const Dialect d = db.dialect();
  return db.read([&](soci::session& s) {
    if (d == Dialect::sqlite)
      return *query_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :t", table) > 0;
    return *query_int(s, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = :t",
                      table) > 0;
  });
}

std::vector<Migration> three_tables() {
  return {{1, "alpha", "CREATE TABLE alpha (id INT NOT NULL PRIMARY KEY); INSERT INTO alpha (id) VALUES (1)"},
          {2, "beta", "CREATE TABLE beta (id INT NOT NULL PRIMARY KEY)"},
          {3, "gamma", "CREATE TABLE gamma (id INT NOT NULL PRIMARY KEY)"}};
}

std::vector<int> versions(const std::vector<AppliedMigration>& applied) {
  std::vector<int> out;
  for (const auto& a : applied) out.push_back(a.version);
  return out;
}

// ---------------------------------------------------------------- embedded sequence

TEST(EmbeddedMigrations, BothDialectsHaveTheSameVersionsAndNames) {
  const auto& lite = embedded_migrations(Dialect::sqlite);
  const auto& my = embedded_migrations(Dialect::mysql);
  ASSERT_FALSE(lite.empty());
  ASSERT_EQ(lite.size(), my.size());
  for (std::size_t i = 0; i < lite.size(); ++i) {
    EXPECT_EQ(lite[i].version, my[i].version);
    EXPECT_EQ(lite[i].name, my[i].name);
  }
}

TEST(EmbeddedMigrations, VersionsRunFromOneWithoutGaps) {
  for (Dialect d : {Dialect::sqlite, Dialect::mysql}) {
    const auto& list = embedded_migrations(d);
    for (std::size_t i = 0; i < list.size(); ++i) EXPECT_EQ(list[i].version, static_cast<int>(i) + 1);
  }
}

TEST(EmbeddedMigrations, FirstIsTheUsersAndActivityTables) {
  const auto& first = embedded_migrations(Dialect::sqlite).front();
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.name, "users_and_activity");
  EXPECT_NE(first.sql.find("CREATE TABLE users"), std::string::npos);
}

TEST(EmbeddedMigrations, NoOnUpdateClauses) {
  for (Dialect d : {Dialect::sqlite, Dialect::mysql})
    for (const auto& m : embedded_migrations(d)) EXPECT_EQ(m.sql.find("ON UPDATE"), std::string::npos) << m.name;
}

TEST(MigrationChecksum, IsLowercaseHexSha256) {
  EXPECT_EQ(migration_checksum(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(migration_checksum("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MigrationList, MalformedListsAreRefusedBeforeTouchingTheDatabase) {
  ms::testing::TempDir dir("ms-store");
  DatabaseConfig config;
  config.url = "sqlite:x.db";
  config.data_dir = dir.path();
  Database db = Database::open(config);
  EXPECT_EQ(code_of([&] { migrate(db, {{0, "zero", "SELECT 1"}}); }), "bad_migrations");
  EXPECT_EQ(code_of([&] { migrate(db, {{2, "b", "SELECT 1"}, {1, "a", "SELECT 1"}}); }), "bad_migrations");
  EXPECT_EQ(code_of([&] { migrate(db, {{1, "a", "SELECT 1"}, {1, "b", "SELECT 1"}}); }), "bad_migrations");
  EXPECT_EQ(code_of([&] { migrate(db, {{1, "Bad-Name", "SELECT 1"}}); }), "bad_migrations");
  EXPECT_EQ(code_of([&] { migrate(db, {{1, "", "SELECT 1"}}); }), "bad_migrations");
  EXPECT_EQ(code_of([&] { migrate(db, {{1, "empty", "  -- nothing\n"}}); }), "bad_migrations");
  EXPECT_TRUE(applied_migrations(db).empty());
  EXPECT_FALSE(table_exists(db, "schema_version"));
}

// ---------------------------------------------------------------- both backends

class Migrations : public BackendTest {};

TEST_P(Migrations, FreshDatabaseHasNoSchemaVersion) {
  Database db = open();
  EXPECT_TRUE(applied_migrations(db).empty());
}

TEST_P(Migrations, EmbeddedMigrationsApplyAndAreRecorded) {
  Database db = open();
  const long long before = now_ms();
  const MigrationResult result = migrate(db);
  const long long after = now_ms();
  const auto& embedded = embedded_migrations(GetParam());
  EXPECT_EQ(result.version_before, 0);
  EXPECT_EQ(result.version_after, embedded.back().version);
  ASSERT_EQ(result.applied.size(), embedded.size());

  const auto applied = applied_migrations(db);
  ASSERT_EQ(applied.size(), embedded.size());
  for (std::size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].version, embedded[i].version);
    EXPECT_EQ(applied[i].name, embedded[i].name);
    EXPECT_EQ(applied[i].checksum, migration_checksum(embedded[i].sql));
    EXPECT_EQ(applied[i].checksum.size(), 64u);
    EXPECT_GE(applied[i].applied_at_ms, before);
    EXPECT_LE(applied[i].applied_at_ms, after);
  }
  for (const char* table : {"users", "user_activity_snapshots", "hourly_activity_aggregates"})
    EXPECT_TRUE(table_exists(db, table)) << table;
}

TEST_P(Migrations, SecondRunDoesNothing) {
  Database db = open();
  migrate(db);
  const auto first = applied_migrations(db);
  const MigrationResult again = migrate(db);
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.version_before, first.back().version);
  EXPECT_EQ(again.version_after, first.back().version);
  const auto second = applied_migrations(db);
  ASSERT_EQ(second.size(), first.size());
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(second[i].applied_at_ms, first[i].applied_at_ms);
}

TEST_P(Migrations, ReopenedDatabaseIsAlreadyCurrent) {
  {
    Database db = open();
    migrate(db);
  }
  Database db = open();
  EXPECT_TRUE(migrate(db).applied.empty());
}

TEST_P(Migrations, OnlyPendingMigrationsApply) {
  Database db = open();
  auto list = three_tables();
  list.pop_back();
  EXPECT_EQ(migrate(db, list).applied, (std::vector<int>{1, 2}));
  const MigrationResult result = migrate(db, three_tables());
  EXPECT_EQ(result.version_before, 2);
  EXPECT_EQ(result.version_after, 3);
  EXPECT_EQ(result.applied, (std::vector<int>{3}));
  EXPECT_EQ(versions(applied_migrations(db)), (std::vector<int>{1, 2, 3}));
  // The data a migration wrote is there exactly once.
  EXPECT_EQ(db.read([](soci::session& s) { return *query_int(s, "SELECT COUNT(*) FROM alpha"); }), 1);
}

TEST_P(Migrations, EditedMigrationIsRefused) {
  Database db = open();
  migrate(db, three_tables());
  auto edited = three_tables();
  edited[1].sql += " -- a harmless edit is still an edit";
  try {
    migrate(db, edited);
    FAIL() << "accepted an edited migration";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "migration_checksum_mismatch");
    EXPECT_NE(std::string(e.what()).find("0002_beta"), std::string::npos) << e.what();
  }
}

TEST_P(Migrations, RenamedMigrationIsRefused) {
  Database db = open();
  migrate(db, three_tables());
  auto renamed = three_tables();
  renamed[0].name = "first";
  EXPECT_EQ(code_of([&] { migrate(db, renamed); }), "migration_checksum_mismatch");
}

TEST_P(Migrations, DatabaseNewerThanBinaryIsRefused) {
  Database db = open();
  migrate(db, three_tables());
  auto older = three_tables();
  older.pop_back();
  try {
    migrate(db, older);
    FAIL() << "accepted a newer database";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "database_newer_than_binary");
    EXPECT_NE(std::string(e.what()).find("version 3"), std::string::npos) << e.what();
  }
  // The embedded list is older still: a database at 3 with unknown names is refused too.
  EXPECT_EQ(code_of([&] { migrate(db); }), "migration_checksum_mismatch");
}

TEST_P(Migrations, UnknownLowerVersionIsRefused) {
  Database db = open();
  migrate(db, three_tables());
  auto gap = three_tables();
  gap.erase(gap.begin() + 1);
  EXPECT_EQ(code_of([&] { migrate(db, gap); }), "migration_unknown");
}

TEST_P(Migrations, MissingOlderMigrationIsRefused) {
  Database db = open();
  auto gap = three_tables();
  gap.erase(gap.begin() + 1);
  migrate(db, gap);
  EXPECT_EQ(code_of([&] { migrate(db, three_tables()); }), "migration_out_of_order");
  EXPECT_EQ(versions(applied_migrations(db)), (std::vector<int>{1, 3}));
}

TEST_P(Migrations, FailingMigrationIsReportedAndNotRecorded) {
  Database db = open();
  std::vector<Migration> list = {
      {1, "good", "CREATE TABLE good (id INT NOT NULL PRIMARY KEY)"},
      {2, "bad", "CREATE TABLE half (id INT NOT NULL PRIMARY KEY); CREATE TABLE broken (id NOT A TYPE ,,)"}};
  try {
    migrate(db, list);
    FAIL() << "accepted broken SQL";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "migration_failed");
    EXPECT_NE(std::string(e.what()).find("0002_bad failed at statement 2 of 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(versions(applied_migrations(db)), (std::vector<int>{1}));
  // SQLite rolls the whole migration back; MySQL commits DDL as it runs (the message says so).
  EXPECT_EQ(table_exists(db, "half"), !is_sqlite());
  // Fixing the migration lets the next start continue.
  if (!is_sqlite()) db.with_session([](soci::session& s) { s << "DROP TABLE half"; });
  list[1].sql = "CREATE TABLE half (id INT NOT NULL PRIMARY KEY)";
  EXPECT_EQ(migrate(db, list).applied, (std::vector<int>{2}));
}

TEST_P(Migrations, ConcurrentStartsApplyEachMigrationOnce) {
  // Two services starting at once: separate Database objects, separate connections.
  Database first = open();
  Database second = open();
  std::atomic<int> ready{0};
  MigrationResult results[2];
  std::string errors[2];
  auto run = [&](int i, Database& db) {
    ready.fetch_add(1);
    while (ready.load() < 2) std::this_thread::yield();
    try {
      results[i] = migrate(db, three_tables());
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  };
  std::thread a(run, 0, std::ref(first));
  std::thread b(run, 1, std::ref(second));
  a.join();
  b.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  std::multiset<int> applied(results[0].applied.begin(), results[0].applied.end());
  applied.insert(results[1].applied.begin(), results[1].applied.end());
  EXPECT_EQ(applied, (std::multiset<int>{1, 2, 3}));
  EXPECT_EQ(versions(applied_migrations(first)), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(first.read([](soci::session& s) { return *query_int(s, "SELECT COUNT(*) FROM alpha"); }), 1);
}

TEST_P(Migrations, LockHeldElsewhereTimesOut) {
  DatabaseConfig config = config_;
  config.busy_timeout = std::chrono::milliseconds(50);
  Database holder = open(config);
  Database db = open(config);
  std::mutex m;
  std::condition_variable cv;
  bool locked = false, release = false;
  std::thread t([&] {
    holder.with_session([&](soci::session& s) {
      if (is_sqlite()) {
        s << "BEGIN IMMEDIATE";
      } else {
        int got = 0;
        s << "SELECT GET_LOCK(CONCAT('ms_migrate.', DATABASE()), 5)", soci::into(got);
      }
      {
        std::unique_lock lock(m);
        locked = true;
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
      }
      if (is_sqlite())
        s << "ROLLBACK";
      else
        s << "SELECT RELEASE_LOCK(CONCAT('ms_migrate.', DATABASE()))";
    });
  });
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return locked; }));
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string code = code_of([&] { migrate(db, three_tables(), MigrateOptions{std::chrono::milliseconds(1000)}); });
  const auto took = std::chrono::steady_clock::now() - start;
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  t.join();
  EXPECT_EQ(code, "migration_lock_timeout");
  EXPECT_LT(took, std::chrono::seconds(5));
  // Once the other process is done, the migration goes through.
  EXPECT_EQ(migrate(db, three_tables()).applied, (std::vector<int>{1, 2, 3}));
}

MS_INSTANTIATE_BACKENDS(Migrations);

}  // namespace
}  // namespace ms::store
