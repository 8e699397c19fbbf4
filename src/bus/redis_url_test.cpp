#include "bus/redis_url.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::bus {
namespace {

std::string error_of(const std::string& url) {
  try {
    parse_redis_url(url);
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "bad_redis_url") << url;
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << url;
  return "";
}

TEST(RedisUrl, HostAndPort) {
  auto u = parse_redis_url("redis://127.0.0.1:6380");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.password, "");
  EXPECT_EQ(u.db, 0);
  EXPECT_EQ(u.host_port(), "127.0.0.1:6380");
}

TEST(RedisUrl, DefaultPortIs6379) {
  auto u = parse_redis_url("redis://localhost");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(parse_redis_url("redis://localhost/").port, 6379);
}

TEST(RedisUrl, PasswordAndDb) {
  auto u = parse_redis_url("redis://:s3cret@redis.internal:6381/2");
  EXPECT_EQ(u.host, "redis.internal");
  EXPECT_EQ(u.port, 6381);
  EXPECT_EQ(u.password, "s3cret");
  EXPECT_EQ(u.username, "");
  EXPECT_EQ(u.db, 2);
}

TEST(RedisUrl, UserPasswordAndPercentEscapes) {
  auto u = parse_redis_url("redis://app:p%40ss%3Aw%2Fd@h:1/0");
  EXPECT_EQ(u.username, "app");
  EXPECT_EQ(u.password, "p@ss:w/d");
}

TEST(RedisUrl, LastAtEndsThePassword) {
  auto u = parse_redis_url("redis://:a@b@host:7000");
  EXPECT_EQ(u.password, "a@b");
  EXPECT_EQ(u.host, "host");
  EXPECT_EQ(u.port, 7000);
}

TEST(RedisUrl, SchemeIsCaseInsensitive) { EXPECT_EQ(parse_redis_url("REDIS://h:2").port, 2); }

TEST(RedisUrl, Ipv6InBrackets) {
  auto u = parse_redis_url("redis://[::1]:6390/1");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 6390);
  EXPECT_EQ(u.db, 1);
  EXPECT_EQ(u.host_port(), "[::1]:6390");
  EXPECT_EQ(parse_redis_url("redis://[::1]").port, 6379);
}

TEST(RedisUrl, RedactedHidesThePassword) {
  auto u = parse_redis_url("redis://:topsecret@h:1/3");
  EXPECT_EQ(u.redacted(), "redis://:***@h:1/3");
  EXPECT_EQ(parse_redis_url("redis://h:1").redacted(), "redis://h:1");
  EXPECT_EQ(redact_url("redis://u:pw@h"), "redis://u:***@h");
  EXPECT_EQ(redact_url("redis://h:1"), "redis://h:1");
}

TEST(RedisUrl, RejectsOtherSchemes) {
  EXPECT_NE(error_of("http://h:1").find("redis://"), std::string::npos);
  error_of("rediss://h:1");
  error_of("h:6379");
  error_of("");
}

TEST(RedisUrl, RejectsMissingHost) {
  EXPECT_NE(error_of("redis://").find("missing host"), std::string::npos);
  error_of("redis://:6379");
  error_of("redis://:pw@");
}

TEST(RedisUrl, RejectsBadPorts) {
  EXPECT_NE(error_of("redis://h:abc").find("port"), std::string::npos);
  error_of("redis://h:");
  error_of("redis://h:0");
  error_of("redis://h:65536");
  error_of("redis://h:-1");
  error_of("redis://h:80x");
}

TEST(RedisUrl, RejectsBadDb) {
  EXPECT_NE(error_of("redis://h:1/x").find("database"), std::string::npos);
  error_of("redis://h:1/-1");
  error_of("redis://h:1/1/2");
}

TEST(RedisUrl, RejectsOtherShapes) {
  error_of("redis://h:1?db=2");
  error_of("redis://::1:6379");
  error_of("redis://[::1");
  error_of("redis://[::1]x");
  error_of("redis://ho st:1");
  error_of("redis://pw@h:1");  // credentials without ':'
  error_of("redis://:p%zz@h:1");
}

TEST(RedisUrl, ErrorNamesTheUrlButNotThePassword) {
  const auto msg = error_of("redis://:hunter2@h:notaport");
  EXPECT_NE(msg.find("redis://:***@h:notaport"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ms::bus
