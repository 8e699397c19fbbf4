#pragma once
// Helpers for the truth tests: find the shipped truth/, copy it into a temp dir, edit one JSON file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/truth/issue.hpp"

namespace ms::core::truth::testing {

namespace fs = std::filesystem;

// The repository's truth/, found by walking up from the test binary and from the working directory.
inline fs::path shipped_truth_dir() {
  std::error_code ec;
  for (fs::path start : {fs::read_symlink("/proc/self/exe", ec).parent_path(), fs::current_path(ec)}) {
    for (fs::path d = start; !d.empty(); d = d.parent_path()) {
      if (fs::is_regular_file(d / "truth" / "node.json", ec)) return d / "truth";
      if (d == d.root_path()) break;
    }
  }
  ADD_FAILURE() << "no truth/node.json above the test binary or the working directory";
  return {};
}

// Copies the shipped truth/ to <root>/truth and returns that path.
inline fs::path copy_shipped_truth(const fs::path& root) {
  fs::path to = root / "truth";
  fs::copy(shipped_truth_dir(), to, fs::copy_options::recursive);
  return to;
}

inline nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

inline void write_json(const fs::path& path, const nlohmann::json& doc) {
  std::ofstream out(path, std::ios::trunc);
  out << doc.dump(2);
}

inline void edit_json(const fs::path& path, const std::function<void(nlohmann::json&)>& edit) {
  auto doc = read_json(path);
  edit(doc);
  write_json(path, doc);
}

inline std::string dump_issues(const Issues& issues) {
  std::string out;
  for (const auto& i : issues) out += i.to_string() + "\n";
  return out.empty() ? "(no issues)\n" : out;
}

// True when some issue has this rule and pointer and its file name ends with `file_suffix`.
inline bool has_issue(const Issues& issues, const std::string& file_suffix, const std::string& pointer,
                      const std::string& rule) {
  for (const auto& i : issues) {
    bool file_ok = i.file.size() >= file_suffix.size() &&
                   i.file.compare(i.file.size() - file_suffix.size(), file_suffix.size(), file_suffix) == 0;
    if (file_ok && i.pointer == pointer && i.rule == rule) return true;
  }
  return false;
}

inline std::size_t count_rule(const Issues& issues, const std::string& rule) {
  std::size_t n = 0;
  for (const auto& i : issues) n += i.rule == rule;
  return n;
}

// Sets (or unsets) one environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace ms::core::truth::testing
