#include "core/secrets.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/env.hpp"
#include "core/error.hpp"

namespace ms::core {
namespace {

namespace fs = std::filesystem;

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

bool valid_name(std::string_view name) {
  if (name.empty() || !(std::isupper(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

void require_private(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw Error("secrets_file_missing", "secrets file " + path.string() + " does not exist");
    throw Error("secrets_file_unreadable", "cannot stat secrets file " + path.string() + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw Error("secrets_file_unreadable", "secrets file " + path.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error("secrets_file_permissions", "secrets file " + path.string() + " has mode " + mode +
                                                "; others may read it. Run: chmod 600 " + path.string());
  }
}

std::string random_hex(std::size_t bytes) {
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("random_unavailable", std::string("cannot open /dev/urandom: ") + std::strerror(errno));
  std::string raw(bytes, '\0');
  std::size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::read(fd, raw.data() + got, bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw Error("random_unavailable", "short read from /dev/urandom");
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

void write_all(int fd, const std::string& data, const fs::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("secrets_file_write", "cannot write " + path.string() + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::map<std::string, std::string, std::less<>> read_secrets_file(const fs::path& path) {
  require_private(path);
  std::ifstream in(path);
  if (!in) throw Error("secrets_file_unreadable", "cannot read secrets file " + path.string());
  std::map<std::string, std::string, std::less<>> values;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto eq = t.find('=');
    std::string name = eq == std::string::npos ? std::string() : trim(std::string_view(t).substr(0, eq));
    if (eq == std::string::npos || !valid_name(name)) {
      // The line itself may hold a secret, so only its number is reported.
      throw Error("secrets_file_syntax", path.string() + ":" + std::to_string(number) +
                                             ": expected NAME=VALUE with NAME in [A-Z0-9_]");
    }
    std::string value = trim(std::string_view(t).substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    values[name] = value;
  }
  return values;
}

Secrets::Secrets(std::string component, std::vector<std::string> allowed, std::optional<fs::path> file)
    : component_(std::move(component)), allowed_(std::move(allowed)), file_(std::move(file)) {
  if (file_) file_values_ = read_secrets_file(*file_);
}

Secrets Secrets::for_component(std::string component, std::vector<std::string> allowed) {
  std::optional<fs::path> file;
  if (auto f = core::env("MS_SECRETS_FILE"); f && !f->empty()) file = fs::path(*f);
  return Secrets(std::move(component), std::move(allowed), std::move(file));
}

void Secrets::check_allowed(std::string_view name) const {
  if (std::find(allowed_.begin(), allowed_.end(), name) == allowed_.end()) {
    throw Error("secret_not_declared", "component '" + component_ + "' may not read secret " + std::string(name) +
                                           ": it is not in the component's secrets[] in truth");
  }
}

std::optional<std::string> Secrets::get(std::string_view name) const {
  check_allowed(name);
  const std::string n(name);
  if (auto v = core::env(n.c_str()); v && !v->empty()) return v;
  auto it = file_values_.find(name);
  if (it != file_values_.end() && !it->second.empty()) return it->second;
  return std::nullopt;
}

std::string Secrets::require(std::string_view name) const {
  if (auto v = get(name)) return *v;
  std::string where = "the environment";
  where += file_ ? " and the secrets file " + file_->string() : " (MS_SECRETS_FILE is not set, so no secrets file)";
  throw Error("missing_secret", "secret " + std::string(name) + " needed by " + component_ + " is not set; looked in " +
                                    where);
}

std::vector<std::string> dev_secret_names() {
  return {"APP_SESSION_SECRET", "SSO_0DTE_SECRET", "INTERNAL_SERVICE_TOKEN"};
}

std::vector<std::string> generate_dev_secrets(const fs::path& path, const std::vector<std::string>& names) {
  std::map<std::string, std::string, std::less<>> existing;
  std::string content;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    existing = read_secrets_file(path);
    std::ifstream in(path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    content = buffer.str();
    if (!content.empty() && content.back() != '\n') content += '\n';
  } else {
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    content = "# Local development secrets generated by marketswarm; never commit this file.\n";
  }
  std::vector<std::string> added;
  for (const auto& name : names) {
    if (existing.count(name) != 0) continue;
    content += name + "=" + random_hex(32) + "\n";
    added.push_back(name);
  }
  if (added.empty() && fs::exists(path, ec)) return added;

  // Write a private temporary file and rename it over the old one, so a crash never leaves a
  // half-written or world-readable secrets file.
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("secrets_file_write", "cannot create " + tmp.string() + ": " + std::strerror(errno));
  try {
    if (::fchmod(fd, 0600) != 0) throw Error("secrets_file_write", "cannot chmod " + tmp.string());
    write_all(fd, content, tmp);
    if (::fsync(fd) != 0) throw Error("secrets_file_write", "cannot sync " + tmp.string());
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error("secrets_file_write", "cannot replace " + path.string() + ": " + std::strerror(errno));
  }
  return added;
}

}  // namespace ms::core
