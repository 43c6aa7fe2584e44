#include "catalog_snapshot.hpp"

namespace sidecar {

dts::ddl::Catalog read_catalog(dts::tds::Connection &src) {
    dts::ddl::Catalog out;
    for (auto &r : src.query_text("SELECT s.name, t.name, t.object_id FROM sys.tables t JOIN "
                                  "sys.schemas s ON s.schema_id = t.schema_id WHERE "
                                  "t.is_ms_shipped = 0")
                       .rows) {
        auto &t = out[r[0].value_or("") + "." + r[1].value_or("")];
        t.schema = r[0].value_or("");
        t.table = r[1].value_or("");
    }
    std::map<std::string, std::string> by_id;
    for (auto &r : src.query_text("SELECT s.name + N'.' + t.name, t.object_id FROM sys.tables t "
                                  "JOIN sys.schemas s ON s.schema_id = t.schema_id")
                       .rows)
        by_id[r[1].value_or("")] = r[0].value_or("");
    // The default is part of a column: ADD CONSTRAINT ... DEFAULT and DROP CONSTRAINT are an
    // ALTER_TABLE, after which the destination's defaults follow (schema_evolve.cpp).
    for (auto &r : src.query_text("SELECT c.object_id, c.name, c.system_type_id, c.max_length, "
                                  "c.precision, c.scale, CAST(c.is_nullable AS int), "
                                  "dc.definition FROM sys.columns c JOIN sys.tables t ON "
                                  "t.object_id = c.object_id LEFT JOIN sys.default_constraints "
                                  "dc ON dc.parent_object_id = c.object_id AND "
                                  "dc.parent_column_id = c.column_id "
                                  "ORDER BY c.object_id, c.column_id")
                       .rows) {
        auto it = out.find(by_id[r[0].value_or("")]);
        if (it == out.end())
            continue;
        std::string col;
        for (size_t k = 1; k < r.size(); ++k)
            col += (k > 1 ? " " : "") + r[k].value_or("NULL");
        it->second.columns.push_back(col);
    }
    for (auto &r : src.query_text("SELECT i.object_id, i.name FROM sys.indexes i JOIN sys.tables "
                                  "t ON t.object_id = i.object_id WHERE i.name IS NOT NULL ORDER "
                                  "BY i.object_id, i.name")
                       .rows) {
        auto it = out.find(by_id[r[0].value_or("")]);
        if (it != out.end())
            it->second.indexes.push_back(r[1].value_or(""));
    }
    return out;
}

} // namespace sidecar
