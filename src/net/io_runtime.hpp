#pragma once
// An io_context run by N threads (DESIGN §4: one context, a thread per core), behind a pimpl so
// that services and tests need no Asio header to own one.
#include <memory>

namespace boost::asio {
class io_context;
}

namespace ms::net {

class IoRuntime {
 public:
  explicit IoRuntime(unsigned threads = 1);
  // stop() and join.
  ~IoRuntime();
  IoRuntime(const IoRuntime&) = delete;
  IoRuntime& operator=(const IoRuntime&) = delete;

  boost::asio::io_context& context() noexcept;
  // Starts the threads; the context keeps running (even without work) until stop().
  void start();
  // Stops the context at once and joins the threads (pending handlers are abandoned, so stop
  // servers gracefully first). Idempotent. Must not be called from one of its own threads.
  void stop();
  unsigned threads() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ms::net
