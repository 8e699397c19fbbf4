#include "store/database.hpp"

#include <soci/soci.h>

#include "core/error.hpp"
#include "store/connect.hpp"
#include "store/session_pool.hpp"
#include "store/sql_errors.hpp"
#include "store/worker_pool.hpp"

namespace ms::store {

struct Database::Handle::Impl {
  DatabaseConfig config;
  DatabaseUrl url;
  std::unique_ptr<SessionPool> pool;    // SQLite: readers; MySQL: everything
  std::unique_ptr<SessionPool> writer;  // SQLite only: the one write connection
  // Declared last: destroyed first, so queued jobs still find the pools.
  std::unique_ptr<WorkerPool> workers;

  SessionPool& pool_for(Access access) {
    return (writer && access != Access::read) ? *writer : *pool;
  }
};

namespace {

const char* begin_statement(Dialect dialect, Database::Access access) {
  switch (access) {
    case Database::Access::read:
      return dialect == Dialect::sqlite ? "BEGIN" : "START TRANSACTION READ ONLY";
    case Database::Access::write:
      return dialect == Dialect::sqlite ? "BEGIN IMMEDIATE" : "START TRANSACTION";
    case Database::Access::session:
      break;
  }
  return nullptr;
}

// After a failure: end whatever transaction may be open. A failing ROLLBACK means the session
// is in an unknown state, so it is not reused.
void rollback_quietly(soci::session& s, SessionPool::Lease& lease, Dialect dialect) noexcept {
  try {
    if (dialect == Dialect::sqlite && !sqlite_in_transaction(s)) return;
    s << "ROLLBACK";
  } catch (...) {
    lease.mark_broken();
  }
}

}  // namespace

void Database::Handle::execute(Access access, const std::function<void(soci::session&)>& fn) const {
  const Dialect dialect = impl_->url.dialect;
  SessionPool::Lease lease = impl_->pool_for(access).acquire();
  soci::session& s = lease.session();
  const char* begin = begin_statement(dialect, access);
  try {
    if (begin != nullptr) s << begin;
    fn(s);
    if (begin != nullptr) s << "COMMIT";
  } catch (const soci::soci_error& e) {
    TranslatedError t = translate_sql_error(e, dialect);
    if (t.connection_lost)
      lease.mark_broken();
    else
      rollback_quietly(s, lease, dialect);
    throw t.error;
  } catch (...) {
    rollback_quietly(s, lease, dialect);
    throw;
  }
  if (access == Access::session && dialect == Dialect::sqlite && sqlite_in_transaction(s)) {
    rollback_quietly(s, lease, dialect);
    throw core::Error("transaction_left_open", "with_session returned inside a transaction; it was rolled back");
  }
}

void Database::Handle::post(std::function<void()> job) const { impl_->workers->post(std::move(job)); }

Database Database::open(DatabaseConfig config) {
  auto impl = std::make_unique<Handle::Impl>();
  impl->url = parse_database_url(config.url, config.data_dir);
  impl->config = std::move(config);
  const DatabaseConfig& c = impl->config;
  const DatabaseUrl& url = impl->url;

  if (url.dialect == Dialect::sqlite) {
    const auto file = url.sqlite_path;
    const auto busy = c.busy_timeout;
    impl->writer = std::make_unique<SessionPool>(
        SessionPool::Options{1, "SQLite writer", c.acquire_timeout, std::chrono::milliseconds(0)},
        [file, busy] { return open_sqlite_session(file, SqliteRole::writer, busy); });
    impl->pool = std::make_unique<SessionPool>(
        SessionPool::Options{c.pool_size, "SQLite reader pool", c.acquire_timeout, std::chrono::milliseconds(0)},
        [file, busy] { return open_sqlite_session(file, SqliteRole::reader, busy); });
    // The writer first: it creates the file and switches it to WAL before any reader opens it.
    { auto lease = impl->writer->acquire(); }
    { auto lease = impl->pool->acquire(); }
  } else {
    const auto password = c.password;
    const auto connect = c.connect_timeout;
    const auto io = c.io_timeout;
    impl->pool = std::make_unique<SessionPool>(
        SessionPool::Options{c.pool_size, "MySQL pool", c.acquire_timeout, c.check_after_idle},
        [url, password, connect, io] { return open_mysql_session(url, password, connect, io); });
    { auto lease = impl->pool->acquire(); }
  }
  impl->workers = std::make_unique<WorkerPool>(c.worker_threads != 0 ? c.worker_threads : c.pool_size);
  return Database(std::move(impl));
}

Database::Database(std::unique_ptr<Handle::Impl> impl) : impl_(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Dialect Database::dialect() const noexcept { return impl_->url.dialect; }
const DatabaseUrl& Database::url() const noexcept { return impl_->url; }
const DatabaseConfig& Database::config() const noexcept { return impl_->config; }

}  // namespace ms::store
