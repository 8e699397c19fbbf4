#pragma once
// The plain request/response types every handler sees. Nothing here knows about Beast or
// sockets: the server (server_impl.cpp) translates the wire into a Request and a Response
// back into bytes, so services and tests compile against these small headers only.
//
// Errors: every error response in the platform has one body (DESIGN §9):
//   {"success":false,"error":"<message>","code":"<snake_case>","field"?:"<name>", ...extras}
// Handlers either return Response::error(...) or throw; what a thrown exception becomes
// (HttpError → its status; caller-fault core::Error codes → 4xx; *_unavailable/_timeout/_busy
// → 503 with Retry-After; anything else → a generic 500) is decided in net/error_response.hpp.
#include <any>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace ms::net {

class SseStream;
struct SseOptions;

// ASCII case-insensitive comparison (header names, media types, schemes).
bool iequals(std::string_view a, std::string_view b) noexcept;
std::string to_lower(std::string_view s);

// Header fields in arrival order; names compare case-insensitively; duplicates are kept
// (Set-Cookie needs several).
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // The first value of `name`, if any.
  std::optional<std::string_view> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string_view fallback = {}) const;
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }

  // Replaces every field called `name` with one field.
  void set(std::string name, std::string value);
  // Appends a field, keeping existing ones (Set-Cookie, Vary).
  void add(std::string name, std::string value);
  void remove(std::string_view name);

  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }

 private:
  std::vector<Field> fields_;
};

// Decoded `?a=1&b=x%20y&b=2`. Keys and values are percent-decoded ('+' is a space); a key
// without '=' has an empty value; order and duplicates are kept.
class QueryParams {
 public:
  using Param = std::pair<std::string, std::string>;
  QueryParams() = default;
  explicit QueryParams(std::vector<Param> params) : params_(std::move(params)) {}

  std::optional<std::string> get(std::string_view key) const;
  std::vector<std::string> get_all(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }

  std::vector<Param>::const_iterator begin() const { return params_.begin(); }
  std::vector<Param>::const_iterator end() const { return params_.end(); }
  std::size_t size() const noexcept { return params_.size(); }

 private:
  std::vector<Param> params_;
};

// One incoming request. The server fills every field before the handler runs.
class Request {
 public:
  std::string method;  // as received, upper-case for well-formed clients: "GET"
  std::string target;  // raw request-target: "/api/x?sso=..." (never log it unredacted)
  std::string path;    // the target's path, still percent-encoded ("/api/models/I%3ASPX")
  QueryParams query;   // decoded
  int version = 11;    // 10 or 11
  Headers headers;
  std::string body;
  // Path parameters from the route pattern, percent-decoded: {symbol} → params["symbol"].
  std::map<std::string, std::string> params;
  std::string route_pattern;  // the matched route's pattern ("" when none matched)
  std::string remote_address;  // "127.0.0.1" / "::1"
  std::uint16_t remote_port = 0;
  std::string request_id;  // the sane incoming X-Request-Id, else a generated one
  // The server's SSE defaults, so SseStream::create(request) can honour server options.
  std::shared_ptr<const SseOptions> sse_defaults;
  // Per-request values that earlier code (auth helpers) leaves for later code.
  std::map<std::string, std::any> attributes;

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  // A path parameter; throws core::Error("missing_path_param") when the route has none of that
  // name (a programming error, reported as 400 naming the parameter).
  const std::string& param(std::string_view name) const;
  std::optional<std::string> query_param(std::string_view key) const { return query.get(key); }

  // Cookies from every Cookie header; the first occurrence of a name wins.
  std::map<std::string, std::string> cookies() const;
  std::optional<std::string> cookie(std::string_view name) const;

  // The media type of Content-Type, lower-cased, without parameters ("application/json").
  std::string content_type() const;

  // The body as JSON. Throws HttpError: 400 "missing_body" when the body is empty, 415
  // "unsupported_media_type" when Content-Type is not application/json (or */*+json), 400
  // "invalid_json" naming the byte offset of the first error, 400 "json_too_deep" beyond
  // kMaxJsonDepth levels. (413 for oversized bodies happens before the handler runs.)
  nlohmann::json json() const;
  // json() plus a check that the document is an object (400 "expected_object").
  nlohmann::json json_object() const;
  static constexpr int kMaxJsonDepth = 128;

  // The SSE resume point: the Last-Event-ID header, else `?last_event_id=` (a fresh browser
  // EventSource cannot set headers). Empty when neither is present.
  std::string last_event_id() const;

  // True when the peer is 127.0.0.0/8, ::1 or an IPv4-mapped loopback address.
  bool is_loopback() const;
};

// A response. `stream` set means "this is an SSE response": the server writes the event-stream
// headers plus `headers` and then drains the stream until it ends.
class Response {
 public:
  int status = 200;
  Headers headers;
  std::string body;
  std::shared_ptr<SseStream> stream;

  Response() = default;
  Response(int status_code, std::string body_text, std::string content_type);

  static Response json(int status, const nlohmann::json& body);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // The one error shape; `extras` (an object) adds route-specific members.
  static Response error(int status, std::string_view code, std::string_view message,
                        std::optional<std::string> field = std::nullopt,
                        const nlohmann::json& extras = nullptr);
  static Response no_content();
  static Response redirect(std::string location, int status = 302);
  static Response event_stream(std::shared_ptr<SseStream> stream);
};

// {"success":false,"error":message,"code":code[,"field":field]} merged with `extras`.
nlohmann::json error_body(std::string_view code, std::string_view message,
                          const std::optional<std::string>& field = std::nullopt,
                          const nlohmann::json& extras = nullptr);

// An error with an explicit HTTP status, thrown by handlers and by Request::json().
class HttpError : public core::Error {
 public:
  HttpError(int status, std::string code, const std::string& message,
            std::optional<std::string> field = std::nullopt, nlohmann::json extras = nullptr)
      : core::Error(std::move(code), message),
        status_(status),
        field_(std::move(field)),
        extras_(std::move(extras)) {}
  int status() const noexcept { return status_; }
  const std::optional<std::string>& field() const noexcept { return field_; }
  const nlohmann::json& extras() const noexcept { return extras_; }

 private:
  int status_;
  std::optional<std::string> field_;
  nlohmann::json extras_;
};

// "OK", "Not Found", ... ("Unknown" for codes without a registered phrase).
std::string_view reason_phrase(int status) noexcept;

}  // namespace ms::net
