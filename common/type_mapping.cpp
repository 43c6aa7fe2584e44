#include "type_mapping.hpp"

#include <algorithm>

namespace dts {

namespace {
std::string with_length(const char *base, int n) {
    return std::string(base) + "(" + std::to_string(n) + ")";
}

// PostgreSQL keeps microseconds; SQL Server up to 100 ns.
TypeMapping fractional(const char *base, int scale, const char *what) {
    int pg_scale = std::min(scale, 6);
    TypeMapping m{with_length(base, pg_scale), Support::Exact, {}};
    if (scale > 6) {
        m.support = Support::Narrowed;
        m.note = std::string(what) + "(" + std::to_string(scale) +
                 ") keeps 100 ns digits; PostgreSQL keeps microseconds, the 7th digit is dropped";
    }
    return m;
}
} // namespace

int char_length(const SourceType &t) {
    if (t.max_length < 0)
        return -1;
    return (t.name == "nchar" || t.name == "nvarchar") ? t.max_length / 2 : t.max_length;
}

TypeMapping map_type(const SourceType &t) {
    const std::string &n = t.name;
    if (n == "bit")
        return {"boolean", Support::Exact, {}};
    if (n == "tinyint")
        return {"smallint", Support::Exact, "tinyint is 0..255; smallint holds it"};
    if (n == "smallint")
        return {"smallint", Support::Exact, {}};
    if (n == "int")
        return {"integer", Support::Exact, {}};
    if (n == "bigint")
        return {"bigint", Support::Exact, {}};
    if (n == "decimal" || n == "numeric")
        return {"numeric(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")",
                Support::Exact,
                {}};
    if (n == "money")
        return {"numeric(19,4)", Support::Exact, {}};
    if (n == "smallmoney")
        return {"numeric(10,4)", Support::Exact, {}};
    if (n == "real")
        return {"real", Support::Exact, {}};
    if (n == "float")
        return {
            t.precision > 0 && t.precision <= 24 ? "real" : "double precision", Support::Exact, {}};
    if (n == "date")
        return {"date", Support::Exact, {}};
    if (n == "time")
        return fractional("time", t.scale, "time");
    if (n == "datetime2")
        return fractional("timestamp", t.scale, "datetime2");
    if (n == "datetime")
        return {"timestamp(3)", Support::Exact,
                "datetime is stored in 1/300 s ticks; values arrive rounded to .000/.003/.007 as "
                "SQL Server shows them"};
    if (n == "smalldatetime")
        return {"timestamp(0)", Support::Exact, {}};
    if (n == "datetimeoffset") {
        TypeMapping m = fractional("timestamptz", t.scale, "datetimeoffset");
        m.note = (m.note.empty() ? std::string() : m.note + "; ") +
                 "the instant is kept, the original UTC offset is not (timestamptz stores UTC)";
        m.support = Support::Narrowed;
        return m;
    }
    if (n == "char" || n == "nchar")
        return {t.max_length < 0 ? "text" : with_length("character", char_length(t)),
                Support::Exact,
                {}};
    if (n == "varchar" || n == "nvarchar")
        return {t.max_length < 0 ? "text" : with_length("character varying", char_length(t)),
                Support::Exact,
                n == "nvarchar" ? "lengths count UTF-16 code units in SQL Server and characters in "
                                  "PostgreSQL, so every value fits"
                                : std::string()};
    if (n == "text" || n == "ntext" || n == "sysname")
        return {n == "sysname" ? "character varying(128)" : "text", Support::Exact, {}};
    if (n == "binary" || n == "varbinary" || n == "image")
        return {"bytea", Support::Exact, {}};
    if (n == "uniqueidentifier")
        return {"uuid", Support::Exact, {}};
    if (n == "xml")
        return {"xml", Support::Exact, {}};
    if (n == "timestamp" || n == "rowversion")
        return {"bytea", Support::FdwOnly,
                "rowversion values are assigned by each server; DTS does not synchronize them"};
    if (n == "hierarchyid" || n == "geometry" || n == "geography")
        return {"bytea", Support::FdwOnly,
                n + " is a CLR type: readable as its binary serialization, not synchronized"};
    if (n == "sql_variant")
        return {{},
                Support::Unsupported,
                "sql_variant has no PostgreSQL equivalent; the column is not synchronized"};
    return {{}, Support::Unsupported, "SQL Server type " + n + " is not supported"};
}

} // namespace dts
