#pragma once
// One small API over SOCI for SQLite and MySQL/MariaDB (DESIGN §4, §10).
//
//   auto db = store::Database::open({.url = "sqlite:marketswarm.db", .data_dir = dir});
//   store::migrate(db);                                    // store/migrations.hpp
//   long long n = db.read([](soci::session& s) { ... });   // consistent read snapshot
//   db.write([&](soci::session& s) { ... });               // one transaction, committed on return
//   co_await store::async_write(db, fn);                   // store/async.hpp: off the I/O threads
//
// The synchronous calls block the calling thread (CLIs, tests, worker code); coroutines use
// store/async.hpp, which runs the same calls on this database's worker threads.
//
// SQLite: every write goes through one writer connection with BEGIN IMMEDIATE (one writer at a
// time, waiting up to busy_timeout for other processes); reads use a pool of query_only
// connections, which WAL lets run beside the writer. MySQL: one pool for both.
//
// Errors are core::Error with the codes listed in store/sql_errors.hpp; an exception thrown by
// the callback rolls the transaction back and reaches the caller unchanged.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "store/database_url.hpp"

namespace soci {
class session;
}

namespace ms::store {

struct DatabaseConfig {
  std::string url;                      // sqlite:<path> | mysql://user@host:port/db
  std::string password;                 // MySQL only; a secret, never part of the URL
  std::filesystem::path data_dir;       // base of a relative sqlite path
  std::size_t pool_size = 4;            // pooled connections (SQLite: readers, plus the writer)
  std::size_t worker_threads = 0;       // threads behind store/async.hpp; 0 = pool_size
  std::chrono::milliseconds acquire_timeout{10000};  // waiting for a free connection
  std::chrono::milliseconds busy_timeout{5000};      // SQLite: waiting for another writer
  std::chrono::milliseconds connect_timeout{5000};   // MySQL (whole seconds, at least 1)
  std::chrono::milliseconds io_timeout{60000};       // MySQL read/write (whole seconds)
  std::chrono::milliseconds check_after_idle{30000}; // MySQL: ping a connection idle this long
};

class Database {
 public:
  // Opens the database and one connection to prove it is reachable. Throws
  // core::Error("bad_database_url") or ("database_unavailable").
  static Database open(DatabaseConfig config);

  // A moved-from Database may only be destroyed or assigned to.
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  // Finishes queued async work first, so every waiting coroutine resumes.
  ~Database();

  Dialect dialect() const noexcept;
  const DatabaseUrl& url() const noexcept;
  const DatabaseConfig& config() const noexcept;

  enum class Access {
    read,     // a read-only transaction (one snapshot for all statements)
    write,    // a read-write transaction: BEGIN IMMEDIATE on SQLite, START TRANSACTION on MySQL
    session,  // a read-write session without an implicit transaction (migrations, tools)
  };

  template <class F>
  auto read(F&& fn) {
    return call(Access::read, fn);
  }
  template <class F>
  auto write(F&& fn) {
    return call(Access::write, fn);
  }
  // The callback manages transactions itself and must not leave one open.
  template <class F>
  auto with_session(F&& fn) {
    return call(Access::session, fn);
  }

  // The type-erased core, stable across moves of the Database; store/async.hpp uses it.
  class Handle {
   public:
    void execute(Access access, const std::function<void(soci::session&)>& fn) const;
    // Runs `job` on a worker thread; throws core::Error("database_closed") after shutdown began.
    void post(std::function<void()> job) const;

   private:
    friend class Database;
    struct Impl;
    explicit Handle(Impl* impl) : impl_(impl) {}
    Impl* impl_;
  };
  Handle handle() const noexcept { return Handle(impl_.get()); }

 private:
  explicit Database(std::unique_ptr<Handle::Impl> impl);

  template <class F>
  auto call(Access access, F& fn) -> std::invoke_result_t<F&, soci::session&> {
    using R = std::invoke_result_t<F&, soci::session&>;
    static_assert(!std::is_reference_v<R>, "return a value, not a reference into the session");
    if constexpr (std::is_void_v<R>) {
      handle().execute(access, [&fn](soci::session& s) { fn(s); });
    } else {
      std::optional<R> out;
      handle().execute(access, [&](soci::session& s) { out.emplace(fn(s)); });
      return std::move(*out);
    }
  }

  std::unique_ptr<Handle::Impl> impl_;
};

}  // namespace ms::store
