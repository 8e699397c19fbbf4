#include "core/market_calendar.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"

namespace ms::core {

namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr std::chrono::weekday kMonday{1};
constexpr std::chrono::weekday kThursday{4};
constexpr std::chrono::weekday kFriday{5};
constexpr std::chrono::weekday kSaturday{6};
constexpr std::chrono::weekday kSunday{0};

void require_valid(Date date) {
  if (!date.ok()) {
    throw Error("bad_date", "invalid calendar date " + std::to_string(int(date.year())) + "-" +
                                std::to_string(unsigned(date.month())) + "-" +
                                std::to_string(unsigned(date.day())));
  }
}

std::chrono::weekday weekday_of(Date date) { return std::chrono::weekday{sys_days{date}}; }

Date ymd(int year, unsigned month, unsigned day) {
  return Date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
}

Date nth_weekday(int year, unsigned month, std::chrono::weekday wd, unsigned n) {
  return Date{sys_days{std::chrono::year_month_weekday{std::chrono::year{year},
                                                       std::chrono::month{month}, wd[n]}}};
}

Date last_weekday(int year, unsigned month, std::chrono::weekday wd) {
  return Date{sys_days{std::chrono::year_month_weekday_last{
      std::chrono::year{year}, std::chrono::month{month}, std::chrono::weekday_last{wd}}}};
}

// Anonymous Gregorian computus (Meeus/Jones/Butcher).
Date easter_sunday(int y) {
  const int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return ymd(y, unsigned(month), unsigned(day));
}

// Saturday -> Friday, Sunday -> Monday (NYSE Rule 7.2 observance).
void add_fixed_holiday(std::vector<MarketHoliday>& out, Date actual, const std::string& name) {
  const auto wd = weekday_of(actual);
  if (wd == kSaturday) {
    out.push_back({add_days(actual, -1), name + " (observed)"});
  } else if (wd == kSunday) {
    out.push_back({add_days(actual, 1), name + " (observed)"});
  } else {
    out.push_back({actual, name});
  }
}

std::vector<MarketHoliday> compute_holidays(int year) {
  std::vector<MarketHoliday> out;
  const Date new_year = ymd(year, 1, 1);
  if (weekday_of(new_year) == kSunday) {
    out.push_back({ymd(year, 1, 2), "New Year's Day (observed)"});
  } else if (weekday_of(new_year) != kSaturday) {
    out.push_back({new_year, "New Year's Day"});
  }
  out.push_back({nth_weekday(year, 1, kMonday, 3), "Martin Luther King Jr. Day"});
  out.push_back({nth_weekday(year, 2, kMonday, 3), "Presidents' Day"});
  out.push_back({add_days(easter_sunday(year), -2), "Good Friday"});
  out.push_back({last_weekday(year, 5, kMonday), "Memorial Day"});
  if (year >= 2022) add_fixed_holiday(out, ymd(year, 6, 19), "Juneteenth");
  add_fixed_holiday(out, ymd(year, 7, 4), "Independence Day");
  out.push_back({nth_weekday(year, 9, kMonday, 1), "Labor Day"});
  out.push_back({nth_weekday(year, 11, kThursday, 4), "Thanksgiving Day"});
  add_fixed_holiday(out, ymd(year, 12, 25), "Christmas Day");
  // Closures no rule produces.
  if (year == 2025) out.push_back({ymd(2025, 1, 9), "National Day of Mourning (President Carter)"});
  std::sort(out.begin(), out.end(), [](const MarketHoliday& a, const MarketHoliday& b) {
    return sys_days{a.date} < sys_days{b.date};
  });
  return out;
}

struct YearTable {
  std::vector<MarketHoliday> holidays;
  std::vector<Date> early;
};

bool is_listed_holiday(const std::vector<MarketHoliday>& hs, Date date) {
  return std::any_of(hs.begin(), hs.end(), [&](const MarketHoliday& h) { return h.date == date; });
}

YearTable compute_year(int year) {
  YearTable t;
  t.holidays = compute_holidays(year);
  auto trading = [&](Date d) {
    const auto wd = weekday_of(d);
    return wd != kSaturday && wd != kSunday && !is_listed_holiday(t.holidays, d);
  };
  const Date candidates[] = {ymd(year, 7, 3),
                             add_days(nth_weekday(year, 11, kThursday, 4), 1), ymd(year, 12, 24)};
  for (Date d : candidates) {
    if (trading(d)) t.early.push_back(d);
  }
  return t;
}

constexpr int kCachedFirstYear = 1950;
constexpr int kCachedLastYear = 2200;

// Built once; the calendar is asked on every tick, so no per-call allocation.
const std::vector<YearTable>& cached_years() {
  static const std::vector<YearTable> table = [] {
    std::vector<YearTable> v;
    v.reserve(kCachedLastYear - kCachedFirstYear + 1);
    for (int y = kCachedFirstYear; y <= kCachedLastYear; ++y) v.push_back(compute_year(y));
    return v;
  }();
  return table;
}

// Out-of-range years are computed on demand (rare; only tests and odd inputs reach them).
template <typename F>
auto with_year(int year, F&& f) {
  if (year >= kCachedFirstYear && year <= kCachedLastYear) {
    return f(cached_years()[std::size_t(year - kCachedFirstYear)]);
  }
  const YearTable t = compute_year(year);
  return f(t);
}

const date::time_zone* new_york() {
  static const date::time_zone* zone = [] {
    try {
      return date::locate_zone("America/New_York");
    } catch (const std::exception& e) {
      throw Error("tz_database_missing",
                  std::string("cannot load time zone America/New_York (is tzdata installed?): ") +
                      e.what());
    }
  }();
  return zone;
}

using SysMs = std::chrono::sys_time<std::chrono::milliseconds>;

SysMs to_sys(EpochMs ms) { return SysMs{std::chrono::milliseconds{ms}}; }

}  // namespace

// ---- Date utilities -------------------------------------------------------------------------

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = 0; i < lens[p]; ++i) {
      const char c = text[starts[p] + i];
      if (c < '0' || c > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  const Date d = ymd(parts[0], unsigned(parts[1]), unsigned(parts[2]));
  if (!d.ok()) return std::nullopt;
  return d;
}

Date parse_date_or_throw(std::string_view text) {
  if (auto d = parse_date(text)) return *d;
  throw Error("bad_date", "expected a date as YYYY-MM-DD, got '" + std::string(text.substr(0, 40)) +
                              "'");
}

std::string format_date(Date date) {
  require_valid(date);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(date.year()), unsigned(date.month()),
                unsigned(date.day()));
  return buf;
}

std::optional<Date> parse_yymmdd(std::string_view text) {
  if (text.size() != 6) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto two = [&](std::size_t i) { return unsigned((text[i] - '0') * 10 + (text[i + 1] - '0')); };
  const Date d = ymd(2000 + int(two(0)), two(2), two(4));
  if (!d.ok()) return std::nullopt;
  return d;
}

std::string format_yymmdd(Date date) {
  require_valid(date);
  const int y = int(date.year());
  if (y < 2000 || y > 2099) {
    throw Error("bad_date", "YYMMDD covers 2000-2099 only, got year " + std::to_string(y));
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d%02u%02u", y % 100, unsigned(date.month()),
                unsigned(date.day()));
  return buf;
}

Date add_days(Date date, int n) {
  require_valid(date);
  return Date{sys_days{date} + days{n}};
}

int days_between(Date from, Date to) {
  require_valid(from);
  require_valid(to);
  return int((sys_days{to} - sys_days{from}).count());
}

bool is_weekend(Date date) {
  require_valid(date);
  const auto wd = weekday_of(date);
  return wd == kSaturday || wd == kSunday;
}

// ---- Holidays and trading days --------------------------------------------------------------

std::vector<MarketHoliday> market_holidays(int year) {
  return with_year(year, [](const YearTable& t) { return t.holidays; });
}

std::vector<Date> early_closes(int year) {
  return with_year(year, [](const YearTable& t) { return t.early; });
}

std::optional<std::string> holiday_name(Date date) {
  require_valid(date);
  return with_year(int(date.year()), [&](const YearTable& t) -> std::optional<std::string> {
    for (const auto& h : t.holidays) {
      if (h.date == date) return h.name;
    }
    return std::nullopt;
  });
}

bool is_early_close(Date date) {
  require_valid(date);
  return with_year(int(date.year()), [&](const YearTable& t) {
    return std::find(t.early.begin(), t.early.end(), date) != t.early.end();
  });
}

bool is_trading_day(Date date) {
  if (is_weekend(date)) return false;
  return with_year(int(date.year()),
                   [&](const YearTable& t) { return !is_listed_holiday(t.holidays, date); });
}

Date next_trading_day(Date date) {
  Date d = add_days(date, 1);
  while (!is_trading_day(d)) d = add_days(d, 1);
  return d;
}

Date previous_trading_day(Date date) {
  Date d = add_days(date, -1);
  while (!is_trading_day(d)) d = add_days(d, -1);
  return d;
}

Date trading_day_on_or_after(Date date) {
  return is_trading_day(date) ? date : next_trading_day(date);
}

Date trading_day_on_or_before(Date date) {
  return is_trading_day(date) ? date : previous_trading_day(date);
}

// ---- Time zone ------------------------------------------------------------------------------

Date session_date(EpochMs instant) {
  const auto local = new_york()->to_local(to_sys(instant));
  const auto local_day = date::floor<date::days>(local);
  return Date{sys_days{days{local_day.time_since_epoch().count()}}};
}

EpochMs new_york_time_ms(Date date, int hour, int minute, int second) {
  require_valid(date);
  const date::local_days ld{date::days{sys_days{date}.time_since_epoch().count()}};
  const auto local = ld + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                     std::chrono::seconds{second};
  const auto sys = new_york()->to_sys(local, date::choose::earliest);
  return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
}

DayBounds new_york_day_bounds(Date date) {
  return {new_york_time_ms(date, 0, 0), new_york_time_ms(add_days(date, 1), 0, 0)};
}

int new_york_utc_offset_minutes(EpochMs instant) {
  const auto info = new_york()->get_info(to_sys(instant));
  return int(std::chrono::duration_cast<std::chrono::minutes>(info.offset).count());
}

double new_york_hour(EpochMs instant) {
  const EpochMs local = instant + EpochMs(new_york_utc_offset_minutes(instant)) * kMsPerMinute;
  EpochMs ms_of_day = local % kMsPerDay;
  if (ms_of_day < 0) ms_of_day += kMsPerDay;
  return double(ms_of_day) / double(kMsPerHour);
}

// ---- Sessions -------------------------------------------------------------------------------

std::optional<Session> session_for(Date date) {
  if (!is_trading_day(date)) return std::nullopt;
  const bool early = is_early_close(date);
  return Session{date, new_york_time_ms(date, 9, 30), new_york_time_ms(date, early ? 13 : 16, 0),
                 early};
}

std::optional<EpochMs> session_open_ms(Date date) {
  if (auto s = session_for(date)) return s->open_ms;
  return std::nullopt;
}

std::optional<EpochMs> session_close_ms(Date date) {
  if (auto s = session_for(date)) return s->close_ms;
  return std::nullopt;
}

std::string_view to_string(SessionPhase phase) {
  switch (phase) {
    case SessionPhase::pre_market: return "pre_market";
    case SessionPhase::open: return "open";
    case SessionPhase::post_market: return "post_market";
    case SessionPhase::closed: break;
  }
  return "closed";
}

std::optional<SessionPhase> parse_session_phase(std::string_view text) {
  for (auto p : {SessionPhase::closed, SessionPhase::pre_market, SessionPhase::open,
                 SessionPhase::post_market}) {
    if (to_string(p) == text) return p;
  }
  return std::nullopt;
}

SessionPhase session_phase_at(EpochMs instant) {
  const Date d = session_date(instant);
  const auto s = session_for(d);
  if (!s) return SessionPhase::closed;
  if (instant >= s->open_ms && instant < s->close_ms) return SessionPhase::open;
  if (instant < s->open_ms && instant >= new_york_time_ms(d, 4, 0)) return SessionPhase::pre_market;
  if (instant >= s->close_ms && instant < s->close_ms + 4 * kMsPerHour) {
    return SessionPhase::post_market;
  }
  return SessionPhase::closed;
}

// ---- Expirations ----------------------------------------------------------------------------

EpochMs expiration_ms(Date expiry, Settlement settlement) {
  const auto s = session_for(trading_day_on_or_before(expiry));
  return settlement == Settlement::pm ? s->close_ms : s->open_ms;
}

EpochMs last_trade_ms(Date expiry, Settlement settlement) {
  const Date day = trading_day_on_or_before(expiry);
  if (settlement == Settlement::pm) return session_for(day)->close_ms;
  return session_for(previous_trading_day(day))->close_ms;
}

double years_to_expiry(EpochMs now, EpochMs expiration, double min_years) {
  const double years = double(expiration - now) / (365.0 * double(kMsPerDay));
  return std::max(years, min_years);
}

EpochMs floor_to_minute(EpochMs instant) {
  EpochMs q = instant / kMsPerMinute;
  if (instant % kMsPerMinute < 0) --q;
  return q * kMsPerMinute;
}

int calendar_dte(Date session, Date expiry) { return days_between(session, expiry); }

bool is_expired(Date expiry, Date session) { return days_between(session, expiry) < 0; }

Date monthly_expiration(int year, unsigned month) {
  using namespace std::chrono;
  const Date third_friday{
      sys_days{year_month_weekday{std::chrono::year{year}, std::chrono::month{month}, Friday[3]}}};
  return trading_day_on_or_before(third_friday);
}

bool is_monthly_expiration(Date date) {
  return date.ok() && date == monthly_expiration(int(date.year()), unsigned(date.month()));
}

std::vector<Date> daily_expirations(Date from, int count) {
  std::vector<Date> out;
  if (count <= 0) return out;
  out.reserve(std::size_t(count));
  Date d = trading_day_on_or_after(from);
  for (int i = 0; i < count; ++i) {
    out.push_back(d);
    d = next_trading_day(d);
  }
  return out;
}

std::vector<Date> upcoming_daily_expirations(EpochMs now, int count) {
  const Date today = session_date(now);
  const auto s = session_for(today);
  const Date first = (s && now >= s->close_ms) ? next_trading_day(today) : today;
  return daily_expirations(first, count);
}

}  // namespace ms::core
