#include "core/truth/issue.hpp"

namespace ms::core::truth {

std::string Issue::to_string() const {
  std::string out = "truth: ";
  out += file;
  out += ": ";
  out += pointer.empty() ? "/" : pointer;
  out += ": ";
  out += rule;
  out += ": ";
  out += message;
  return out;
}

std::string pointer_append(std::string_view pointer, std::string_view token) {
  std::string out(pointer);
  out += '/';
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_append(std::string_view pointer, std::size_t index) {
  return pointer_append(pointer, std::to_string(index));
}

}  // namespace ms::core::truth
