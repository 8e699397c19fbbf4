#include "net/http.hpp"

#include <algorithm>
#include <cctype>

#include <arpa/inet.h>

#include "net/url.hpp"

namespace ms::net {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the client needs the rest.
std::string strip_json_prefix(const char* what) {
  std::string_view s(what);
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find("] ");
    if (close != std::string_view::npos) s.remove_prefix(close + 2);
  }
  return std::string(s);
}

// A cheap scan before parsing: nesting depth is what could exhaust memory or stack in later
// recursive walks of the document, so it is bounded up front.
bool json_depth_exceeds(std::string_view text, int max_depth) noexcept {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// ---- Headers ----

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : fields_)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

std::string Headers::get_or(std::string_view name, std::string_view fallback) const {
  auto v = get(name);
  return std::string(v ? *v : fallback);
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : fields_)
    if (iequals(k, name)) out.emplace_back(v);
  return out;
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
}

// ---- QueryParams ----

std::optional<std::string> QueryParams::get(std::string_view key) const {
  for (const auto& [k, v] : params_)
    if (k == key) return v;
  return std::nullopt;
}

std::vector<std::string> QueryParams::get_all(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : params_)
    if (k == key) out.push_back(v);
  return out;
}

// ---- Request ----

const std::string& Request::param(std::string_view name) const {
  auto it = params.find(std::string(name));
  if (it == params.end())
    throw core::Error("missing_path_param", "route " + route_pattern + " has no path parameter '" +
                                                std::string(name) + "'");
  return it->second;
}

std::map<std::string, std::string> Request::cookies() const {
  std::map<std::string, std::string> out;
  for (std::string_view line : headers.get_all("Cookie")) {
    while (!line.empty()) {
      const auto semi = line.find(';');
      const std::string_view pair = trim(line.substr(0, semi));
      line = semi == std::string_view::npos ? std::string_view{} : line.substr(semi + 1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      std::string_view value = trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      out.emplace(std::string(trim(pair.substr(0, eq))), std::string(value));
    }
  }
  return out;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  auto all = cookies();
  auto it = all.find(std::string(name));
  if (it == all.end()) return std::nullopt;
  return it->second;
}

std::string Request::content_type() const {
  auto ct = headers.get("Content-Type");
  if (!ct) return {};
  std::string_view v = *ct;
  v = trim(v.substr(0, v.find(';')));
  return to_lower(v);
}

nlohmann::json Request::json() const {
  if (body.empty())
    throw HttpError(400, "missing_body", "request body is empty; expected a JSON document");
  const std::string ct = content_type();
  const bool is_json = ct == "application/json" ||
                       (ct.size() > 5 && ct.compare(ct.size() - 5, 5, "+json") == 0);
  if (!is_json)
    throw HttpError(415, "unsupported_media_type",
                    "expected Content-Type: application/json, got " +
                        (ct.empty() ? std::string("no Content-Type") : "'" + ct + "'"));
  if (json_depth_exceeds(body, kMaxJsonDepth))
    throw HttpError(400, "json_too_deep", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(400, "invalid_json",
                    "malformed JSON at byte " + std::to_string(e.byte) + ": " + strip_json_prefix(e.what()));
  }
}

nlohmann::json Request::json_object() const {
  auto j = json();
  if (!j.is_object())
    throw HttpError(400, "expected_object", std::string("request body must be a JSON object, got ") + j.type_name());
  return j;
}

std::string Request::last_event_id() const {
  if (auto h = headers.get("Last-Event-ID")) return std::string(trim(*h));
  if (auto q = query.get("last_event_id")) return *q;
  return {};
}

bool Request::is_loopback() const {
  std::string_view a = remote_address;
  if (a == "::1") return true;
  if (a.size() > 7 && iequals(a.substr(0, 7), "::ffff:")) a.remove_prefix(7);
  in_addr v4{};
  const std::string s(a);
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

// ---- Response ----

Response::Response(int status_code, std::string body_text, std::string content_type)
    : status(status_code), body(std::move(body_text)) {
  headers.set("Content-Type", std::move(content_type));
}

Response Response::json(int status, const nlohmann::json& body) {
  return Response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

Response Response::text(int status, std::string body, std::string content_type) {
  return Response(status, std::move(body), std::move(content_type));
}

Response Response::error(int status, std::string_view code, std::string_view message,
                         std::optional<std::string> field, const nlohmann::json& extras) {
  return json(status, error_body(code, message, field, extras));
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::redirect(std::string location, int status) {
  Response r;
  r.status = status;
  r.headers.set("Location", std::move(location));
  return r;
}

Response Response::event_stream(std::shared_ptr<SseStream> stream) {
  Response r;
  r.status = 200;
  r.stream = std::move(stream);
  return r;
}

nlohmann::json error_body(std::string_view code, std::string_view message,
                          const std::optional<std::string>& field, const nlohmann::json& extras) {
  nlohmann::json j = nlohmann::json::object();
  if (extras.is_object()) j = extras;
  j["success"] = false;
  j["error"] = message;
  j["code"] = code;
  if (field) j["field"] = *field;
  return j;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace ms::net
