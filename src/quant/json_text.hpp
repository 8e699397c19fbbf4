#pragma once
// Writing JSON text by appending to a std::string. The model builders publish several
// hundred kilobytes a few times a second, so they write text directly instead of building a
// DOM first. Numbers follow the original's Python conventions so consumers see the same
// spellings: floats look like Python's repr (6000.0, 19.2059, 1e-05), ints have no point.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ms::quant::json {

// `s` as a JSON string literal, quotes included; control characters become \u00XX.
void append_string(std::string& out, std::string_view s);

void append_int(std::string& out, std::int64_t v);

// `scaled / 10^decimals` written with trailing zeros trimmed but at least one decimal digit
// ("6000.0", "19.2059", "-0.5"): the same text Python prints for the rounded float.
void append_fixed(std::string& out, std::int64_t scaled, int decimals);

// Shortest text that reads back to the same double, in Python repr style (10.0, 0.0001,
// 1e-05, 1e+16). NaN and infinities have no JSON spelling and are written as null.
void append_double(std::string& out, double v);

// v rounded half away from zero to `decimals` places, then written as append_fixed does.
// Non-finite values and values too large for the scaled integer are written as null.
void append_rounded(std::string& out, double v, int decimals);

// Builds nested objects and arrays, inserting commas and colons. Misuse (a value where a key
// is due, unbalanced ends) is a programming error caught by assertions in debug builds.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);

  Writer& string(std::string_view s);
  Writer& integer(std::int64_t v);
  Writer& number(double v);                       // append_double
  Writer& rounded(double v, int decimals);        // append_rounded
  Writer& boolean(bool v);
  Writer& null();
  Writer& number_or_null(const std::optional<double>& v);
  Writer& rounded_or_null(const std::optional<double>& v, int decimals);
  Writer& string_or_null(const std::optional<std::string>& s);
  // Text that is already valid JSON (a pre-rendered tile, say).
  Writer& raw(std::string_view json);
  // For a value written straight into the string (one large object built by a fast path):
  // places the separator and returns the string to append exactly one JSON value to.
  std::string& raw_value();

  std::string& out() { return out_; }

 private:
  void before_value();

  std::string& out_;
  std::vector<bool> first_in_scope_;
  bool after_key_ = false;
};

}  // namespace ms::quant::json
