#pragma once
// One problem found in the truth files. Tests match `rule` and `pointer`; people read `message`.
#include <string>
#include <string_view>
#include <vector>

namespace ms::core::truth {

struct Issue {
  std::string file;     // the path as the builder was given it, e.g. "truth/components/sse.json"
  std::string pointer;  // RFC 6901 JSON pointer into that file; "" is the whole document
  std::string rule;     // stable id, e.g. "schema.required", "wiring.no_publisher"
  std::string message;

  // "truth: <file>: <pointer>: <rule>: <message>" (the whole document prints as "/").
  std::string to_string() const;
};

using Issues = std::vector<Issue>;

// Appends one reference token, escaping '~' and '/' as RFC 6901 requires.
std::string pointer_append(std::string_view pointer, std::string_view token);
std::string pointer_append(std::string_view pointer, std::size_t index);

}  // namespace ms::core::truth
