#include "schema_ddl.hpp"

#include "pg_quote.hpp"
#include "type_mapping.hpp"

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

// datetime/smalldatetime read a number as days since 1900-01-01 (DEFAULT 0 is the legacy idiom
// for that day); "YYYY-MM-DD" of that day, or nullopt outside PostgreSQL-friendly years.
std::optional<std::string> day_after_1900(long long n) {
    // Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    long long z = n - 25567 + 719468; // 1900-01-01 is day -25567 of the Unix epoch
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const long long doe = z - era * 146097;
    const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long long mp = (5 * doy + 2) / 153;
    const long long d = doy - (153 * mp + 2) / 5 + 1;
    const long long m = mp < 10 ? mp + 3 : mp - 9;
    const long long y = yoe + era * 400 + (m <= 2);
    if (y < 1753 || y > 9999)
        return std::nullopt;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", y, m, d);
    return std::string(buf);
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
                                             const std::string &pg_type) {
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
        static const std::regex whole(R"(^[-+]?[0-9]{1,7}$)");
        if (local_time && std::regex_match(d, whole))
            if (auto day = day_after_1900(std::stoll(d)))
                return pg::quote_literal(*day + " 00:00:00");
        return std::nullopt;
    }
    if (std::regex_match(d, m, string)) {
        std::string v = m[1].str(), unescaped;
        for (size_t i = 0; i < v.size(); ++i) {
            unescaped += v[i];
            if (v[i] == '\'')
                ++i; // '' -> '
        }
        // '' is 1900-01-01 to datetime and date; PostgreSQL refuses it.
        if (unescaped.empty() && local_time)
            return pg::quote_literal("1900-01-01 00:00:00");
        if (unescaped.empty() && pg_type == "date")
            return pg::quote_literal("1900-01-01");
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
        if (auto d = translate_default(*c.default_definition, m.pg_type))
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
