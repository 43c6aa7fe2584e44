// Calendar arithmetic for the date/time wire formats: the engine's canonical text on one side,
// day counts and fractional-second units on the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sim::tds {

constexpr int64_t kTicksPerDay = 864000000000LL; // 100 ns units

struct Temporal {
    int64_t days = 0;       // since 0001-01-01 (proleptic Gregorian)
    int64_t ticks = 0;      // 100 ns units since midnight (local time)
    int offset_minutes = 0; // datetimeoffset only
    bool has_date = false;  // the text had a date part
};

// The order of the date parts in numeric date strings (SET DATEFORMAT: mdy, dmy, ymd, ydm, myd,
// dym), per thread: a session sets its own before it runs statements. Default mdy (us_english).
void set_date_order(const std::string &order);
const std::string &date_order();
// Whether `order` is one of the six DATEFORMAT values (lower case).
bool valid_date_order(const std::string &order);

// Parses the date and time string literal formats of SQL Server:
//   "YYYY-MM-DD" and ISO 8601 "YYYY-MM-DDThh:mm:ss[.f]", "YYYYMMDD", "YYMMDD" (unseparated);
//   numeric dates "a/b/c" (also '-' and '.') in the DATEFORMAT order, 2- or 4-digit years
//   (2-digit: 00-49 -> 20xx, 50-99 -> 19xx), a leading 4-digit year followed by the month and day
//   in DATEFORMAT's relative order;
//   alphabetic dates: "Apr[il] 15[,] 1996", "15 Apr[il][,] 1996", "1996 April 15", "April 1996";
//   then "hh:mm[:ss[.fffffff | :fff]]" with an optional AM/PM, and an optional "+hh:mm"/"-hh:mm"/
//   "Z" offset. `legacy` (datetime, smalldatetime) reads "YYYY-xx-xx", "YYYY/xx/xx" and
//   "YYYY.xx.xx" as year, then month and day in DATEFORMAT's relative order (the newer types, and
//   ISO 8601 with its T: always year, month, day).
std::optional<Temporal> parse_temporal(std::string_view text, bool legacy = false);
// Whether the last parse_temporal of this thread failed on a well-formed date whose parts are out
// of range (month 13, February 30): datetime reports that as error 242, not 241.
bool last_parse_out_of_range();

int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t &y, unsigned &m, unsigned &d);

// Canonical text forms (see engine.hpp).
std::string format_date(int64_t days);
std::string format_time(int64_t ticks);
std::string format_datetime(int64_t days, int64_t ticks);
std::string format_offset(int minutes);

constexpr int64_t kDays1900 = 693595; // days_from 0001-01-01 to 1900-01-01

} // namespace sim::tds
