#pragma once
// The US index-options exchange calendar (SPX, NDX on Cboe/Nasdaq; NYSE holiday rules), in
// America/New_York. Every instant is UTC epoch milliseconds; every date is a New York calendar
// date. Pure code: the only outside input is the system time-zone database (tzdata), read once
// through howardhinnant date because libstdc++ 12 has no C++20 time zones.
//
// Full closures, computed by rule for any year (checked against the published 2024-2028 tables):
//   New Year's Day   Jan 1; Sunday -> Monday Jan 2; Saturday -> no closure (the exchange does not
//                    close on Dec 31 of the year before, for year-end settlement).
//   MLK Day          third Monday of January.
//   Presidents' Day  third Monday of February.
//   Good Friday      two days before Easter Sunday (Gregorian computus).
//   Memorial Day     last Monday of May.
//   Juneteenth       Jun 19 from 2022 on; Saturday -> Friday, Sunday -> Monday.
//   Independence Day Jul 4; Saturday -> Friday, Sunday -> Monday.
//   Labor Day        first Monday of September.
//   Thanksgiving     fourth Thursday of November.
//   Christmas        Dec 25; Saturday -> Friday, Sunday -> Monday.
//   Ad hoc closures  2025-01-09 (national day of mourning for President Carter).
// Early closes at 13:00 ET (when that day is a trading day): Jul 3, the Friday after
// Thanksgiving, Dec 24.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ms::core {

using Date = std::chrono::year_month_day;
using EpochMs = std::int64_t;

inline constexpr EpochMs kMsPerMinute = 60'000;
inline constexpr EpochMs kMsPerHour = 3'600'000;
inline constexpr EpochMs kMsPerDay = 86'400'000;

// ---- Date utilities -------------------------------------------------------------------------

// Strict "YYYY-MM-DD" (10 characters, a real calendar date); nullopt otherwise.
std::optional<Date> parse_date(std::string_view text);
// Throws Error("bad_date") naming the text; for callers that validate at their edge.
Date parse_date_or_throw(std::string_view text);
std::string format_date(Date date);  // "2026-02-10"
// Strict "YYMMDD" of the option-ticker grammar; years are 2000-2099.
std::optional<Date> parse_yymmdd(std::string_view text);
std::string format_yymmdd(Date date);  // "260210"; years outside 2000-2099 throw Error("bad_date")
Date add_days(Date date, int days);
// to - from, in calendar days (negative when `to` is earlier).
int days_between(Date from, Date to);
bool is_weekend(Date date);

// ---- Holidays and trading days --------------------------------------------------------------

struct MarketHoliday {
  Date date;
  std::string name;  // "Good Friday", "Independence Day (observed)", ...
};

// Full closures of `year` in date order.
std::vector<MarketHoliday> market_holidays(int year);
// 13:00 ET early closes of `year` in date order.
std::vector<Date> early_closes(int year);
// The holiday's name when `date` is a weekday full closure.
std::optional<std::string> holiday_name(Date date);
bool is_early_close(Date date);
bool is_trading_day(Date date);
Date next_trading_day(Date date);      // strictly after
Date previous_trading_day(Date date);  // strictly before
Date trading_day_on_or_after(Date date);
Date trading_day_on_or_before(Date date);

// ---- Time zone ------------------------------------------------------------------------------

// The New York calendar date of an instant (the "session date" asked of a clock).
Date session_date(EpochMs instant);
// The UTC instant of a New York wall-clock time on `date`. For the nonexistent hour of spring
// forward the earlier mapping is used; the session times never fall there.
EpochMs new_york_time_ms(Date date, int hour, int minute, int second = 0);
// [00:00, next 00:00) of `date` in New York as UTC instants (23 h or 25 h on DST days).
struct DayBounds {
  EpochMs start_ms;
  EpochMs end_ms;
};
DayBounds new_york_day_bounds(Date date);
// Minutes east of UTC in New York at the instant (-300 EST, -240 EDT).
int new_york_utc_offset_minutes(EpochMs instant);
// The New York wall-clock hour of an instant as a fraction: 10:15 → 10.25 (DST-aware).
double new_york_hour(EpochMs instant);

// ---- Sessions -------------------------------------------------------------------------------

struct Session {
  Date date;
  EpochMs open_ms;   // 09:30 ET
  EpochMs close_ms;  // 16:00 ET, or 13:00 ET on an early close
  bool early_close;
};

// nullopt when `date` is not a trading day.
std::optional<Session> session_for(Date date);
std::optional<EpochMs> session_open_ms(Date date);
std::optional<EpochMs> session_close_ms(Date date);

// Phases of a trading day in New York (weekends and holidays are `closed` all day):
//   pre_market   04:00 .. open
//   open         09:30 .. close (16:00, or 13:00 on an early close)
//   post_market  close .. 20:00 (17:00 on an early close)
//   closed       everything else
// Intervals are half-open: 09:30:00.000 is `open`, 16:00:00.000 is `post_market`.
enum class SessionPhase { closed, pre_market, open, post_market };

std::string_view to_string(SessionPhase phase);
std::optional<SessionPhase> parse_session_phase(std::string_view text);
SessionPhase session_phase_at(EpochMs instant);

// ---- Expirations ----------------------------------------------------------------------------

// PM-settled (SPXW, NDXP): settles on the closing value and trades until the close of the
// expiry day. AM-settled (SPX, NDX monthlies): settles on the opening prints of the expiry day
// (09:30 ET); its last trading moment is the close of the trading day before.
enum class Settlement { am, pm };

// The instant the option's value is fixed: the close (PM) or the open (AM) of the expiry date.
// When the expiry date is not a trading day the exchange moves the expiration to the trading
// day before, and so does this function.
EpochMs expiration_ms(Date expiry, Settlement settlement);
// The last instant the option can trade: expiration_ms for PM; for AM, the close of the trading
// day before the (possibly moved) settlement day.
EpochMs last_trade_ms(Date expiry, Settlement settlement);

// Minimum time to expiry: one hour of a year, the original builder's floor, so Black-Scholes
// never divides by a zero sqrt(T).
inline constexpr double kMinYearsToExpiry = 1.0 / (365.0 * 24.0);
// Calendar time (365-day years) from `now` to `expiration`, never below `min_years`.
double years_to_expiry(EpochMs now, EpochMs expiration, double min_years = kMinYearsToExpiry);
// Theoretical values quantise time to the market-clock minute (DESIGN §9), so a tile does not
// change every tick just because the clock moved.
EpochMs floor_to_minute(EpochMs instant);

// DTE as models carry it: calendar days in New York from the session date to the expiry date
// (0 = expires this session; negative = already expired).
int calendar_dte(Date session, Date expiry);
// An expiry strictly before the session date is expired (spec Q10: drop it, never clamp to 0).
bool is_expired(Date expiry, Date session);

// The month's standard (AM-settled SPX/NDX) expiration: the third Friday, or the trading day
// before when that Friday is a holiday.
Date monthly_expiration(int year, unsigned month);
// True when `date` is its month's standard expiration: AM series settle on its opening values.
bool is_monthly_expiration(Date date);

// SPX/NDX have a daily expiration every trading day: the first `count` trading days on or after
// `from`.
std::vector<Date> daily_expirations(Date from, int count);
// The same at an instant: today's expiration is included until its PM close has passed.
std::vector<Date> upcoming_daily_expirations(EpochMs now, int count);

}  // namespace ms::core
