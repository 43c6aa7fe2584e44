#include "schema_ddl.hpp"

#include "pg_quote.hpp"
#include "type_mapping.hpp"
#include "value_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <regex>
#include <set>

namespace dts::ddl {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string column_list(const std::vector<std::string> &cols,
                        const std::vector<bool> *descending = nullptr) {
    std::string out;
    for (size_t i = 0; i < cols.size(); ++i) {
        out += (i ? ", " : "") + pg::quote_ident(cols[i]);
        if (descending && i < descending->size() && (*descending)[i])
            out += " DESC";
    }
    return out;
}

bool contains_all(const std::vector<std::string> &set, const std::vector<std::string> &subset) {
    return std::all_of(subset.begin(), subset.end(), [&](const std::string &c) {
        return std::find(set.begin(), set.end(), c) != set.end();
    });
}

std::string referential_action(const std::string &desc) {
    if (desc == "CASCADE")
        return "CASCADE";
    if (desc == "SET_NULL")
        return "SET NULL";
    if (desc == "SET_DEFAULT")
        return "SET DEFAULT";
    return "NO ACTION";
}

bool integer_type(const std::string &pg_type) {
    return pg_type == "smallint" || pg_type == "integer" || pg_type == "bigint";
}

bool starts_with(const std::string &s, const char *prefix) {
    return s.rfind(prefix, 0) == 0;
}

bool numeric_type(const std::string &pg_type) {
    return integer_type(pg_type) || starts_with(pg_type, "numeric") || pg_type == "real" ||
           pg_type == "double precision";
}

bool string_type(const std::string &pg_type) {
    return pg_type == "text" || starts_with(pg_type, "character") ||
           starts_with(pg_type, "varchar");
}

constexpr int64_t kTicksPerDay = 864000000000; // 100 ns ticks
constexpr int64_t kDaysFrom1To1900 = 693595;   // 0001-01-01 is day -693595 of 1900-01-01

// Days from 1900-01-01 to a civil date (Howard Hinnant's algorithm, proleptic Gregorian), the
// inverse of what value_text uses to show a date; nullopt for an impossible date.
std::optional<int64_t> days_since_1900(int64_t y, unsigned m, unsigned d) {
    static const unsigned month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days[m - 1] ||
        (m == 2 && d == 29 && !leap))
        return std::nullopt;
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 + 25567;
}

// A date/time string literal in the unambiguous forms SQL Server reads regardless of
// DATEFORMAT/LANGUAGE (ISO 8601 and yyyymmdd): a missing date is 1900-01-01, a missing time
// midnight, a missing offset +00:00.
struct Instant {
    int64_t days = 0;  // since 1900-01-01
    int64_t ticks = 0; // 100 ns since midnight
    int fraction_digits = 0;
    int offset_minutes = 0;
};

const std::regex &instant_form() {
    static const std::regex form(
        R"(^\s*(?:(\d{4})-?(\d{2})-?(\d{2}))?(?:(?:^|[ T])\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{0,9}))?)?)?\s*(Z|[+-]\d{2}:\d{2})?\s*$)");
    return form;
}

// Whether `s` is in one of the forms parse_instant reads (valid or not).
bool instant_form_of(const std::string &s) {
    std::smatch m;
    return std::regex_match(s, m, instant_form()) && (m[1].matched || m[4].matched);
}

std::optional<Instant> parse_instant(const std::string &s) {
    const std::regex &form = instant_form();
    std::smatch m;
    if (!std::regex_match(s, m, form) || (!m[1].matched && !m[4].matched))
        return std::nullopt;
    Instant out;
    if (m[1].matched) {
        auto days =
            days_since_1900(std::stoll(m[1].str()), std::stoul(m[2].str()), std::stoul(m[3].str()));
        if (!days)
            return std::nullopt;
        out.days = *days;
    }
    if (m[4].matched) {
        const int64_t h = std::stoll(m[4].str()), mi = std::stoll(m[5].str()),
                      sec = m[6].matched ? std::stoll(m[6].str()) : 0;
        if (h > 23 || mi > 59 || sec > 59)
            return std::nullopt;
        std::string frac = m[7].str();
        out.fraction_digits = static_cast<int>(frac.size());
        if (frac.size() > 7)
            return std::nullopt; // SQL Server refuses more than 7 digits
        frac.resize(7, '0');
        out.ticks = ((h * 60 + mi) * 60 + sec) * 10000000 + std::stoll(frac);
    }
    if (m[8].matched && m[8].str() != "Z") {
        const std::string o = m[8].str();
        const int oh = std::stoi(o.substr(1, 2)), om = std::stoi(o.substr(4, 2));
        if (oh > 14 || om > 59)
            return std::nullopt;
        out.offset_minutes = (o[0] == '-' ? -1 : 1) * (oh * 60 + om);
    }
    return out;
}

// 100 ns ticks rounded to `scale` fractional digits, as SQL Server converts a literal to
// time/datetime2/datetimeoffset(scale).
int64_t round_to_scale(int64_t ticks, int scale) {
    int64_t unit = 1;
    for (int i = scale; i < 7; ++i)
        unit *= 10;
    return (ticks + unit / 2) / unit * unit;
}

bool in_range(int64_t days) {
    return days >= -kDaysFrom1To1900 && days <= 2958463; // 0001-01-01 .. 9999-12-31
}

// A string literal default of a date/time column as the value SQL Server stores for it, shown
// by the same value_text function that shows that column's values, so that a default and a
// synced row carrying the same literal are equal at the destination.
std::optional<std::string> temporal_literal(const std::string &literal, const SourceType &type) {
    auto in = parse_instant(literal);
    if (!in)
        return std::nullopt;
    const std::string &n = type.name;
    if (in->offset_minutes != 0 && n != "datetimeoffset")
        return std::nullopt; // an offset converts only into datetimeoffset
    if (n == "date")
        return in_range(in->days) && in->ticks == 0 ? std::optional(text::date(in->days))
                                                    : std::nullopt;
    if (n == "time") {
        const int64_t t = round_to_scale(in->ticks, type.scale);
        return t < kTicksPerDay ? std::optional(text::time(static_cast<uint64_t>(t)))
                                : std::nullopt;
    }
    if (n == "datetime" || n == "smalldatetime") {
        if (in->fraction_digits > 3 || in->days < -53690 || in->days > 2958463)
            return std::nullopt; // datetime starts at 1753-01-01 and reads milliseconds only
        if (n == "datetime") {
            int64_t ticks_300 = (in->ticks * 3 + 50000) / 100000; // 1/300 s, half up
            int64_t days = in->days;
            if (ticks_300 >= 300 * 86400)
                ++days, ticks_300 = 0;
            return days <= 2958463 ? std::optional(text::datetime(static_cast<int32_t>(days),
                                                                  static_cast<uint32_t>(ticks_300)))
                                   : std::nullopt;
        }
        // smalldatetime rounds 29.999 s up to the next minute, 29.998 s down.
        const int64_t ms = in->ticks / 10000;
        int64_t minutes = ms / 60000 + (ms % 60000 >= 29999 ? 1 : 0), days = in->days;
        if (minutes >= 1440)
            ++days, minutes = 0;
        if (days < 0 || days > 65535 - 1) // 1900-01-01 .. 2079-06-06
            return std::nullopt;
        return text::smalldatetime(days, static_cast<uint32_t>(minutes));
    }
    if (n == "datetime2" || n == "datetimeoffset") {
        int64_t t = round_to_scale(in->ticks, type.scale), days = in->days;
        if (n == "datetimeoffset")
            t -= static_cast<int64_t>(in->offset_minutes) * 600000000;
        while (t >= kTicksPerDay)
            ++days, t -= kTicksPerDay;
        while (t < 0)
            --days, t += kTicksPerDay;
        if (!in_range(days))
            return std::nullopt;
        return n == "datetime2" ? text::date(days) + " " + text::time(static_cast<uint64_t>(t))
                                : text::datetimeoffset_utc(days, static_cast<uint64_t>(t));
    }
    return std::nullopt;
}

// A binary constant (0x00FF) as the bytes SQL Server stores: an odd digit count gets a leading
// zero, binary(n) is padded with zero bytes, a constant longer than the column is refused.
std::optional<std::string> binary_literal(const std::string &d, const SourceType &type) {
    static const std::regex hex(R"(^0[xX]([0-9A-Fa-f]*)$)");
    std::smatch m;
    if (!std::regex_match(d, m, hex))
        return std::nullopt;
    std::string digits = m[1].str();
    if (digits.size() % 2)
        digits.insert(digits.begin(), '0');
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < digits.size(); i += 2)
        bytes.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    if (type.max_length >= 0 && type.name != "image") {
        if (bytes.size() > static_cast<size_t>(type.max_length))
            return std::nullopt;
        if (type.name == "binary")
            bytes.resize(static_cast<size_t>(type.max_length), 0);
    }
    return pg::quote_literal(text::bytea_hex(bytes.data(), bytes.size()));
}

} // namespace

const char *flavour_name(Flavour f) {
    switch (f) {
    case Flavour::Greenplum:
        return "greenplum";
    case Flavour::Citus:
        return "citus";
    default:
        return "postgresql";
    }
}

std::string object_name(const std::string &table, const std::string &name) {
    std::string s = table + "_" + name;
    if (s.size() <= 63)
        return s;
    // Cut names get a hash of the whole name: a cut "<table>_pkey" would otherwise equal the
    // (equally cut) table's own name, and two long names sharing 63 bytes would collide.
    uint32_t h = 2166136261u; // FNV-1a
    for (unsigned char c : s)
        h = (h ^ c) * 16777619u;
    char hash[16];
    std::snprintf(hash, sizeof hash, "_%08x", h);
    size_t cut = 63 - 9;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut; // do not split a UTF-8 sequence
    return s.substr(0, cut) + hash;
}

std::vector<std::string> primary_key_columns(const catalog::Table &source, const Target &target) {
    if (!target.primary_key.empty())
        return target.primary_key;
    if (const catalog::Index *pk = source.primary_key())
        return pk->columns;
    return {};
}

std::vector<std::string> distribution_columns(const catalog::Table &source, const Target &target) {
    if (!target.distribution_key.empty())
        return target.distribution_key;
    return primary_key_columns(source, target);
}

std::optional<std::string> translate_default(const std::string &definition,
                                             const SourceType &type) {
    const std::string pg_type = map_type(type).pg_type;
    std::string d = definition;
    // SQL Server stores defaults wrapped in parentheses, often twice: ((0)), (getdate()).
    while (d.size() >= 2 && d.front() == '(' && d.back() == ')') {
        int depth = 0;
        bool outer = true;
        for (size_t i = 0; i + 1 < d.size(); ++i) {
            depth += d[i] == '(' ? 1 : d[i] == ')' ? -1 : 0;
            if (depth == 0) {
                outer = false; // "(a)+(b)": the first parenthesis closes before the end
                break;
            }
        }
        if (!outer)
            break;
        d = d.substr(1, d.size() - 2);
    }
    static const std::regex number(R"(^[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$)");
    static const std::regex string(R"(^N?'((?:[^']|'')*)'$)");
    std::smatch m;
    const std::string fn = lower(d);
    const bool local_time =
        pg_type.rfind("timestamp", 0) == 0 && pg_type.find("tz") == std::string::npos;
    // SQL Server converts a default to the column's type when a row is inserted; PostgreSQL
    // wants a default of the column's type at CREATE: a number reaches only numeric and boolean
    // columns as itself.
    if (std::regex_match(d, number)) {
        if (pg_type == "boolean")
            return d == "0"   ? std::optional<std::string>("false")
                   : d == "1" ? std::optional<std::string>("true")
                              : std::nullopt;
        if (numeric_type(pg_type))
            return d;
        if (string_type(pg_type))
            return pg::quote_literal(d[0] == '+' ? d.substr(1) : d);
        // datetime/smalldatetime read a number as days since 1900-01-01 (DEFAULT 0 is the legacy
        // idiom for that day); datetime2 and the others refuse it.
        static const std::regex whole(R"(^[-+]?[0-9]{1,7}$)");
        if ((type.name == "datetime" || type.name == "smalldatetime") &&
            std::regex_match(d, whole)) {
            const long long days = std::stoll(d);
            if (days < (type.name == "datetime" ? -53690 : 0) ||
                days > (type.name == "datetime" ? 2958463 : 65534))
                return std::nullopt; // 1753/1900-01-01 .. 9999-12-31/2079-06-06
            return pg::quote_literal(type.name == "datetime"
                                         ? text::datetime(static_cast<int32_t>(days), 0)
                                         : text::smalldatetime(days, 0));
        }
        return std::nullopt;
    }
    if (std::regex_match(d, m, string)) {
        std::string v = m[1].str(), unescaped;
        for (size_t i = 0; i < v.size(); ++i) {
            unescaped += v[i];
            if (v[i] == '\'')
                ++i; // '' -> '
        }
        static const std::set<std::string> temporal = {
            "date", "time", "datetime", "smalldatetime", "datetime2", "datetimeoffset"};
        if (temporal.count(type.name)) {
            // Values of these types reach PostgreSQL as value_text shows them (rounded as SQL
            // Server stores them, the 7th digit cut); a literal PostgreSQL would round itself
            // could end up 1 µs or a datetime tick away from the same value synced as data.
            // '' is 1900-01-01 (midnight) to every one of them; PostgreSQL refuses it.
            const std::string literal = unescaped.empty() ? "1900-01-01" : unescaped;
            if (auto v = temporal_literal(literal, type))
                return pg::quote_literal(*v);
            // A form read but refused (out of the type's range, an offset for datetime2) has no
            // value; other forms (DATEFORMAT-dependent ones) are left to PostgreSQL's reading.
            if (instant_form_of(literal))
                return std::nullopt;
        }
        return pg::quote_literal(unescaped);
    }
    if ((fn == "getdate()" || fn == "sysdatetime()" || fn == "current_timestamp") && local_time)
        return std::string("LOCALTIMESTAMP");
    if ((fn == "getutcdate()" || fn == "sysutcdatetime()") && local_time)
        return std::string("(now() AT TIME ZONE 'UTC')");
    if ((fn == "sysdatetimeoffset()" || fn == "getdate()" || fn == "current_timestamp") &&
        pg_type.rfind("timestamptz", 0) == 0)
        return std::string("now()");
    if ((fn == "getdate()" || fn == "sysdatetime()") && pg_type == "date")
        return std::string("CURRENT_DATE");
    if ((fn == "newid()" || fn == "newsequentialid()") && pg_type == "uuid")
        return std::string("gen_random_uuid()");
    if (type.name == "binary" || type.name == "varbinary" || type.name == "image")
        return binary_literal(d, type);
    return std::nullopt;
}

std::optional<std::string> column_definition(const catalog::Column &c, bool not_null,
                                             std::vector<std::string> &notes) {
    TypeMapping m = map_type(c.type);
    if (m.support == Support::Unsupported || m.support == Support::FdwOnly) {
        notes.push_back("column " + c.name + " (" + c.type.name + ") is not synced: " + m.note);
        return std::nullopt;
    }
    std::string def = pg::quote_ident(c.name) + " " + m.pg_type;
    if (c.identity) {
        if (integer_type(m.pg_type))
            def += " GENERATED BY DEFAULT AS IDENTITY (START WITH " +
                   std::to_string(c.identity_seed) + " INCREMENT BY " +
                   std::to_string(c.identity_increment) + ")";
        else
            notes.push_back("column " + c.name + ": IDENTITY on " + c.type.name +
                            " is synced as plain values (PostgreSQL identity columns are "
                            "integers)");
    }
    if (not_null)
        def += " NOT NULL";
    if (c.computed)
        notes.push_back("computed column " + c.name + " AS " + c.computed_definition +
                        " is synced as its stored values");
    else if (c.default_definition && !c.identity) {
        if (auto d = translate_default(*c.default_definition, c.type))
            def += " DEFAULT " + *d;
        else if (lower(*c.default_definition).find("null") == std::string::npos)
            notes.push_back("default " + *c.default_definition + " of column " + c.name +
                            " has no PostgreSQL translation and is left out");
    }
    return def;
}

TableDdl table_ddl(const catalog::Table &src, const Target &target, Flavour flavour,
                   const RefResolver &resolve) {
    TableDdl out;
    const std::string table = pg::qualified(target.schema, target.table);
    out.create_schema = "CREATE SCHEMA IF NOT EXISTS " + pg::quote_ident(target.schema);

    const std::vector<std::string> pk = primary_key_columns(src, target);
    const std::vector<std::string> dist = flavour == Flavour::PostgreSQL
                                              ? std::vector<std::string>{}
                                              : distribution_columns(src, target);
    std::set<std::string> synced; // columns that exist on the destination
    std::string defs;
    for (const auto &c : src.columns) {
        const bool not_null = !c.nullable || std::find(pk.begin(), pk.end(), c.name) != pk.end();
        auto def = column_definition(c, not_null, out.notes);
        if (!def)
            continue;
        synced.insert(c.name);
        defs += (defs.empty() ? "\n    " : ",\n    ") + *def;
    }

    // Distributed destinations need the distribution key inside every unique constraint.
    auto unique_allowed = [&](const std::vector<std::string> &cols) {
        return dist.empty() || contains_all(cols, dist);
    };
    if (!pk.empty()) {
        if (!contains_all(std::vector<std::string>(synced.begin(), synced.end()), pk))
            out.notes.push_back("primary key (" + column_list(pk) +
                                ") uses a column that is not synced; left out");
        else if (!unique_allowed(pk))
            out.notes.push_back("primary key (" + column_list(pk) +
                                ") does not contain the distribution key (" + column_list(dist) +
                                "); left out");
        else {
            // PostgreSQL's naming: SQL Server's are often generated (PK__orders__3213E83F).
            std::string name = object_name(target.table, "pkey");
            defs += ",\n    CONSTRAINT " + pg::quote_ident(name) + " PRIMARY KEY (" +
                    column_list(pk) + ")";
        }
    }
    out.create_table = "CREATE TABLE IF NOT EXISTS " + table + " (" + defs + "\n)";
    if (flavour == Flavour::Greenplum)
        out.create_table +=
            dist.empty() ? " DISTRIBUTED RANDOMLY" : " DISTRIBUTED BY (" + column_list(dist) + ")";
    if (flavour == Flavour::Citus) {
        if (dist.empty())
            out.notes.push_back("no primary or distribution key: stays a local table on the "
                                "coordinator (dts_set_keys sets a distribution key)");
        else if (pk.empty())
            // Changes to a table without a key remove single rows by their row id (ctid), which
            // Citus does not offer for distributed tables.
            out.notes.push_back("no primary key: stays a local table on the coordinator, not "
                                "distributed by (" +
                                column_list(dist) +
                                "), since its changes are applied by row id (dts_set_keys sets "
                                "a primary key)");
        else {
            if (dist.size() > 1)
                out.notes.push_back(
                    "Citus distributes by one column: " + pg::quote_ident(dist.front()) + " of (" +
                    column_list(dist) + ")");
            out.after_create.push_back(
                "SELECT create_distributed_table(" + pg::quote_literal(table) + ", " +
                pg::quote_literal(dist.front()) +
                ") WHERE NOT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = " +
                pg::quote_literal(table) + "::regclass)");
        }
    }

    for (const auto &ix : src.indexes) {
        if (ix.primary_key && target.primary_key.empty())
            continue;
        std::string what = "index " + ix.name;
        if (!ix.filter.empty()) {
            out.notes.push_back(what + " is filtered (WHERE " + ix.filter +
                                "); T-SQL predicates are not translated, left out");
            continue;
        }
        if (ix.columns.empty() ||
            !contains_all(std::vector<std::string>(synced.begin(), synced.end()), ix.columns)) {
            out.notes.push_back(what + " uses a column that is not synced; left out");
            continue;
        }
        bool unique = ix.unique;
        if (unique && !unique_allowed(ix.columns)) {
            out.notes.push_back(what + " is unique at the source but does not contain the "
                                       "distribution key; created as a plain index");
            unique = false;
        }
        out.after_create.push_back(std::string("CREATE ") + (unique ? "UNIQUE " : "") +
                                   "INDEX IF NOT EXISTS " +
                                   pg::quote_ident(object_name(target.table, ix.name)) + " ON " +
                                   table + " (" + column_list(ix.columns, &ix.descending) + ")");
    }

    for (const auto &fk : src.foreign_keys) {
        std::string what = "foreign key " + fk.name;
        if (flavour != Flavour::PostgreSQL) {
            out.notes.push_back(what + " is not created on a " + flavour_name(flavour) +
                                " destination (foreign keys between distributed tables need "
                                "co-location)");
            continue;
        }
        auto ref = resolve(fk.ref_schema, fk.ref_table);
        if (!ref) {
            out.notes.push_back(what + " references " + fk.ref_schema + "." + fk.ref_table +
                                ", which the task does not sync; left out");
            continue;
        }
        if (!contains_all(std::vector<std::string>(synced.begin(), synced.end()), fk.columns)) {
            out.notes.push_back(what + " uses a column that is not synced; left out");
            continue;
        }
        std::string name = object_name(target.table, fk.name);
        out.foreign_keys.push_back(
            {name, "ALTER TABLE " + table + " ADD CONSTRAINT " + pg::quote_ident(name) +
                       " FOREIGN KEY (" + column_list(fk.columns) + ") REFERENCES " +
                       pg::qualified(ref->first, ref->second) + " (" + column_list(fk.ref_columns) +
                       ") ON DELETE " + referential_action(fk.on_delete) + " ON UPDATE " +
                       referential_action(fk.on_update)});
    }
    return out;
}

} // namespace dts::ddl
