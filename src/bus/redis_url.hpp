#pragma once
// Redis connection URLs: redis://[[user]:password@]host[:port][/db]. The password may be
// percent-encoded; IPv6 hosts go in brackets. Errors never echo the password.
#include <cstdint>
#include <string>
#include <string_view>

namespace ms::bus {

struct RedisUrl {
  std::string host;
  std::uint16_t port = 6379;
  std::string username;  // Redis 6 ACL user; empty means AUTH with the password only
  std::string password;  // empty: no AUTH
  int db = 0;

  // "127.0.0.1:6379", "[::1]:6380": how messages name the server.
  std::string host_port() const;
  // The URL with the password replaced by "***", safe for logs.
  std::string redacted() const;
};

// Throws core::Error("bad_redis_url", ...) naming the (redacted) URL and what is wrong.
RedisUrl parse_redis_url(std::string_view url);

// `url` with any password replaced by "***", for messages about URLs that did not parse.
std::string redact_url(std::string_view url);

}  // namespace ms::bus
