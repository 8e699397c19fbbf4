#include "core/truth/addresses.hpp"

#include <arpa/inet.h>

#include <cctype>

namespace ms::core::truth {
namespace {

bool set_why(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return false;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool valid_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
  }
  return true;
}

std::optional<int> parse_port(std::string_view text) {
  if (!all_digits(text) || text.size() > 5) return std::nullopt;
  int port = std::stoi(std::string(text));
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

// Splits "host[:port]" where host may be "[v6]". Fills host and port text.
bool split_host_port(std::string_view authority, std::string& host, std::string_view& port_text, std::string* why) {
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return set_why(why, "'[' of an IPv6 address is never closed");
    host = std::string(authority.substr(1, close - 1));
    if (!is_ip_address(host) || host.find(':') == std::string::npos) {
      return set_why(why, "'" + host + "' in brackets is not an IPv6 address");
    }
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return set_why(why, "unexpected text after the IPv6 address");
      port_text = rest.substr(1);
      if (port_text.empty()) return set_why(why, "empty port");
    }
    return true;
  }
  auto colon = authority.find(':');
  host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) return set_why(why, "empty port");
  }
  if (host.empty()) return set_why(why, "no host");
  if (!valid_dns_name(host)) return set_why(why, "'" + host + "' is not a host name or IPv4 address");
  return true;
}

}  // namespace

bool url_has_credentials(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view rest = url.substr(scheme + 3);
  auto end = rest.find('/');
  std::string_view authority = rest.substr(0, end);
  return authority.find('@') != std::string_view::npos;
}

std::optional<RedisUrl> parse_redis_url(std::string_view url, std::string* why, bool allow_credentials) {
  constexpr std::string_view scheme = "redis://";
  if (url.rfind("rediss://", 0) == 0) {
    set_why(why, "rediss:// (TLS) is not supported by the bus client; use redis:// on a trusted network");
    return std::nullopt;
  }
  if (url.rfind(scheme, 0) != 0) {
    set_why(why, "'" + std::string(url) + "' does not start with redis://");
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme.size());
  if (url_has_credentials(url)) {
    if (!allow_credentials) {
      set_why(why, "credentials in a bus URL are secrets and do not belong in truth");
      return std::nullopt;
    }
    rest = rest.substr(rest.substr(0, rest.find('/')).rfind('@') + 1);
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    set_why(why, "query or fragment not supported in a bus URL");
    return std::nullopt;
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  RedisUrl out;
  std::string_view port_text;
  if (!split_host_port(authority, out.host, port_text, why)) return std::nullopt;
  if (!port_text.empty()) {
    auto port = parse_port(port_text);
    if (!port) {
      set_why(why, "port '" + std::string(port_text) + "' is not a number in 1..65535");
      return std::nullopt;
    }
    out.port = *port;
  }
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      if (!all_digits(db) || db.size() > 4) {
        set_why(why, "database '/" + std::string(db) + "' is not a number");
        return std::nullopt;
      }
      out.db = std::stoi(std::string(db));
    }
  }
  return out;
}

std::optional<std::string> database_url_problem(std::string_view url) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string_view file = url.substr(7);
    if (file.empty()) return "sqlite: needs a file name, e.g. sqlite:marketswarm.db";
    if (file.rfind("//", 0) == 0) return "write sqlite:<file> (a path), not sqlite://";
    return std::nullopt;
  }
  if (url.rfind("mysql://", 0) == 0) {
    std::string_view rest = url.substr(8);
    auto at = rest.find('@');
    if (at == std::string_view::npos) return "mysql:// needs a user: mysql://user@host:port/db";
    std::string_view user = rest.substr(0, at);
    if (user.find(':') != std::string_view::npos) {
      return "the password does not belong in the URL; it is the DATABASE_PASSWORD secret";
    }
    if (user.empty()) return "empty user name";
    std::string_view after = rest.substr(at + 1);
    auto slash = after.find('/');
    if (slash == std::string_view::npos || slash + 1 >= after.size()) return "no database name: mysql://user@host:port/db";
    std::string host;
    std::string_view port_text;
    std::string why;
    if (!split_host_port(after.substr(0, slash), host, port_text, &why)) return why;
    if (!port_text.empty() && !parse_port(port_text)) return "port '" + std::string(port_text) + "' is not a number in 1..65535";
    return std::nullopt;
  }
  return "expected sqlite:<file> or mysql://user@host:port/db";
}

bool is_ip_address(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool is_secret_name(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  return ends_with("_SECRET") || ends_with("_KEY") || ends_with("_TOKEN") ||
         name.find("PASSWORD") != std::string_view::npos;
}

}  // namespace ms::core::truth
