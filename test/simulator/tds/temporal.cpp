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

namespace {

thread_local std::string t_date_order = "mdy";

const char *const kMonths[] = {"JANUARY",   "FEBRUARY", "MARCH",    "APRIL",
                               "MAY",       "JUNE",     "JULY",     "AUGUST",
                               "SEPTEMBER", "OCTOBER",  "NOVEMBER", "DECEMBER"};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// 1..12 for an English month name or its abbreviation of three letters or more, else 0.
int month_number(std::string_view word) {
    if (word.size() < 3)
        return 0;
    for (int m = 0; m < 12; ++m) {
        std::string_view full = kMonths[m];
        if (word.size() > full.size())
            continue;
        bool same = true;
        for (size_t i = 0; i < word.size() && same; ++i)
            same = (word[i] & ~0x20) == full[i];
        if (same)
            return m + 1;
    }
    return 0;
}

// The month named by the letters at p (advances p past them); 0 when they name none.
int month_word(std::string_view s, size_t &p) {
    size_t w = p;
    while (w < s.size() && is_alpha(s[w]))
        ++w;
    int m = month_number(s.substr(p, w - p));
    p = w;
    return m;
}

// A run of digits at p: its value and length.
size_t digit_run(std::string_view s, size_t p, int64_t &value) {
    size_t n = 0;
    value = 0;
    while (p + n < s.size() && is_digit(s[p + n]) && n < 9)
        value = value * 10 + (s[p + n++] - '0');
    return n;
}

// After p, past blanks and commas: a run of digits that is not the hour of a time (its value in
// `value`, position in `at`, length returned; 0 when none).
size_t next_number(std::string_view s, size_t p, int64_t &value, size_t &at) {
    while (p < s.size() && (s[p] == ' ' || s[p] == ','))
        ++p;
    at = p;
    size_t n = digit_run(s, p, value);
    return n && !(p + n < s.size() && s[p + n] == ':') ? n : 0;
}

int64_t full_year(int64_t y, size_t digits) {
    if (digits > 2)
        return y;
    return y < 50 ? 2000 + y : 1900 + y; // two digit year cutoff 2049
}

thread_local bool t_out_of_range = false;

bool make_date(int64_t y, int64_t m, int64_t d, Temporal &t) {
    t_out_of_range = true; // cleared when the whole string parses
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    t.days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
    int64_t y2;
    unsigned m2, d2;
    civil_from_days(t.days, y2, m2, d2);
    if (m2 != m || d2 != d)
        return false; // e.g. 2023-02-30
    t.has_date = true;
    t_out_of_range = false;
    return true;
}

// Month before day in the session's order (mdy, ymd, myd), else day before month.
bool month_first() {
    return t_date_order.find('m') < t_date_order.find('d');
}

// The date part at s[p..]: advances p past it. Returns false on a malformed date; a string that
// starts with a time (or is empty) has no date and leaves t.has_date false.
bool date_part(std::string_view s, size_t &p, bool legacy, Temporal &t) {
    int64_t a = 0, b = 0, c = 0;
    size_t la = digit_run(s, p, a);
    if (la > 0 && p + la < s.size() && s[p + la] == ':')
        return true; // a time
    if (la == 0) {
        if (p >= s.size() || !is_alpha(s[p]))
            return true;
        // Alphabetic: Month [day][,] year | Month year [day]
        int m = month_word(s, p);
        if (!m)
            return false;
        size_t at = 0;
        size_t l1 = next_number(s, p, a, at);
        if (!l1)
            return false;
        p = at + l1;
        size_t l2 = next_number(s, p, b, at);
        if (l2) {
            p = at + l2;
            return l1 > 2 ? make_date(a, m, b, t) : make_date(full_year(b, l2), m, a, t);
        }
        return l1 >= 4 ? make_date(a, m, 1, t) : false;
    }
    p += la;
    if (p + 1 < s.size() && s[p] == ' ' && is_alpha(s[p + 1])) {
        // "1996 APRIL 15", "1996 APRIL" or "15 April[,] 1996"
        ++p;
        int m = month_word(s, p);
        if (!m)
            return false;
        size_t q = 0;
        size_t l2 = next_number(s, p, b, q);
        const bool more = l2 != 0;
        if (la == 4) {
            if (!more)
                return make_date(a, m, 1, t);
            p = q + l2;
            return make_date(a, m, b, t);
        }
        if (!more || la > 2)
            return false;
        p = q + l2;
        return make_date(full_year(b, l2), m, a, t);
    }
    if (p >= s.size() || s[p] == ' ' || s[p] == 'T') {
        // Unseparated: YYYYMMDD or YYMMDD (ISO, whatever DATEFORMAT says)
        if (la == 8)
            return make_date(a / 10000, a / 100 % 100, a % 100, t);
        if (la == 6)
            return make_date(full_year(a / 10000, 2), a / 100 % 100, a % 100, t);
        return false;
    }
    const char sep = s[p];
    if (sep != '/' && sep != '-' && sep != '.')
        return false;
    ++p;
    if (la <= 2 && p < s.size() && is_alpha(s[p])) {
        // "15-Apr-1996" style: day, month name, year
        int m = month_word(s, p);
        if (!m || p >= s.size() || s[p] != sep)
            return false;
        ++p;
        size_t ly = digit_run(s, p, c);
        if (!ly)
            return false;
        p += ly;
        return make_date(full_year(c, ly), m, a, t);
    }
    size_t lb = digit_run(s, p, b);
    if (lb == 0 || (lb > 2 && !(lb == 4 && la <= 2 && t_date_order[1] == 'y')))
        return false; // a 4-digit middle part is the year of myd / dym
    p += lb;
    if (p >= s.size() || s[p] != sep)
        return false;
    ++p;
    size_t lc = digit_run(s, p, c);
    if (lc == 0 || (lc > 2 && lc != 4))
        return false;
    p += lc;
    if (la == 4) {
        // Year first: the newer types always read year, month, day (no ydm for them), and so
        // does ISO 8601 ("YYYY-MM-DDThh:mm:ss"); datetime and smalldatetime read "YYYY-xx-xx",
        // "YYYY/xx/xx" and "YYYY.xx.xx" in DATEFORMAT's relative order of month and day.
        if (lc > 2)
            return false;
        const bool iso8601 = sep == '-' && p < s.size() && s[p] == 'T';
        if (iso8601 || !legacy || month_first())
            return make_date(a, b, c, t);
        return make_date(a, c, b, t);
    }
    if (la > 2)
        return false;
    // Three numeric parts in the DATEFORMAT order; the year part may have 4 digits.
    const int64_t part[3] = {a, b, c};
    const size_t len[3] = {la, lb, lc};
    int64_t y = 0, m = 0, d = 0;
    for (size_t i = 0; i < 3; ++i) {
        switch (t_date_order[i]) {
        case 'y':
            y = full_year(part[i], len[i]);
            break;
        case 'm':
            if (len[i] > 2)
                return false;
            m = part[i];
            break;
        default:
            if (len[i] > 2)
                return false;
            d = part[i];
        }
    }
    return make_date(y, m, d, t);
}

} // namespace

void set_date_order(const std::string &order) {
    t_date_order = order;
}

const std::string &date_order() {
    return t_date_order;
}

bool valid_date_order(const std::string &order) {
    for (const char *o : {"mdy", "dmy", "ymd", "ydm", "myd", "dym"})
        if (order == o)
            return true;
    return false;
}

bool last_parse_out_of_range() {
    return t_out_of_range;
}

std::optional<Temporal> parse_temporal(std::string_view s, bool legacy) {
    Temporal t;
    size_t p = 0;
    t_out_of_range = false;
    while (p < s.size() && s[p] == ' ')
        ++p;
    if (!date_part(s, p, legacy, t))
        return std::nullopt;
    if (t.has_date) {
        if (p < s.size() && (s[p] == ' ' || s[p] == 'T'))
            ++p;
        while (p < s.size() && s[p] == ' ')
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
                // ".fffffff" is a fraction; ":fff" counts milliseconds
                const bool millis = s[p] == ':';
                ++p;
                int n = 0;
                while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
                    if (n < 7) {
                        frac = frac * 10 + (s[p] - '0');
                        ++n;
                    }
                    ++p;
                }
                if (millis)
                    frac *= 10000;
                else
                    for (; n < 7; ++n)
                        frac *= 10;
            }
        }
        size_t q = p;
        while (q < s.size() && s[q] == ' ')
            ++q;
        if (q + 1 < s.size() && (s[q + 1] == 'M' || s[q + 1] == 'm') &&
            (s[q] == 'A' || s[q] == 'a' || s[q] == 'P' || s[q] == 'p')) {
            if (hh < 1 || hh > 12)
                return std::nullopt;
            const bool pm = s[q] == 'P' || s[q] == 'p';
            hh = hh % 12 + (pm ? 12 : 0);
            p = q + 2;
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
