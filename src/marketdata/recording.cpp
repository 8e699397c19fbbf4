#include "marketdata/recording.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/base64url.hpp"

namespace ms::marketdata {

namespace {

// Payloads are checked for UTF-8 first; anything else goes base64url, so dump() never meets bad bytes.
void append_json_string(std::string& out, std::string_view s) { out += nlohmann::json(std::string(s)).dump(); }

bool has_key_param(std::string_view param) {
  return param.substr(0, 7) == "apiKey=" || param == "apiKey";
}

}  // namespace

std::string strip_api_key(std::string_view pq) {
  const auto qpos = pq.find('?');
  if (qpos == std::string_view::npos) return std::string(pq);
  std::string out(pq.substr(0, qpos));
  std::string_view rest = pq.substr(qpos + 1);
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    const auto part = rest.substr(0, amp);
    if (!part.empty() && !has_key_param(part)) {
      out += first ? '?' : '&';
      out += part;
      first = false;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string encode_header_line(const RecordingHeader& h) {
  nlohmann::json j;
  j["format"] = kRecordingFormat;
  j["version"] = h.version;
  j["start_ms"] = h.start_ms;
  j["symbols"] = h.symbols;
  j["source"] = h.source;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encode_record_line(const RecordedEvent& e) {
  std::string out = "{\"t_ms\":";
  out += std::to_string(e.t_ms);
  if (e.kind == RecordKind::ws) {
    out += ",\"kind\":\"ws\",\"feed\":";
    append_json_string(out, e.feed);
  } else {
    out += ",\"kind\":\"rest\",\"path\":";
    append_json_string(out, strip_api_key(e.path));
    out += ",\"status\":";
    out += std::to_string(e.status);
  }
  if (is_valid_utf8(e.payload)) {
    out += ",\"payload\":";
    append_json_string(out, e.payload);
  } else {
    out += ",\"payload_b64\":";
    append_json_string(out, core::base64url_encode(e.payload));
  }
  out += '}';
  return out;
}

std::optional<RecordedEvent> decode_record_line(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  RecordedEvent e;
  const auto t = j.find("t_ms");
  const auto kind = j.find("kind");
  if (t == j.end() || !t->is_number_integer() || kind == j.end() || !kind->is_string()) {
    return std::nullopt;
  }
  e.t_ms = t->get<EpochMs>();
  const auto k = kind->get<std::string>();
  if (k == "ws") {
    e.kind = RecordKind::ws;
    const auto f = j.find("feed");
    if (f == j.end() || !f->is_string()) return std::nullopt;
    e.feed = f->get<std::string>();
  } else if (k == "rest") {
    e.kind = RecordKind::rest;
    const auto p = j.find("path");
    if (p == j.end() || !p->is_string()) return std::nullopt;
    e.path = p->get<std::string>();
    const auto s = j.find("status");
    if (s != j.end()) {
      if (!s->is_number_integer()) return std::nullopt;
      e.status = s->get<int>();
    }
  } else {
    return std::nullopt;
  }
  const auto p = j.find("payload");
  const auto b = j.find("payload_b64");
  if (p != j.end() && p->is_string()) {
    e.payload = p->get<std::string>();
  } else if (b != j.end() && b->is_string()) {
    auto raw = core::base64url_decode(b->get<std::string>());
    if (!raw) return std::nullopt;
    e.payload = std::move(*raw);
  } else {
    return std::nullopt;
  }
  return e;
}

// ---- writer ----------------------------------------------------------------------------------

RecordingWriter::RecordingWriter(const std::filesystem::path& file, const RecordingHeader& header)
    : file_(file), out_(file, std::ios::binary | std::ios::trunc) {
  if (!out_) throw core::Error("recording_io", "cannot create recording " + file.string());
  out_ << encode_header_line(header) << '\n';
  out_.flush();
  if (!out_) throw core::Error("recording_io", "cannot write recording " + file.string());
}

void RecordingWriter::write(const RecordedEvent& e) {
  out_ << encode_record_line(e) << '\n';
  if (!out_) throw core::Error("recording_io", "write failed on recording " + file_.string());
  ++records_;
}

void RecordingWriter::write_ws(EpochMs t_ms, std::string_view feed, std::string_view frame) {
  write(RecordedEvent{t_ms, RecordKind::ws, std::string(feed), {}, 200, std::string(frame)});
}

void RecordingWriter::write_rest(EpochMs t_ms, std::string_view path, int status,
                                 std::string_view body) {
  write(RecordedEvent{t_ms, RecordKind::rest, {}, std::string(path), status, std::string(body)});
}

void RecordingWriter::flush() {
  out_.flush();
  if (!out_) throw core::Error("recording_io", "flush failed on recording " + file_.string());
}

// ---- reader ----------------------------------------------------------------------------------

RecordingReader::RecordingReader(const std::filesystem::path& file) {
  auto in = std::make_unique<std::ifstream>(file, std::ios::binary);
  if (!*in) throw core::Error("recording_io", "cannot open recording " + file.string());
  in_ = std::move(in);
  read_header();
}

RecordingReader::RecordingReader(std::unique_ptr<std::istream> in) : in_(std::move(in)) {
  if (!in_) throw core::Error("recording_io", "no recording stream");
  read_header();
}

void RecordingReader::read_header() {
  std::string line;
  if (!std::getline(*in_, line)) throw core::Error("bad_recording", "recording is empty");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", std::string{}) != kRecordingFormat) {
    throw core::Error("bad_recording", "not a marketswarm recording (first line is no header)");
  }
  const auto v = j.find("version");
  if (v == j.end() || !v->is_number_integer()) {
    throw core::Error("bad_recording", "recording header has no integer version");
  }
  if (v->get<int>() != kRecordingVersion) {
    throw core::Error("bad_recording", "unsupported recording version " + std::to_string(v->get<int>()) +
                                           " (this build reads " + std::to_string(kRecordingVersion) + ")");
  }
  const auto s = j.find("start_ms");
  if (s == j.end() || !s->is_number_integer()) {
    throw core::Error("bad_recording", "recording header has no integer start_ms");
  }
  header_.version = kRecordingVersion;
  header_.start_ms = s->get<EpochMs>();
  if (const auto sy = j.find("symbols"); sy != j.end()) {
    if (!sy->is_array()) throw core::Error("bad_recording", "recording header symbols must be an array");
    for (const auto& x : *sy) {
      if (!x.is_string()) throw core::Error("bad_recording", "recording header symbols must be strings");
      header_.symbols.push_back(x.get<std::string>());
    }
  }
  if (const auto so = j.find("source"); so != j.end() && so->is_string()) header_.source = so->get<std::string>();
}

std::optional<RecordedEvent> RecordingReader::next() {
  std::string line;
  while (std::getline(*in_, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (auto e = decode_record_line(line)) {
      ++read_;
      return e;
    }
    ++corrupt_;
  }
  return std::nullopt;
}

// ---- replayer --------------------------------------------------------------------------------

Replayer::Replayer(std::unique_ptr<RecordingReader> reader) : reader_(std::move(reader)) {
  if (!reader_) throw core::Error("recording_io", "no recording reader");
}

Replayer::Replayer(const std::filesystem::path& file)
    : Replayer(std::make_unique<RecordingReader>(file)) {}

void Replayer::fill() {
  if (pending_ || exhausted_) return;
  auto e = reader_->next();
  if (!e) {
    exhausted_ = true;
    return;
  }
  const EpochMs offset = std::max(last_offset_, e->t_ms - header().start_ms);
  last_offset_ = offset;
  pending_ = ReplayEvent{offset, std::move(*e)};
}

std::optional<EpochMs> Replayer::next_offset() {
  fill();
  if (!pending_) return std::nullopt;
  return pending_->offset_ms;
}

std::optional<ReplayEvent> Replayer::next() {
  fill();
  if (!pending_) return std::nullopt;
  auto out = std::move(*pending_);
  pending_.reset();
  if (out.event.kind == RecordKind::rest) rest_[strip_api_key(out.event.path)] = out.event;
  return out;
}

std::vector<ReplayEvent> Replayer::due(EpochMs elapsed_ms) {
  std::vector<ReplayEvent> out;
  while (true) {
    const auto o = next_offset();
    if (!o || *o > elapsed_ms) break;
    out.push_back(*next());
  }
  return out;
}

bool Replayer::finished() {
  fill();
  return !pending_;
}

const RecordedEvent* Replayer::latest_rest(std::string_view path) const {
  const auto it = rest_.find(strip_api_key(path));
  return it == rest_.end() ? nullptr : &it->second;
}

}  // namespace ms::marketdata
