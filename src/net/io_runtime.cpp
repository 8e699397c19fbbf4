#include <utility>

#include "net/io_runtime.hpp"

#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

namespace ms::net {

struct IoRuntime::Impl {
  explicit Impl(unsigned n) : threads(n == 0 ? 1 : n), ioc(static_cast<int>(threads)) {}
  unsigned threads;
  boost::asio::io_context ioc;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard;
  std::vector<std::thread> workers;
};

IoRuntime::IoRuntime(unsigned threads) : impl_(std::make_unique<Impl>(threads)) {}

IoRuntime::~IoRuntime() { stop(); }

boost::asio::io_context& IoRuntime::context() noexcept { return impl_->ioc; }

unsigned IoRuntime::threads() const noexcept { return impl_->threads; }

void IoRuntime::start() {
  if (!impl_->workers.empty()) return;
  impl_->ioc.restart();
  impl_->guard.emplace(impl_->ioc.get_executor());
  for (unsigned i = 0; i < impl_->threads; ++i) {
    impl_->workers.emplace_back([this] {
      // A handler that throws must not take the process down silently: log and keep serving.
      while (true) {
        try {
          impl_->ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("io thread: unhandled exception: {}", e.what());
        }
      }
    });
  }
}

void IoRuntime::stop() {
  if (impl_->workers.empty()) return;
  impl_->guard.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->workers) t.join();
  impl_->workers.clear();
}

}  // namespace ms::net
