#pragma once
// Key templates ("massive:model:spot:{SYM}", "user:{uid}:alerts") and Redis glob patterns, as the
// wiring check compares them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ms::core::truth {

struct TemplatePart {
  bool placeholder = false;
  std::string text;  // the literal text, or the placeholder's name without braces
};

// Splits a template into literals and placeholders. nullopt (with the reason in *why) for an
// unbalanced brace, an empty or ill-formed name ([A-Za-z_][A-Za-z0-9_]*) or two adjacent
// placeholders (which no key could be split back into).
std::optional<std::vector<TemplatePart>> parse_key_template(std::string_view key, std::string* why = nullptr);

// Same literals at the same positions; a placeholder matches any placeholder in its position
// ("user:{uid}:alerts" matches "user:{id}:alerts", not "user:7:alerts").
bool templates_match(std::string_view a, std::string_view b);

// Redis glob semantics (*, ?, [abc], [^a], [a-z], \x) over the template text as written.
bool glob_match(std::string_view pattern, std::string_view text);

bool has_glob_chars(std::string_view key);

}  // namespace ms::core::truth
