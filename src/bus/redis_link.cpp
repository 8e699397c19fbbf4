#include "bus/redis_link.hpp"

#include <cerrno>
#include <poll.h>

#include <boost/asio/post.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

namespace ms::bus::detail {

namespace asio = boost::asio;

namespace {

const std::string kNoError;

short poll_revents(int fd, short wanted) {
  pollfd p{fd, wanted, 0};
  int r;
  do {
    r = ::poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  return r > 0 ? p.revents : 0;
}

}  // namespace

RedisLink::RedisLink(Strand strand, LinkOptions options, LinkEvents events)
    : strand_(std::move(strand)),
      opt_(std::move(options)),
      ev_(std::move(events)),
      fd_(strand_),
      connect_timer_(strand_),
      backoff_timer_(strand_) {}

RedisLink::~RedisLink() {
  destroying_ = true;
  state_ = State::closed;
  if (ac_ != nullptr && !freeing_) {
    freeing_ = true;
    if (drop_reason_.empty()) drop_reason_ = "connection closed";
    redisAsyncFree(ac_);
  }
}

template <typename F>
void RedisLink::post_self(F&& f) {
  auto self = weak_from_this().lock();
  if (!self) return;  // being destroyed: nothing is waiting for the result
  asio::post(strand_, [self = std::move(self), f = std::forward<F>(f)]() mutable { f(); });
}

void RedisLink::start() {
  if (state_ == State::idle) connect_now();
}

void RedisLink::connect_now() {
  ++gen_;
  reset_io_flags();
  state_ = State::connecting;
  was_ready_ = false;
  freeing_ = false;
  handshake_error_.clear();
  drop_reason_.clear();
  callbacks_.clear();

  redisAsyncContext* ac = redisAsyncConnect(opt_.url.host.c_str(), opt_.url.port);
  if (ac == nullptr || ac->err) {
    const std::string reason = ac != nullptr ? ac->errstr : "cannot allocate a hiredis context";
    if (ac != nullptr) redisAsyncFree(ac);
    state_ = State::backoff;
    post_self([this, gen = gen_, reason] {
      if (gen == gen_ && state_ == State::backoff) attempt_failed(reason, false);
    });
    return;
  }
  ac_ = ac;
  ac->ev.data = this;
  ac->ev.addRead = &RedisLink::hook_add_read;
  ac->ev.delRead = &RedisLink::hook_del_read;
  ac->ev.addWrite = &RedisLink::hook_add_write;
  ac->ev.delWrite = &RedisLink::hook_del_write;
  ac->ev.cleanup = &RedisLink::hook_cleanup;
  redisEnableKeepAlive(&ac->c);  // notice a peer that vanished without a FIN

  boost::system::error_code ec;
  fd_.assign(ac->c.fd, ec);
  if (ec) {
    free_context("cannot watch the socket: " + ec.message());
    return;
  }
  start_handshake();
}

void RedisLink::start_handshake() {
  auto step = [this](std::string what) {
    return [this, what = std::move(what)](const redisReply* r, const std::string&) {
      if (r != nullptr && r->type == REDIS_REPLY_ERROR && handshake_error_.empty())
        handshake_error_ = what + " failed: " + std::string(r->str, r->len);
    };
  };
  bool queued = true;
  if (!opt_.url.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!opt_.url.username.empty()) auth.push_back(opt_.url.username);
    auth.push_back(opt_.url.password);
    queued = queued && send_raw(auth, step("AUTH"));
  }
  if (opt_.url.db != 0) queued = queued && send_raw({"SELECT", std::to_string(opt_.url.db)}, step("SELECT"));
  // PING proves the server answers (a loading or misconfigured server fails here, not later).
  queued = queued && send_raw({"PING"}, [this, gen = gen_](const redisReply* r, const std::string&) {
    if (r == nullptr) return;  // the connection went away; context_gone reports it once
    std::string problem = handshake_error_;
    if (problem.empty() && r->type == REDIS_REPLY_ERROR) problem = "PING failed: " + std::string(r->str, r->len);
    // Not from inside hiredis: the owner reacts to readiness by sending commands.
    post_self([this, gen, problem] {
      if (gen != gen_ || state_ != State::connecting) return;
      if (problem.empty())
        became_ready();
      else
        handshake_failed(problem);
    });
  });
  if (!queued) {
    free_context("cannot queue the connection handshake");
    return;
  }
  connect_timer_.expires_after(opt_.connect_timeout);
  connect_timer_.async_wait([weak = weak_from_this(), gen = gen_](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || gen != self->gen_ || self->state_ != State::connecting) return;
    self->free_context("connect timed out after " + std::to_string(self->opt_.connect_timeout.count()) + " ms");
  });
}

void RedisLink::became_ready() {
  connect_timer_.cancel();
  state_ = State::ready;
  was_ready_ = true;
  attempts_ = 0;
  if (ev_.on_ready) ev_.on_ready();
}

void RedisLink::handshake_failed(const std::string& reason) { free_context(reason); }

void RedisLink::free_context(const std::string& reason) {
  if (ac_ == nullptr || freeing_) return;
  freeing_ = true;
  drop_reason_ = reason;
  // Runs pending callbacks with a NULL reply, then the cleanup hook (context_gone). Inside a
  // hiredis callback hiredis defers this until the callback returns.
  redisAsyncFree(ac_);
}

void RedisLink::drop(const std::string& reason) {
  if (state_ == State::closed) return;
  free_context(reason);
}

void RedisLink::close(const std::string& reason) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  backoff_timer_.cancel();
  connect_timer_.cancel();
  if (ac_ != nullptr && !freeing_) {
    freeing_ = true;
    drop_reason_ = reason;
    redisAsyncFree(ac_);
  }
}

std::string RedisLink::error_of(const redisAsyncContext* ac) const {
  if (!drop_reason_.empty()) return drop_reason_;
  if (ac != nullptr && ac->err) return ac->errstr;
  return "connection closed";
}

void RedisLink::context_gone() {
  if (ac_ == nullptr) return;  // hiredis may call the cleanup hook more than once
  const std::string reason = error_of(ac_);
  const bool was_ready = was_ready_;
  last_error_ = reason;
  fd_.release();  // hiredis closes the descriptor itself
  ac_ = nullptr;
  ++gen_;
  reset_io_flags();
  connect_timer_.cancel();
  if (state_ == State::closed) return;
  state_ = State::backoff;  // from here send() fails, also inside the NULL-reply callbacks
  post_self([this, gen = gen_, reason, was_ready] {
    if (gen == gen_ && state_ == State::backoff) attempt_failed(reason, was_ready);
  });
}

void RedisLink::attempt_failed(const std::string& reason, bool was_ready) {
  spdlog::debug("{}: {} ({})", opt_.label, was_ready ? "connection lost" : "connect failed", reason);
  ever_failed_ = true;
  last_error_ = reason;
  if (!opt_.reconnect) {
    state_ = State::closed;
  } else {
    auto delay = opt_.reconnect_min;
    for (int i = 0; i < attempts_ && delay < opt_.reconnect_max; ++i) delay *= 2;
    delay = std::min(delay, opt_.reconnect_max);
    ++attempts_;
    backoff_timer_.expires_after(delay);
    backoff_timer_.async_wait([weak = weak_from_this(), gen = gen_](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec || gen != self->gen_ || self->state_ != State::backoff) return;
      self->connect_now();
    });
  }
  if (ev_.on_down) ev_.on_down(reason, was_ready);
}

bool RedisLink::send(const std::vector<std::string>& argv, ReplyCallback callback) {
  if (state_ != State::ready) return false;
  return send_raw(argv, std::move(callback));
}

bool RedisLink::send_raw(const std::vector<std::string>& argv, ReplyCallback callback) {
  if (ac_ == nullptr || freeing_ || argv.empty()) return false;
  std::vector<const char*> args;
  std::vector<std::size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAsyncCommandArgv(ac_, &RedisLink::hook_reply, this, static_cast<int>(argv.size()), args.data(),
                            lens.data()) != REDIS_OK)
    return false;
  callbacks_.push_back(std::move(callback));
  return true;
}

bool RedisLink::send_pubsub(const std::vector<std::string>& argv) {
  if (state_ != State::ready || ac_ == nullptr || freeing_ || argv.empty()) return false;
  std::vector<const char*> args;
  std::vector<std::size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  return redisAsyncCommandArgv(ac_, &RedisLink::hook_push, this, static_cast<int>(argv.size()), args.data(),
                               lens.data()) == REDIS_OK;
}

void RedisLink::hook_reply(redisAsyncContext* ac, void* reply, void* data) {
  auto* self = static_cast<RedisLink*>(data);
  if (self->callbacks_.empty()) return;
  ReplyCallback cb = std::move(self->callbacks_.front());
  self->callbacks_.pop_front();
  const auto* r = static_cast<const redisReply*>(reply);
  if (r != nullptr)
    cb(r, kNoError);
  else
    cb(nullptr, self->error_of(ac));
}

void RedisLink::hook_push(redisAsyncContext*, void* reply, void* data) {
  auto* self = static_cast<RedisLink*>(data);
  if (reply == nullptr || self->state_ == State::closed || !self->ev_.on_push) return;
  self->ev_.on_push(*static_cast<const redisReply*>(reply));
}

void RedisLink::hook_add_read(void* data) {
  auto* self = static_cast<RedisLink*>(data);
  self->want_read_ = true;
  if (!self->in_read_) self->watch_read();  // handle_read looks again once hiredis returns
}

void RedisLink::hook_del_read(void* data) { static_cast<RedisLink*>(data)->want_read_ = false; }

void RedisLink::hook_add_write(void* data) {
  auto* self = static_cast<RedisLink*>(data);
  self->want_write_ = true;
  if (self->in_write_) return;  // handle_write looks again once hiredis returns
  // Once connected, just try the write (one job per burst of commands); before that, wait
  // for the socket to become writable, which is how a non-blocking connect completes.
  if (self->ac_ != nullptr && (self->ac_->c.flags & REDIS_CONNECTED))
    self->schedule_write();
  else
    self->watch_write();
}

void RedisLink::hook_del_write(void* data) { static_cast<RedisLink*>(data)->want_write_ = false; }

void RedisLink::hook_cleanup(void* data) { static_cast<RedisLink*>(data)->context_gone(); }

void RedisLink::reset_io_flags() {
  want_read_ = want_write_ = false;
  read_armed_ = write_armed_ = false;
  read_job_ = write_job_ = false;
}

// Asio registers descriptors edge-triggered and never runs async_wait speculatively, so
// readiness that arrived before a wait was queued would be lost: after queueing the wait we
// look at the socket ourselves and run a job when it is already ready.
void RedisLink::watch_read() {
  if (ac_ == nullptr || !want_read_) return;
  if (!read_armed_) {
    auto self = weak_from_this().lock();
    if (!self) return;
    read_armed_ = true;
    fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                   [self = std::move(self), gen = gen_](const boost::system::error_code& ec) {
                     if (gen != self->gen_) return;
                     self->read_armed_ = false;
                     if (!ec) self->handle_read();
                   });
  }
  if (poll_revents(ac_->c.fd, POLLIN) != 0) schedule_read();
}

void RedisLink::watch_write() {
  if (ac_ == nullptr || !want_write_) return;
  if (!write_armed_) {
    auto self = weak_from_this().lock();
    if (!self) return;
    write_armed_ = true;
    fd_.async_wait(asio::posix::stream_descriptor::wait_write,
                   [self = std::move(self), gen = gen_](const boost::system::error_code& ec) {
                     if (gen != self->gen_) return;
                     self->write_armed_ = false;
                     if (!ec) self->handle_write();
                   });
  }
  if (poll_revents(ac_->c.fd, POLLOUT) != 0) schedule_write();
}

void RedisLink::schedule_read() {
  if (read_job_) return;
  auto self = weak_from_this().lock();
  if (!self) return;
  read_job_ = true;
  asio::post(strand_, [self = std::move(self), gen = gen_] {
    if (gen != self->gen_) return;
    self->read_job_ = false;
    self->handle_read();
  });
}

void RedisLink::schedule_write() {
  if (write_job_) return;
  auto self = weak_from_this().lock();
  if (!self) return;
  write_job_ = true;
  asio::post(strand_, [self = std::move(self), gen = gen_] {
    if (gen != self->gen_) return;
    self->write_job_ = false;
    self->handle_write();
  });
}

void RedisLink::handle_read() {
  if (ac_ == nullptr || !want_read_) return;
  in_read_ = true;
  redisAsyncHandleRead(ac_);  // may free the context (context_gone then clears ac_)
  in_read_ = false;
  watch_read();
}

void RedisLink::handle_write() {
  if (ac_ == nullptr || !want_write_) return;
  in_write_ = true;
  redisAsyncHandleWrite(ac_);  // completes a pending connect, then writes what is buffered
  in_write_ = false;
  watch_write();  // still wanted only when the kernel buffer is full
}

}  // namespace ms::bus::detail
