#pragma once
// A Redis reply as a plain value, independent of hiredis, so callers never see hiredis types.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ms::bus {

struct Reply {
  enum class Type { nil, string, status, integer, array, error };
  Type type = Type::nil;
  std::string str;               // string, status and error replies
  std::int64_t integer = 0;      // integer replies
  std::vector<Reply> elements;   // array replies

  bool is_nil() const noexcept { return type == Type::nil; }
  bool is_error() const noexcept { return type == Type::error; }
  // The string value, or nullopt for nil; throws core::Error("redis_type") for other types.
  std::optional<std::string> as_optional_string() const;
  std::int64_t as_integer() const;  // integer replies, or a string holding an integer
};

}  // namespace ms::bus
