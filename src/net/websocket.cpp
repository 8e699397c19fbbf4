#include "net/websocket.hpp"

namespace ms::net {

WebSocketSession::WebSocketSession(Request upgrade_request, WebSocketOptions options)
    : request_(std::move(upgrade_request)), options_(options) {
  request_.body.clear();
}

bool WebSocketSession::send(std::string text) {
  std::lock_guard lk(mu_);
  if (state_ != State::open) return false;
  if (queue_.size() + 1 > options_.max_queued_messages ||
      (!queue_.empty() && queued_bytes_ + text.size() > options_.max_queued_bytes)) {
    state_ = State::failed;
    failure_reason_ = "queue_overflow";
    queue_.clear();
    queued_bytes_ = 0;
    notify_locked(true);
    return false;
  }
  queued_bytes_ += text.size();
  queue_.push_back(std::move(text));
  notify_locked();
  return true;
}

void WebSocketSession::close(std::uint16_t code, std::string reason) {
  std::lock_guard lk(mu_);
  if (state_ != State::open) return;
  state_ = State::closing;
  close_code_ = code;
  // A close frame's payload is at most 125 bytes, 2 of which carry the code.
  if (reason.size() > 123) reason.resize(123);
  close_reason_ = std::move(reason);
  notify_locked(true);
}

bool WebSocketSession::is_open() const {
  std::lock_guard lk(mu_);
  return state_ == State::open;
}

WebSocketSession::Outgoing WebSocketSession::take() {
  std::lock_guard lk(mu_);
  Outgoing out;
  out.messages.swap(queue_);
  queued_bytes_ = 0;
  out.state = state_;
  out.close_code = close_code_;
  out.close_reason = close_reason_;
  notified_ = false;
  return out;
}

void WebSocketSession::set_waker(std::function<void()> waker) {
  std::lock_guard lk(mu_);
  waker_ = std::move(waker);
  notified_ = false;
}

void WebSocketSession::mark_closed() {
  std::lock_guard lk(mu_);
  if (state_ == State::open || state_ == State::closing) state_ = State::closed;
  queue_.clear();
  queued_bytes_ = 0;
  waker_ = nullptr;
}

std::string WebSocketSession::failure_reason() const {
  std::lock_guard lk(mu_);
  return failure_reason_;
}

void WebSocketSession::notify_locked(bool state_changed) {
  if ((notified_ && !state_changed) || !waker_) return;
  notified_ = true;
  waker_();
}

}  // namespace ms::net
