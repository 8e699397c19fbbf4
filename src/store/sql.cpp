#include "store/sql.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.hpp"

namespace ms::store {

namespace {

std::string_view identifier(std::string_view name) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!ok) throw core::Error("bad_sql_identifier", "'" + std::string(name) + "' is not a plain column name");
  return name;
}

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += identifier(n);
  }
  return out;
}

std::string key_list(std::initializer_list<std::string_view> names) {
  if (names.size() == 0) throw core::Error("bad_sql_identifier", "an upsert needs at least one key column");
  return join(names);
}

[[noreturn]] void unreadable(std::size_t column, const char* as, const std::string& detail) {
  throw core::Error("database_error",
                    "column " + std::to_string(column) + " cannot be read as " + as + (detail.empty() ? "" : ": " + detail));
}

}  // namespace

Dialect dialect_of(soci::session& s) {
  const std::string name = s.get_backend_name();
  if (name == "sqlite3") return Dialect::sqlite;
  if (name == "mysql") return Dialect::mysql;
  throw core::Error("database_error", "unsupported SOCI backend '" + name + "'");
}

long long last_insert_id(soci::session& s) {
  long long id = 0;
  if (dialect_of(s) == Dialect::sqlite)
    s << "SELECT last_insert_rowid()", soci::into(id);
  else
    s << "SELECT LAST_INSERT_ID()", soci::into(id);
  return id;
}

std::optional<long long> row_int(const soci::row& row, std::size_t column) {
  if (row.get_indicator(column) == soci::i_null) return std::nullopt;
  switch (row.get_properties(column).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(column);
    case soci::dt_long_long:
      return row.get<long long>(column);
    case soci::dt_unsigned_long_long:
      return static_cast<long long>(row.get<unsigned long long>(column));
    case soci::dt_double: {
      const double d = row.get<double>(column);
      const auto v = static_cast<long long>(d);
      if (static_cast<double>(v) != d) unreadable(column, "an integer", std::to_string(d));
      return v;
    }
    case soci::dt_string: {
      const std::string text = row.get<std::string>(column);
      long long v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size()) unreadable(column, "an integer", "'" + text + "'");
      return v;
    }
    default:
      unreadable(column, "an integer", "");
  }
}

std::optional<double> row_double(const soci::row& row, std::size_t column) {
  if (row.get_indicator(column) == soci::i_null) return std::nullopt;
  switch (row.get_properties(column).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(column);
    case soci::dt_long_long:
      return static_cast<double>(row.get<long long>(column));
    case soci::dt_unsigned_long_long:
      return static_cast<double>(row.get<unsigned long long>(column));
    case soci::dt_double:
      return row.get<double>(column);
    case soci::dt_string: {
      const std::string text = row.get<std::string>(column);
      try {
        std::size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size()) return v;
      } catch (const std::exception&) {
      }
      unreadable(column, "a number", "'" + text + "'");
    }
    default:
      unreadable(column, "a number", "");
  }
}

std::optional<std::string> row_string(const soci::row& row, std::size_t column) {
  if (row.get_indicator(column) == soci::i_null) return std::nullopt;
  switch (row.get_properties(column).get_data_type()) {
    case soci::dt_string:
      return row.get<std::string>(column);
    case soci::dt_integer:
      return std::to_string(row.get<int>(column));
    case soci::dt_long_long:
      return std::to_string(row.get<long long>(column));
    case soci::dt_unsigned_long_long:
      return std::to_string(row.get<unsigned long long>(column));
    default:
      unreadable(column, "text", "");
  }
}

std::string upsert_prefix(Dialect d, std::initializer_list<std::string_view> key_columns) {
  const std::string keys = key_list(key_columns);  // validated on MySQL all the same
  if (d == Dialect::sqlite) return "ON CONFLICT (" + keys + ") DO UPDATE SET ";
  return "ON DUPLICATE KEY UPDATE ";
}

std::string inserted_value(Dialect d, std::string_view column) {
  const std::string name(identifier(column));
  return d == Dialect::sqlite ? "excluded." + name : "VALUES(" + name + ")";
}

std::string upsert_clause(Dialect d, std::initializer_list<std::string_view> key_columns,
                          std::initializer_list<std::string_view> update_columns) {
  if (update_columns.size() == 0) return do_nothing_on_conflict(d, key_columns);
  std::string out = upsert_prefix(d, key_columns);
  bool first = true;
  for (auto c : update_columns) {
    if (!first) out += ", ";
    first = false;
    out += std::string(identifier(c)) + " = " + inserted_value(d, c);
  }
  return out;
}

std::string_view greatest(Dialect d) { return d == Dialect::sqlite ? "MAX" : "GREATEST"; }
std::string_view least(Dialect d) { return d == Dialect::sqlite ? "MIN" : "LEAST"; }

std::string do_nothing_on_conflict(Dialect d, std::initializer_list<std::string_view> key_columns) {
  const std::string keys = key_list(key_columns);
  if (d == Dialect::sqlite) return "ON CONFLICT (" + keys + ") DO NOTHING";
  // Assigning a key column to itself changes nothing and reports no error.
  const std::string first(*key_columns.begin());
  return "ON DUPLICATE KEY UPDATE " + first + " = " + first;
}

}  // namespace ms::store
