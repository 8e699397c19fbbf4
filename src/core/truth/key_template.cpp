#include "core/truth/key_template.hpp"

#include <cctype>

namespace ms::core::truth {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

bool fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return false;
}

// Matches one [...] class at pattern[p] against c; sets p past the class.
bool class_match(std::string_view pattern, std::size_t& p, char c) {
  ++p;  // '['
  bool negate = false;
  if (p < pattern.size() && pattern[p] == '^') {
    negate = true;
    ++p;
  }
  bool matched = false;
  while (p < pattern.size() && pattern[p] != ']') {
    if (pattern[p] == '\\' && p + 1 < pattern.size()) {
      ++p;
      if (pattern[p] == c) matched = true;
    } else if (p + 2 < pattern.size() && pattern[p + 1] == '-' && pattern[p + 2] != ']') {
      char lo = pattern[p], hi = pattern[p + 2];
      if (lo > hi) std::swap(lo, hi);
      if (c >= lo && c <= hi) matched = true;
      p += 2;
    } else if (pattern[p] == c) {
      matched = true;
    }
    ++p;
  }
  if (p < pattern.size()) ++p;  // ']'
  return negate ? !matched : matched;
}

bool glob_from(std::string_view pattern, std::size_t p, std::string_view text, std::size_t t) {
  while (p < pattern.size()) {
    char pc = pattern[p];
    if (pc == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      if (p == pattern.size()) return true;
      for (std::size_t k = t; k <= text.size(); ++k) {
        if (glob_from(pattern, p, text, k)) return true;
      }
      return false;
    }
    if (t >= text.size()) return false;
    if (pc == '?') {
      ++p;
    } else if (pc == '[') {
      if (!class_match(pattern, p, text[t])) return false;
    } else if (pc == '\\' && p + 1 < pattern.size()) {
      if (pattern[p + 1] != text[t]) return false;
      p += 2;
    } else {
      if (pc != text[t]) return false;
      ++p;
    }
    ++t;
  }
  return t == text.size();
}

}  // namespace

std::optional<std::vector<TemplatePart>> parse_key_template(std::string_view key, std::string* why) {
  std::vector<TemplatePart> parts;
  std::string literal;
  std::size_t i = 0;
  while (i < key.size()) {
    char c = key[i];
    if (c == '}') {
      fail(why, "'}' without a matching '{' at offset " + std::to_string(i));
      return std::nullopt;
    }
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    auto close = key.find('}', i + 1);
    if (close == std::string_view::npos) {
      fail(why, "'{' at offset " + std::to_string(i) + " is never closed");
      return std::nullopt;
    }
    std::string_view name = key.substr(i + 1, close - i - 1);
    if (!valid_name(name)) {
      fail(why, "placeholder '{" + std::string(name) + "}' is not a name ([A-Za-z_][A-Za-z0-9_]*)");
      return std::nullopt;
    }
    if (!literal.empty()) {
      parts.push_back({false, literal});
      literal.clear();
    } else if (!parts.empty() && parts.back().placeholder) {
      fail(why, "placeholders '{" + parts.back().text + "}' and '{" + std::string(name) +
                    "}' touch; separate them with literal text");
      return std::nullopt;
    }
    parts.push_back({true, std::string(name)});
    i = close + 1;
  }
  if (!literal.empty()) parts.push_back({false, literal});
  return parts;
}

bool templates_match(std::string_view a, std::string_view b) {
  auto pa = parse_key_template(a);
  auto pb = parse_key_template(b);
  if (!pa || !pb) return a == b;
  if (pa->size() != pb->size()) return false;
  for (std::size_t i = 0; i < pa->size(); ++i) {
    const auto& x = (*pa)[i];
    const auto& y = (*pb)[i];
    if (x.placeholder != y.placeholder) return false;
    if (!x.placeholder && x.text != y.text) return false;
  }
  return true;
}

bool glob_match(std::string_view pattern, std::string_view text) { return glob_from(pattern, 0, text, 0); }

bool has_glob_chars(std::string_view key) {
  return key.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace ms::core::truth
