#pragma once
// Migration files hold several statements; SQLite prepares one at a time and MySQL sessions run
// without multi-statement mode, so the runner executes them one by one.
#include <string>
#include <string_view>
#include <vector>

namespace ms::store {

// Splits on ';' outside '…', "…", `…`, -- comments and /* */ comments. Comments are dropped, each
// statement is trimmed, empty ones are skipped. String literals use the standard '' escape;
// a backslash has no special meaning (as on SQLite), so migrations keep backslashes out.
// Throws core::Error("bad_migrations") on an unterminated literal or comment, or on a trigger
// (its body holds semicolons this splitter cannot tell apart).
std::vector<std::string> split_sql_statements(std::string_view sql);

}  // namespace ms::store
