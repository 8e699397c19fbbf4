#include "net/access_log.hpp"

#include <random>

#include <fmt/format.h>

#include "net/http.hpp"
#include "net/url.hpp"

namespace ms::net {

namespace {

// `key` is the raw query key: it is decoded first, because the application decodes it too, so
// `?ss%6F=` and `?SSO=` name the same parameter as `?sso=`. An undecodable key (a stray '%') is
// compared as it is.
bool is_secret_param(std::string_view raw_key) {
  // apikey: the market-data vendor's ?apiKey= (the simulator logs its requests too).
  static constexpr std::string_view kSecret[] = {"sso",     "token",   "access_token", "id_token", "jwt",
                                                 "session", "password", "apikey",       "api_key",  "key"};
  const std::string lower = to_lower(percent_decode(raw_key, /*plus_is_space=*/true).value_or(std::string(raw_key)));
  for (auto s : kSecret)
    if (lower == s) return true;
  return false;
}

}  // namespace

bool is_sane_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string generate_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

std::string redact_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q + 1));
  std::string_view query = target.substr(q + 1);
  bool first = true;
  while (true) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    const auto eq = piece.find('=');
    if (eq != std::string_view::npos && is_secret_param(piece.substr(0, eq))) {
      out.append(piece.substr(0, eq + 1)).append("REDACTED");
    } else {
      out.append(piece);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

AccessLogLevel access_log_level(int status, bool internal) noexcept {
  if (status >= 500) return AccessLogLevel::warn;
  if (status >= 400) return AccessLogLevel::info;
  return internal ? AccessLogLevel::debug : AccessLogLevel::info;
}

std::string redact_header(std::string_view name, std::string_view value) {
  static constexpr std::string_view kSecret[] = {"cookie", "set-cookie", "authorization", "proxy-authorization",
                                                 "x-internal-token"};
  for (auto s : kSecret)
    if (iequals(name, s)) return "REDACTED";
  return std::string(value);
}

// A request line could otherwise forge log lines.
static std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string format_access_log(const AccessLogEntry& e) {
  std::string line = fmt::format("{} {} {} {}B {:.2f}ms rid={} remote={}", printable(e.method),
                                 printable(redact_target(e.target)), e.status,
                                 e.bytes, static_cast<double>(e.duration.count()) / 1000.0, e.request_id, e.remote);
  if (!e.note.empty()) line.append(" ").append(e.note);
  return line;
}

}  // namespace ms::net
