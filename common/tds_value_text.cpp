// DB-Library values as text that PostgreSQL's input functions read exactly.
#include "copy_text.hpp"
#include "tds_connection.hpp"
#include "value_text.hpp"

#include <sybdb.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace dts::tds {

namespace {

constexpr int kSybUnique = 36;
constexpr int kSybMsUdt = 240;
constexpr int kSybMsXml = 241;

} // namespace

std::string value_to_text(int type, const uint8_t *p, int len, int scale) {
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
        return text::boolean(*p != 0);
    case SYBREAL: {
        float v;
        std::memcpy(&v, p, 4);
        return text::real(v);
    }
    case SYBFLT8: {
        double v;
        std::memcpy(&v, p, 8);
        return text::double_(v);
    }
    case SYBMONEY: {
        DBMONEY m;
        std::memcpy(&m, p, sizeof m);
        return text::money(static_cast<int64_t>(
            (static_cast<uint64_t>(static_cast<uint32_t>(m.mnyhigh)) << 32) | m.mnylow));
    }
    case SYBMONEY4: {
        int32_t units;
        std::memcpy(&units, p, 4);
        return text::money(units);
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
        return text::scaled(n.array[0] == 1 && mag != 0, mag, n.scale);
    }
    case SYBDATETIME: {
        DBDATETIME dt;
        std::memcpy(&dt, p, sizeof dt);
        return text::datetime(dt.dtdays, static_cast<uint32_t>(dt.dttime));
    }
    case SYBDATETIME4: {
        DBDATETIME4 dt;
        std::memcpy(&dt, p, sizeof dt);
        return text::smalldatetime(dt.days, dt.minutes);
    }
    case SYBMSDATE:
    case SYBMSTIME:
    case SYBMSDATETIME2:
    case SYBMSDATETIMEOFFSET: {
        DBDATETIMEALL a;
        std::memcpy(&a, p, sizeof a);
        if (type == SYBMSTIME)
            return text::time(a.time);
        // 0001-01-01 .. 9999-12-31 in days from 1900-01-01. A datetimeoffset whose UTC instant
        // falls before 0001-01-01 (0001-01-01 00:00 +14:00) wraps around in DB-Library's
        // conversion (year 45935): an error, never a different date.
        if (a.date < -693595 || a.date > 2958463)
            throw Error("22008",
                        std::string(type == SYBMSDATETIMEOFFSET ? "datetimeoffset" : "date") +
                            " value outside 0001-01-01 .. 9999-12-31 (day " +
                            std::to_string(a.date) + " from 1900-01-01)",
                        type == SYBMSDATETIMEOFFSET
                            ? "Its UTC instant falls outside the range (e.g. 0001-01-01 00:00 "
                              "+14:00 is 0000-12-31 10:00 UTC)."
                            : "");
        if (type == SYBMSDATE)
            return text::date(a.date);
        if (type == SYBMSDATETIME2)
            return text::date(a.date) + " " + text::time(a.time);
        // DB-Library hands datetimeoffset over in UTC (with the original offset beside it).
        return text::datetimeoffset_utc(a.date, a.time);
    }
    case kSybUnique:
        return text::uuid(p);
    case SYBBINARY:
    case SYBVARBINARY:
    case SYBIMAGE:
    case 165: // big varbinary
    case 173: // big binary
    case kSybMsUdt:
        return text::bytea_hex(p, static_cast<size_t>(len));
    default:
        (void)scale;
        (void)kSybMsXml;
        return std::string(reinterpret_cast<const char *>(p), static_cast<size_t>(len));
    }
}

bool is_string_type(int type) {
    switch (type) {
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
        return true;
    default:
        return false;
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

namespace {
// A little-endian integer of exactly sizeof(T) bytes (TDS sends integers in the machine's order).
template <typename T> std::optional<int64_t> fixed_integer(const uint8_t *p, int len) {
    if (len != static_cast<int>(sizeof(T)))
        return std::nullopt;
    T v;
    std::memcpy(&v, p, sizeof(T));
    return static_cast<int64_t>(v);
}
} // namespace

std::optional<int64_t> value_to_integer(int type, const uint8_t *p, int len) {
    switch (type) {
    case SYBINT1:
        return fixed_integer<uint8_t>(p, len);
    case SYBINT2:
        return fixed_integer<int16_t>(p, len);
    case SYBINT4:
        return fixed_integer<int32_t>(p, len);
    case SYBINT8:
        return fixed_integer<int64_t>(p, len);
    default:
        return std::nullopt;
    }
}

} // namespace dts::tds
