#include "source_catalog.hpp"

#include "tsql_quote.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace dts::catalog {

namespace {

std::string in_list(const std::vector<std::string> &names) {
    std::string out;
    for (const auto &n : names)
        out += (out.empty() ? "" : ", ") + tsql::quote_literal(n);
    return "(" + out + ")";
}

using Row = std::vector<std::optional<std::string>>;

const std::string &text(const Row &r, size_t i) {
    static const std::string empty;
    return r[i] ? *r[i] : empty;
}
int64_t number(const Row &r, size_t i) {
    return r[i] && !r[i]->empty() ? std::stoll(*r[i]) : 0;
}
bool flag(const Row &r, size_t i) {
    return r[i] && (*r[i] == "1" || *r[i] == "true");
}

// Bytes a row of these columns takes, roughly: fixed widths as declared, variable ones at half
// their limit, LOBs at 1 KB. For the free-space precheck, not for billing.
int64_t row_width(const std::vector<Column> &cols) {
    int64_t w = 16;
    for (const auto &c : cols) {
        int n = c.type.max_length;
        if (n < 0)
            w += 1024;
        else if (c.type.name.find("var") != std::string::npos)
            w += n / 2 + 2;
        else
            w += n;
    }
    return w;
}

} // namespace

const Index *Table::primary_key() const {
    for (const auto &i : indexes)
        if (i.primary_key)
            return &i;
    return nullptr;
}

bool Table::has_computed_columns() const {
    return std::any_of(columns.begin(), columns.end(), [](const Column &c) { return c.computed; });
}

std::string column_type_joins() {
    return "JOIN sys.types ty ON ty.user_type_id = c.user_type_id "
           "LEFT JOIN sys.types bt ON bt.user_type_id = c.system_type_id "
           "AND ty.is_user_defined = 1 AND ty.is_assembly_type = 0 ";
}

std::string column_type_name() {
    return "COALESCE(bt.name, ty.name)";
}

std::string columns_query(const std::vector<std::string> &schemas) {
    return "SELECT s.name, t.name, t.object_id, c.column_id, c.name, " + column_type_name() +
           ", c.max_length, c.precision, c.scale, c.is_nullable, "
           "c.is_identity, c.is_computed, cc.definition, dc.definition, "
           "CAST(ic.seed_value AS bigint), CAST(ic.increment_value AS bigint), "
           "CAST(ty.is_user_defined AS int) "
           "FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id "
           "JOIN sys.columns c ON c.object_id = t.object_id " +
           column_type_joins() +
           "LEFT JOIN sys.computed_columns cc ON cc.object_id = c.object_id "
           "AND cc.column_id = c.column_id "
           "LEFT JOIN sys.default_constraints dc ON dc.parent_object_id = c.object_id "
           "AND dc.parent_column_id = c.column_id "
           "LEFT JOIN sys.identity_columns ic ON ic.object_id = c.object_id "
           "AND ic.column_id = c.column_id "
           "WHERE t.is_ms_shipped = 0 AND s.name IN " +
           in_list(schemas) + " ORDER BY s.name, t.name, c.column_id";
}

std::string indexes_query(const std::vector<std::string> &schemas) {
    return "SELECT t.object_id, i.index_id, i.name, i.type, i.is_unique, i.is_primary_key, "
           "i.is_unique_constraint, i.filter_definition, c.name, ic.is_descending_key "
           "FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id "
           "JOIN sys.schemas s ON s.schema_id = t.schema_id "
           "LEFT JOIN sys.index_columns ic ON ic.object_id = i.object_id "
           "AND ic.index_id = i.index_id AND ic.is_included_column = 0 "
           "LEFT JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id "
           "WHERE i.is_hypothetical = 0 AND s.name IN " +
           in_list(schemas) + " ORDER BY t.object_id, i.index_id, ic.key_ordinal";
}

std::string sizes_query(const std::vector<std::string> &schemas) {
    return "SELECT p.object_id, SUM(p.rows), MAX(p.data_compression) "
           "FROM sys.partitions p JOIN sys.tables t ON t.object_id = p.object_id "
           "JOIN sys.schemas s ON s.schema_id = t.schema_id "
           "WHERE p.index_id IN (0, 1) AND s.name IN " +
           in_list(schemas) + " GROUP BY p.object_id";
}

std::string foreign_keys_query(const std::vector<std::string> &schemas) {
    return "SELECT fk.parent_object_id, fk.name, rs.name, rt.name, pc.name, rc.name, "
           "fk.delete_referential_action_desc, fk.update_referential_action_desc "
           "FROM sys.foreign_keys fk "
           "JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id "
           "JOIN sys.tables t ON t.object_id = fk.parent_object_id "
           "JOIN sys.schemas s ON s.schema_id = t.schema_id "
           "JOIN sys.tables rt ON rt.object_id = fk.referenced_object_id "
           "JOIN sys.schemas rs ON rs.schema_id = rt.schema_id "
           "JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id "
           "AND pc.column_id = fkc.parent_column_id "
           "JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id "
           "AND rc.column_id = fkc.referenced_column_id "
           "WHERE s.name IN " +
           in_list(schemas) + " ORDER BY fk.parent_object_id, fk.name, fkc.constraint_column_id";
}

std::vector<Table> read_tables(tds::Connection &conn, const std::string &database,
                               const std::vector<TableName> &which) {
    std::set<std::string> schema_set;
    for (const auto &w : which)
        schema_set.insert(w.schema);
    if (schema_set.empty())
        return {};
    std::vector<std::string> schemas(schema_set.begin(), schema_set.end());
    auto selected = [&](const std::string &schema, const std::string &table) {
        return std::any_of(which.begin(), which.end(), [&](const TableName &w) {
            return w.schema == schema && (w.table.empty() || w.table == table);
        });
    };

    std::vector<Table> tables;
    std::map<int, size_t> by_id;
    for (const Row &r : conn.query_text(columns_query(schemas)).rows) {
        if (!selected(text(r, 0), text(r, 1)))
            continue;
        int id = static_cast<int>(number(r, 2));
        auto it = by_id.find(id);
        if (it == by_id.end()) {
            Table t;
            t.database = database;
            t.schema = text(r, 0);
            t.name = text(r, 1);
            t.object_id = id;
            t.heap = true;
            t.compression = "NONE";
            it = by_id.emplace(id, tables.size()).first;
            tables.push_back(std::move(t));
        }
        Column c;
        c.column_id = static_cast<int>(number(r, 3));
        c.name = text(r, 4);
        c.type = {text(r, 5), static_cast<int>(number(r, 6)), static_cast<int>(number(r, 7)),
                  static_cast<int>(number(r, 8))};
        c.nullable = flag(r, 9);
        c.identity = flag(r, 10);
        c.computed = flag(r, 11);
        c.computed_definition = text(r, 12);
        if (r[13])
            c.default_definition = *r[13];
        if (c.identity) {
            c.identity_seed = r[14] ? number(r, 14) : 1;
            c.identity_increment = r[15] ? number(r, 15) : 1;
        }
        c.user_defined = r.size() > 16 && flag(r, 16);
        tables[it->second].columns.push_back(std::move(c));
    }
    if (tables.empty())
        return tables;

    Index *current = nullptr;
    int current_table = -1, current_index = -1;
    for (const Row &r : conn.query_text(indexes_query(schemas)).rows) {
        auto it = by_id.find(static_cast<int>(number(r, 0)));
        if (it == by_id.end())
            continue;
        Table &t = tables[it->second];
        int index_id = static_cast<int>(number(r, 1));
        int type = static_cast<int>(number(r, 3));
        if (type == 1)
            t.heap = false;
        if (type != 1 && type != 2)
            continue; // heap entry, XML, spatial, columnstore: not synced as indexes
        if (t.object_id != current_table || index_id != current_index) {
            Index i;
            i.index_id = index_id;
            i.name = text(r, 2);
            i.clustered = type == 1;
            i.unique = flag(r, 4);
            i.primary_key = flag(r, 5);
            i.unique_constraint = flag(r, 6);
            i.filter = text(r, 7);
            t.indexes.push_back(std::move(i));
            current = &t.indexes.back();
            current_table = t.object_id;
            current_index = index_id;
        }
        if (r[8]) {
            current->columns.push_back(*r[8]);
            current->descending.push_back(flag(r, 9));
        }
    }

    for (const Row &r : conn.query_text(sizes_query(schemas)).rows) {
        auto it = by_id.find(static_cast<int>(number(r, 0)));
        if (it == by_id.end())
            continue;
        Table &t = tables[it->second];
        t.rows = number(r, 1);
        int64_t compression = number(r, 2);
        t.compression = compression == 1 ? "ROW" : compression == 2 ? "PAGE" : "NONE";
        t.estimated_bytes = t.rows * row_width(t.columns);
    }

    ForeignKey *fk = nullptr;
    for (const Row &r : conn.query_text(foreign_keys_query(schemas)).rows) {
        auto it = by_id.find(static_cast<int>(number(r, 0)));
        if (it == by_id.end())
            continue;
        Table &t = tables[it->second];
        if (t.foreign_keys.empty() || t.foreign_keys.back().name != text(r, 1)) {
            ForeignKey k;
            k.name = text(r, 1);
            k.ref_schema = text(r, 2);
            k.ref_table = text(r, 3);
            k.on_delete = text(r, 6);
            k.on_update = text(r, 7);
            t.foreign_keys.push_back(std::move(k));
        }
        fk = &t.foreign_keys.back();
        fk->columns.push_back(text(r, 4));
        fk->ref_columns.push_back(text(r, 5));
    }
    std::sort(tables.begin(), tables.end(), [](const Table &a, const Table &b) {
        return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
    });
    return tables;
}

} // namespace dts::catalog
