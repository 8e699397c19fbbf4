#pragma once
// Formats valijson does not check: Redis bus URLs, database URLs, bind addresses, secret names.
#include <optional>
#include <string>
#include <string_view>

namespace ms::core::truth {

struct RedisUrl {
  std::string host;  // IPv6 without brackets
  int port = 6379;
  int db = 0;
};

// redis://host[:port][/db] with host an IPv4 address, a [IPv6] address or a DNS name. A URL with
// user or password is refused unless `allow_credentials` (credentials are secrets and never live
// in truth, but an MS_BUS_<NAME>_URL override comes from the environment and may carry them).
std::optional<RedisUrl> parse_redis_url(std::string_view url, std::string* why = nullptr,
                                        bool allow_credentials = false);
bool url_has_credentials(std::string_view url);

// "sqlite:<file>" (relative to the data dir, or absolute) or "mysql://user@host[:port]/db".
// Returns the reason when `url` is not one of those.
std::optional<std::string> database_url_problem(std::string_view url);

bool is_ip_address(std::string_view text);  // IPv4 or IPv6 literal
bool is_loopback_host(std::string_view host);

// Names that only ever hold secrets: *_SECRET, *_KEY, *_TOKEN, *PASSWORD*.
bool is_secret_name(std::string_view name);

}  // namespace ms::core::truth
