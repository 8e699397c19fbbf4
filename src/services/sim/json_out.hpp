#pragma once
// Number and string spellings for the vendor wire formats. The vendor's servers write Go-style
// JSON: whole floats without a fraction (6000, not 6000.0), otherwise the shortest text that
// reads back to the same double. Prices kept as integer cents are written exactly (7.7, 0.05).
#include <cstdint>
#include <string>
#include <string_view>

namespace ms::sim::json_out {

void append_string(std::string& out, std::string_view s);  // quoted and escaped
void append_int(std::string& out, std::int64_t v);
// [1,2,3] of any container of integers.
template <class Ints>
void append_int_array(std::string& out, const Ints& values) {
  out += '[';
  bool first = true;
  for (const auto v : values) {
    if (!first) out += ',';
    first = false;
    append_int(out, static_cast<std::int64_t>(v));
  }
  out += ']';
}
void append_number(std::string& out, double v);  // non-finite -> null
void append_cents(std::string& out, std::int64_t cents);
// v rounded half away from zero to `decimals` places (0-8), written like append_number.
void append_rounded(std::string& out, double v, int decimals);

}  // namespace ms::sim::json_out
