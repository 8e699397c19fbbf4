#include "store/session_pool.hpp"

#include <algorithm>

#include <soci/soci.h>

#include "core/error.hpp"

namespace ms::store {

SessionPool::SessionPool(Options options, Opener opener)
    : options_(std::move(options)), opener_(std::move(opener)) {
  options_.size = std::max<std::size_t>(options_.size, 1);
  slots_.resize(options_.size);
  // Hand out low slots first so a quiet service keeps few connections open.
  for (std::size_t i = options_.size; i-- > 0;) free_.push_back(i);
}

SessionPool::~SessionPool() = default;

SessionPool::Lease SessionPool::acquire() {
  std::size_t slot;
  {
    std::unique_lock lock(mutex_);
    const bool got = available_.wait_for(lock, options_.acquire_timeout, [this] { return !free_.empty(); });
    if (!got)
      throw core::Error("database_busy", "no free database connection in the " + options_.name + " within " +
                                             std::to_string(options_.acquire_timeout.count()) + " ms (" +
                                             std::to_string(slots_.size()) + " connections)");
    slot = free_.back();
    free_.pop_back();
  }
  // Opening and checking happen outside the lock: they talk to the server.
  Slot& s = slots_[slot];
  try {
    const auto now = std::chrono::steady_clock::now();
    if (s.session && options_.check_after_idle.count() > 0 && now - s.last_used > options_.check_after_idle &&
        !still_alive(*s.session))
      s.session.reset();
    if (!s.session) s.session = opener_();
  } catch (...) {
    give_back(slot, true);
    throw;
  }
  return Lease(this, slot, s.session.get());
}

bool SessionPool::still_alive(soci::session& s) noexcept {
  try {
    int one = 0;
    s << "SELECT 1", soci::into(one);
    return one == 1;
  } catch (...) {
    return false;
  }
}

void SessionPool::give_back(std::size_t slot, bool broken) noexcept {
  std::unique_ptr<soci::session> dead;
  {
    std::lock_guard lock(mutex_);
    Slot& s = slots_[slot];
    if (broken) dead = std::move(s.session);
    s.last_used = std::chrono::steady_clock::now();
    free_.push_back(slot);
  }
  available_.notify_one();
  try {
    dead.reset();  // closing may talk to the server; never under the lock
  } catch (...) {
  }
}

SessionPool::Lease::Lease(Lease&& o) noexcept
    : pool_(o.pool_), slot_(o.slot_), session_(o.session_), broken_(o.broken_) {
  o.pool_ = nullptr;
}

SessionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(slot_, broken_);
}

}  // namespace ms::store
