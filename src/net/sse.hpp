#pragma once
// Server-Sent Events: ordered, resumable, bounded (DESIGN §5, §10 "HTTP edge").
//
// Topic — one event source (e.g. "spot", "gex:I:SPX", "user:42:trade_log"):
//   * publish() serialises an event ONCE into an immutable frame
//       "id: <id>\nevent: <name>\ndata: <one line>\n\n"
//     and hands every subscriber a shared_ptr to the same bytes (never an encode per client);
//   * keeps a ring of the last N frames;
//   * subscribe(stream, last_event_id) decides atomically (under the topic's lock, so no event
//     can fall between) whether to replay from the ring — when the ring still holds the event
//     right after `last_event_id` — or to send a fresh snapshot, and then delivers live events.
//     Ids are opaque strings ("<epoch>:<seq>", Redis ids "1700000000000-0"): the ring finds
//     "the event after X" by position, never by comparing ids as numbers.
//   * publish() may be called from any thread.
//
// SseStream — one client connection:
//   * a handler creates it, attaches it to one or more topics (a multiplexed stream such as the
//     gateway's /sse/all attaches many), may push per-client events (e.g. `connected`), and
//     returns Response::event_stream(stream);
//   * the server writes `retry: <ms>` first, then queued frames, and a `: keepalive` comment
//     whenever nothing was written for `keepalive`;
//   * a bounded queue (events AND bytes) sits between topics and the socket. A client whose
//     queue overflows, or whose socket write stalls longer than write_stall_timeout, is
//     disconnected (logged, counted in marketswarm_sse_disconnects_total) — an event is never
//     silently skipped. The replay/snapshot queued by attach() is exempt from the limits, so
//     one large snapshot always fits.
//
// Last-Event-ID: Request::last_event_id() (header, else ?last_event_id=) is handed to the
// stream's owner, who passes it to attach(). For a multiplexed stream the owner decides how to
// map it to each topic (passing it to every topic is correct: a topic that does not hold the
// id sends its snapshot).
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ms::net {

class Request;

struct SseOptions {
  std::chrono::milliseconds retry{3000};       // the `retry:` hint sent first
  std::chrono::milliseconds keepalive{15'000};  // `: keepalive` after this much silence
  std::chrono::milliseconds write_stall_timeout{20'000};
  std::size_t max_queued_events = 1024;
  std::size_t max_queued_bytes = 4 << 20;
};

struct SseEvent {
  std::string id;    // empty: see Topic's snapshot rules and SseStream::push
  std::string name;  // the `event:` field
  std::string data;  // exactly one line (JSON from dump() is)
};

// Immutable encoded bytes shared by every queue that holds the event.
using SseFrame = std::shared_ptr<const std::string>;

// Throws core::Error("invalid_sse_event") when id or name contain CR/LF/NUL or data contains
// CR/LF (an SSE data field is one line here; multi-line data would be a second event format).
SseFrame encode_sse_event(std::string_view id, std::string_view name, std::string_view data);
// One-line JSON (invalid UTF-8 replaced rather than thrown).
std::string sse_data(const nlohmann::json& data);

class SseStream;

struct TopicOptions {
  std::size_t ring_size = 1024;
};

// Builds the snapshot for a subscriber that cannot be served from the ring. Called under the
// topic's lock: it must be quick (read a cached value) and must not call back into the topic.
using SnapshotProvider = std::function<std::optional<SseEvent>()>;

class Topic : public std::enable_shared_from_this<Topic> {
 public:
  static std::shared_ptr<Topic> create(std::string name, TopicOptions options = {},
                                       SnapshotProvider snapshot = {});

  const std::string& name() const noexcept { return name_; }

  // Encodes once, appends to the ring, and queues the frame for every live subscriber.
  // Throws core::Error("invalid_sse_event") for a bad event (nothing is published then).
  void publish(std::string_view id, std::string_view event_name, std::string_view data);
  void publish_json(std::string_view id, std::string_view event_name, const nlohmann::json& data);

  void set_snapshot_provider(SnapshotProvider provider);
  // A stored snapshot, used when no provider is set; encoded once and shared by every
  // subscriber that receives it. An empty id means "the topic's last published id".
  void set_snapshot(SseEvent snapshot);

  enum class Resume {
    replayed,  // the ring held the gap: the events after last_event_id were queued
    snapshot,  // a snapshot event was queued
    live,      // nothing to send first (up to date, or no snapshot available)
  };
  // Attaches `stream` (see SseStream::attach, which is the usual entry point).
  Resume subscribe(const std::shared_ptr<SseStream>& stream, std::string_view last_event_id);
  void unsubscribe(const SseStream* stream);

  std::size_t subscriber_count() const;
  std::string last_id() const;  // "" before the first publish
  std::size_t ring_size() const;

 private:
  Topic(std::string name, TopicOptions options, SnapshotProvider snapshot);
  void publish_frame(std::string_view id, SseFrame frame);

  std::string name_;
  TopicOptions options_;
  mutable std::mutex mu_;
  SnapshotProvider provider_;
  std::optional<SseEvent> stored_snapshot_;
  SseFrame stored_snapshot_frame_;
  std::string stored_snapshot_frame_id_;
  struct Entry {
    std::string id;
    SseFrame frame;
  };
  std::deque<Entry> ring_;
  std::string last_id_;
  std::vector<std::weak_ptr<SseStream>> subscribers_;
};

class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  // Uses the server's SSE options carried by the request (ServerOptions::sse).
  static std::shared_ptr<SseStream> create(const Request& req);
  static std::shared_ptr<SseStream> create(SseOptions options = {});

  // Subscribes to `topic` resuming after `last_event_id` (empty: a fresh client → snapshot).
  Topic::Resume attach(const std::shared_ptr<Topic>& topic, std::string_view last_event_id);

  // A per-client event (encoded for this client only). Without an id it carries the stream's
  // cursor — the id of the last topic event queued — so a reconnect resumes correctly; "0"
  // before any (which no ring holds, so a reconnect gets snapshots). False when the stream is
  // closed or the event overflowed the queue (the client is then disconnected).
  // Throws core::Error("invalid_sse_event") for CR/LF in the fields.
  bool push(std::string_view event_name, std::string_view data, std::string_view id = {});
  bool push_json(std::string_view event_name, const nlohmann::json& data, std::string_view id = {});

  // Ends the stream after the queued events are written.
  void close(std::string reason = "closed_by_owner");
  bool is_open() const;
  std::string cursor() const;
  const SseOptions& options() const noexcept { return options_; }

  // ---- used by topics and by the server's writer ----
  enum class State { open, closing, failed };
  // Moves queued frames into `out` and reports the state (closing/failed with reason()).
  State take(std::vector<SseFrame>& out);
  std::string reason() const;
  State state() const;
  // Called (at most once per take()) when frames arrive or the state changes.
  void set_waker(std::function<void()> waker);
  // Marks the stream failed (write stall, peer gone); it no longer accepts frames.
  void fail(std::string reason);
  // Unsubscribes from every attached topic.
  void detach_all();
  // Queue a frame; `exempt` frames (attach-time replay/snapshot) skip the limits. False when
  // closed or on overflow (which fails the stream).
  bool enqueue(SseFrame frame, std::string_view id, bool exempt);
  std::size_t queued_events() const;
  // Moves the cursor without queuing anything (attach to a topic the client is current on).
  void note_position(std::string_view id);

  ~SseStream();

 private:
  explicit SseStream(SseOptions options);
  void notify_locked(bool state_changed = false);

  SseOptions options_;
  mutable std::mutex mu_;
  std::deque<SseFrame> queue_;
  std::size_t live_events_ = 0;
  std::size_t live_bytes_ = 0;
  State state_ = State::open;
  std::string reason_;
  std::string cursor_;
  std::function<void()> waker_;
  bool notified_ = false;
  std::vector<std::weak_ptr<Topic>> topics_;
};

}  // namespace ms::net
