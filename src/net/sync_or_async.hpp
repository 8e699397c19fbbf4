#pragma once
// A callback that may be written either as a plain function `R(Args...)` or as a coroutine
// `awaitable<R>(Args...)`. Only the std::function wrappers are instantiated in the caller's
// translation unit; the code that awaits them lives in net's .cpp files, so registering a
// handler never pulls Asio's coroutine machinery into a service's compile.
#include <utility>  // before asio: awaitable.hpp uses std::exchange without including it

#include <functional>
#include <type_traits>

#include <boost/asio/awaitable.hpp>

namespace ms::net {

template <class R, class... Args>
class SyncOrAsync {
 public:
  using Sync = std::function<R(Args...)>;
  using Async = std::function<boost::asio::awaitable<R>(Args...)>;

  SyncOrAsync() = default;

  template <class F>
    requires(std::is_invocable_v<F&, Args...> &&
             (std::is_same_v<std::invoke_result_t<F&, Args...>, boost::asio::awaitable<R>> ||
              std::is_convertible_v<std::invoke_result_t<F&, Args...>, R>))
  SyncOrAsync(F f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly
    if constexpr (std::is_same_v<std::invoke_result_t<F&, Args...>, boost::asio::awaitable<R>>)
      async_ = std::move(f);
    else
      sync_ = std::move(f);
  }

  const Sync& sync() const noexcept { return sync_; }
  const Async& async() const noexcept { return async_; }
  explicit operator bool() const noexcept { return sync_ || async_; }

 private:
  Sync sync_;
  Async async_;
};

}  // namespace ms::net
