#pragma once
// A fresh directory under $TMPDIR, removed with everything in it on destruction.
#include <filesystem>
#include <string>

namespace ms::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ms-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, creating parent directories.
void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);

}  // namespace ms::testing
