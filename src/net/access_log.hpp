#pragma once
// Request ids and the access log line. Secrets never reach the log: `sso=` (the WordPress
// token in the login URL) and other token-like query values are replaced, and the Cookie /
// Authorization headers are only ever logged redacted.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ms::net {

// 1–128 characters of [A-Za-z0-9._:-]: safe to echo in a header and to log.
bool is_sane_request_id(std::string_view id) noexcept;
// 16 random lower-case hex characters.
std::string generate_request_id();

// The target with the values of sso, token, access_token, id_token, jwt, session, password
// query parameters replaced by "REDACTED". Keys are compared percent-decoded and
// case-insensitively (`?ss%6F=` and `?SSO=` are redacted too).
std::string redact_target(std::string_view target);
// "REDACTED" for Cookie, Set-Cookie, Authorization, Proxy-Authorization, X-Internal-Token;
// the value itself otherwise.
std::string redact_header(std::string_view name, std::string_view value);

struct AccessLogEntry {
  std::string_view method;
  std::string_view target;  // raw; redacted by format_access_log
  int status = 0;
  std::uint64_t bytes = 0;  // body bytes sent
  std::chrono::microseconds duration{0};
  std::string_view request_id;
  std::string_view remote;
  std::string_view note;  // e.g. an SSE stream's end reason
};

enum class AccessLogLevel { debug, info, warn };

// The level of one access-log line: 5xx → warn, 4xx → info whoever asked (a failing internal
// caller is worth seeing), anything else → debug for internal traffic (our own services, health
// and metrics probes) and info for the rest.
AccessLogLevel access_log_level(int status, bool internal) noexcept;

// `GET /api/x?sso=REDACTED 200 1234B 1.52ms rid=... remote=127.0.0.1[ note]`
std::string format_access_log(const AccessLogEntry& e);

}  // namespace ms::net
