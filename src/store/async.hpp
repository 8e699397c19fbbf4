#pragma once
// Database calls from coroutines: the SQL runs on the database's worker threads and the caller's
// coroutine resumes on its own executor, so blocking SQL never holds an I/O thread (DESIGN §4).
//
//   long long n = co_await store::async_read(db, [&](soci::session& s) { ... });
//
// Capturing the coroutine's locals by reference is safe: the coroutine stays suspended until
// the callback has returned. The Database must outlive the call (its destructor finishes queued
// work, so destroying it resumes every waiter), and so must the caller's execution context.
#include <utility>  // before Asio (Boost 1.74 uses std::exchange without including it)

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/database.hpp"

namespace ms::store {

namespace detail {

template <class R>
using Stored = std::conditional_t<std::is_void_v<R>, bool, R>;

template <class F>
boost::asio::awaitable<std::invoke_result_t<F&, soci::session&>> run_on_workers(Database::Handle db,
                                                                                 Database::Access access, F fn) {
  using R = std::invoke_result_t<F&, soci::session&>;
  static_assert(!std::is_reference_v<R>, "return a value, not a reference into the session");
  using Result = std::optional<Stored<R>>;

  auto initiate = [db, access, &fn](auto handler) {
    using Handler = decltype(handler);
    // Tracked work keeps the caller's io_context running until the result is delivered.
    auto executor = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                        boost::asio::execution::outstanding_work.tracked);
    using Executor = decltype(executor);
    struct Job {
      Handler handler;
      Executor work;
      F fn;
    };
    auto job = std::make_shared<Job>(Job{std::move(handler), std::move(executor), std::move(fn)});
    auto deliver = [job](std::exception_ptr error, Result out) {
      auto work = job->work;
      boost::asio::post(work, [job, error, out = std::move(out)]() mutable {
        std::move(job->handler)(error, std::move(out));
      });
    };
    try {
      db.post([db, access, job, deliver] {
        std::exception_ptr error;
        Result out;
        try {
          if constexpr (std::is_void_v<R>) {
            db.execute(access, [&](soci::session& s) { job->fn(s); });
            out.emplace(true);
          } else {
            db.execute(access, [&](soci::session& s) { out.emplace(job->fn(s)); });
          }
        } catch (...) {
          error = std::current_exception();
        }
        deliver(error, std::move(out));
      });
    } catch (...) {
      // Shutting down: the waiter still resumes, with the error.
      deliver(std::current_exception(), Result{});
    }
  };
  Result out = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                    void(std::exception_ptr, Result)>(initiate,
                                                                                      boost::asio::use_awaitable);
  if constexpr (!std::is_void_v<R>) co_return std::move(*out);
}

}  // namespace detail

// Database::read / write / with_session, awaited.
template <class F>
auto async_read(Database& db, F fn) {
  return detail::run_on_workers(db.handle(), Database::Access::read, std::move(fn));
}
template <class F>
auto async_write(Database& db, F fn) {
  return detail::run_on_workers(db.handle(), Database::Access::write, std::move(fn));
}
template <class F>
auto async_with_session(Database& db, F fn) {
  return detail::run_on_workers(db.handle(), Database::Access::session, std::move(fn));
}

}  // namespace ms::store
