#include "services/sim/json_out.hpp"

#include <fmt/format.h>

#include <cmath>

#include "quant/json_text.hpp"

namespace ms::sim::json_out {

void append_string(std::string& out, std::string_view s) { quant::json::append_string(out, s); }

void append_int(std::string& out, std::int64_t v) { fmt::format_to(std::back_inserter(out), "{}", v); }

void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == 0) v = 0;  // no "-0"
  fmt::format_to(std::back_inserter(out), "{}", v);
}

void append_cents(std::string& out, std::int64_t cents) {
  if (cents < 0) {
    out += '-';
    cents = -cents;
  }
  fmt::format_to(std::back_inserter(out), "{}", cents / 100);
  const std::int64_t rem = cents % 100;
  if (rem == 0) return;
  if (rem % 10 == 0) {
    fmt::format_to(std::back_inserter(out), ".{}", rem / 10);
  } else {
    fmt::format_to(std::back_inserter(out), ".{:02}", rem);
  }
}

void append_rounded(std::string& out, double v, int decimals) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  static constexpr double kScale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
  const double s = kScale[decimals < 0 ? 0 : decimals > 8 ? 8 : decimals];
  append_number(out, std::round(v * s) / s);
}

}  // namespace ms::sim::json_out
