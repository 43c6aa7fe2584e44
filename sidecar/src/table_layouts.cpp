#include "table_layouts.hpp"

#include "error.hpp"
#include "tsql_quote.hpp"

#include <optional>

namespace sidecar {

namespace {

namespace lr = dts::logrec;

// The type of a column as T-SQL spells it, from sys.system_internals_partition_columns.
std::string type_text(const lr::PhysColumn &c) {
    auto len = [&](int bytes) {
        return c.max_length < 0 ? std::string("(max)") : "(" + std::to_string(bytes) + ")";
    };
    switch (c.system_type_id) {
    case 167:
        return "varchar" + len(c.max_length);
    case 175:
        return "char" + len(c.max_length);
    case 231:
        return "nvarchar" + len(c.max_length / 2);
    case 239:
        return "nchar" + len(c.max_length / 2);
    case 165:
        return "varbinary" + len(c.max_length);
    case 173:
        return "binary" + len(c.max_length);
    case 106:
    case 108:
        return "decimal(" + std::to_string(c.precision) + ", " + std::to_string(c.scale) + ")";
    case 41:
        return "time(" + std::to_string(c.scale) + ")";
    case 42:
        return "datetime2(" + std::to_string(c.scale) + ")";
    case 43:
        return "datetimeoffset(" + std::to_string(c.scale) + ")";
    }
    static const std::map<int, const char *> plain = {{48, "tinyint"},
                                                      {52, "smallint"},
                                                      {56, "int"},
                                                      {127, "bigint"},
                                                      {104, "bit"},
                                                      {60, "money"},
                                                      {122, "smallmoney"},
                                                      {59, "real"},
                                                      {62, "float"},
                                                      {40, "date"},
                                                      {61, "datetime"},
                                                      {58, "smalldatetime"},
                                                      {36, "uniqueidentifier"}};
    auto it = plain.find(c.system_type_id);
    return it == plain.end() ? "" : it->second;
}

// The value a column added with a default has in rows written before it was added
// (sys.system_internals_partition_columns.default_value, a sql_variant): converted to the
// column's type at the source and read like any value, so its text is the CDC path's.
std::optional<std::string> default_value(dts::tds::Connection &src, const std::string &partition,
                                         const lr::PhysColumn &c) {
    // A type without a T-SQL spelling here stays sql_variant, read as text.
    const std::string cast = type_text(c);
    auto r = src.query_text("SELECT " +
                            (cast.empty() ? std::string("CAST(default_value AS nvarchar(4000))")
                                          : "CAST(default_value AS " + cast + ")") +
                            " FROM sys.system_internals_partition_columns WHERE partition_id = " +
                            std::to_string(std::stoll(partition)) +
                            " AND partition_column_id = " + std::to_string(c.partition_column_id));
    if (r.rows.empty())
        return std::nullopt;
    return r.rows[0][0];
}

} // namespace

std::map<int64_t, lr::Layout> read_table_layouts(dts::tds::Connection &src,
                                                 const std::string &schema,
                                                 const std::string &table,
                                                 const std::string &source_name) {
    // The in-row allocation unit of the clustered index, and the physical columns of its
    // partition (sys.system_internals_partition_columns: what the row images hold).
    auto rows = src.query_text(
        "SELECT au.allocation_unit_id, pc.partition_column_id, c.name, pc.leaf_offset, "
        "pc.leaf_null_bit, pc.leaf_bit_position, CAST(pc.is_dropped AS int), "
        "CAST(pc.is_uniqueifier AS int), CAST(pc.is_nullable AS int), CAST(pc.is_sparse AS "
        "int), pc.system_type_id, pc.max_length, pc.precision, pc.scale, pc.key_ordinal, "
        "CAST(pc.has_default AS int), p.partition_id, pc.collation_name, p.index_id, "
        "CAST(p.data_compression AS int), c.system_type_id, c.max_length FROM sys.partitions "
        "p JOIN sys.allocation_units au ON au.container_id = p.hobt_id AND au.type = 1 JOIN "
        "sys.system_internals_partition_columns pc ON pc.partition_id = p.partition_id LEFT "
        "JOIN sys.columns c ON c.object_id = p.object_id AND c.column_id = "
        "pc.partition_column_id AND pc.is_dropped = 0 WHERE p.object_id = OBJECT_ID(" +
        dts::tsql::object_literal(schema, table) +
        ") AND p.index_id IN (0, 1) ORDER BY au.allocation_unit_id, pc.partition_column_id");
    if (rows.rows.empty())
        throw dts::Error("55000",
                         "source table " + source_name +
                             " has no physical layout in sys.system_internals_partition_columns",
                         {}, kLogRefuseHint);
    std::map<int64_t, lr::Layout> units;
    for (auto &r : rows.rows) {
        if (r[18] != "1")
            throw dts::Error("0A000",
                             "source table " + source_name +
                                 " has no clustered index: the log reader cannot identify "
                                 "its rows",
                             {}, kLogRefuseHint);
        if (r[19] && *r[19] != "0")
            throw dts::Error("0A000",
                             "source table " + source_name +
                                 " is compressed: the log reader does not decode compressed "
                                 "rows",
                             {}, kLogRefuseHint);
        const int64_t unit = std::stoll(r[0].value_or("0"));
        lr::Layout &layout = units[unit];
        lr::PhysColumn pc;
        auto num = [&](size_t k) { return r[k] ? std::stoi(*r[k]) : 0; };
        pc.partition_column_id = num(1);
        pc.name = r[2].value_or("");
        pc.leaf_offset = num(3);
        pc.leaf_null_bit = num(4);
        pc.leaf_bit_position = num(5);
        pc.is_dropped = num(6) != 0;
        pc.is_uniqueifier = num(7) != 0;
        pc.is_nullable = num(8) != 0;
        pc.is_sparse = num(9) != 0;
        pc.system_type_id = num(10);
        pc.max_length = num(11);
        pc.precision = num(12);
        pc.scale = num(13);
        pc.key_ordinal = num(14);
        if (num(15) != 0)
            pc.default_value = default_value(src, r[16].value_or("0"), pc);
        pc.collation_name = r[17].value_or("");
        // Which column a partition column is comes from the join above alone
        // (partition_column_id = column_id, as the public log readers join them): a wrong guess
        // would put values into the wrong columns, so a partition column that names no column,
        // or a column of another type, stops the reader.
        if (!pc.is_dropped && !pc.is_uniqueifier) {
            // Lengths only of fixed columns: a variable one may be widened in the metadata alone.
            const bool same_type =
                r[20] && std::stoi(*r[20]) == pc.system_type_id &&
                (pc.leaf_offset <= 0 || (r[21] && std::stoi(*r[21]) == pc.max_length));
            if (!r[2] || !same_type)
                throw dts::Error(
                    "0A000",
                    "source table " + source_name + ": physical column " +
                        std::to_string(pc.partition_column_id) + " (type " +
                        std::to_string(pc.system_type_id) + ", " + std::to_string(pc.max_length) +
                        " bytes) " +
                        (r[2] ? "is not the type of column " + *r[2] + " (type " +
                                    r[20].value_or("?") + ", " + r[21].value_or("?") + " bytes)"
                              : "matches no column of the table") +
                        " in sys.columns: the log reader cannot tell which value is which column",
                    "sys.system_internals_partition_columns.partition_column_id is read as the "
                    "column_id of the table's column",
                    kLogRefuseHint);
        }
        layout.columns.push_back(std::move(pc));
    }
    return units;
}

} // namespace sidecar
