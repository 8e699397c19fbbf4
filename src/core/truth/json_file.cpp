#include "core/truth/json_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <vector>

namespace ms::core::truth {
namespace {

// nlohmann keeps the last of two equal keys silently; a repeated "env" block would lose settings
// without a word, so the parse tracks where it is and reports repeats.
class DuplicateKeyTracker {
 public:
  DuplicateKeyTracker(std::string display, Issues& issues) : display_(std::move(display)), issues_(issues) {}

  bool on_event(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
        frames_.push_back(Frame{false, {}, {}, 0});
        break;
      case E::array_start:
        frames_.push_back(Frame{true, {}, {}, 0});
        break;
      case E::key: {
        auto& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) {
          issues_.push_back({display_, pointer_of_top(), "json.duplicate_key",
                             "key '" + top.key + "' appears twice in this object; the earlier value would be lost"});
        }
        break;
      }
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        element_done();
        break;
      case E::value:
        element_done();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_array;
    std::set<std::string> keys;
    std::string key;
    std::size_t index;
  };

  void element_done() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
  }

  std::string pointer_of_top() const {
    std::string pointer;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
      const auto& f = frames_[i];
      pointer = f.is_array ? pointer_append(pointer, f.index) : pointer_append(pointer, f.key);
    }
    return pointer_append(pointer, frames_.back().key);
  }

  std::string display_;
  Issues& issues_;
  std::vector<Frame> frames_;
};

std::string strip_exception_prefix(const std::string& what) {
  // "[json.exception.parse_error.101] parse error at line 3, column 1: ..." → from "parse error".
  auto pos = what.find("] ");
  return pos == std::string::npos ? what : what.substr(pos + 2);
}

}  // namespace

std::optional<nlohmann::json> parse_json_text(const std::string& text, const std::string& display,
                                              Issues& issues) {
  DuplicateKeyTracker tracker(display, issues);
  try {
    return nlohmann::json::parse(
        text, [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          return tracker.on_event(depth, event, parsed);
        });
  } catch (const nlohmann::json::parse_error& e) {
    issues.push_back({display, "", "json.parse", "invalid JSON: " + strip_exception_prefix(e.what())});
    return std::nullopt;
  }
}

std::optional<JsonFile> load_json_file(const std::filesystem::path& path, const std::string& display,
                                       Issues& issues) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    issues.push_back({display, "", "file.missing", "file not found: " + path.string()});
    return std::nullopt;
  }
  if (std::filesystem::is_directory(path, ec)) {
    issues.push_back({display, "", "file.unreadable", "is a directory, not a JSON file"});
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    issues.push_back({display, "", "file.unreadable", std::string("cannot open: ") + std::strerror(errno)});
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  JsonFile file{display, buffer.str(), {}};
  auto doc = parse_json_text(file.text, display, issues);
  if (!doc) return std::nullopt;
  file.doc = std::move(*doc);
  return file;
}

const nlohmann::json* find_pointer(const nlohmann::json& doc, const std::string& pointer) {
  try {
    nlohmann::json::json_pointer p(pointer);
    if (!doc.contains(p)) return nullptr;
    return &doc.at(p);
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

}  // namespace ms::core::truth
