#include "store/database_url.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::store {
namespace {

std::string error_of(const std::string& url, const std::filesystem::path& dir = "/data") {
  try {
    parse_database_url(url, dir);
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), "bad_database_url") << url;
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << url;
  return {};
}

TEST(DatabaseUrl, SqliteRelativePathResolvesAgainstDataDir) {
  const auto url = parse_database_url("sqlite:marketswarm.db", "/var/ms");
  EXPECT_EQ(url.dialect, Dialect::sqlite);
  EXPECT_EQ(url.sqlite_path, std::filesystem::path("/var/ms/marketswarm.db"));
  EXPECT_EQ(url.to_string(), "sqlite:/var/ms/marketswarm.db");
}

TEST(DatabaseUrl, SqliteNestedRelativePathIsNormalised) {
  EXPECT_EQ(parse_database_url("sqlite:./db/../db/x.db", "/var/ms").sqlite_path, std::filesystem::path("/var/ms/db/x.db"));
}

TEST(DatabaseUrl, SqliteAbsolutePathIgnoresDataDir) {
  EXPECT_EQ(parse_database_url("sqlite:/srv/x.db", "/var/ms").sqlite_path, std::filesystem::path("/srv/x.db"));
  EXPECT_EQ(parse_database_url("sqlite:/srv/x.db").sqlite_path, std::filesystem::path("/srv/x.db"));
}

TEST(DatabaseUrl, SurroundingWhitespaceIsIgnored) {
  EXPECT_EQ(parse_database_url("  sqlite:/srv/x.db\n").sqlite_path, std::filesystem::path("/srv/x.db"));
}

TEST(DatabaseUrl, SqliteRelativeWithoutDataDirIsRefused) {
  EXPECT_NE(error_of("sqlite:x.db", {}).find("data directory"), std::string::npos);
}

TEST(DatabaseUrl, SqliteBadForms) {
  EXPECT_NE(error_of("sqlite:").find("file path"), std::string::npos);
  EXPECT_NE(error_of("sqlite://x.db").find("not sqlite://"), std::string::npos);
  EXPECT_NE(error_of("sqlite::memory:").find("in-memory"), std::string::npos);
  EXPECT_NE(error_of("sqlite:file:x?mode=memory").find("in-memory"), std::string::npos);
  EXPECT_NE(error_of("sqlite:x.db?cache=shared").find("options"), std::string::npos);
  EXPECT_NE(error_of("sqlite:dir/").find("directory"), std::string::npos);
  EXPECT_NE(error_of("sqlite:a=b.db").find("'='"), std::string::npos);
}

TEST(DatabaseUrl, MysqlFull) {
  const auto url = parse_database_url("mysql://ms_app@db.example.com:3307/marketswarm");
  EXPECT_EQ(url.dialect, Dialect::mysql);
  EXPECT_EQ(url.user, "ms_app");
  EXPECT_EQ(url.host, "db.example.com");
  EXPECT_EQ(url.port, 3307);
  EXPECT_EQ(url.database, "marketswarm");
  EXPECT_EQ(url.to_string(), "mysql://ms_app@db.example.com:3307/marketswarm");
}

TEST(DatabaseUrl, MysqlDefaultPort) {
  const auto url = parse_database_url("mysql://u@127.0.0.1/db");
  EXPECT_EQ(url.port, 3306);
  EXPECT_EQ(url.to_string(), "mysql://u@127.0.0.1:3306/db");
}

TEST(DatabaseUrl, MysqlIpv6Host) {
  const auto url = parse_database_url("mysql://u@[::1]:3310/db");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 3310);
  EXPECT_EQ(url.to_string(), "mysql://u@[::1]:3310/db");
}

TEST(DatabaseUrl, MysqlPasswordIsRefusedWithoutEchoingIt) {
  const std::string message = error_of("mysql://ms_app:hunter2@localhost:3306/ms");
  EXPECT_NE(message.find("password"), std::string::npos);
  EXPECT_NE(message.find("secret"), std::string::npos);
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
  // Even an empty password part is a password part.
  EXPECT_EQ(error_of("mysql://ms_app:@localhost/ms").find("hunter2"), std::string::npos);
}

TEST(DatabaseUrl, MysqlBadForms) {
  EXPECT_NE(error_of("mysql://localhost/ms").find("user"), std::string::npos);
  EXPECT_NE(error_of("mysql://@localhost/ms").find("empty user"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@/ms").find("no host"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@localhost").find("database name"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@localhost/").find("database name"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@localhost:/ms").find("empty port"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@localhost:abc/ms").find("'abc'"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@localhost:0/ms").find("1..65535"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@localhost:70000/ms").find("1..65535"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@localhost/ms-prod").find("'ms-prod'"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@localhost/ms?ssl=1").find("options"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@loc al/ms").find("bad host"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@[::1/ms").find("IPv6"), std::string::npos);
  EXPECT_NE(error_of("mysql://us/er@h/db").find("user"), std::string::npos);
  EXPECT_NE(error_of("mysql://u@h/" + std::string(65, 'd')).find("64"), std::string::npos);
}

TEST(DatabaseUrl, UnknownSchemesAndGarbage) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("   ").find("empty"), std::string::npos);
  EXPECT_NE(error_of("postgres://u@h/db").find("'postgres'"), std::string::npos);
  EXPECT_NE(error_of("mariadb://u@h/db").find("mysql://"), std::string::npos);
  EXPECT_NE(error_of("marketswarm.db").find("no scheme"), std::string::npos);
  EXPECT_NE(error_of(std::string("sqlite:a\0b", 10)).find("control"), std::string::npos);
}

TEST(DatabaseUrl, DialectNames) {
  EXPECT_EQ(to_string(Dialect::sqlite), "sqlite");
  EXPECT_EQ(to_string(Dialect::mysql), "mysql");
}

}  // namespace
}  // namespace ms::store
