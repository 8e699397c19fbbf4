#include "store/sql_split.hpp"

#include <cctype>

#include "core/error.hpp"

namespace ms::store {

namespace {

std::string trimmed(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool starts_with_words(const std::string& stmt, std::initializer_list<const char*> words) {
  std::size_t i = 0;
  for (const char* w : words) {
    while (i < stmt.size() && std::isspace(static_cast<unsigned char>(stmt[i]))) ++i;
    for (const char* p = w; *p != '\0'; ++p, ++i)
      if (i >= stmt.size() || std::toupper(static_cast<unsigned char>(stmt[i])) != *p) return false;
    if (i < stmt.size() && !std::isspace(static_cast<unsigned char>(stmt[i]))) return false;
  }
  return true;
}

void finish(std::string& current, std::vector<std::string>& out) {
  std::string stmt = trimmed(current);
  current.clear();
  if (stmt.empty()) return;
  if (starts_with_words(stmt, {"CREATE", "TRIGGER"}) || starts_with_words(stmt, {"CREATE", "TEMP", "TRIGGER"}) ||
      starts_with_words(stmt, {"CREATE", "TEMPORARY", "TRIGGER"}))
    throw core::Error("bad_migrations", "triggers are not supported in migrations (their bodies hold ';')");
  out.push_back(std::move(stmt));
}

}  // namespace

std::vector<std::string> split_sql_statements(std::string_view sql) {
  std::vector<std::string> out;
  std::string current;
  std::size_t i = 0;
  const std::size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      // A doubled quote inside the literal is an escaped quote, not its end.
      std::size_t j = i + 1;
      while (true) {
        if (j >= n) throw core::Error("bad_migrations", std::string("unterminated ") + c + " literal in SQL");
        if (sql[j] == c) {
          if (j + 1 < n && sql[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      current.append(sql.substr(i, j + 1 - i));
      i = j + 1;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
      current += ' ';
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      const auto end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) throw core::Error("bad_migrations", "unterminated /* comment in SQL");
      i = end + 2;
      current += ' ';
    } else if (c == ';') {
      finish(current, out);
      ++i;
    } else {
      current += c;
      ++i;
    }
  }
  finish(current, out);
  return out;
}

}  // namespace ms::store
