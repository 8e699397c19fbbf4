#include "net/sse.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "net/http.hpp"

namespace ms::net {

namespace {

constexpr std::string_view kNoCursor = "0";

void check_field(std::string_view what, std::string_view value, bool allow_empty) {
  if (!allow_empty && value.empty()) throw core::Error("invalid_sse_event", "SSE " + std::string(what) + " is empty");
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    throw core::Error("invalid_sse_event", "SSE " + std::string(what) + " contains a line break or NUL");
}

}  // namespace

SseFrame encode_sse_event(std::string_view id, std::string_view name, std::string_view data) {
  check_field("id", id, false);
  check_field("event name", name, false);
  if (data.find_first_of("\r\n") != std::string_view::npos)
    throw core::Error("invalid_sse_event", "SSE data for event '" + std::string(name) + "' spans several lines");
  std::string out;
  out.reserve(id.size() + name.size() + data.size() + 23);
  out.append("id: ").append(id).append("\nevent: ").append(name).append("\ndata: ").append(data).append("\n\n");
  return std::make_shared<const std::string>(std::move(out));
}

std::string sse_data(const nlohmann::json& data) {
  return data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ---------------------------------------------------------------- Topic

Topic::Topic(std::string name, TopicOptions options, SnapshotProvider snapshot)
    : name_(std::move(name)), options_(options), provider_(std::move(snapshot)) {}

std::shared_ptr<Topic> Topic::create(std::string name, TopicOptions options, SnapshotProvider snapshot) {
  return std::shared_ptr<Topic>(new Topic(std::move(name), options, std::move(snapshot)));
}

void Topic::publish(std::string_view id, std::string_view event_name, std::string_view data) {
  publish_frame(id, encode_sse_event(id, event_name, data));
}

void Topic::publish_json(std::string_view id, std::string_view event_name, const nlohmann::json& data) {
  publish(id, event_name, sse_data(data));
}

void Topic::publish_frame(std::string_view id, SseFrame frame) {
  std::lock_guard lk(mu_);
  if (options_.ring_size > 0) {
    ring_.push_back(Entry{std::string(id), frame});
    while (ring_.size() > options_.ring_size) ring_.pop_front();
  }
  last_id_ = std::string(id);
  std::erase_if(subscribers_, [&](const std::weak_ptr<SseStream>& w) {
    auto s = w.lock();
    return !s || !s->enqueue(frame, id, false);
  });
}

void Topic::set_snapshot_provider(SnapshotProvider provider) {
  std::lock_guard lk(mu_);
  provider_ = std::move(provider);
}

void Topic::set_snapshot(SseEvent snapshot) {
  check_field("event name", snapshot.name, false);
  std::lock_guard lk(mu_);
  // Encoded lazily on first use because an empty id follows the topic's latest id.
  stored_snapshot_ = std::move(snapshot);
  stored_snapshot_frame_.reset();
}

Topic::Resume Topic::subscribe(const std::shared_ptr<SseStream>& stream, std::string_view last_event_id) {
  std::lock_guard lk(mu_);
  Resume resume = Resume::live;
  bool served_from_ring = false;
  if (!last_event_id.empty()) {
    if (last_event_id == last_id_) {
      served_from_ring = true;  // already up to date
      resume = Resume::replayed;
    } else {
      // Newest first: a reconnecting client usually missed only the last few events.
      auto it = std::find_if(ring_.rbegin(), ring_.rend(), [&](const Entry& e) { return e.id == last_event_id; });
      if (it != ring_.rend()) {
        for (auto fwd = it.base(); fwd != ring_.end(); ++fwd) stream->enqueue(fwd->frame, fwd->id, true);
        served_from_ring = true;
        resume = Resume::replayed;
      }
    }
  }
  if (!served_from_ring) {
    std::optional<SseEvent> snap;
    if (provider_) {
      snap = provider_();
    } else if (stored_snapshot_) {
      const std::string id = !stored_snapshot_->id.empty() ? stored_snapshot_->id
                             : !last_id_.empty()           ? last_id_
                                                           : std::string(kNoCursor);
      if (!stored_snapshot_frame_ || stored_snapshot_frame_id_ != id) {
        stored_snapshot_frame_ = encode_sse_event(id, stored_snapshot_->name, stored_snapshot_->data);
        stored_snapshot_frame_id_ = id;
      }
      stream->enqueue(stored_snapshot_frame_, id, true);
      resume = Resume::snapshot;
    }
    if (snap) {
      const std::string id = !snap->id.empty() ? snap->id : !last_id_.empty() ? last_id_ : std::string(kNoCursor);
      stream->enqueue(encode_sse_event(id, snap->name, snap->data), id, true);
      resume = Resume::snapshot;
    }
  }
  // Nothing queued: the client is current as of the topic's latest event, so per-client events
  // must carry that id (a reconnect then replays what follows instead of starting over).
  if (resume == Resume::live || (resume == Resume::replayed && last_event_id == last_id_))
    stream->note_position(last_id_);
  subscribers_.push_back(stream);
  return resume;
}

void Topic::unsubscribe(const SseStream* stream) {
  std::lock_guard lk(mu_);
  std::erase_if(subscribers_, [&](const std::weak_ptr<SseStream>& w) {
    auto s = w.lock();
    return !s || s.get() == stream;
  });
}

std::size_t Topic::subscriber_count() const {
  std::lock_guard lk(mu_);
  return static_cast<std::size_t>(std::count_if(subscribers_.begin(), subscribers_.end(), [](const auto& w) {
    auto s = w.lock();
    return s && s->is_open();
  }));
}

std::string Topic::last_id() const {
  std::lock_guard lk(mu_);
  return last_id_;
}

std::size_t Topic::ring_size() const {
  std::lock_guard lk(mu_);
  return ring_.size();
}

// ---------------------------------------------------------------- SseStream

SseStream::SseStream(SseOptions options) : options_(options) {}

SseStream::~SseStream() = default;

std::shared_ptr<SseStream> SseStream::create(const Request& req) {
  return create(req.sse_defaults ? *req.sse_defaults : SseOptions{});
}

std::shared_ptr<SseStream> SseStream::create(SseOptions options) {
  return std::shared_ptr<SseStream>(new SseStream(options));
}

Topic::Resume SseStream::attach(const std::shared_ptr<Topic>& topic, std::string_view last_event_id) {
  if (!topic) throw core::Error("invalid_argument", "SseStream::attach: null topic");
  {
    std::lock_guard lk(mu_);
    topics_.push_back(topic);
  }
  return topic->subscribe(shared_from_this(), last_event_id);
}

bool SseStream::push(std::string_view event_name, std::string_view data, std::string_view id) {
  std::string use_id(id);
  if (use_id.empty()) {
    std::lock_guard lk(mu_);
    use_id = cursor_.empty() ? std::string(kNoCursor) : cursor_;
  }
  return enqueue(encode_sse_event(use_id, event_name, data), id, false);
}

bool SseStream::push_json(std::string_view event_name, const nlohmann::json& data, std::string_view id) {
  return push(event_name, sse_data(data), id);
}

bool SseStream::enqueue(SseFrame frame, std::string_view id, bool exempt) {
  std::lock_guard lk(mu_);
  if (state_ != State::open) return false;
  if (!exempt) {
    // A single event larger than the byte budget still goes through an empty queue.
    const bool too_many = live_events_ + 1 > options_.max_queued_events;
    const bool too_big = live_events_ > 0 && live_bytes_ + frame->size() > options_.max_queued_bytes;
    if (too_many || too_big) {
      state_ = State::failed;
      reason_ = "queue_overflow";
      queue_.clear();
      live_events_ = live_bytes_ = 0;
      notify_locked(true);
      return false;
    }
    ++live_events_;
    live_bytes_ += frame->size();
  }
  queue_.push_back(std::move(frame));
  if (!id.empty()) cursor_ = std::string(id);
  notify_locked();
  return true;
}

void SseStream::note_position(std::string_view id) {
  if (id.empty()) return;
  std::lock_guard lk(mu_);
  cursor_ = std::string(id);
}

void SseStream::close(std::string reason) {
  std::lock_guard lk(mu_);
  if (state_ != State::open) return;
  state_ = State::closing;
  reason_ = std::move(reason);
  notify_locked(true);
}

bool SseStream::is_open() const {
  std::lock_guard lk(mu_);
  return state_ == State::open;
}

std::string SseStream::cursor() const {
  std::lock_guard lk(mu_);
  return cursor_;
}

SseStream::State SseStream::take(std::vector<SseFrame>& out) {
  std::lock_guard lk(mu_);
  out.reserve(out.size() + queue_.size());
  for (auto& frame : queue_) out.push_back(std::move(frame));
  queue_.clear();
  live_events_ = live_bytes_ = 0;
  notified_ = false;
  return state_;
}

SseStream::State SseStream::state() const {
  std::lock_guard lk(mu_);
  return state_;
}

std::string SseStream::reason() const {
  std::lock_guard lk(mu_);
  return reason_;
}

void SseStream::set_waker(std::function<void()> waker) {
  std::lock_guard lk(mu_);
  waker_ = std::move(waker);
  notified_ = false;
}

void SseStream::fail(std::string reason) {
  std::lock_guard lk(mu_);
  if (state_ == State::failed) return;
  state_ = State::failed;
  reason_ = std::move(reason);
  queue_.clear();
  live_events_ = live_bytes_ = 0;
  notify_locked(true);
}

void SseStream::detach_all() {
  std::vector<std::weak_ptr<Topic>> topics;
  {
    std::lock_guard lk(mu_);
    topics.swap(topics_);
  }
  for (auto& w : topics)
    if (auto t = w.lock()) t->unsubscribe(this);
}

std::size_t SseStream::queued_events() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

void SseStream::notify_locked(bool state_changed) {
  // New frames need one wake-up per take(); a state change always gets its own, because the
  // writer may be stuck in a write and only this wake-up closes the socket under it.
  if ((notified_ && !state_changed) || !waker_) return;
  notified_ = true;
  waker_();
}

}  // namespace ms::net
