#pragma once
// The built UI served from a directory (ui/dist).
//
// - MIME types by extension (html, js, mjs, css, json, svg, png, jpg, ico, woff2, map, txt,
//   wasm, ...); text types carry charset=utf-8; unknown → application/octet-stream.
// - Caching: files under the immutable prefix (/assets/, where Vite puts content-hashed
//   names) get `public, max-age=31536000, immutable`; index.html and everything else `no-cache`
//   (always revalidated, cheap with the validators below).
// - ETag (size + mtime) and Last-Modified; If-None-Match / If-Modified-Since answer 304.
// - SPA fallback: a GET for an unknown path that is not under an API prefix (/api, /sse, /ws)
//   or the asset prefix, and whose last segment has no file extension, gets index.html — the
//   client-side router owns those URLs. Misses under an API prefix answer JSON 404; a missing
//   asset answers JSON 404 (never HTML where the browser expects a script).
// - Traversal refused: decoded segments "..", ".", containing '/', '\\' or NUL, and dot-files
//   answer 404 (the existence of files outside the root is not revealed).
// Files are read synchronously; they are small UI assets served from the page cache.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"

namespace ms::net {

struct StaticFilesOptions {
  std::filesystem::path root{};
  bool spa_fallback = true;
  std::string index = "index.html";
  std::vector<std::string> api_prefixes{"/api", "/sse", "/ws"};
  std::string immutable_prefix = "/assets/";
};

class StaticFiles {
 public:
  // Throws core::Error("static_root_missing") when the root is not a directory.
  explicit StaticFiles(StaticFilesOptions options);

  // Answers GET/HEAD (others 405 JSON). Never throws for bad input.
  Response serve(const Request& req) const;

  const StaticFilesOptions& options() const noexcept { return options_; }

 private:
  Response file_response(const Request& req, const std::filesystem::path& file, bool immutable) const;
  bool under_api_prefix(std::string_view path) const;

  StaticFilesOptions options_;
  std::filesystem::path canonical_root_;
};

// "text/html; charset=utf-8" for "index.html" (or ".html" / "html").
std::string_view mime_type_for(std::string_view path_or_extension);

// RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and back (nullopt when malformed).
std::string format_http_date(std::int64_t unix_seconds);
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace ms::net
