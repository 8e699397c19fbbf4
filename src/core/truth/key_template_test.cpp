#include "core/truth/key_template.hpp"

#include <gtest/gtest.h>

#include "core/truth/addresses.hpp"

namespace ms::core::truth {
namespace {

TEST(KeyTemplate, SplitsLiteralsAndPlaceholders) {
  auto parts = parse_key_template("massive:model:spot:{SYM}:trail");
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_FALSE((*parts)[0].placeholder);
  EXPECT_EQ((*parts)[0].text, "massive:model:spot:");
  EXPECT_TRUE((*parts)[1].placeholder);
  EXPECT_EQ((*parts)[1].text, "SYM");
  EXPECT_EQ((*parts)[2].text, ":trail");
}

TEST(KeyTemplate, RefusesMalformedTemplates) {
  std::string why;
  EXPECT_FALSE(parse_key_template("a:{SYM", &why));
  EXPECT_NE(why.find("never closed"), std::string::npos);
  EXPECT_FALSE(parse_key_template("a:SYM}", &why));
  EXPECT_FALSE(parse_key_template("a:{}", &why));
  EXPECT_FALSE(parse_key_template("a:{1x}", &why));
  EXPECT_FALSE(parse_key_template("a:{x}{y}", &why));
  EXPECT_NE(why.find("touch"), std::string::npos);
  EXPECT_TRUE(parse_key_template("truth"));
  EXPECT_TRUE(parse_key_template("massive:close:{SYM}:{date}"));
}

TEST(KeyTemplate, PlaceholdersMatchByPosition) {
  EXPECT_TRUE(templates_match("user:{uid}:alerts", "user:{id}:alerts"));
  EXPECT_TRUE(templates_match("massive:close:{SYM}:{date}", "massive:close:{S}:{d}"));
  EXPECT_FALSE(templates_match("user:{uid}:alerts", "user:7:alerts"));
  EXPECT_FALSE(templates_match("user:{uid}:alerts", "user:{uid}:alert"));
  EXPECT_FALSE(templates_match("user:{uid}", "user:{uid}:alerts"));
  EXPECT_TRUE(templates_match("truth", "truth"));
  EXPECT_FALSE(templates_match("truth", "truth2"));
}

TEST(KeyTemplate, RedisGlob) {
  EXPECT_TRUE(glob_match("*:heartbeat", "massive:heartbeat"));
  EXPECT_FALSE(glob_match("*:heartbeat", "massive:heartbeats"));
  EXPECT_TRUE(glob_match("massive:*", "massive:model:spot:{SYM}"));
  EXPECT_TRUE(glob_match("h?llo", "hello"));
  EXPECT_FALSE(glob_match("h?llo", "hllo"));
  EXPECT_TRUE(glob_match("h[ae]llo", "hallo"));
  EXPECT_FALSE(glob_match("h[ae]llo", "hillo"));
  EXPECT_TRUE(glob_match("h[^e]llo", "hallo"));
  EXPECT_FALSE(glob_match("h[^e]llo", "hello"));
  EXPECT_TRUE(glob_match("h[a-c]llo", "hbllo"));
  EXPECT_TRUE(glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(glob_match("a\\*b", "axb"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_FALSE(glob_match("", "x"));
}

TEST(Addresses, RedisUrls) {
  auto u = parse_redis_url("redis://127.0.0.1:6380");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 0);
  u = parse_redis_url("redis://redis.internal/3");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 6379);
  EXPECT_EQ(u->db, 3);
  u = parse_redis_url("redis://[::1]:7000");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  std::string why;
  for (const char* bad : {"http://127.0.0.1:6379", "redis://", "redis://127.0.0.1:0", "redis://127.0.0.1:abc",
                          "redis://h:1/x", "redis://a b:1", "redis://[zz]:1", "redis://h:1?x=1", "127.0.0.1:6379"}) {
    EXPECT_FALSE(parse_redis_url(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  EXPECT_FALSE(parse_redis_url("rediss://h:1", &why));
  EXPECT_NE(why.find("TLS"), std::string::npos);
  EXPECT_FALSE(parse_redis_url("redis://user:pw@h:1", &why));
  EXPECT_TRUE(url_has_credentials("redis://user:pw@h:1"));
  u = parse_redis_url("redis://user:p@ss@h:7/2", &why, /*allow_credentials=*/true);
  ASSERT_TRUE(u) << why;
  EXPECT_EQ(u->host, "h");
  EXPECT_EQ(u->port, 7);
  EXPECT_EQ(u->db, 2);
}

TEST(Addresses, DatabaseUrls) {
  EXPECT_FALSE(database_url_problem("sqlite:marketswarm.db"));
  EXPECT_FALSE(database_url_problem("sqlite:/var/lib/ms/ms.db"));
  EXPECT_FALSE(database_url_problem("mysql://ms@127.0.0.1:3306/marketswarm"));
  EXPECT_TRUE(database_url_problem("sqlite:"));
  EXPECT_TRUE(database_url_problem("mysql://127.0.0.1/db"));
  EXPECT_TRUE(database_url_problem("mysql://ms@127.0.0.1:3306"));
  auto problem = database_url_problem("mysql://ms:pw@127.0.0.1/db");
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("DATABASE_PASSWORD"), std::string::npos);
  EXPECT_EQ(problem->find("pw@"), std::string::npos);
  EXPECT_TRUE(database_url_problem("postgres://x@y/z"));
}

TEST(Addresses, BindAndSecretNames) {
  EXPECT_TRUE(is_ip_address("127.0.0.1"));
  EXPECT_TRUE(is_ip_address("0.0.0.0"));
  EXPECT_TRUE(is_ip_address("::"));
  EXPECT_FALSE(is_ip_address("localhost"));
  EXPECT_FALSE(is_ip_address("1.2.3"));
  EXPECT_TRUE(is_secret_name("APP_SESSION_SECRET"));
  EXPECT_TRUE(is_secret_name("MASSIVE_API_KEY"));
  EXPECT_TRUE(is_secret_name("INTERNAL_SERVICE_TOKEN"));
  EXPECT_TRUE(is_secret_name("DATABASE_PASSWORD"));
  EXPECT_TRUE(is_secret_name("PASSWORD_FILE"));
  EXPECT_FALSE(is_secret_name("MASSIVE_WS_URL"));
  EXPECT_FALSE(is_secret_name("KEYS_PER_SCAN"));
}

}  // namespace
}  // namespace ms::core::truth
