#include "core/option_ticker.hpp"

#include <cmath>
#include <cstdio>

#include "core/error.hpp"

namespace ms::core {

namespace {

constexpr std::size_t kTailLength = 6 + 1 + 8;
constexpr std::size_t kMaxRoot = 6;

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_root(std::string_view root) {
  if (root.empty() || root.size() > kMaxRoot || !is_upper(root[0])) return false;
  std::size_t i = 0;
  while (i < root.size() && is_upper(root[i])) ++i;
  // Adjusted OCC roots append one digit; more would swallow the year of an 8-digit date.
  if (i < root.size() && is_digit(root[i])) ++i;
  return i == root.size();
}

}  // namespace

std::optional<OptionTicker> parse_option_ticker(std::string_view t) {
  if (t.size() < 2 + 1 + kTailLength || t.substr(0, 2) != "O:") return std::nullopt;
  t.remove_prefix(2);
  const std::string_view root = t.substr(0, t.size() - kTailLength);
  const std::string_view tail = t.substr(t.size() - kTailLength);
  if (!valid_root(root)) return std::nullopt;
  const auto expiry = parse_yymmdd(tail.substr(0, 6));
  if (!expiry) return std::nullopt;
  const char right = tail[6];
  if (right != 'C' && right != 'P') return std::nullopt;
  std::int64_t milli = 0;
  for (char c : tail.substr(7)) {
    if (!is_digit(c)) return std::nullopt;
    milli = milli * 10 + (c - '0');
  }
  if (milli == 0) return std::nullopt;
  return OptionTicker{std::string(root), *expiry, right == 'C' ? OptionRight::call : OptionRight::put,
                      milli};
}

OptionTicker parse_option_ticker_or_throw(std::string_view ticker) {
  if (auto t = parse_option_ticker(ticker)) return *t;
  throw Error("bad_option_ticker", "not an option ticker O:<ROOT><YYMMDD><C|P><8-digit strike>: '" +
                                       std::string(ticker.substr(0, 64)) + "'");
}

std::string format_option_ticker(const OptionTicker& t) {
  if (!valid_root(t.root)) throw Error("bad_option_ticker", "bad option root '" + t.root + "'");
  if (t.strike_milli <= 0 || t.strike_milli > 99'999'999) {
    throw Error("bad_option_ticker",
                "strike x 1000 must fit 8 digits, got " + std::to_string(t.strike_milli));
  }
  char strike[16];
  std::snprintf(strike, sizeof strike, "%08lld", static_cast<long long>(t.strike_milli));
  std::string out = "O:";
  out += t.root;
  out += format_yymmdd(t.expiry);  // throws bad_date outside 2000-2099
  out += right_letter(t.right);
  out += strike;
  return out;
}

std::optional<std::int64_t> strike_to_milli(double strike) {
  if (!std::isfinite(strike) || strike <= 0.0 || strike >= 100000.0) return std::nullopt;
  const double scaled = strike * 1000.0;
  const double whole = std::round(scaled);
  if (std::fabs(scaled - whole) > 1e-6 || whole < 1.0) return std::nullopt;
  return std::int64_t(whole);
}

OptionTicker make_option_ticker(std::string root, Date expiry, OptionRight right, double strike) {
  const auto milli = strike_to_milli(strike);
  if (!milli) {
    throw Error("bad_option_ticker", "strike " + std::to_string(strike) +
                                         " is not a positive multiple of 0.001 below 100000");
  }
  OptionTicker t{std::move(root), expiry, right, *milli};
  format_option_ticker(t);  // validates root and expiry
  return t;
}

std::optional<std::string_view> underlying_for_root(std::string_view root) {
  if (root == "SPX" || root == "SPXW" || root == "SPXM") return std::string_view("I:SPX");
  if (root == "NDX" || root == "NDXP") return std::string_view("I:NDX");
  return std::nullopt;
}

std::optional<Settlement> settlement_for_root(std::string_view root) {
  if (root == "SPXW" || root == "SPXM" || root == "NDXP") return Settlement::pm;
  if (root == "SPX" || root == "NDX") return Settlement::am;
  return std::nullopt;
}

std::string_view to_string(OptionRight right) { return right == OptionRight::call ? "call" : "put"; }

char right_letter(OptionRight right) { return right == OptionRight::call ? 'C' : 'P'; }

bool is_expired(const OptionTicker& ticker, Date session) {
  return is_expired(ticker.expiry, session);
}

EpochMs expiration_ms(const OptionTicker& ticker) {
  return expiration_ms(ticker.expiry, settlement_for_root(ticker.root).value_or(Settlement::pm));
}

}  // namespace ms::core
