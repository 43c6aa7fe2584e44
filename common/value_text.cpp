#include "value_text.hpp"

#include <cstdio>

namespace dts::text {

namespace {

void civil(int64_t z, int64_t &y, unsigned &m, unsigned &d) {
    // days since 1970-01-01 -> civil date (Howard Hinnant's algorithm)
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

constexpr int64_t kDays1900To1970 = 25567;

} // namespace

std::string scaled(bool negative, unsigned __int128 m, int scale) {
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
        m /= 10;
    } while (m > 0);
    while (static_cast<int>(digits.size()) <= scale)
        digits.insert(digits.begin(), '0');
    if (scale > 0)
        digits.insert(digits.end() - scale, '.');
    return (negative ? "-" : "") + digits;
}

std::string money(int64_t units) {
    const bool neg = units < 0;
    const unsigned __int128 mag = neg ? static_cast<unsigned __int128>(-(units + 1)) + 1
                                      : static_cast<unsigned __int128>(units);
    return scaled(neg, mag, 4);
}

std::string real(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
    return buf;
}

std::string double_(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string boolean(bool v) {
    return v ? "true" : "false";
}

std::string date(int64_t days_since_1900) {
    int64_t y;
    unsigned m, d;
    civil(days_since_1900 - kDays1900To1970, y, m, d);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

std::string time(uint64_t ticks100ns) {
    uint64_t secs = ticks100ns / 10000000, frac = ticks100ns % 10000000 / 10;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu.%06llu",
                  static_cast<unsigned long long>(secs / 3600),
                  static_cast<unsigned long long>(secs / 60 % 60),
                  static_cast<unsigned long long>(secs % 60),
                  static_cast<unsigned long long>(frac));
    return buf;
}

std::string datetime(int32_t days_since_1900, uint32_t ticks_300) {
    const uint64_t ms = (static_cast<uint64_t>(ticks_300) * 10 + 1) / 3;
    return date(days_since_1900) + " " + time(ms * 10000).substr(0, 12);
}

std::string smalldatetime(int64_t days_since_1900, uint32_t minutes) {
    return date(days_since_1900) + " " +
           time(static_cast<uint64_t>(minutes) * 600000000).substr(0, 8);
}

std::string datetimeoffset_utc(int64_t days_since_1900, uint64_t ticks_100ns) {
    return date(days_since_1900) + " " + time(ticks_100ns) + "+00";
}

std::string uuid(const uint8_t *p) {
    const unsigned d1 = static_cast<unsigned>(p[0]) | static_cast<unsigned>(p[1]) << 8 |
                        static_cast<unsigned>(p[2]) << 16 | static_cast<unsigned>(p[3]) << 24;
    const unsigned d2 = static_cast<unsigned>(p[4] | p[5] << 8);
    const unsigned d3 = static_cast<unsigned>(p[6] | p[7] << 8);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", d1, d2, d3,
                  p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
    return buf;
}

std::string bytea_hex(const uint8_t *p, size_t n) {
    static const char *h = "0123456789abcdef";
    std::string out = "\\x";
    out.reserve(2 + 2 * n);
    for (size_t i = 0; i < n; ++i) {
        out += h[p[i] >> 4];
        out += h[p[i] & 15];
    }
    return out;
}

} // namespace dts::text
