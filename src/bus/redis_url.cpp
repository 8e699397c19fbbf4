#include "bus/redis_url.hpp"

#include <cctype>
#include <charconv>
#include <limits>

#include "core/error.hpp"

namespace ms::bus {

namespace {

constexpr std::string_view kScheme = "redis://";

[[noreturn]] void fail(std::string_view url, const std::string& why) {
  throw core::Error("bad_redis_url", "bad Redis URL '" + redact_url(url) + "': " + why +
                                         " (expected redis://[:password@]host[:port][/db])");
}

bool starts_with_scheme(std::string_view url) {
  if (url.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) return false;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view url, std::string_view s, const char* what) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
    const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) fail(url, std::string("bad percent-escape in the ") + what);
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool valid_hostname(std::string_view h) {
  for (char c : h) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string redact_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto rest = url.substr(scheme_end + 3);
  const auto at = rest.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const auto userinfo = rest.substr(0, at);
  const auto colon = userinfo.find(':');
  std::string out(url.substr(0, scheme_end + 3));
  if (colon == std::string_view::npos) {
    out += "***";
  } else {
    out += userinfo.substr(0, colon);
    out += ":***";
  }
  out += rest.substr(at);
  return out;
}

RedisUrl parse_redis_url(std::string_view url) {
  if (url.empty()) fail(url, "empty URL");
  if (!starts_with_scheme(url)) fail(url, "the scheme must be redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisUrl out;

  // The password may contain '/' or '@' unescaped in sloppy configs; the last '@' ends it.
  const auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const auto userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      fail(url, "credentials need a ':' before the password (redis://:password@host)");
    out.username = percent_decode(url, userinfo.substr(0, colon), "user name");
    out.password = percent_decode(url, userinfo.substr(colon + 1), "password");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) fail(url, "query strings and fragments are not supported");

  std::string_view authority = rest;
  std::string_view path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail(url, "unterminated '[' in the host");
    out.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail(url, "unexpected text after the IPv6 host");
      port_text = after.substr(1);
      has_port = true;
    }
    if (out.host.empty() || out.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
      fail(url, "bad IPv6 host");
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
      if (port_text.find(':') != std::string_view::npos) fail(url, "IPv6 hosts must be written in brackets");
    }
    if (!valid_hostname(out.host)) fail(url, "bad host name '" + out.host + "'");
  }
  if (out.host.empty()) fail(url, "missing host");

  if (has_port) {
    unsigned port = 0;
    if (!parse_number(port_text, port) || port == 0 || port > 65535)
      fail(url, "port must be a number from 1 to 65535, got '" + std::string(port_text) + "'");
    out.port = static_cast<std::uint16_t>(port);
  }

  if (!path.empty()) {
    int db = 0;
    if (!parse_number(path, db)) fail(url, "database must be a non-negative number, got '" + std::string(path) + "'");
    out.db = db;
  }
  return out;
}

std::string RedisUrl::host_port() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string RedisUrl::redacted() const {
  std::string s = "redis://";
  if (!password.empty() || !username.empty()) s += username + ":***@";
  s += host_port();
  if (db != 0) s += "/" + std::to_string(db);
  return s;
}

}  // namespace ms::bus
