#include "quant/json_text.hpp"

#include <cassert>
#include <charconv>
#include <cmath>

namespace ms::quant::json {
namespace {

constexpr std::int64_t kPow10[] = {1,          10,          100,          1000,
                                   10000,      100000,      1000000,      10000000,
                                   100000000,  1000000000,  10000000000LL, 100000000000LL,
                                   1000000000000LL};
constexpr int kMaxDecimals = 12;

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_fixed(std::string& out, std::int64_t scaled, int decimals) {
  assert(decimals >= 0 && decimals <= kMaxDecimals);
  // The magnitude as unsigned so INT64_MIN does not overflow on negation.
  std::uint64_t magnitude = scaled < 0 ? 0 - static_cast<std::uint64_t>(scaled)
                                       : static_cast<std::uint64_t>(scaled);
  if (scaled < 0) out.push_back('-');
  const auto divisor = static_cast<std::uint64_t>(kPow10[decimals]);
  append_uint(out, magnitude / divisor);
  out.push_back('.');
  std::uint64_t frac = magnitude % divisor;
  if (frac == 0) {
    out.push_back('0');
    return;
  }
  int digits = decimals;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  char buf[kMaxDecimals];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out.append(buf, static_cast<std::size_t>(digits));
}

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.append("null");
    return;
  }
  // The shortest round-trip digits, in scientific form, tell us the decimal exponent; Python
  // prints fixed notation for exponents in [-4, 16) and scientific otherwise.
  char sci[40];
  auto [sci_end, ec1] = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const char* e = sci;
  while (e < sci_end && *e != 'e') ++e;
  int exponent = 0;
  const char* digits = e + 1 < sci_end && e[1] == '+' ? e + 2 : e + 1;
  std::from_chars(digits, sci_end, exponent);
  if (exponent >= -4 && exponent < 16) {
    char fixed[64];
    auto [end, ec2] = std::to_chars(fixed, fixed + sizeof fixed, v, std::chars_format::fixed);
    out.append(fixed, end);
    bool has_point = false;
    for (const char* p = fixed; p < end; ++p) has_point = has_point || *p == '.';
    if (!has_point) out.append(".0");
    return;
  }
  out.append(sci, sci_end);
}

void append_rounded(std::string& out, double v, int decimals) {
  assert(decimals >= 0 && decimals <= kMaxDecimals);
  const double scaled = v * static_cast<double>(kPow10[decimals]);
  if (!std::isfinite(scaled) || std::fabs(scaled) >= 9.0e18) {
    out.append("null");
    return;
  }
  append_fixed(out, std::llround(scaled), decimals);
}

void Writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_in_scope_.empty()) {
    if (!first_in_scope_.back()) out_.push_back(',');
    first_in_scope_.back() = false;
  }
}

Writer& Writer::begin_object() {
  before_value();
  out_.push_back('{');
  first_in_scope_.push_back(true);
  return *this;
}

Writer& Writer::end_object() {
  assert(!first_in_scope_.empty() && !after_key_);
  first_in_scope_.pop_back();
  out_.push_back('}');
  return *this;
}

Writer& Writer::begin_array() {
  before_value();
  out_.push_back('[');
  first_in_scope_.push_back(true);
  return *this;
}

Writer& Writer::end_array() {
  assert(!first_in_scope_.empty() && !after_key_);
  first_in_scope_.pop_back();
  out_.push_back(']');
  return *this;
}

Writer& Writer::key(std::string_view k) {
  assert(!after_key_);
  before_value();
  append_string(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

Writer& Writer::string(std::string_view s) {
  before_value();
  append_string(out_, s);
  return *this;
}

Writer& Writer::integer(std::int64_t v) {
  before_value();
  append_int(out_, v);
  return *this;
}

Writer& Writer::number(double v) {
  before_value();
  append_double(out_, v);
  return *this;
}

Writer& Writer::rounded(double v, int decimals) {
  before_value();
  append_rounded(out_, v, decimals);
  return *this;
}

Writer& Writer::boolean(bool v) {
  before_value();
  out_.append(v ? "true" : "false");
  return *this;
}

Writer& Writer::null() {
  before_value();
  out_.append("null");
  return *this;
}

Writer& Writer::number_or_null(const std::optional<double>& v) {
  return v ? number(*v) : null();
}

Writer& Writer::rounded_or_null(const std::optional<double>& v, int decimals) {
  return v ? rounded(*v, decimals) : null();
}

Writer& Writer::string_or_null(const std::optional<std::string>& s) {
  return s ? string(*s) : null();
}

Writer& Writer::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

std::string& Writer::raw_value() {
  before_value();
  return out_;
}

}  // namespace ms::quant::json
