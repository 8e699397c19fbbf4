#include "store/async.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "core/error.hpp"
#include "store/backend_fixture_test.hpp"
#include "store/migrations.hpp"
#include "store/sql.hpp"

namespace ms::store {
namespace {

namespace asio = boost::asio;
using test::BackendTest;

class Async : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db_.emplace(open());
    migrate(*db_);
  }
  Database& db() { return *db_; }

  // Runs `coro` to completion on an io_context driven by this thread, failing on a hang.
  template <class Coro>
  void run(Coro coro) {
    asio::io_context io;
    std::exception_ptr failure;
    bool done = false;
    asio::co_spawn(io, std::move(coro), [&](std::exception_ptr e) {
      failure = e;
      done = true;
    });
    io.run_for(std::chrono::seconds(20));
    ASSERT_TRUE(done) << "coroutine did not finish";
    if (failure) std::rethrow_exception(failure);
  }

  std::optional<Database> db_;
};

TEST_P(Async, SqlRunsOffTheCallingThreadAndResumesOnIt) {
  const auto io_thread = std::this_thread::get_id();
  std::thread::id sql_thread, resumed_thread;
  long long value = 0;
  run([&]() -> asio::awaitable<void> {
    value = co_await async_read(db(), [&](soci::session& s) {
      sql_thread = std::this_thread::get_id();
      return *query_int(s, "SELECT 41 + 1");
    });
    resumed_thread = std::this_thread::get_id();
  });
  EXPECT_EQ(value, 42);
  EXPECT_NE(sql_thread, io_thread);
  EXPECT_EQ(resumed_thread, io_thread);
}

TEST_P(Async, IoThreadKeepsServingWhileSqlBlocks) {
  // The SQL callback waits for a timer that only the io thread can fire: if the SQL ran on
  // the io thread, the timer could never fire and the wait would time out.
  std::promise<void> timer_fired;
  auto fired = timer_fired.get_future();
  bool sql_saw_timer = false;
  run([&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
          co_await timer.async_wait(asio::use_awaitable);
          timer_fired.set_value();
        },
        asio::detached);
    co_await async_read(db(), [&](soci::session&) {
      sql_saw_timer = fired.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    });
  });
  EXPECT_TRUE(sql_saw_timer);
}

TEST_P(Async, WriteCommitsAndVoidCallbacksWork) {
  run([&]() -> asio::awaitable<void> {
    co_await async_write(db(), [](soci::session& s) {
      s << "INSERT INTO users (issuer, wp_user_id, email, created_at_ms) VALUES ('fotw', '1', 'e', 1)";
    });
    const long long n =
        co_await async_read(db(), [](soci::session& s) { return *query_int(s, "SELECT COUNT(*) FROM users"); });
    EXPECT_EQ(n, 1);
  });
}

TEST_P(Async, DatabaseErrorsReachTheCoroutine) {
  std::string code;
  run([&]() -> asio::awaitable<void> {
    auto insert = [](soci::session& s) {
      s << "INSERT INTO users (issuer, wp_user_id, email, created_at_ms) VALUES ('fotw', '1', 'e', 1)";
    };
    co_await async_write(db(), insert);
    try {
      co_await async_write(db(), insert);
    } catch (const core::Error& e) {
      code = e.code();
    }
  });
  EXPECT_EQ(code, "conflict");
}

TEST_P(Async, CallbackExceptionsKeepTheirTypeAndRollBack) {
  bool caught = false;
  run([&]() -> asio::awaitable<void> {
    try {
      co_await async_write(db(), [](soci::session& s) {
        s << "INSERT INTO users (issuer, wp_user_id, email, created_at_ms) VALUES ('fotw', '1', 'e', 1)";
        throw std::out_of_range("no such thing");
      });
    } catch (const std::out_of_range&) {
      caught = true;
    }
    const long long n =
        co_await async_read(db(), [](soci::session& s) { return *query_int(s, "SELECT COUNT(*) FROM users"); });
    EXPECT_EQ(n, 0);
  });
  EXPECT_TRUE(caught);
}

TEST_P(Async, MoveOnlyResults) {
  run([&]() -> asio::awaitable<void> {
    auto p = co_await async_with_session(db(), [](soci::session& s) {
      return std::make_unique<long long>(*query_int(s, "SELECT 5"));
    });
    EXPECT_EQ(*p, 5);
  });
}

TEST_P(Async, ManyConcurrentCoroutines) {
  asio::io_context io;
  int finished = 0;
  for (int i = 0; i < 40; ++i)
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          co_await async_write(db(), [i](soci::session& s) {
            // A named value: SOCI runs the statement after the expression's temporaries are gone.
            const std::string wp = std::to_string(i);
            s << "INSERT INTO users (issuer, wp_user_id, email, created_at_ms) VALUES ('fotw', :w, 'e', 1)",
                soci::use(wp);
          });
          ++finished;
        },
        asio::detached);
  io.run_for(std::chrono::seconds(30));
  EXPECT_EQ(finished, 40);
  EXPECT_EQ(db().read([](soci::session& s) { return *query_int(s, "SELECT COUNT(*) FROM users"); }), 40);
}

TEST_P(Async, IoContextOnSeveralThreadsResumesOnOneOfThem) {
  asio::io_context io;
  std::vector<std::thread::id> io_threads;
  std::mutex m;
  std::atomic<int> finished{0};
  std::atomic<int> resumed_elsewhere{0};
  for (int i = 0; i < 10; ++i)
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await async_read(db(), [](soci::session& s) { return *query_int(s, "SELECT 1"); });
          const auto me = std::this_thread::get_id();
          std::lock_guard lock(m);
          if (std::find(io_threads.begin(), io_threads.end(), me) == io_threads.end()) resumed_elsewhere++;
          finished++;
        },
        asio::detached);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      {
        std::lock_guard lock(m);
        io_threads.push_back(std::this_thread::get_id());
      }
      io.run_for(std::chrono::seconds(20));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(finished.load(), 10);
  EXPECT_EQ(resumed_elsewhere.load(), 0);
}

MS_INSTANTIATE_BACKENDS(Async);

}  // namespace
}  // namespace ms::store
