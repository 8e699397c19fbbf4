#pragma once
// Waiting on a condition with a deadline: the only way tests wait (never a bare sleep).
#include <chrono>
#include <functional>
#include <thread>

namespace ms::testing {

// Polls `cond` with a short backoff until it returns true or `timeout` passes.
inline bool wait_until(const std::function<bool()>& cond,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto step = std::chrono::milliseconds(1);
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, std::chrono::milliseconds(25));
  }
}

}  // namespace ms::testing
