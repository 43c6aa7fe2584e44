// Text forms of SQL Server values that PostgreSQL's input functions read exactly, shared by the
// two paths that produce them: DB-Library values read over TDS (tds_value_text.cpp, the CDC and
// full-load path) and row images decoded from the transaction log (row_decoder.cpp). One place
// for each form, so that a row captured either way reaches the destination as the same text.
// Pure C++, no DB-Library or PostgreSQL headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dts::text {

// An exact decimal: magnitude / 10^scale, "-" when negative, at least one digit before the point
// and exactly `scale` after it ("-0.05", "12.3400").
std::string scaled(bool negative, unsigned __int128 magnitude, int scale);
// money / smallmoney: a signed count of 1/10000 units, four decimals.
std::string money(int64_t units);
std::string real(float v);     // %.9g: every float round-trips
std::string double_(double v); // %.17g
std::string boolean(bool v);   // "true" / "false"

// Days since 1900-01-01 (negative before) as "YYYY-MM-DD".
std::string date(int64_t days_since_1900);
// 100 ns ticks since midnight as "HH:MM:SS.ffffff": six fractional digits, the seventh truncated
// (PostgreSQL keeps microseconds; truncating here rather than letting the input function round
// .9999999 up to the next second or day is what docs/type-mapping.md promises).
std::string time(uint64_t ticks_100ns);
// datetime: days since 1900-01-01 and 1/300 s ticks since midnight, shown as SQL Server shows
// them: "YYYY-MM-DD HH:MM:SS.mmm", the ticks rounded to .000/.003/.007.
std::string datetime(int32_t days_since_1900, uint32_t ticks_300);
// smalldatetime: "YYYY-MM-DD HH:MM:SS".
std::string smalldatetime(int64_t days_since_1900, uint32_t minutes);
// datetimeoffset given as its UTC date and time: "YYYY-MM-DD HH:MM:SS.ffffff+00".
std::string datetimeoffset_utc(int64_t days_since_1900, uint64_t ticks_100ns);

// 16 bytes in SQL Server's order (first three groups little-endian) as the canonical lower-case
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
std::string uuid(const uint8_t *bytes16);
// bytea hex input form "\x0a1b".
std::string bytea_hex(const uint8_t *p, size_t n);

} // namespace dts::text
