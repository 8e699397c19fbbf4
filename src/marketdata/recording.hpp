#pragma once
// Recording files for `massive --record FILE` and `marketswarm sim --replay FILE`: JSON lines.
//   line 1 (header): {"format":"marketswarm-recording","version":1,"start_ms":<epoch ms>,
//                     "symbols":["I:SPX",...],"source":"live"|"sim"}
//   then one record per line, in the order received:
//     {"t_ms":<epoch ms>,"kind":"ws","feed":"options","payload":"<the text frame as received>"}
//     {"t_ms":<epoch ms>,"kind":"rest","path":"/v3/snapshot/options/I:SPX?limit=250",
//      "status":200,"payload":"<response body>"}
//   A payload that is not valid UTF-8 (a garbage frame) is stored base64url as "payload_b64"
//   instead, so every line stays valid JSON and replays byte for byte.
// t_ms is the market time the record was received at (wall clock when live). The writer drops
// any apiKey parameter from recorded paths: a recording never holds a secret.
// Reading: a missing, unreadable or foreign header is an error (bad_recording); a record line
// that does not parse or lacks a field — a line cut short by a crash included — is counted and
// skipped. The replayer yields records with non-decreasing offsets from start_ms (a record
// stamped earlier than the one before it is replayed at the earlier one's offset), so a server
// can pace them at any speed multiplier: send a record once wall_elapsed x speed >= offset.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/market_calendar.hpp"

namespace ms::marketdata {

using core::EpochMs;

inline constexpr std::string_view kRecordingFormat = "marketswarm-recording";
inline constexpr int kRecordingVersion = 1;

struct RecordingHeader {
  int version = kRecordingVersion;
  EpochMs start_ms = 0;
  std::vector<std::string> symbols;
  std::string source = "live";
  bool operator==(const RecordingHeader&) const = default;
};

enum class RecordKind { ws, rest };

struct RecordedEvent {
  EpochMs t_ms = 0;
  RecordKind kind = RecordKind::ws;
  std::string feed;  // ws: "options" | "stocks" | "indices"
  std::string path;  // rest: path with query
  int status = 200;  // rest
  std::string payload;
  bool operator==(const RecordedEvent&) const = default;
};

// "/v3/x?apiKey=K&limit=5" -> "/v3/x?limit=5".
std::string strip_api_key(std::string_view path_and_query);
bool is_valid_utf8(std::string_view s);

std::string encode_header_line(const RecordingHeader& h);
std::string encode_record_line(const RecordedEvent& e);
// nullopt when the line is not a well-formed record.
std::optional<RecordedEvent> decode_record_line(std::string_view line);

class RecordingWriter {
 public:
  // Creates or truncates `file`; throws core::Error("recording_io") when it cannot.
  RecordingWriter(const std::filesystem::path& file, const RecordingHeader& header);
  void write(const RecordedEvent& e);  // throws core::Error("recording_io") on a write failure
  void write_ws(EpochMs t_ms, std::string_view feed, std::string_view frame);
  void write_rest(EpochMs t_ms, std::string_view path, int status, std::string_view body);
  void flush();
  std::uint64_t records() const { return records_; }

 private:
  std::filesystem::path file_;
  std::ofstream out_;
  std::uint64_t records_ = 0;
};

class RecordingReader {
 public:
  // Throws core::Error("recording_io") when the file cannot be opened and
  // core::Error("bad_recording") when its first line is not a supported header.
  explicit RecordingReader(const std::filesystem::path& file);
  explicit RecordingReader(std::unique_ptr<std::istream> in);

  const RecordingHeader& header() const { return header_; }
  std::optional<RecordedEvent> next();  // nullopt at the end
  std::uint64_t corrupt_lines() const { return corrupt_; }
  std::uint64_t records_read() const { return read_; }

 private:
  void read_header();

  std::unique_ptr<std::istream> in_;
  RecordingHeader header_;
  std::uint64_t corrupt_ = 0;
  std::uint64_t read_ = 0;
};

struct ReplayEvent {
  EpochMs offset_ms = 0;  // from the header's start_ms, non-decreasing
  RecordedEvent event;
};

class Replayer {
 public:
  explicit Replayer(std::unique_ptr<RecordingReader> reader);
  explicit Replayer(const std::filesystem::path& file);

  const RecordingHeader& header() const { return reader_->header(); }
  std::optional<EpochMs> next_offset();  // of the next record; nullopt at the end
  std::optional<ReplayEvent> next();
  // Every record whose offset is <= elapsed_ms, in order.
  std::vector<ReplayEvent> due(EpochMs elapsed_ms);
  bool finished();
  // The latest REST body replayed so far for exactly this path (apiKey ignored).
  const RecordedEvent* latest_rest(std::string_view path) const;
  std::uint64_t corrupt_lines() const { return reader_->corrupt_lines(); }

 private:
  void fill();

  std::unique_ptr<RecordingReader> reader_;
  std::optional<ReplayEvent> pending_;
  bool exhausted_ = false;
  EpochMs last_offset_ = 0;
  std::map<std::string, RecordedEvent, std::less<>> rest_;
};

}  // namespace ms::marketdata
