#include "net/static_files.hpp"

#include <ctime>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "net/url.hpp"

namespace ms::net {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

bool starts_with_prefix(std::string_view path, std::string_view prefix) {
  if (prefix.empty()) return false;
  if (prefix.back() == '/') return path.substr(0, prefix.size()) == prefix;
  return path == prefix || (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
                            path[prefix.size()] == '/');
}

// Decoded, validated path segments; nullopt when any segment could escape the root or name a
// hidden file.
std::optional<std::vector<std::string>> safe_segments(std::string_view raw_path) {
  std::vector<std::string> out;
  if (!raw_path.empty() && raw_path.front() == '/') raw_path.remove_prefix(1);
  while (!raw_path.empty()) {
    const auto slash = raw_path.find('/');
    const std::string_view raw = raw_path.substr(0, slash);
    raw_path = slash == std::string_view::npos ? std::string_view{} : raw_path.substr(slash + 1);
    if (raw.empty()) continue;
    auto seg = percent_decode(raw);
    if (!seg) return std::nullopt;
    if (seg->empty() || seg->front() == '.' || seg->find_first_of(std::string_view("/\\\0", 3)) != std::string::npos)
      return std::nullopt;
    out.push_back(std::move(*seg));
  }
  return out;
}

struct FileStat {
  std::uint64_t size = 0;
  std::int64_t mtime_sec = 0;
  std::int64_t mtime_nsec = 0;
};

std::optional<FileStat> stat_regular(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileStat{static_cast<std::uint64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtim.tv_sec),
                  static_cast<std::int64_t>(st.st_mtim.tv_nsec)};
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  // A list of entity tags, maybe weak (W/"..."), or "*".
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view tag = if_none_match.substr(0, comma);
    if_none_match = comma == std::string_view::npos ? std::string_view{} : if_none_match.substr(comma + 1);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

std::string_view extension_of(std::string_view path) {
  const auto slash = path.find_last_of('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.find_last_of('.');
  if (dot == std::string_view::npos) return name;  // a bare extension ("html") or no extension
  return name.substr(dot + 1);
}

}  // namespace

std::string_view mime_type_for(std::string_view path_or_extension) {
  const std::string ext = to_lower(extension_of(path_or_extension));
  struct Entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr Entry kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"ttf", "font/ttf"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"wasm", "application/wasm"},
      {"pdf", "application/pdf"},
  };
  for (const auto& e : kTypes)
    if (e.ext == ext) return e.type;
  return "application/octet-stream";
}

std::string format_http_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const auto mon = kMonths.find(text.substr(8, 3));
  if (mon == std::string_view::npos || mon % 3 != 0) return std::nullopt;
  std::tm tm{};
  tm.tm_mday = num(5, 2);
  tm.tm_mon = static_cast<int>(mon / 3);
  tm.tm_year = num(12, 4) - 1900;
  tm.tm_hour = num(17, 2);
  tm.tm_min = num(20, 2);
  tm.tm_sec = num(23, 2);
  if (tm.tm_mday < 1 || tm.tm_year < 0 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0 ||
      text[19] != ':' || text[22] != ':')
    return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

StaticFiles::StaticFiles(StaticFilesOptions options) : options_(std::move(options)) {
  std::error_code ec;
  if (!fs::is_directory(options_.root, ec))
    throw core::Error("static_root_missing", "static file root " + options_.root.string() + " is not a directory");
  canonical_root_ = fs::canonical(options_.root, ec);
  if (ec) throw core::Error("static_root_missing", "static file root " + options_.root.string() + ": " + ec.message());
}

bool StaticFiles::under_api_prefix(std::string_view path) const {
  for (const auto& p : options_.api_prefixes)
    if (starts_with_prefix(path, p)) return true;
  return false;
}

Response StaticFiles::serve(const Request& req) const {
  if (req.method != "GET" && req.method != "HEAD") {
    auto res = Response::error(405, "method_not_allowed", "method " + req.method + " not allowed for " + req.path +
                                                              "; allowed: GET, HEAD");
    res.headers.set("Allow", "GET, HEAD");
    return res;
  }
  const std::string_view path = req.path;
  if (under_api_prefix(path))
    return Response::error(404, "not_found", "no route for " + req.method + " " + req.path);

  auto segments = safe_segments(path);
  if (!segments) return Response::error(404, "not_found", "not found: " + req.path);

  const bool is_asset = starts_with_prefix(path, options_.immutable_prefix);
  fs::path file = canonical_root_;
  for (const auto& s : *segments) file /= s;
  if (segments->empty()) file /= options_.index;

  if (stat_regular(file)) {
    // A symlink inside the root must not lead outside it.
    std::error_code ec;
    const fs::path real = fs::canonical(file, ec);
    const auto rel = real.lexically_relative(canonical_root_);
    if (!ec && !rel.empty() && *rel.begin() != "..")
      return file_response(req, real, is_asset && !segments->empty());
    return Response::error(404, "not_found", "not found: " + req.path);
  }
  if (is_asset) return Response::error(404, "not_found", "asset not found: " + req.path);
  const bool looks_like_file = !segments->empty() && segments->back().find('.') != std::string::npos;
  if (options_.spa_fallback && !looks_like_file) {
    const fs::path index = canonical_root_ / options_.index;
    if (stat_regular(index)) return file_response(req, index, false);
  }
  return Response::error(404, "not_found", "not found: " + req.path);
}

Response StaticFiles::file_response(const Request& req, const fs::path& file, bool immutable) const {
  const auto st = stat_regular(file);
  if (!st) return Response::error(404, "not_found", "not found: " + req.path);
  const std::string etag = fmt::format("\"{:x}-{:x}{:08x}\"", st->size, st->mtime_sec, st->mtime_nsec);
  const std::string last_modified = format_http_date(st->mtime_sec);

  Response res;
  res.headers.set("Content-Type", std::string(mime_type_for(file.filename().string())));
  res.headers.set("Cache-Control", std::string(immutable ? kImmutable : kRevalidate));
  res.headers.set("ETag", etag);
  res.headers.set("Last-Modified", last_modified);

  bool not_modified = false;
  if (auto inm = req.headers.get("If-None-Match")) {
    not_modified = etag_matches(*inm, etag);
  } else if (auto ims = req.headers.get("If-Modified-Since")) {
    const auto since = parse_http_date(*ims);
    not_modified = since && st->mtime_sec <= *since;
  }
  if (not_modified) {
    res.status = 304;
    res.headers.remove("Content-Type");
    return res;
  }

  std::ifstream in(file, std::ios::binary);
  if (!in) return Response::error(404, "not_found", "not found: " + req.path);
  std::ostringstream ss;
  ss << in.rdbuf();
  res.status = 200;
  res.body = std::move(ss).str();
  return res;
}

}  // namespace ms::net
