#include "quant/model_envelope.hpp"

#include <cstdio>

namespace ms::quant {

void append_iso8601_utc(std::string& out, std::int64_t epoch_ms) {
  // Floor division so instants before 1970 land in the right second.
  std::int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000);
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  const std::int64_t sod = secs - days * 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                              static_cast<long long>(year), static_cast<long long>(month),
                              static_cast<long long>(day), static_cast<long long>(sod / 3600),
                              static_cast<long long>(sod % 3600 / 60),
                              static_cast<long long>(sod % 60));
  out.append(buf, static_cast<std::size_t>(n));
}

std::string iso8601_utc(std::int64_t epoch_ms) {
  std::string s;
  append_iso8601_utc(s, epoch_ms);
  return s;
}

}  // namespace ms::quant
