#pragma once
// A few threads that run blocking jobs (SQL) so I/O threads never wait on the database.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ms::store {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  // Runs every job already queued, then joins: a coroutine waiting on a job always resumes.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Jobs must not throw; an escaping exception is swallowed so the thread keeps serving.
  void post(std::function<void()> job);
  std::size_t size() const noexcept { return threads_.size(); }

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ms::store
