#include "core/market_calendar.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace ms::core {
namespace {

using std::chrono::sys_days;

Date D(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// A UTC wall time as epoch ms.
EpochMs utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0, int ms = 0) {
  return EpochMs(sys_days{D(y, mo, d)}.time_since_epoch().count()) * kMsPerDay +
         EpochMs(h) * kMsPerHour + EpochMs(mi) * kMsPerMinute + s * 1000 + ms;
}

std::vector<std::string> holiday_dates(int year) {
  std::vector<std::string> out;
  for (const auto& h : market_holidays(year)) out.push_back(format_date(h.date));
  return out;
}

std::vector<std::string> early_dates(int year) {
  std::vector<std::string> out;
  for (const auto& d : early_closes(year)) out.push_back(format_date(d));
  return out;
}

// ---- Date utilities -------------------------------------------------------------------------

TEST(Dates, ParseAndFormatRoundTrip) {
  EXPECT_EQ(parse_date("2026-02-10"), D(2026, 2, 10));
  EXPECT_EQ(format_date(D(2026, 2, 10)), "2026-02-10");
  EXPECT_EQ(parse_date("2028-02-29"), D(2028, 2, 29));
  EXPECT_EQ(format_date(D(987, 1, 2)), "0987-01-02");
}

TEST(Dates, ParseRejectsMalformed) {
  for (const char* bad : {"", "2026-2-10", "2026-02-1", "2026/02/10", "2026-02-30", "2027-02-29",
                          "2026-13-01", "2026-00-10", "2026-02-00", " 2026-02-10", "2026-02-10 ",
                          "20260210", "2026-02-1a", "abcd-ef-gh", "2026-02-10T00:00"}) {
    EXPECT_FALSE(parse_date(bad).has_value()) << bad;
  }
}

TEST(Dates, ParseOrThrowNamesTheText) {
  try {
    parse_date_or_throw("2026-02-30");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bad_date");
    EXPECT_NE(std::string(e.what()).find("2026-02-30"), std::string::npos);
  }
}

TEST(Dates, Yymmdd) {
  EXPECT_EQ(parse_yymmdd("260210"), D(2026, 2, 10));
  EXPECT_EQ(parse_yymmdd("000101"), D(2000, 1, 1));
  EXPECT_EQ(format_yymmdd(D(2026, 2, 10)), "260210");
  EXPECT_EQ(format_yymmdd(D(2009, 12, 31)), "091231");
  for (const char* bad : {"", "26021", "2602100", "260230", "261301", "26021a", "-60210"}) {
    EXPECT_FALSE(parse_yymmdd(bad).has_value()) << bad;
  }
  EXPECT_THROW(format_yymmdd(D(1999, 12, 31)), Error);
  EXPECT_THROW(format_yymmdd(D(2100, 1, 1)), Error);
}

TEST(Dates, Arithmetic) {
  EXPECT_EQ(add_days(D(2026, 2, 28), 1), D(2026, 3, 1));
  EXPECT_EQ(add_days(D(2028, 2, 28), 1), D(2028, 2, 29));
  EXPECT_EQ(add_days(D(2026, 1, 1), -1), D(2025, 12, 31));
  EXPECT_EQ(days_between(D(2026, 2, 10), D(2026, 2, 13)), 3);
  EXPECT_EQ(days_between(D(2026, 2, 13), D(2026, 2, 10)), -3);
  EXPECT_TRUE(is_weekend(D(2026, 3, 7)));
  EXPECT_TRUE(is_weekend(D(2026, 3, 8)));
  EXPECT_FALSE(is_weekend(D(2026, 3, 9)));
}

TEST(Dates, InvalidDatesAreErrorsNotCrashes) {
  const Date bad = D(2026, 2, 30);
  EXPECT_THROW(is_trading_day(bad), Error);
  EXPECT_THROW(add_days(bad, 1), Error);
  EXPECT_THROW(format_date(bad), Error);
  EXPECT_THROW(session_for(bad), Error);
  EXPECT_THROW(days_between(bad, D(2026, 3, 1)), Error);
  try {
    is_trading_day(D(2026, 13, 1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bad_date");
  }
}

// ---- Holidays -------------------------------------------------------------------------------

TEST(Holidays, Year2024) {
  EXPECT_EQ(holiday_dates(2024),
            (std::vector<std::string>{"2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29",
                                      "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02",
                                      "2024-11-28", "2024-12-25"}));
  EXPECT_EQ(early_dates(2024), (std::vector<std::string>{"2024-07-03", "2024-11-29", "2024-12-24"}));
}

TEST(Holidays, Year2025IncludesTheDayOfMourning) {
  EXPECT_EQ(holiday_dates(2025),
            (std::vector<std::string>{"2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17",
                                      "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04",
                                      "2025-09-01", "2025-11-27", "2025-12-25"}));
  EXPECT_EQ(early_dates(2025), (std::vector<std::string>{"2025-07-03", "2025-11-28", "2025-12-24"}));
}

TEST(Holidays, Year2026) {
  // Jul 4 is a Saturday: closed Friday Jul 3 and no early close that week.
  EXPECT_EQ(holiday_dates(2026),
            (std::vector<std::string>{"2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03",
                                      "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07",
                                      "2026-11-26", "2026-12-25"}));
  EXPECT_EQ(early_dates(2026), (std::vector<std::string>{"2026-11-27", "2026-12-24"}));
  EXPECT_EQ(holiday_name(D(2026, 4, 3)), "Good Friday");
  EXPECT_EQ(holiday_name(D(2026, 7, 3)), "Independence Day (observed)");
  EXPECT_EQ(holiday_name(D(2026, 11, 26)), "Thanksgiving Day");
  EXPECT_FALSE(holiday_name(D(2026, 11, 27)).has_value());
  for (const auto& h : market_holidays(2026)) {
    EXPECT_FALSE(is_trading_day(h.date)) << format_date(h.date);
    EXPECT_FALSE(session_for(h.date).has_value());
  }
  EXPECT_TRUE(is_trading_day(D(2026, 11, 27)));
  EXPECT_TRUE(is_early_close(D(2026, 11, 27)));
  EXPECT_TRUE(is_early_close(D(2026, 12, 24)));
  EXPECT_FALSE(is_early_close(D(2026, 7, 2)));
}

TEST(Holidays, Year2027) {
  // Juneteenth and Christmas fall on Saturdays (observed Fridays), Jul 4 on a Sunday (observed
  // Monday), and New Year's Day 2028 on a Saturday (no closure on Dec 31, 2027).
  EXPECT_EQ(holiday_dates(2027),
            (std::vector<std::string>{"2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26",
                                      "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06",
                                      "2027-11-25", "2027-12-24"}));
  EXPECT_EQ(early_dates(2027), (std::vector<std::string>{"2027-11-26"}));
  EXPECT_FALSE(is_trading_day(D(2027, 7, 5)));
  EXPECT_TRUE(is_trading_day(D(2027, 7, 2)));
  EXPECT_FALSE(is_early_close(D(2027, 7, 2)));
  EXPECT_TRUE(is_trading_day(D(2027, 12, 31)));
  for (const auto& h : market_holidays(2027)) {
    EXPECT_FALSE(is_trading_day(h.date)) << format_date(h.date);
  }
}

TEST(Holidays, Year2028) {
  EXPECT_EQ(holiday_dates(2028),
            (std::vector<std::string>{"2028-01-17", "2028-02-21", "2028-04-14", "2028-05-29",
                                      "2028-06-19", "2028-07-04", "2028-09-04", "2028-11-23",
                                      "2028-12-25"}));
  EXPECT_EQ(early_dates(2028), (std::vector<std::string>{"2028-07-03", "2028-11-24"}));
}

TEST(Holidays, ObservanceRulesOfOtherYears) {
  // 2022: Jan 1 on a Saturday (no closure), Juneteenth on a Sunday (Monday Jun 20), Christmas on
  // a Sunday (Monday Dec 26). 2021 has no Juneteenth yet.
  const auto y2022 = holiday_dates(2022);
  EXPECT_EQ(y2022.front(), "2022-01-17");
  EXPECT_NE(std::find(y2022.begin(), y2022.end(), "2022-06-20"), y2022.end());
  EXPECT_NE(std::find(y2022.begin(), y2022.end(), "2022-12-26"), y2022.end());
  EXPECT_TRUE(is_trading_day(D(2021, 12, 31)));
  EXPECT_TRUE(is_trading_day(D(2021, 6, 18)));
  EXPECT_EQ(holiday_dates(2023).front(), "2023-01-02");
  EXPECT_TRUE(is_trading_day(D(2022, 7, 1)));  // Jul 4 on a Monday: no early close on Friday
  EXPECT_FALSE(is_early_close(D(2022, 7, 1)));
  // Years outside the cached range are computed on demand with the same rules.
  EXPECT_EQ(holiday_name(D(2300, 12, 25)), "Christmas Day");
}

TEST(Holidays, EasterComputus) {
  const std::pair<int, const char*> good_fridays[] = {
      {2019, "2019-04-19"}, {2024, "2024-03-29"}, {2025, "2025-04-18"},
      {2026, "2026-04-03"}, {2027, "2027-03-26"}, {2028, "2028-04-14"}, {2038, "2038-04-23"}};
  for (const auto& [year, date] : good_fridays) {
    EXPECT_EQ(holiday_name(*parse_date(date)), "Good Friday") << year;
  }
}

// ---- Trading days ---------------------------------------------------------------------------

TEST(TradingDays, NextAndPreviousSkipWeekendsAndHolidays) {
  EXPECT_EQ(next_trading_day(D(2026, 4, 2)), D(2026, 4, 6));  // Good Friday + weekend
  EXPECT_EQ(previous_trading_day(D(2026, 4, 6)), D(2026, 4, 2));
  EXPECT_EQ(next_trading_day(D(2026, 11, 25)), D(2026, 11, 27));
  EXPECT_EQ(next_trading_day(D(2026, 12, 31)), D(2027, 1, 4));
  EXPECT_EQ(previous_trading_day(D(2027, 1, 4)), D(2026, 12, 31));
  EXPECT_EQ(trading_day_on_or_after(D(2026, 3, 7)), D(2026, 3, 9));
  EXPECT_EQ(trading_day_on_or_after(D(2026, 3, 9)), D(2026, 3, 9));
  EXPECT_EQ(trading_day_on_or_before(D(2026, 3, 8)), D(2026, 3, 6));
}

// ---- Time zone and sessions -----------------------------------------------------------------

TEST(Sessions, WinterAndSummerHours) {
  const auto winter = session_for(D(2026, 2, 10));
  ASSERT_TRUE(winter);
  EXPECT_EQ(winter->open_ms, utc(2026, 2, 10, 14, 30));
  EXPECT_EQ(winter->close_ms, utc(2026, 2, 10, 21, 0));
  EXPECT_FALSE(winter->early_close);
  const auto summer = session_for(D(2026, 6, 10));
  ASSERT_TRUE(summer);
  EXPECT_EQ(summer->open_ms, utc(2026, 6, 10, 13, 30));
  EXPECT_EQ(summer->close_ms, utc(2026, 6, 10, 20, 0));
}

TEST(Sessions, SpringForward2026) {
  // Sunday 2026-03-08 02:00 EST -> 03:00 EDT.
  EXPECT_FALSE(session_for(D(2026, 3, 8)).has_value());
  EXPECT_EQ(session_open_ms(D(2026, 3, 6)), utc(2026, 3, 6, 14, 30));
  EXPECT_EQ(session_close_ms(D(2026, 3, 6)), utc(2026, 3, 6, 21, 0));
  EXPECT_EQ(session_open_ms(D(2026, 3, 9)), utc(2026, 3, 9, 13, 30));
  EXPECT_EQ(session_close_ms(D(2026, 3, 9)), utc(2026, 3, 9, 20, 0));
  EXPECT_EQ(new_york_time_ms(D(2026, 3, 8), 9, 30), utc(2026, 3, 8, 13, 30));
  const auto day = new_york_day_bounds(D(2026, 3, 8));
  EXPECT_EQ(day.start_ms, utc(2026, 3, 8, 5, 0));
  EXPECT_EQ(day.end_ms - day.start_ms, 23 * kMsPerHour);
  // 2026-03-09 14:00 UTC is 10:00 EDT.
  const EpochMs t = utc(2026, 3, 9, 14, 0);
  EXPECT_EQ(new_york_utc_offset_minutes(t), -240);
  EXPECT_EQ(new_york_time_ms(D(2026, 3, 9), 10, 0), t);
  EXPECT_EQ(session_date(t), D(2026, 3, 9));
  EXPECT_EQ(session_phase_at(t), SessionPhase::open);
}

TEST(Sessions, FallBack2026) {
  // Sunday 2026-11-01 02:00 EDT -> 01:00 EST.
  EXPECT_FALSE(session_for(D(2026, 11, 1)).has_value());
  EXPECT_EQ(session_open_ms(D(2026, 10, 30)), utc(2026, 10, 30, 13, 30));
  EXPECT_EQ(session_close_ms(D(2026, 10, 30)), utc(2026, 10, 30, 20, 0));
  EXPECT_EQ(session_open_ms(D(2026, 11, 2)), utc(2026, 11, 2, 14, 30));
  EXPECT_EQ(session_close_ms(D(2026, 11, 2)), utc(2026, 11, 2, 21, 0));
  EXPECT_EQ(new_york_time_ms(D(2026, 11, 1), 9, 30), utc(2026, 11, 1, 14, 30));
  const auto day = new_york_day_bounds(D(2026, 11, 1));
  EXPECT_EQ(day.end_ms - day.start_ms, 25 * kMsPerHour);
  EXPECT_EQ(new_york_utc_offset_minutes(utc(2026, 11, 2, 15, 0)), -300);
}

TEST(Sessions, EarlyCloseAt13) {
  const auto s = session_for(D(2026, 11, 27));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->early_close);
  EXPECT_EQ(s->open_ms, utc(2026, 11, 27, 14, 30));
  EXPECT_EQ(s->close_ms, utc(2026, 11, 27, 18, 0));
}

TEST(Sessions, SessionDateIsTheNewYorkDate) {
  EXPECT_EQ(session_date(utc(2026, 3, 10, 3, 59, 59, 999)), D(2026, 3, 9));  // 23:59:59.999 EDT
  EXPECT_EQ(session_date(utc(2026, 3, 10, 4, 0)), D(2026, 3, 10));
  EXPECT_EQ(session_date(utc(2026, 1, 2, 4, 59)), D(2026, 1, 1));  // EST
  EXPECT_EQ(session_date(utc(2026, 1, 2, 5, 0)), D(2026, 1, 2));
}

TEST(Phases, BoundariesOfARegularDay) {
  // 2026-03-09 is EDT: 04:00 = 08:00Z, 09:30 = 13:30Z, 16:00 = 20:00Z, 20:00 = 00:00Z next day.
  EXPECT_EQ(session_phase_at(utc(2026, 3, 9, 7, 59, 59, 999)), SessionPhase::closed);
  EXPECT_EQ(session_phase_at(utc(2026, 3, 9, 8, 0)), SessionPhase::pre_market);
  EXPECT_EQ(session_phase_at(utc(2026, 3, 9, 13, 29, 59, 999)), SessionPhase::pre_market);
  EXPECT_EQ(session_phase_at(utc(2026, 3, 9, 13, 30)), SessionPhase::open);
  EXPECT_EQ(session_phase_at(utc(2026, 3, 9, 19, 59, 59, 999)), SessionPhase::open);
  EXPECT_EQ(session_phase_at(utc(2026, 3, 9, 20, 0)), SessionPhase::post_market);
  EXPECT_EQ(session_phase_at(utc(2026, 3, 9, 23, 59, 59, 999)), SessionPhase::post_market);
  EXPECT_EQ(session_phase_at(utc(2026, 3, 10, 0, 0)), SessionPhase::closed);
}

TEST(Phases, EarlyCloseHolidayAndWeekend) {
  // 2026-11-27 EST, early close 13:00 = 18:00Z; post-market until 17:00 = 22:00Z.
  EXPECT_EQ(session_phase_at(utc(2026, 11, 27, 17, 59)), SessionPhase::open);
  EXPECT_EQ(session_phase_at(utc(2026, 11, 27, 18, 0)), SessionPhase::post_market);
  EXPECT_EQ(session_phase_at(utc(2026, 11, 27, 21, 59)), SessionPhase::post_market);
  EXPECT_EQ(session_phase_at(utc(2026, 11, 27, 22, 0)), SessionPhase::closed);
  EXPECT_EQ(session_phase_at(utc(2026, 11, 26, 15, 0)), SessionPhase::closed);  // Thanksgiving
  EXPECT_EQ(session_phase_at(utc(2026, 4, 3, 15, 0)), SessionPhase::closed);    // Good Friday
  EXPECT_EQ(session_phase_at(utc(2026, 3, 7, 15, 0)), SessionPhase::closed);    // Saturday
}

TEST(Sessions, NewYorkHourFollowsDst) {
  EXPECT_DOUBLE_EQ(new_york_hour(new_york_time_ms(D(2026, 1, 15), 10, 15)), 10.25);   // EST
  EXPECT_DOUBLE_EQ(new_york_hour(new_york_time_ms(D(2026, 7, 15), 10, 15)), 10.25);   // EDT
  EXPECT_DOUBLE_EQ(new_york_hour(new_york_time_ms(D(2026, 3, 9), 0, 30)), 0.5);
}

TEST(Phases, NamesRoundTrip) {
  for (auto p : {SessionPhase::closed, SessionPhase::pre_market, SessionPhase::open,
                 SessionPhase::post_market}) {
    EXPECT_EQ(parse_session_phase(to_string(p)), p);
  }
  EXPECT_EQ(to_string(SessionPhase::pre_market), "pre_market");
  EXPECT_FALSE(parse_session_phase("OPEN").has_value());
  EXPECT_FALSE(parse_session_phase("").has_value());
}

// ---- Expirations ----------------------------------------------------------------------------

TEST(Expirations, PmSettlesAtTheClose) {
  EXPECT_EQ(expiration_ms(D(2026, 2, 10), Settlement::pm), utc(2026, 2, 10, 21, 0));
  EXPECT_EQ(last_trade_ms(D(2026, 2, 10), Settlement::pm), utc(2026, 2, 10, 21, 0));
  EXPECT_EQ(expiration_ms(D(2026, 6, 10), Settlement::pm), utc(2026, 6, 10, 20, 0));
  EXPECT_EQ(expiration_ms(D(2026, 11, 27), Settlement::pm), utc(2026, 11, 27, 18, 0));
}

TEST(Expirations, AmSettlesAtTheOpenAndStopsTradingTheDayBefore) {
  // March 2026 monthly: Friday 2026-03-20 (EDT).
  EXPECT_EQ(expiration_ms(D(2026, 3, 20), Settlement::am), utc(2026, 3, 20, 13, 30));
  EXPECT_EQ(last_trade_ms(D(2026, 3, 20), Settlement::am), utc(2026, 3, 19, 20, 0));
}

TEST(Expirations, HolidayExpiryMovesToTheTradingDayBefore) {
  EXPECT_EQ(expiration_ms(D(2026, 4, 3), Settlement::pm), utc(2026, 4, 2, 20, 0));
  EXPECT_EQ(expiration_ms(D(2026, 4, 3), Settlement::am), utc(2026, 4, 2, 13, 30));
  EXPECT_EQ(last_trade_ms(D(2026, 4, 3), Settlement::am), utc(2026, 4, 1, 20, 0));
}

TEST(Expirations, YearsToExpiryAcrossDst) {
  // Friday 2026-03-06 16:00 EST -> Monday 2026-03-09 16:00 EDT is 71 hours, not 72.
  const EpochMs now = utc(2026, 3, 6, 21, 0);
  const EpochMs expiry = expiration_ms(D(2026, 3, 9), Settlement::pm);
  EXPECT_EQ(expiry - now, 71 * kMsPerHour);
  EXPECT_DOUBLE_EQ(years_to_expiry(now, expiry), 71.0 / (365.0 * 24.0));
  // Fall back: Friday 2026-10-30 16:00 EDT -> Monday 2026-11-02 16:00 EST is 73 hours.
  EXPECT_DOUBLE_EQ(years_to_expiry(utc(2026, 10, 30, 20, 0),
                                   expiration_ms(D(2026, 11, 2), Settlement::pm)),
                   73.0 / (365.0 * 24.0));
}

TEST(Expirations, YearsToExpiryHasAFloor) {
  const EpochMs expiry = expiration_ms(D(2026, 2, 10), Settlement::pm);
  EXPECT_DOUBLE_EQ(years_to_expiry(expiry, expiry), kMinYearsToExpiry);
  EXPECT_DOUBLE_EQ(years_to_expiry(expiry + kMsPerDay, expiry), kMinYearsToExpiry);
  EXPECT_DOUBLE_EQ(years_to_expiry(expiry - kMsPerMinute, expiry, 0.0),
                   1.0 / (365.0 * 24.0 * 60.0));
}

TEST(Expirations, FloorToMinute) {
  EXPECT_EQ(floor_to_minute(utc(2026, 2, 10, 15, 0, 59, 999)), utc(2026, 2, 10, 15, 0));
  EXPECT_EQ(floor_to_minute(utc(2026, 2, 10, 15, 1)), utc(2026, 2, 10, 15, 1));
  EXPECT_EQ(floor_to_minute(-1), -kMsPerMinute);
}

TEST(Expirations, CalendarDteAndExpiredContracts) {
  EXPECT_EQ(calendar_dte(D(2026, 2, 10), D(2026, 2, 10)), 0);
  EXPECT_EQ(calendar_dte(D(2026, 2, 13), D(2026, 2, 16)), 3);  // over a weekend + holiday
  EXPECT_EQ(calendar_dte(D(2026, 2, 10), D(2026, 2, 9)), -1);
  EXPECT_TRUE(is_expired(D(2026, 2, 9), D(2026, 2, 10)));
  EXPECT_FALSE(is_expired(D(2026, 2, 10), D(2026, 2, 10)));
  EXPECT_FALSE(is_expired(D(2026, 2, 11), D(2026, 2, 10)));
}

TEST(Expirations, DailyExpirationsSkipHolidaysAndWeekends) {
  EXPECT_EQ(daily_expirations(D(2026, 4, 2), 4),
            (std::vector<Date>{D(2026, 4, 2), D(2026, 4, 6), D(2026, 4, 7), D(2026, 4, 8)}));
  EXPECT_EQ(daily_expirations(D(2026, 11, 25), 3),
            (std::vector<Date>{D(2026, 11, 25), D(2026, 11, 27), D(2026, 11, 30)}));
  EXPECT_EQ(daily_expirations(D(2026, 3, 7), 1), (std::vector<Date>{D(2026, 3, 9)}));
  EXPECT_TRUE(daily_expirations(D(2026, 3, 9), 0).empty());
  EXPECT_TRUE(daily_expirations(D(2026, 3, 9), -3).empty());
}

TEST(Expirations, MonthlyExpirationIsTheThirdFridayOrTheTradingDayBefore) {
  EXPECT_EQ(monthly_expiration(2026, 3), D(2026, 3, 20));
  EXPECT_EQ(monthly_expiration(2026, 4), D(2026, 4, 17));  // Good Friday is the first Friday
  EXPECT_EQ(monthly_expiration(2025, 4), D(2025, 4, 17));  // Good Friday 2025-04-18: Thursday
  EXPECT_TRUE(is_monthly_expiration(D(2026, 3, 20)));
  EXPECT_TRUE(is_monthly_expiration(D(2025, 4, 17)));
  EXPECT_FALSE(is_monthly_expiration(D(2025, 4, 18)));
  EXPECT_FALSE(is_monthly_expiration(D(2026, 3, 19)));
  EXPECT_FALSE(is_monthly_expiration(D(2026, 3, 13)));
}

TEST(Expirations, UpcomingDropsTodayAfterItsClose) {
  EXPECT_EQ(upcoming_daily_expirations(utc(2026, 2, 10, 20, 59, 59, 999), 2),
            (std::vector<Date>{D(2026, 2, 10), D(2026, 2, 11)}));
  EXPECT_EQ(upcoming_daily_expirations(utc(2026, 2, 10, 21, 0), 2),
            (std::vector<Date>{D(2026, 2, 11), D(2026, 2, 12)}));
  // Friday 2026-02-13 after the close: Monday is Presidents' Day.
  EXPECT_EQ(upcoming_daily_expirations(utc(2026, 2, 13, 22, 0), 1),
            (std::vector<Date>{D(2026, 2, 17)}));
  EXPECT_EQ(upcoming_daily_expirations(utc(2026, 3, 7, 15, 0), 1),
            (std::vector<Date>{D(2026, 3, 9)}));
}

}  // namespace
}  // namespace ms::core
