#include "filter_probe.hpp"

#include "error.hpp"
#include "tsql_quote.hpp"

#include <algorithm>
#include <cctype>

namespace dts::tsql {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_any(const std::string &type, std::initializer_list<const char *> names) {
    return std::any_of(names.begin(), names.end(), [&](const char *n) { return type == n; });
}

bool bare_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '@' || c == '#' ||
           static_cast<unsigned char>(c) >= 0x80;
}

bool bare_part(char c) {
    return bare_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

// The text of a quoted token starting at `i` (opening `open`, closing `close` doubled inside);
// moves `i` past it.
std::string quoted(std::string_view s, size_t &i, char close) {
    std::string out;
    for (++i; i < s.size(); ++i) {
        if (s[i] == close) {
            if (i + 1 < s.size() && s[i + 1] == close) {
                out += close;
                ++i;
                continue;
            }
            ++i;
            break;
        }
        out += s[i];
    }
    return out;
}

} // namespace

std::vector<size_t> filter_columns(std::string_view filter,
                                   const std::vector<std::string> &columns) {
    std::vector<std::string> names;
    for (size_t i = 0; i < filter.size();) {
        const char c = filter[i];
        if (c == '\'') {
            quoted(filter, i, '\'');
        } else if (c == '[') {
            names.push_back(lower(quoted(filter, i, ']')));
        } else if (c == '"') {
            names.push_back(lower(quoted(filter, i, '"')));
        } else if (bare_start(c)) {
            size_t b = i;
            while (i < filter.size() && bare_part(filter[i]))
                ++i;
            // N'...' is a literal, not the name N.
            if (i < filter.size() && filter[i] == '\'' && i - b == 1 &&
                (filter[b] == 'N' || filter[b] == 'n'))
                continue;
            names.push_back(lower(filter.substr(b, i - b)));
        } else {
            ++i;
        }
    }
    std::vector<size_t> out;
    for (size_t k = 0; k < columns.size(); ++k)
        if (std::find(names.begin(), names.end(), lower(columns[k])) != names.end())
            out.push_back(k);
    return out;
}

std::string type_spec(const ProbeColumn &c) {
    const std::string t = lower(c.type);
    auto length = [&](int bytes) {
        return c.max_length < 0 ? std::string("max") : std::to_string(bytes);
    };
    if (is_any(t, {"char", "varchar", "binary", "varbinary"}))
        return t + "(" + length(c.max_length) + ")";
    if (is_any(t, {"nchar", "nvarchar"}))
        return t + "(" + length(c.max_length / 2) + ")";
    if (t == "sysname")
        return "nvarchar(128)";
    if (t == "text")
        return "varchar(max)";
    if (t == "ntext")
        return "nvarchar(max)";
    if (t == "image")
        return "varbinary(max)";
    if (is_any(t, {"timestamp", "rowversion"}))
        return "binary(8)";
    if (is_any(t, {"decimal", "numeric"}))
        return t + "(" + std::to_string(c.precision) + ", " + std::to_string(c.scale) + ")";
    if (is_any(t, {"datetime2", "time", "datetimeoffset"}))
        return t + "(" + std::to_string(c.scale) + ")";
    return t;
}

std::string typed_value(const ProbeColumn &c, const std::optional<std::string> &value) {
    const std::string t = lower(c.type);
    if (is_any(t, {"sql_variant", "hierarchyid", "geometry", "geography"}) ||
        !is_any(t, {"bit",
                    "tinyint",
                    "smallint",
                    "int",
                    "bigint",
                    "decimal",
                    "numeric",
                    "money",
                    "smallmoney",
                    "float",
                    "real",
                    "date",
                    "time",
                    "datetime2",
                    "datetime",
                    "smalldatetime",
                    "datetimeoffset",
                    "char",
                    "varchar",
                    "nchar",
                    "nvarchar",
                    "text",
                    "ntext",
                    "sysname",
                    "xml",
                    "binary",
                    "varbinary",
                    "image",
                    "timestamp",
                    "rowversion",
                    "uniqueidentifier"}))
        throw Error("0A000",
                    "the row filter names column " + c.name + " of type " + c.type +
                        ", which changes read from the transaction log cannot be evaluated on",
                    {},
                    "Use a filter on columns of other types, or capture the table with CDC "
                    "(dts.tables.capture = 'cdc').");
    const std::string spec = type_spec(c);
    const bool text_type =
        is_any(t, {"char", "varchar", "nchar", "nvarchar", "text", "ntext", "sysname"});
    // A collation name is a word (sys.fn_helpcollations); COLLATE takes it unquoted.
    if (text_type && !std::all_of(c.collation.begin(), c.collation.end(), [](char h) {
            return std::isalnum(static_cast<unsigned char>(h)) || h == '_';
        }))
        throw Error("22023", "collation of column " + c.name + " is not a name: " + c.collation);
    const std::string collate = !text_type || c.collation.empty() ? "" : " COLLATE " + c.collation;
    if (!value)
        return "CAST(NULL AS " + spec + ")";
    const std::string &v = *value;
    if (t == "bit")
        return std::string("CAST(") + (v == "true" || v == "t" || v == "1" ? "1" : "0") +
               " AS bit)";
    if (is_any(t, {"binary", "varbinary", "image", "timestamp", "rowversion"})) {
        std::string hex = v.rfind("\\x", 0) == 0 ? v.substr(2) : v;
        if (!std::all_of(hex.begin(), hex.end(),
                         [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); }))
            throw Error("22P02", "binary value of column " + c.name + " is not hex: " + v);
        return "CAST(0x" + hex + " AS " + spec + ")";
    }
    if (is_any(t, {"datetime", "smalldatetime"}))
        // Through datetime2: its ISO format does not depend on the session's language.
        return "CAST(CAST(" + quote_literal(v) + " AS datetime2(7)) AS " + spec + ")";
    if (t == "datetimeoffset") {
        // The readers give "+00"; SQL Server's input form wants "+00:00".
        std::string s = v;
        const size_t sign = s.find_last_of("+-");
        if (sign != std::string::npos && sign > 10 && s.size() - sign == 3)
            s += ":00";
        return "CAST(" + quote_literal(s) + " AS " + spec + ")";
    }
    return "CAST(" + quote_literal(v) + " AS " + spec + ")" + collate;
}

std::string filter_probe_sql(std::string_view filter, const std::vector<ProbeColumn> &columns,
                             const std::vector<std::vector<std::optional<std::string>>> &rows) {
    if (rows.empty())
        throw Error("XX000", "filter_probe_sql() needs at least one row");
    std::string sql = "SELECT [__dts_i] FROM (VALUES ";
    for (size_t i = 0; i < rows.size(); ++i) {
        sql += (i ? ", (" : "(") + std::to_string(i);
        for (size_t k = 0; k < columns.size(); ++k)
            sql += ", " + typed_value(columns[k], k < rows[i].size() ? rows[i][k] : std::nullopt);
        sql += ")";
    }
    sql += ") AS v([__dts_i]";
    for (const auto &c : columns)
        sql += ", " + quote_ident(c.name);
    sql += ") WHERE (" + std::string(filter) + ")";
    return sql;
}

} // namespace dts::tsql
