#include "services/massive/replay_window.hpp"

namespace ms::massive {

void ReplayWindow::on_diff(std::int64_t seq, std::size_t bytes) {
  entries_.push_back({seq, bytes});
  bytes_ += bytes;
  bytes_since_model_ += bytes;
  last_seq_ = seq;
}

bool ReplayWindow::model_due(Clock::time_point now, bool geometry_changed) const {
  if (last_seq_ == 0) return false;  // nothing published yet
  if (model_seq_ == 0 || geometry_changed) return true;
  if (last_seq_ == model_seq_) return false;  // the model already holds every diff
  if (bytes_since_model_ * 2 >= limits_.max_bytes) return true;
  return now - model_at_ >= limits_.model_interval;
}

std::optional<std::int64_t> ReplayWindow::on_model(std::int64_t seq, Clock::time_point now) {
  prev_model_seq_ = model_seq_;
  model_seq_ = seq;
  model_at_ = now;
  bytes_since_model_ = 0;
  std::optional<std::int64_t> keep_from;
  // Drop what no bridge needs: everything up to the previous model, then, while over budget,
  // the oldest entries the newest model no longer needs.
  auto drop_front = [&] {
    bytes_ -= entries_.front().bytes;
    entries_.pop_front();
    keep_from = entries_.empty() ? seq + 1 : entries_.front().seq;
  };
  while (!entries_.empty() && entries_.front().seq <= prev_model_seq_) drop_front();
  while (!entries_.empty() && bytes_ > limits_.max_bytes && entries_.front().seq <= model_seq_) drop_front();
  return keep_from;
}

}  // namespace ms::massive
