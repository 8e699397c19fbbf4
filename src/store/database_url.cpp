#include "store/database_url.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace ms::store {

namespace {

constexpr std::string_view kForms = "expected sqlite:<path> or mysql://user@host:port/db";

[[noreturn]] void bad(const std::string& message) {
  throw core::Error("bad_database_url", "database URL: " + message);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_of(std::string_view s, bool (*ok)(char)) {
  return std::all_of(s.begin(), s.end(), ok);
}

bool user_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}
bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }
bool ipv6_char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }
// Database names end up in lock names and CREATE DATABASE statements; keep them plain.
bool database_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

DatabaseUrl parse_sqlite(std::string_view path, const std::filesystem::path& data_dir) {
  if (path.empty()) bad("sqlite: needs a file path (sqlite:marketswarm.db)");
  if (path.substr(0, 2) == "//")
    bad("write sqlite:<path> (sqlite:marketswarm.db or sqlite:/abs/file.db), not sqlite://");
  if (path == ":memory:" || path.find("mode=memory") != std::string_view::npos)
    bad("in-memory SQLite is not supported: each pooled connection would see its own database");
  if (path.find('?') != std::string_view::npos) bad("sqlite URL options (?...) are not supported");
  // SOCI's sqlite3 connect string treats these as key=value syntax.
  if (path.find_first_of("=\"") != std::string_view::npos) bad("sqlite path may not contain '=' or '\"'");
  if (path.back() == '/') bad("sqlite path '" + std::string(path) + "' names a directory, not a file");
  DatabaseUrl url;
  url.dialect = Dialect::sqlite;
  std::filesystem::path p{std::string(path)};
  if (p.is_relative()) {
    if (data_dir.empty())
      bad("relative sqlite path '" + std::string(path) + "' needs a data directory (MS_DATA_DIR)");
    p = std::filesystem::absolute(data_dir) / p;
  }
  url.sqlite_path = p.lexically_normal();
  return url;
}

std::uint16_t parse_port(std::string_view s) {
  if (s.empty()) bad("empty port after ':'");
  if (s.size() > 5 || !all_of(s, [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
    bad("port '" + std::string(s) + "' is not a number in 1..65535");
  const int port = std::stoi(std::string(s));
  if (port < 1 || port > 65535) bad("port " + std::string(s) + " is outside 1..65535");
  return static_cast<std::uint16_t>(port);
}

DatabaseUrl parse_mysql(std::string_view rest) {
  DatabaseUrl url;
  url.dialect = Dialect::mysql;
  if (rest.find_first_of("?#") != std::string_view::npos)
    bad("mysql URL options (?...) are not supported");
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) bad("mysql URL needs a user (mysql://user@host:port/db)");
  const std::string_view userinfo = authority.substr(0, at);
  // Checked before anything is echoed: a password must not end up in an error message or a log.
  if (userinfo.find(':') != std::string_view::npos)
    bad("the URL carries a password; pass the database password as a secret, never in the URL");
  if (userinfo.empty()) bad("mysql URL has an empty user");
  if (!all_of(userinfo, user_char))
    bad("user '" + std::string(userinfo) + "' may only hold letters, digits, '_', '.', '-'");
  url.user = std::string(userinfo);

  std::string_view hostport = authority.substr(at + 1);
  if (hostport.empty()) bad("mysql URL has no host");
  std::string_view port_text;
  if (hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) bad("unterminated '[' in IPv6 host");
    url.host = std::string(hostport.substr(1, close - 1));
    if (url.host.empty() || !all_of(url.host, ipv6_char)) bad("bad IPv6 host '" + url.host + "'");
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad("unexpected text after IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) bad("empty port after ':'");
    }
  } else {
    const auto colon = hostport.find(':');
    url.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = hostport.substr(colon + 1);
      if (port_text.empty()) bad("empty port after ':'");
    }
    if (url.host.empty()) bad("mysql URL has no host");
    if (!all_of(url.host, host_char)) bad("bad host '" + url.host + "'");
  }
  if (!port_text.empty()) url.port = parse_port(port_text);

  if (slash == std::string_view::npos) bad("mysql URL has no database name (…/db)");
  const std::string_view db = rest.substr(slash + 1);
  if (db.empty()) bad("mysql URL has no database name (…/db)");
  if (db.size() > 64) bad("database name is longer than 64 characters");
  if (!all_of(db, database_char))
    bad("database name '" + std::string(db) + "' may only hold letters, digits and '_'");
  url.database = std::string(db);
  return url;
}

}  // namespace

std::string_view to_string(Dialect dialect) noexcept {
  return dialect == Dialect::sqlite ? "sqlite" : "mysql";
}

std::string DatabaseUrl::to_string() const {
  if (dialect == Dialect::sqlite) return "sqlite:" + sqlite_path.string();
  const bool v6 = host.find(':') != std::string::npos;
  return "mysql://" + user + "@" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" +
         database;
}

DatabaseUrl parse_database_url(std::string_view raw, const std::filesystem::path& data_dir) {
  const std::string_view url = trim(raw);
  if (url.empty()) bad("empty (" + std::string(kForms) + ")");
  if (std::any_of(url.begin(), url.end(), [](char c) { return std::iscntrl(static_cast<unsigned char>(c)) != 0; }))
    bad("contains control characters");
  if (url.substr(0, 7) == "sqlite:") return parse_sqlite(url.substr(7), data_dir);
  if (url.substr(0, 8) == "mysql://") return parse_mysql(url.substr(8));
  const auto colon = url.find(':');
  if (colon == std::string_view::npos) bad("no scheme (" + std::string(kForms) + ")");
  bad("unsupported scheme '" + std::string(url.substr(0, colon)) + "' (" + std::string(kForms) + ")");
}

}  // namespace ms::store
