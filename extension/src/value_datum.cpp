#include "value_datum.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#include <sybdb.h>

#include <cstring>

namespace pgdts {

namespace {
constexpr int kSybUnique = 36;
// 1900-01-01 (DB-Library's day 0) to 2000-01-01 (PostgreSQL's day 0).
constexpr int64_t kDays1900To2000 = 36524;

bool is_tds_char(int t) {
    return t == SYBCHAR || t == SYBVARCHAR || t == SYBTEXT || t == SYBNTEXT || t == SYBNVARCHAR ||
           t == 167 || t == 175 || t == 231 || t == 239 || t == 241;
}
bool is_tds_binary(int t) {
    return t == SYBBINARY || t == SYBVARBINARY || t == SYBIMAGE || t == 165 || t == 173;
}
} // namespace

bool has_fast_datum(int t, Oid pg, int32 typmod, int scale) {
    switch (pg) {
    case INT2OID:
        return t == SYBINT1 || t == SYBINT2;
    case INT4OID:
        return t == SYBINT1 || t == SYBINT2 || t == SYBINT4;
    case INT8OID:
        return t == SYBINT1 || t == SYBINT2 || t == SYBINT4 || t == SYBINT8;
    case BOOLOID:
        return t == SYBBIT || t == SYBBITN;
    case FLOAT8OID:
        return t == SYBFLT8 || t == SYBREAL;
    case FLOAT4OID:
        return t == SYBREAL;
    case TEXTOID:
        return is_tds_char(t);
    case VARCHAROID:
        return is_tds_char(t); // the caller checks fast_char_limit()
    case BPCHAROID:
        return is_tds_char(t) && typmod < 0; // char(n) pads: the input function's job
    case BYTEAOID:
        return is_tds_binary(t);
    case UUIDOID:
        return t == kSybUnique;
    case DATEOID:
        return t == SYBMSDATE;
    case TIMESTAMPOID:
        // Rounding to a typmod below the source's digits is the input function's job.
        return (t == SYBMSDATETIME2 || t == SYBDATETIME) &&
               (typmod < 0 || typmod >= 6 || (t == SYBMSDATETIME2 && scale <= typmod));
    default:
        return false;
    }
}

int fast_char_limit(Oid pg, int32 typmod) {
    return pg == VARCHAROID && typmod >= VARHDRSZ ? typmod - VARHDRSZ : -1;
}

int utf8_length(const uint8_t *p, int len) {
    int n = 0;
    for (int i = 0; i < len; ++i)
        n += (p[i] & 0xC0) != 0x80;
    return n;
}

const char *server_string(const char *p, int len, int *out_len) {
    if (len > 0 && std::memchr(p, 0, static_cast<size_t>(len)))
        ereport(ERROR,
                (errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
                 errmsg("source value holds a NUL character (0x00), which PostgreSQL strings "
                        "cannot hold"),
                 errhint("Remove it at the source (e.g. REPLACE(column, NCHAR(0), N'') in a view "
                         "the foreign table reads), or read the column as bytea.")));
    // Verifies the bytes, and converts them when the database is not UTF-8 (a character the
    // database encoding lacks is an error naming it, never a silently changed value).
    const char *r = pg_any_to_server(p, len, PG_UTF8);
    *out_len = r == p ? len : static_cast<int>(std::strlen(r));
    return r;
}

Datum fast_datum(int t, const uint8_t *p, int len, Oid pg) {
    auto integer = [&]() -> int64_t {
        switch (t) {
        case SYBINT1:
            return *p;
        case SYBINT2: {
            int16_t v;
            std::memcpy(&v, p, 2);
            return v;
        }
        case SYBINT4: {
            int32_t v;
            std::memcpy(&v, p, 4);
            return v;
        }
        default: {
            int64_t v;
            std::memcpy(&v, p, 8);
            return v;
        }
        }
    };
    switch (pg) {
    case INT2OID:
        return Int16GetDatum(static_cast<int16>(integer()));
    case INT4OID:
        return Int32GetDatum(static_cast<int32>(integer()));
    case INT8OID:
        return Int64GetDatum(integer());
    case BOOLOID:
        return BoolGetDatum(*p != 0);
    case FLOAT4OID: {
        float v;
        std::memcpy(&v, p, 4);
        return Float4GetDatum(v);
    }
    case FLOAT8OID: {
        if (t == SYBREAL) {
            float v;
            std::memcpy(&v, p, 4);
            return Float8GetDatum(static_cast<double>(v));
        }
        double v;
        std::memcpy(&v, p, 8);
        return Float8GetDatum(v);
    }
    case TEXTOID:
    case VARCHAROID:
    case BPCHAROID: {
        int n = 0;
        const char *v = server_string(reinterpret_cast<const char *>(p), len, &n);
        return PointerGetDatum(cstring_to_text_with_len(v, n));
    }
    case BYTEAOID: {
        bytea *b = static_cast<bytea *>(palloc(VARHDRSZ + len));
        SET_VARSIZE(b, VARHDRSZ + len);
        std::memcpy(VARDATA(b), p, static_cast<size_t>(len));
        return PointerGetDatum(b);
    }
    case UUIDOID: {
        auto *u = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
        // DB-Library hands the GUID over as its struct (little-endian Data1..3); UUID text order
        // is big-endian.
        const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
        for (int i = 0; i < 16; ++i)
            u->data[i] = p[order[i]];
        return UUIDPGetDatum(u);
    }
    case DATEOID: {
        DBDATETIMEALL a;
        std::memcpy(&a, p, sizeof a);
        return DateADTGetDatum(static_cast<DateADT>(a.date - kDays1900To2000));
    }
    case TIMESTAMPOID: {
        int64_t days, usec;
        if (t == SYBDATETIME) {
            DBDATETIME dt;
            std::memcpy(&dt, p, sizeof dt);
            days = dt.dtdays;
            int64_t ms = (static_cast<int64_t>(static_cast<uint32_t>(dt.dttime)) * 10 + 1) / 3;
            usec = ms * 1000;
        } else {
            DBDATETIMEALL a;
            std::memcpy(&a, p, sizeof a);
            days = a.date;
            usec = static_cast<int64_t>(a.time / 10); // 100 ns digit truncated
        }
        return TimestampGetDatum((days - kDays1900To2000) * USECS_PER_DAY + usec);
    }
    default:
        return static_cast<Datum>(0);
    }
}

} // namespace pgdts
