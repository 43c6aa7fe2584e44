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
};

// Parses "YYYY-MM-DD", "hh:mm[:ss[.fffffff]]", their combination (space or 'T'), and an optional
// "+hh:mm"/"-hh:mm"/"Z" offset.
std::optional<Temporal> parse_temporal(std::string_view text);

int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t &y, unsigned &m, unsigned &d);

// Canonical text forms (see engine.hpp).
std::string format_date(int64_t days);
std::string format_time(int64_t ticks);
std::string format_datetime(int64_t days, int64_t ticks);
std::string format_offset(int minutes);

constexpr int64_t kDays1900 = 693595; // days_from 0001-01-01 to 1900-01-01

} // namespace sim::tds
