#include "bus/reply.hpp"

#include <charconv>

#include "core/error.hpp"

namespace ms::bus {

namespace {

const char* type_name(Reply::Type t) {
  switch (t) {
    case Reply::Type::nil: return "nil";
    case Reply::Type::string: return "string";
    case Reply::Type::status: return "status";
    case Reply::Type::integer: return "integer";
    case Reply::Type::array: return "array";
    case Reply::Type::error: return "error";
  }
  return "unknown";
}

// "got error ERR wrong type" tells the reader more than "got error".
std::string describe(const Reply& r) {
  std::string s = type_name(r.type);
  if (r.type == Reply::Type::error) s += " '" + r.str + "'";
  return s;
}

}  // namespace

std::optional<std::string> Reply::as_optional_string() const {
  switch (type) {
    case Type::nil: return std::nullopt;
    case Type::string:
    case Type::status: return str;
    default: throw core::Error("redis_type", "expected a string reply, got " + describe(*this));
  }
}

std::int64_t Reply::as_integer() const {
  if (type == Type::integer) return integer;
  if (type == Type::string || type == Type::status) {
    std::int64_t v = 0;
    const char* end = str.data() + str.size();
    auto [ptr, ec] = std::from_chars(str.data(), end, v);
    if (ec == std::errc() && ptr == end && !str.empty()) return v;
    throw core::Error("redis_type", "expected an integer reply, got the string '" + str + "'");
  }
  throw core::Error("redis_type", "expected an integer reply, got " + describe(*this));
}

}  // namespace ms::bus
