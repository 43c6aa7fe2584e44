// Row filters (dts_set_filter) on changes read from the transaction log: the filter is T-SQL and
// only SQL Server evaluates it with its own semantics (collation, NULL logic, conversions), so the
// decoded after-images go back to the source as a typed VALUES list, and the query returns which
// of them satisfy it: SELECT [__dts_i] FROM (VALUES (0, CAST(N'EU' AS nvarchar(10)), ...), ...)
// AS v([__dts_i], [region], ...) WHERE (<filter>). Pure text generation, unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dts::tsql {

// A source column as sys.columns and sys.types describe it.
struct ProbeColumn {
    std::string name;
    std::string type;   // system type name (sys.types of system_type_id): nvarchar, decimal, ...
    int max_length = 0; // bytes; -1 for (max)
    int precision = 0, scale = 0;
    // The column's collation when it differs from the database's (a VALUES value takes the
    // database's); empty otherwise.
    std::string collation;
};

// Positions in `columns` of the names `filter` mentions as an identifier ([bracketed], "quoted"
// or bare; compared case-insensitively, as a case-insensitive catalog does). Text inside string
// literals is not a name. Mentioning more than the filter uses is harmless.
std::vector<size_t> filter_columns(std::string_view filter,
                                   const std::vector<std::string> &columns);

// "nvarchar(40)", "decimal(10, 2)", "varbinary(max)", "datetime2(7)", "int".
std::string type_spec(const ProbeColumn &c);

// A value as the change readers give it (PostgreSQL input text; nullopt is NULL) as a T-SQL
// expression of the column's type. Throws dts::Error 0A000 naming the column for types the
// readers' text cannot be given back to SQL Server exactly (sql_variant, CLR types).
std::string typed_value(const ProbeColumn &c, const std::optional<std::string> &value);

// The probe query over rows[i] (values in `columns` order): returns the indexes i whose row
// satisfies `filter`, one per row. `filter` must have passed require_search_condition().
std::string filter_probe_sql(std::string_view filter, const std::vector<ProbeColumn> &columns,
                             const std::vector<std::vector<std::optional<std::string>>> &rows);

// VALUES takes at most 1000 rows.
constexpr size_t kProbeRows = 1000;

} // namespace dts::tsql
