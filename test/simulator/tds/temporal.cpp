#include "temporal.hpp"

#include <cstdio>

namespace sim::tds {

// Howard Hinnant's days_from_civil, shifted so that 0001-01-01 is day 0.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468 + 719162;
}

void civil_from_days(int64_t z, int64_t &y, unsigned &m, unsigned &d) {
    z += 719468 - 719162;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

namespace {
bool digits(std::string_view s, size_t pos, size_t n, int64_t &out) {
    if (pos + n > s.size())
        return false;
    out = 0;
    for (size_t i = 0; i < n; ++i) {
        char c = s[pos + i];
        if (c < '0' || c > '9')
            return false;
        out = out * 10 + (c - '0');
    }
    return true;
}
} // namespace

std::optional<Temporal> parse_temporal(std::string_view s) {
    Temporal t;
    size_t p = 0;
    while (p < s.size() && s[p] == ' ')
        ++p;
    int64_t a = 0, b = 0, c = 0;
    if (digits(s, p, 4, a) && p + 4 < s.size() && s[p + 4] == '-') {
        if (!digits(s, p + 5, 2, b) || s.size() <= p + 7 || s[p + 7] != '-' ||
            !digits(s, p + 8, 2, c))
            return std::nullopt;
        if (b < 1 || b > 12 || c < 1 || c > 31 || a < 1)
            return std::nullopt;
        t.days = days_from_civil(a, static_cast<unsigned>(b), static_cast<unsigned>(c));
        int64_t y2;
        unsigned m2, d2;
        civil_from_days(t.days, y2, m2, d2);
        if (m2 != b || d2 != c)
            return std::nullopt; // e.g. 2023-02-30
        p += 10;
        if (p < s.size() && (s[p] == ' ' || s[p] == 'T'))
            ++p;
    }
    if (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        int64_t hh, mm, ss = 0;
        size_t hlen = (p + 1 < s.size() && s[p + 1] == ':') ? 1 : 2;
        if (!digits(s, p, hlen, hh) || p + hlen >= s.size() || s[p + hlen] != ':' ||
            !digits(s, p + hlen + 1, 2, mm))
            return std::nullopt;
        p += hlen + 3;
        int64_t frac = 0;
        if (p < s.size() && s[p] == ':') {
            if (!digits(s, p + 1, 2, ss))
                return std::nullopt;
            p += 3;
            if (p < s.size() && (s[p] == '.' || s[p] == ':')) {
                ++p;
                int n = 0;
                while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
                    if (n < 7) {
                        frac = frac * 10 + (s[p] - '0');
                        ++n;
                    }
                    ++p;
                }
                for (; n < 7; ++n)
                    frac *= 10;
            }
        }
        if (hh > 23 || mm > 59 || ss > 59)
            return std::nullopt;
        t.ticks = ((hh * 60 + mm) * 60 + ss) * 10000000 + frac;
    }
    while (p < s.size() && s[p] == ' ')
        ++p;
    if (p < s.size()) {
        if (s[p] == 'Z') {
            ++p;
        } else if (s[p] == '+' || s[p] == '-') {
            int sign = s[p] == '-' ? -1 : 1;
            int64_t oh, om;
            if (!digits(s, p + 1, 2, oh) || p + 3 >= s.size() || s[p + 3] != ':' ||
                !digits(s, p + 4, 2, om) || oh > 14 || om > 59)
                return std::nullopt;
            t.offset_minutes = sign * static_cast<int>(oh * 60 + om);
            p += 6;
        }
    }
    while (p < s.size() && s[p] == ' ')
        ++p;
    if (p != s.size())
        return std::nullopt;
    return t;
}

std::string format_date(int64_t days) {
    int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

std::string format_time(int64_t ticks) {
    int64_t secs = ticks / 10000000, frac = ticks % 10000000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%07lld",
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60), static_cast<long long>(frac));
    return buf;
}

std::string format_datetime(int64_t days, int64_t ticks) {
    return format_date(days) + " " + format_time(ticks);
}

std::string format_offset(int minutes) {
    char buf[16];
    int a = minutes < 0 ? -minutes : minutes;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
    return buf;
}

} // namespace sim::tds
