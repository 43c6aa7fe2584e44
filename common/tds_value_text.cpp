// DB-Library values as text that PostgreSQL's input functions read exactly.
#include "copy_text.hpp"
#include "tds_connection.hpp"

#include <sybdb.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace dts::tds {

namespace {

constexpr int kSybUnique = 36;
constexpr int kSybMsUdt = 240;
constexpr int kSybMsXml = 241;

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

std::string date_text(int64_t days_since_1900) {
    int64_t y;
    unsigned m, d;
    civil(days_since_1900 - kDays1900To1970, y, m, d);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

// Six fractional digits: PostgreSQL keeps microseconds, and truncating here (instead of letting
// the input function round .9999999 up to the next second or day) is what docs/type-mapping.md
// promises for the 100 ns digit.
std::string time_text(uint64_t ticks100ns) {
    uint64_t secs = ticks100ns / 10000000, frac = ticks100ns % 10000000 / 10;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu.%06llu",
                  static_cast<unsigned long long>(secs / 3600),
                  static_cast<unsigned long long>(secs / 60 % 60),
                  static_cast<unsigned long long>(secs % 60),
                  static_cast<unsigned long long>(frac));
    return buf;
}

std::string hex_bytea(const uint8_t *p, int n) {
    static const char *h = "0123456789abcdef";
    std::string out = "\\x";
    out.reserve(2 + 2 * static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        out += h[p[i] >> 4];
        out += h[p[i] & 15];
    }
    return out;
}

} // namespace

std::string value_to_text(int type, const uint8_t *p, int len, int scale) {
    char buf[64];
    switch (type) {
    case SYBINT1:
        return std::to_string(*p);
    case SYBINT2: {
        int16_t v;
        std::memcpy(&v, p, 2);
        return std::to_string(v);
    }
    case SYBINT4: {
        int32_t v;
        std::memcpy(&v, p, 4);
        return std::to_string(v);
    }
    case SYBINT8: {
        int64_t v;
        std::memcpy(&v, p, 8);
        return std::to_string(v);
    }
    case SYBBIT:
    case SYBBITN:
        return *p ? "true" : "false";
    case SYBREAL: {
        float v;
        std::memcpy(&v, p, 4);
        std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
        return buf;
    }
    case SYBFLT8: {
        double v;
        std::memcpy(&v, p, 8);
        std::snprintf(buf, sizeof buf, "%.17g", v);
        return buf;
    }
    case SYBMONEY: {
        DBMONEY m;
        std::memcpy(&m, p, sizeof m);
        int64_t units = static_cast<int64_t>(
            (static_cast<uint64_t>(static_cast<uint32_t>(m.mnyhigh)) << 32) | m.mnylow);
        bool neg = units < 0;
        unsigned __int128 mag = neg ? static_cast<unsigned __int128>(-(units + 1)) + 1
                                    : static_cast<unsigned __int128>(units);
        return scaled(neg, mag, 4);
    }
    case SYBMONEY4: {
        int32_t units;
        std::memcpy(&units, p, 4);
        bool neg = units < 0;
        unsigned __int128 mag = neg ? static_cast<unsigned __int128>(-(static_cast<int64_t>(units)))
                                    : static_cast<unsigned __int128>(units);
        return scaled(neg, mag, 4);
    }
    case SYBDECIMAL:
    case SYBNUMERIC: {
        DBNUMERIC n;
        std::memcpy(&n, p, std::min<size_t>(sizeof n, static_cast<size_t>(len)));
        // Bytes of sign + magnitude for each precision, as FreeTDS lays out TDS_NUMERIC.
        static const int bytes_per_prec[] = {1,  2,  2,  3,  3,  4,  4,  4,  5,  5,  6,  6,  6,
                                             7,  7,  8,  8,  9,  9,  9,  10, 10, 11, 11, 11, 12,
                                             12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 16, 17, 17};
        int nbytes = bytes_per_prec[n.precision > 38 ? 38 : n.precision];
        unsigned __int128 mag = 0;
        for (int i = 1; i < nbytes; ++i)
            mag = mag << 8 | n.array[i];
        return scaled(n.array[0] == 1 && mag != 0, mag, n.scale);
    }
    case SYBDATETIME: {
        DBDATETIME dt;
        std::memcpy(&dt, p, sizeof dt);
        uint64_t ms = (static_cast<uint64_t>(static_cast<uint32_t>(dt.dttime)) * 10 + 1) / 3;
        return date_text(dt.dtdays) + " " + time_text(ms * 10000).substr(0, 12);
    }
    case SYBDATETIME4: {
        DBDATETIME4 dt;
        std::memcpy(&dt, p, sizeof dt);
        return date_text(dt.days) + " " +
               time_text(static_cast<uint64_t>(dt.minutes) * 600000000).substr(0, 8);
    }
    case SYBMSDATE:
    case SYBMSTIME:
    case SYBMSDATETIME2:
    case SYBMSDATETIMEOFFSET: {
        DBDATETIMEALL a;
        std::memcpy(&a, p, sizeof a);
        std::string t = time_text(a.time);
        if (type == SYBMSTIME)
            return t;
        std::string d = date_text(a.date);
        if (type == SYBMSDATE)
            return d;
        if (type == SYBMSDATETIME2)
            return d + " " + t;
        // DB-Library hands datetimeoffset over in UTC (with the original offset beside it).
        return d + " " + t + "+00";
    }
    case kSybUnique: {
        uint32_t d1;
        uint16_t d2, d3;
        std::memcpy(&d1, p, 4);
        std::memcpy(&d2, p + 4, 2);
        std::memcpy(&d3, p + 6, 2);
        std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", d1, d2,
                      d3, p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
        return buf;
    }
    case SYBBINARY:
    case SYBVARBINARY:
    case SYBIMAGE:
    case 165: // big varbinary
    case 173: // big binary
    case kSybMsUdt:
        return hex_bytea(p, len);
    default:
        (void)scale;
        (void)kSybMsXml;
        return std::string(reinterpret_cast<const char *>(p), static_cast<size_t>(len));
    }
}

void append_copy_text(std::string &out, int type, const uint8_t *p, int len, int scale) {
    auto integer = [&out](auto v) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
    };
    switch (type) {
    case SYBINT1:
        return integer(static_cast<unsigned>(*p));
    case SYBINT2: {
        int16_t v;
        std::memcpy(&v, p, 2);
        return integer(v);
    }
    case SYBINT4: {
        int32_t v;
        std::memcpy(&v, p, 4);
        return integer(v);
    }
    case SYBINT8: {
        int64_t v;
        std::memcpy(&v, p, 8);
        return integer(v);
    }
    case SYBBIT:
    case SYBBITN:
        out += *p ? 't' : 'f';
        return;
    case SYBCHAR:
    case SYBVARCHAR:
    case SYBTEXT:
    case SYBNTEXT:
    case SYBNVARCHAR:
    case 167: // big varchar
    case 175: // big char
    case 231: // nvarchar
    case 239: // nchar
    case kSybMsXml:
        // Already UTF-8 text (client charset): escaped straight from the row buffer.
        copy::append_field(
            out, std::string_view(reinterpret_cast<const char *>(p), static_cast<size_t>(len)));
        return;
    case SYBBINARY:
    case SYBVARBINARY:
    case SYBIMAGE:
    case 165:
    case 173:
    case kSybMsUdt: {
        static const char digits[] = "0123456789abcdef";
        out += "\\\\x"; // \\x: bytea hex input, its backslash escaped for COPY
        const size_t at = out.size();
        out.resize(at + 2 * static_cast<size_t>(len));
        for (int i = 0; i < len; ++i) {
            out[at + 2 * static_cast<size_t>(i)] = digits[p[i] >> 4];
            out[at + 2 * static_cast<size_t>(i) + 1] = digits[p[i] & 15];
        }
        return;
    }
    default:
        copy::append_field(out, value_to_text(type, p, len, scale));
    }
}

} // namespace dts::tds
