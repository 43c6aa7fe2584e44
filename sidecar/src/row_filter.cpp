#include "row_filter.hpp"

#include "error.hpp"
#include "tsql_quote.hpp"

namespace sidecar {

FilterProbe filter_probe(dts::tds::Connection &src, const std::string &schema,
                         const std::string &table, const TableChanges &t) {
    FilterProbe out;
    const auto named = dts::tsql::filter_columns(t.filter, t.columns);
    if (named.empty())
        return out;
    auto rows =
        src.query_text("SELECT c.name, ty.name, c.max_length, c.precision, c.scale, CASE WHEN "
                       "c.collation_name <> CONVERT(sysname, DATABASEPROPERTYEX(DB_NAME(), "
                       "'Collation')) THEN c.collation_name END FROM sys.columns c JOIN sys.types "
                       "ty ON ty.user_type_id = c.system_type_id WHERE c.object_id = OBJECT_ID(" +
                       dts::tsql::object_literal(schema, table) + ")")
            .rows;
    for (size_t p : named)
        for (const auto &r : rows)
            if (r[0] == t.columns[p]) {
                out.columns.push_back({*r[0], r[1].value_or(""), std::stoi(r[2].value_or("0")),
                                       std::stoi(r[3].value_or("0")), std::stoi(r[4].value_or("0")),
                                       r[5].value_or("")});
                out.positions.push_back(p);
            }
    return out;
}

std::vector<bool> rows_inside(dts::tds::Connection &src, const TableChanges &t,
                              const FilterProbe &probe,
                              const std::vector<const dts::changes::Values *> &rows) {
    std::vector<bool> inside(rows.size(), false);
    for (size_t begin = 0; begin < rows.size(); begin += dts::tsql::kProbeRows) {
        const size_t end = std::min(rows.size(), begin + dts::tsql::kProbeRows);
        std::vector<std::vector<std::optional<std::string>>> values;
        for (size_t i = begin; i < end; ++i) {
            values.emplace_back();
            for (size_t p : probe.positions)
                values.back().push_back(p < rows[i]->size() ? (*rows[i])[p] : std::nullopt);
        }
        try {
            for (const auto &r :
                 src.query_text(dts::tsql::filter_probe_sql(t.filter, probe.columns, values)).rows)
                if (r[0]) {
                    const size_t i = begin + std::stoul(*r[0]);
                    if (i < end)
                        inside[i] = true;
                }
        } catch (const dts::Error &e) {
            throw dts::Error(e.sqlstate,
                             "cannot evaluate the row filter of " + t.source_name +
                                 " on its changes: " + e.what(),
                             "Filter: " + t.filter,
                             e.hint.empty() ? "Fix the filter with dts_set_filter()." : e.hint);
        }
    }
    return inside;
}

} // namespace sidecar
