#pragma once
// A fixed number of SOCI sessions, opened lazily and reopened after a lost connection. A lease
// hands one session to one thread at a time.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace ms::store {

class SessionPool {
 public:
  // Opens a ready-to-use session or throws core::Error (database_unavailable).
  using Opener = std::function<std::unique_ptr<soci::session>()>;

  struct Options {
    std::size_t size = 1;
    std::string name = "pool";  // for error messages: "reader pool", "writer"
    std::chrono::milliseconds acquire_timeout{10000};
    // A session idle longer than this is checked with `SELECT 1` before use (the server may have
    // closed it); zero disables the check.
    std::chrono::milliseconds check_after_idle{0};
  };

  SessionPool(Options options, Opener opener);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  class Lease {
   public:
    Lease(Lease&& o) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    soci::session& session() const noexcept { return *session_; }
    // The connection is unusable: it is closed on return and reopened by the next lease.
    void mark_broken() noexcept { broken_ = true; }

   private:
    friend class SessionPool;
    Lease(SessionPool* pool, std::size_t slot, soci::session* s) : pool_(pool), slot_(slot), session_(s) {}
    SessionPool* pool_;
    std::size_t slot_;
    soci::session* session_;
    bool broken_ = false;
  };

  // Waits up to acquire_timeout for a free session (core::Error "database_busy"), opening or
  // reopening it as needed (core::Error "database_unavailable").
  Lease acquire();
  std::size_t size() const noexcept { return slots_.size(); }

 private:
  struct Slot {
    std::unique_ptr<soci::session> session;
    std::chrono::steady_clock::time_point last_used{};
  };
  void give_back(std::size_t slot, bool broken) noexcept;
  bool still_alive(soci::session& s) noexcept;

  Options options_;
  Opener opener_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Slot> slots_;
  std::vector<std::size_t> free_;
};

}  // namespace ms::store
