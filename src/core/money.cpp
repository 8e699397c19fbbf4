#include "core/money.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace ms::core {

namespace {

constexpr double kMaxDollars = 9e16;  // int64 cents hold +-9.22e16 dollars

void require_decimals(int decimals) {
  if (decimals < 0 || decimals > 15) {
    throw Error("bad_decimals", "decimals must be 0..15, got " + std::to_string(decimals));
  }
}

// Increment a string of ASCII digits by one unit in the last place.
void increment_digits(std::string& digits) {
  for (auto i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return;
    }
    digits[i] = '0';
  }
  digits.insert(digits.begin(), '1');
}

// |x| rounded half away from zero to `decimals` places as a string of digits with the decimal
// point removed (the value is digits x 10^-decimals).
std::string rounded_digits(double x, int decimals) {
  char buf[512];
  const auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::fixed);
  const std::string_view text(buf, std::size_t(r.ptr - buf));
  const auto dot = text.find('.');
  const std::string_view int_part = text.substr(0, dot);
  const std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  std::string digits(int_part);
  const auto kept = std::min<std::size_t>(std::size_t(decimals), frac_part.size());
  digits.append(frac_part.substr(0, kept));
  digits.append(std::size_t(decimals) - kept, '0');
  const char first_dropped = frac_part.size() > std::size_t(decimals) ? frac_part[decimals] : '0';
  if (first_dropped >= '5') increment_digits(digits);
  return digits;
}

bool all_zero(const std::string& digits) {
  return digits.find_first_not_of('0') == std::string::npos;
}

}  // namespace

std::string format_half_away(double x, int decimals) {
  require_decimals(decimals);
  if (!std::isfinite(x)) throw Error("bad_money", "cannot format a non-finite amount");
  std::string digits = rounded_digits(x, decimals);
  if (digits.size() <= std::size_t(decimals)) {
    digits.insert(0, std::size_t(decimals) + 1 - digits.size(), '0');
  }
  const bool negative = std::signbit(x) && !all_zero(digits);
  if (decimals > 0) digits.insert(digits.size() - std::size_t(decimals), 1, '.');
  return negative ? "-" + digits : digits;
}

double round_half_away(double x, int decimals) {
  require_decimals(decimals);
  if (!std::isfinite(x)) return x;
  // Beyond 2^52 every double is an integer already.
  if (std::fabs(x) >= 4503599627370496.0) return x;
  const std::string text = format_half_away(x, decimals);
  double out = 0.0;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

Cents to_cents(double dollars) {
  if (!std::isfinite(dollars)) throw Error("bad_money", "amount is not a finite number");
  if (std::fabs(dollars) > kMaxDollars) {
    throw Error("money_out_of_range", "amount " + std::to_string(dollars) + " exceeds +-9e16 dollars");
  }
  const std::string digits = rounded_digits(dollars, 2);
  Cents cents = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), cents);
  return std::signbit(dollars) ? -cents : cents;
}

double from_cents(Cents cents) { return double(cents) / 100.0; }

std::string format_cents(Cents cents) {
  // Unsigned so that INT64_MIN has a magnitude.
  const bool negative = cents < 0;
  const std::uint64_t mag = negative ? 0 - std::uint64_t(cents) : std::uint64_t(cents);
  std::string out = std::to_string(mag / 100);
  const auto frac = unsigned(mag % 100);
  out += '.';
  out += char('0' + frac / 10);
  out += char('0' + frac % 10);
  return negative ? "-" + out : out;
}

std::optional<Cents> parse_cents(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view int_part = text.substr(0, dot);
  const std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (int_part.empty()) return std::nullopt;
  if (dot != std::string_view::npos && frac_part.empty()) return std::nullopt;
  auto is_digits = [](std::string_view s) {
    return s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (!is_digits(int_part) || !is_digits(frac_part)) return std::nullopt;

  std::string digits(int_part);
  digits.append(frac_part.substr(0, std::min<std::size_t>(2, frac_part.size())));
  digits.append(frac_part.size() >= 2 ? 0 : 2 - frac_part.size(), '0');
  if (frac_part.size() > 2 && frac_part[2] >= '5') increment_digits(digits);
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Cents{0};
  std::uint64_t mag = 0;
  const auto r = std::from_chars(digits.data() + first, digits.data() + digits.size(), mag);
  if (r.ec != std::errc{} || mag > std::uint64_t(std::numeric_limits<Cents>::max())) {
    return std::nullopt;
  }
  return negative ? -Cents(mag) : Cents(mag);
}

std::int64_t div_round_half_away(std::int64_t numerator, std::int64_t denominator) {
  if (denominator == 0) throw Error("bad_money", "division by zero");
  if (numerator == std::numeric_limits<std::int64_t>::min() && denominator == -1) {
    throw Error("money_out_of_range", "quotient does not fit in 64 bits");
  }
  std::int64_t q = numerator / denominator;
  const std::int64_t r = numerator % denominator;
  const std::uint64_t abs_r = r < 0 ? 0 - std::uint64_t(r) : std::uint64_t(r);
  const std::uint64_t abs_d =
      denominator < 0 ? 0 - std::uint64_t(denominator) : std::uint64_t(denominator);
  if (abs_r >= abs_d - abs_r) q += ((numerator < 0) != (denominator < 0)) ? -1 : 1;
  return q;
}

}  // namespace ms::core
