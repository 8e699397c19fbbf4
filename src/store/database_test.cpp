#include "store/database.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "core/error.hpp"
#include "store/backend_fixture_test.hpp"
#include "store/migrations.hpp"
#include "store/sql.hpp"
#include "testing/ports.hpp"

namespace ms::store {
namespace {

using test::BackendTest;

std::string code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const core::Error& e) {
    return e.code();
  }
  return "no error";
}

struct UserRow {
  std::string issuer, wp_user_id, email;
  std::optional<std::string> display_name;
  std::string roles_json = "[]";
  int is_admin = 0;
  std::optional<std::string> tier;
  long long created_at_ms = 0;
  std::optional<long long> last_login_at_ms;
};

soci::indicator ind(bool present) { return present ? soci::i_ok : soci::i_null; }

// The gateway's login upsert: one statement, keyed by (issuer, wp_user_id); returns users.id.
long long upsert_user(soci::session& s, const UserRow& u) {
  const Dialect d = dialect_of(s);
  const std::string display = u.display_name.value_or("");
  const std::string tier = u.tier.value_or("");
  const long long last_login = u.last_login_at_ms.value_or(0);
  soci::indicator display_ind = ind(u.display_name.has_value()), tier_ind = ind(u.tier.has_value()),
                  login_ind = ind(u.last_login_at_ms.has_value());
  s << "INSERT INTO users (issuer, wp_user_id, email, display_name, roles_json, is_admin, subscription_tier, "
       "created_at_ms, last_login_at_ms) VALUES (:issuer, :wp, :email, :display, :roles, :admin, :tier, :created, "
       ":login) " +
           upsert_clause(d, {"issuer", "wp_user_id"},
                         {"email", "display_name", "roles_json", "is_admin", "subscription_tier", "last_login_at_ms"}),
      soci::use(u.issuer), soci::use(u.wp_user_id), soci::use(u.email), soci::use(display, display_ind),
      soci::use(u.roles_json), soci::use(u.is_admin), soci::use(tier, tier_ind), soci::use(u.created_at_ms),
      soci::use(last_login, login_ind);
  return *query_int(s, "SELECT id FROM users WHERE issuer = :i AND wp_user_id = :w", u.issuer, u.wp_user_id);
}

std::string show(const std::optional<std::string>& v) { return v ? *v : "NULL"; }
std::string show(const std::optional<long long>& v) { return v ? std::to_string(*v) : "NULL"; }

// Everything the users/activity tables are used for, written once; each backend must produce
// exactly the same transcript.
std::vector<std::string> user_activity_transcript(Database& db) {
  std::vector<std::string> t;
  auto note = [&t](std::string line) { t.push_back(std::move(line)); };
  const Dialect d = db.dialect();

  db.write([&](soci::session& s) {
    note("alice=" + std::to_string(upsert_user(s, {"fotw", "101", "alice@example.com", "Alice", "[\"subscriber\"]", 0,
                                                  "gold", 1000, 1000})));
    note("bob=" + std::to_string(upsert_user(s, {"fotw", "102", "bob@example.com", std::nullopt, "[]", 0, std::nullopt,
                                                1100, std::nullopt})));
    note("alice0dte=" + std::to_string(upsert_user(s, {"0-dte", "101", "alice@example.com", "alice", "[\"administrator\"]",
                                                      1, std::nullopt, 1200, 1200})));
    // A second login of the same identity updates the row in place.
    note("alice_again=" + std::to_string(upsert_user(s, {"fotw", "101", "alice@new.example.com", "Alice B", "[]", 0,
                                                        "silver", 5000, 5000})));
  });

  db.read([&](soci::session& s) {
    note("count=" + show(query_int(s, "SELECT COUNT(*) FROM users")));
    note("by_email=" + show(query_int(s, "SELECT COUNT(*) FROM users WHERE email = :e", std::string("alice@example.com"))));
    // Text comparison is case-sensitive on both (binary collation on MySQL).
    note("case=" + show(query_int(s, "SELECT COUNT(*) FROM users WHERE email = 'ALICE@EXAMPLE.COM'")));
    note("admins=" + show(query_int(s, "SELECT COUNT(*) FROM users WHERE is_admin = 1")));
    note("created_kept=" + show(query_int(s, "SELECT created_at_ms FROM users WHERE issuer = 'fotw' AND wp_user_id = '101'")));
    note("no_row=" + show(query_int(s, "SELECT id FROM users WHERE email = 'nobody'")));
    note("null_value=" + show(query_int(s, "SELECT last_login_at_ms FROM users WHERE wp_user_id = '102'")));
    note("max=" + show(query_int(s, "SELECT MAX(created_at_ms) FROM users")));
    note("sum=" + show(query_int(s, "SELECT SUM(created_at_ms) FROM users")));
    note("empty_max=" + show(query_int(s, "SELECT MAX(created_at_ms) FROM users WHERE id < 0")));

    // Ordering: NULLs first in ascending order on both, binary text order ('A' < 'a').
    soci::rowset<soci::row> rows = (s.prepare << "SELECT id, issuer, display_name, subscription_tier, roles_json, "
                                                 "is_admin, show_screen_name, last_login_at_ms, COUNT(*) OVER () "
                                                 "FROM users ORDER BY display_name, id");
    for (const auto& r : rows)
      note("row " + show(row_int(r, 0)) + " " + show(row_string(r, 1)) + " " + show(row_string(r, 2)) + " " +
           show(row_string(r, 3)) + " " + show(row_string(r, 4)) + " " + show(row_int(r, 5)) + " " +
           show(row_int(r, 6)) + " " + show(row_int(r, 7)) + " " + show(row_int(r, 8)));

    soci::rowset<soci::row> groups = (s.prepare << "SELECT issuer, COUNT(*) FROM users GROUP BY issuer ORDER BY issuer");
    for (const auto& r : groups) note("group " + show(row_string(r, 0)) + " " + show(row_int(r, 1)));

    // Typed into() with indicators.
    std::string display;
    soci::indicator display_ind = soci::i_ok;
    s << "SELECT display_name FROM users WHERE wp_user_id = '102'", soci::into(display, display_ind);
    note(std::string("into_null=") + (display_ind == soci::i_null ? "yes" : "no"));
  });

  // Activity: snapshots with generated ids, the hourly peak upsert, cascade on delete.
  // Values bound with soci::use are named: SOCI runs a statement after the temporaries of its
  // expression are gone.
  db.write([&](soci::session& s) {
    const long long snapshot_at = 7200000, hour = 3600000;
    const int ignored_count = 99;
    for (long long user : {1LL, 2LL, 1LL}) {
      s << "INSERT INTO user_activity_snapshots (snapshot_time_ms, user_id) VALUES (:t, :u)", soci::use(snapshot_at),
          soci::use(user);
      note("snapshot_id=" + std::to_string(last_insert_id(s)));
    }
    const std::string peak = "INSERT INTO hourly_activity_aggregates (hour_start_ms, user_count) VALUES (:h, :n) " +
                             upsert_prefix(d, {"hour_start_ms"}) + "user_count = " + std::string(greatest(d)) +
                             "(user_count, " + inserted_value(d, "user_count") + ")";
    for (int n : {3, 2, 5, 4}) s << peak, soci::use(hour), soci::use(n);
    s << "INSERT INTO hourly_activity_aggregates (hour_start_ms, user_count) VALUES (:h, :n) " +
             do_nothing_on_conflict(d, {"hour_start_ms"}),
        soci::use(hour), soci::use(ignored_count);
  });
  db.read([&](soci::session& s) {
    note("peak=" + show(query_int(s, "SELECT user_count FROM hourly_activity_aggregates WHERE hour_start_ms = 3600000")));
    note("hours=" + show(query_int(s, "SELECT COUNT(*) FROM hourly_activity_aggregates")));
    note("snapshots_u1=" + show(query_int(s, "SELECT COUNT(*) FROM user_activity_snapshots WHERE user_id = :u", 1LL)));
    note("distinct_users=" + show(query_int(s, "SELECT COUNT(DISTINCT user_id) FROM user_activity_snapshots")));
    note("joined=" + show(query_int(s, "SELECT COUNT(*) FROM users u JOIN user_activity_snapshots a ON a.user_id = u.id "
                                       "WHERE u.email = 'alice@new.example.com'")));
  });
  db.write([&](soci::session& s) {
    const long long alice = 1, bob = 2;
    soci::statement del = (s.prepare << "DELETE FROM users WHERE id = :id", soci::use(alice));
    del.execute(true);
    note("deleted=" + std::to_string(del.get_affected_rows()));
    soci::statement upd = (s.prepare << "UPDATE users SET screen_name = 'bobby', show_screen_name = 0 WHERE id = :id",
                           soci::use(bob));
    upd.execute(true);
    note("updated=" + std::to_string(upd.get_affected_rows()));
    // Ids are never reused after a delete (AUTOINCREMENT on SQLite, InnoDB's counter on MySQL),
    // and an upsert that updated still used up an id on both: ids are unique, not dense.
    note("carol=" + std::to_string(upsert_user(s, {"fotw", "103", "carol@example.com", "Carol", "[]", 0, std::nullopt,
                                                  9000, std::nullopt})));
  });
  db.read([&](soci::session& s) {
    note("after_delete_snapshots=" + show(query_int(s, "SELECT COUNT(*) FROM user_activity_snapshots")));
    note("screen=" + show(query_int(s, "SELECT show_screen_name FROM users WHERE id = 2")));
  });
  return t;
}

class SameResults : public BackendTest {};

TEST_P(SameResults, UsersAndActivityQueries) {
  Database db = open();
  migrate(db);
  const std::vector<std::string> expected = {
      "alice=1",
      "bob=2",
      "alice0dte=3",
      "alice_again=1",
      "count=3",
      "by_email=1",
      "case=0",
      "admins=1",
      "created_kept=1000",
      "no_row=NULL",
      "null_value=NULL",
      "max=1200",
      "sum=3300",
      "empty_max=NULL",
      "row 2 fotw NULL NULL [] 0 1 NULL 3",
      "row 1 fotw Alice B silver [] 0 1 5000 3",
      "row 3 0-dte alice NULL [\"administrator\"] 1 1 1200 3",
      "group 0-dte 1",
      "group fotw 2",
      "into_null=yes",
      "snapshot_id=1",
      "snapshot_id=2",
      "snapshot_id=3",
      "peak=5",
      "hours=1",
      "snapshots_u1=2",
      "distinct_users=2",
      "joined=2",
      "deleted=1",
      "updated=1",
      "carol=5",
      "after_delete_snapshots=1",
      "screen=0",
  };
  EXPECT_EQ(user_activity_transcript(db), expected);
}

MS_INSTANTIATE_BACKENDS(SameResults);

// ---------------------------------------------------------------- errors, transactions, pool

class Store : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db_.emplace(open());
    migrate(*db_);
  }
  Database& db() { return *db_; }
  long long users() {
    return db().read([](soci::session& s) { return *query_int(s, "SELECT COUNT(*) FROM users"); });
  }
  void insert_user(soci::session& s, const std::string& issuer, const std::string& wp) {
    s << "INSERT INTO users (issuer, wp_user_id, email, created_at_ms) VALUES (:i, :w, 'x@example.com', 1)",
        soci::use(issuer), soci::use(wp);
  }
  std::optional<Database> db_;
};

TEST_P(Store, DialectAndUrl) {
  EXPECT_EQ(db().dialect(), GetParam());
  EXPECT_EQ(db().url().dialect, GetParam());
  if (!config_.password.empty()) {
    EXPECT_EQ(db().url().to_string().find(config_.password), std::string::npos);
  }
  db().read([&](soci::session& s) { EXPECT_EQ(dialect_of(s), GetParam()); });
}

TEST_P(Store, DuplicateKeyIsAConflict) {
  db().write([&](soci::session& s) { insert_user(s, "fotw", "1"); });
  EXPECT_EQ(code_of([&] { db().write([&](soci::session& s) { insert_user(s, "fotw", "1"); }); }), "conflict");
  EXPECT_EQ(users(), 1);
}

TEST_P(Store, ConstraintViolationsAreNamedAlike) {
  // Foreign key, NOT NULL, CHECK, length and type limits fail the same way on both backends.
  const char* statements[] = {
      "INSERT INTO user_activity_snapshots (snapshot_time_ms, user_id) VALUES (1, 999)",
      "INSERT INTO users (issuer, wp_user_id, email, created_at_ms) VALUES ('fotw', '1', NULL, 1)",
      "INSERT INTO users (issuer, wp_user_id, email, created_at_ms, is_admin) VALUES ('fotw', '1', 'e', 1, 2)",
      "INSERT INTO users (issuer, wp_user_id, email, created_at_ms) VALUES ('fotw-fotw-fotw-fotw-fotw-fotw-fotw', '1', 'e', 1)",
      "INSERT INTO users (issuer, wp_user_id, email, created_at_ms) VALUES ('fotw', '1', 'e', 'yesterday')",
      "INSERT INTO hourly_activity_aggregates (hour_start_ms, user_count) VALUES (1, -1)",
  };
  for (const char* sql : statements)
    EXPECT_EQ(code_of([&] { db().write([&](soci::session& s) { s << sql; }); }), "constraint_violation") << sql;
  EXPECT_EQ(users(), 0);
}

TEST_P(Store, BadSqlIsADatabaseError) {
  EXPECT_EQ(code_of([&] { db().read([](soci::session& s) { s << "SELEKT 1"; }); }), "database_error");
  EXPECT_EQ(code_of([&] { db().read([](soci::session& s) { s << "SELECT nope FROM users"; }); }), "database_error");
  // The pool is still usable afterwards.
  EXPECT_EQ(users(), 0);
}

TEST_P(Store, WriteCommitsOnReturn) {
  const long long id = db().write([&](soci::session& s) {
    insert_user(s, "fotw", "1");
    return last_insert_id(s);
  });
  EXPECT_EQ(id, 1);
  EXPECT_EQ(users(), 1);
}

TEST_P(Store, ExceptionInWriteRollsBackAndReachesTheCaller) {
  struct Boom : std::runtime_error {
    Boom() : std::runtime_error("boom") {}
  };
  EXPECT_THROW(db().write([&](soci::session& s) {
    insert_user(s, "fotw", "1");
    insert_user(s, "fotw", "2");
    throw Boom();
  }),
               Boom);
  EXPECT_EQ(users(), 0);
}

TEST_P(Store, FailedStatementRollsBackTheWholeWrite) {
  EXPECT_EQ(code_of([&] {
              db().write([&](soci::session& s) {
                insert_user(s, "fotw", "1");
                insert_user(s, "fotw", "1");
              });
            }),
            "conflict");
  EXPECT_EQ(users(), 0);
}

TEST_P(Store, ReadRefusesWrites) {
  EXPECT_EQ(code_of([&] { db().read([&](soci::session& s) { insert_user(s, "fotw", "1"); }); }), "database_error");
  EXPECT_EQ(users(), 0);
}

TEST_P(Store, WithSessionRunsWithoutImplicitTransaction) {
  db().with_session([&](soci::session& s) { insert_user(s, "fotw", "1"); });
  EXPECT_EQ(users(), 1);
  db().with_session([&](soci::session& s) {
    s << "BEGIN";
    insert_user(s, "fotw", "2");
    s << "ROLLBACK";
  });
  EXPECT_EQ(users(), 1);
}

TEST_P(Store, ReturnValuesOfAnyMovableType) {
  auto rows = db().read([](soci::session& s) {
    auto out = std::make_unique<std::vector<int>>();
    int v = 0;
    soci::statement st = (s.prepare << "SELECT 7 UNION ALL SELECT 8", soci::into(v));
    st.execute();
    while (st.fetch()) out->push_back(v);
    return out;
  });
  EXPECT_EQ(*rows, (std::vector<int>{7, 8}));
}

TEST_P(Store, ConcurrentWritersAllLand) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        try {
          db().write([&](soci::session& s) { insert_user(s, "t" + std::to_string(t), std::to_string(i)); });
        } catch (const std::exception&) {
          failures.fetch_add(1);
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(users(), 80);
}

TEST_P(Store, ExhaustedPoolReportsBusy) {
  DatabaseConfig config = config_;
  config.pool_size = 1;
  config.acquire_timeout = std::chrono::milliseconds(100);
  Database small = open(config);
  std::mutex m;
  std::condition_variable cv;
  bool holding = false, release = false;
  std::thread holder([&] {
    small.read([&](soci::session&) {
      std::unique_lock lock(m);
      holding = true;
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    });
  });
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return holding; }));
  }
  std::string message;
  try {
    small.read([](soci::session&) {});
  } catch (const core::Error& e) {
    message = std::string(e.code()) + ": " + e.what();
  }
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  holder.join();
  EXPECT_EQ(message.substr(0, 14), "database_busy:") << message;
  EXPECT_NE(message.find("100 ms"), std::string::npos) << message;
  EXPECT_NO_THROW(small.read([](soci::session&) {}));
}

MS_INSTANTIATE_BACKENDS(Store);

}  // namespace
}  // namespace ms::store
