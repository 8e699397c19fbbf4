#pragma once
// The byte budget of one symbol's heatmap publication (DESIGN §11): when the full model is
// SET, and which diffs the replay stream still has to hold.
//
// The model (:latest, ~0.8 MB for SPX) is a snapshot, SET at most every `model_interval`, at
// once when the geometry changes, and early when the diffs since the last SET reach half the
// byte budget. The replay stream is only the bridge from a snapshot to now: it keeps every diff
// after the model *before* the latest one — so a consumer that GOT the previous model just before
// the newest SET still finds its bridge — and nothing older. Its entries are therefore bounded
// by count (≈ 2 × model_interval / publish interval), by age (≈ 2 × model_interval) and by bytes
// (max_bytes plus at most two diffs: over budget, the bridge of the previous model goes first;
// the newest model's bridge — every diff after it — is never cut). Stream entry ids are the diffs' seqs (`<seq>-0`), so the catch-up after a model of seq M
// is `XRANGE key (M-0 +`; trimming is `XTRIM key MINID <first kept seq>-0`, exact.
//
// Pure bookkeeping (no I/O, the caller passes steady time); one owner (massive's strand).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace ms::massive {

class ReplayWindow {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    std::chrono::milliseconds model_interval{2000};
    std::size_t max_bytes = 32u << 20;
  };

  explicit ReplayWindow(Limits limits) : limits_(limits) {}

  // A diff of `seq` (consecutive from the previous) of `bytes` was appended to the stream.
  void on_diff(std::int64_t seq, std::size_t bytes);

  // Whether the full model is due now: none SET yet in this epoch, the geometry changed, the
  // byte budget of the bridge is half used, or diffs newer than the model wait and the interval
  // has passed.
  bool model_due(Clock::time_point now, bool geometry_changed) const;

  // The model of `seq` (the newest diff's) was SET. Returns the first seq the stream keeps when
  // entries became unnecessary (trim with MINID), else nothing.
  std::optional<std::int64_t> on_model(std::int64_t seq, Clock::time_point now);

  // True until the first model of this epoch (the caller clears the previous epoch's stream).
  bool fresh() const { return model_seq_ == 0; }
  std::int64_t model_seq() const { return model_seq_; }
  std::size_t entries() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t bytes_since_model() const { return bytes_since_model_; }
  const Limits& limits() const { return limits_; }

 private:
  struct Entry {
    std::int64_t seq;
    std::size_t bytes;
  };

  Limits limits_;
  std::deque<Entry> entries_;
  std::size_t bytes_ = 0;
  std::size_t bytes_since_model_ = 0;
  std::int64_t last_seq_ = 0;
  std::int64_t model_seq_ = 0;       // the latest SET model's seq (0: none yet)
  std::int64_t prev_model_seq_ = 0;  // the one before it
  Clock::time_point model_at_{};
};

}  // namespace ms::massive
