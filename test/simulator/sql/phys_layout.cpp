// Physical layout of tables and indexes, stored in "$phys_columns" and kept by DDL (phys_sync is
// called wherever the catalog rebuilds a table's triggers, i.e. after every table DDL).
#include "phys_layout.hpp"

#include "sqlite_db.hpp"
#include "sqltypes.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace sim::sql {

namespace {

const char *kTables = R"SQL(
CREATE TABLE IF NOT EXISTS "$phys_columns"(database_id INTEGER, object_id INTEGER, index_id INTEGER,
  partition_column_id INTEGER, column_id INTEGER, name TEXT, type_id INTEGER, length INTEGER,
  precision INTEGER, scale INTEGER, is_nullable INTEGER, is_dropped INTEGER, is_uniqueifier INTEGER,
  key_ordinal INTEGER, is_descending_key INTEGER, leaf_offset INTEGER, leaf_null_bit INTEGER,
  leaf_bit_position INTEGER, has_default INTEGER, default_value ANY, unique_key INTEGER,
  PRIMARY KEY(database_id, object_id, index_id, partition_column_id)) WITHOUT ROWID;
)SQL";

struct IndexDef {
    int index_id = 0;
    int type = 0; // 0 heap, 1 clustered, 2 nonclustered
    bool unique = false;
    std::vector<std::pair<int, bool>> keys; // column_id, descending
    std::vector<int> included;
};

std::vector<IndexDef> indexes_of(sqlite3 *db, int database_id, int object_id) {
    std::vector<IndexDef> out;
    {
        Stmt q(db, "SELECT index_id, type, is_unique FROM \"$indexes\" WHERE database_id = ? AND "
                   "object_id = ? ORDER BY index_id");
        q.bind(1, database_id).bind(2, object_id);
        while (q.step())
            out.push_back({static_cast<int>(q.int_col(0)),
                           static_cast<int>(q.int_col(1)),
                           q.int_col(2) != 0,
                           {},
                           {}});
    }
    for (auto &i : out) {
        Stmt q(db, "SELECT column_id, is_descending_key, is_included_column FROM "
                   "\"$index_columns\" WHERE database_id = ? AND object_id = ? AND index_id = ? "
                   "ORDER BY is_included_column, key_ordinal, index_column_id");
        q.bind(1, database_id).bind(2, object_id).bind(3, i.index_id);
        while (q.step()) {
            if (q.int_col(2))
                i.included.push_back(static_cast<int>(q.int_col(0)));
            else
                i.keys.push_back({static_cast<int>(q.int_col(0)), q.int_col(1) != 0});
        }
    }
    return out;
}

// Columns that take space in the row: everything but non-persisted computed columns.
std::set<int> stored_column_ids(sqlite3 *db, int database_id, int object_id) {
    std::set<int> out;
    Stmt q(db, "SELECT column_id FROM \"$columns\" WHERE database_id = ? AND object_id = ? AND "
               "(is_computed = 0 OR is_persisted = 1)");
    q.bind(1, database_id).bind(2, object_id);
    while (q.step())
        out.insert(static_cast<int>(q.int_col(0)));
    return out;
}

PhysColumn from_meta(const ColumnMeta &c) {
    PhysColumn p;
    p.column_id = c.column_id;
    p.name = c.name;
    p.type = c.type;
    p.nullable = c.nullable;
    return p;
}

PhysColumn uniquifier() {
    PhysColumn u;
    u.name = "UNIQUIFIER";
    u.type = SqlType{TypeId::Int, 0, 10, 0};
    u.is_uniqueifier = true;
    return u;
}

// The heap / clustered layout: clustered key columns first (key order), then the other columns
// in column_id order; a non-unique clustered index adds the uniquifier, which make_layout puts
// first in the variable-column array.
RecordLayout fresh_base(const TableMeta &t, const IndexDef *clustered,
                        const std::set<int> &stored) {
    std::vector<PhysColumn> cols;
    std::set<int> used;
    if (clustered) {
        int ord = 0;
        for (auto [cid, desc] : clustered->keys)
            for (const auto &c : t.columns)
                if (c.column_id == cid) {
                    auto p = from_meta(c);
                    p.key_ordinal = ++ord;
                    p.is_descending_key = desc;
                    cols.push_back(p);
                    used.insert(cid);
                }
        if (!clustered->unique) {
            auto u = uniquifier();
            u.key_ordinal = ++ord;
            cols.push_back(u);
        }
    }
    for (const auto &c : t.columns)
        if (!used.count(c.column_id) && stored.count(c.column_id))
            cols.push_back(from_meta(c));
    return make_layout(std::move(cols));
}

void store(sqlite3 *db, int database_id, int object_id, int index_id, bool unique_key,
           const RecordLayout &l) {
    Stmt del(db, "DELETE FROM \"$phys_columns\" WHERE database_id = ? AND object_id = ? AND "
                 "index_id = ?");
    del.bind(1, database_id).bind(2, object_id).bind(3, index_id);
    del.step();
    Stmt ins(db, "INSERT INTO \"$phys_columns\" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                 "?, ?, ?, ?, ?, ?, ?)");
    for (const auto &c : l.cols) {
        ins.reset();
        ins.bind(1, database_id).bind(2, object_id).bind(3, index_id);
        ins.bind(4, c.partition_column_id).bind(5, c.column_id).bind(6, c.name);
        ins.bind(7, static_cast<int>(c.type.id)).bind(8, c.type.length);
        ins.bind(9, static_cast<int>(c.type.precision)).bind(10, static_cast<int>(c.type.scale));
        ins.bind(11, c.nullable ? 1 : 0).bind(12, c.is_dropped ? 1 : 0);
        ins.bind(13, c.is_uniqueifier ? 1 : 0).bind(14, c.key_ordinal);
        ins.bind(15, c.is_descending_key ? 1 : 0).bind(16, c.leaf_offset);
        ins.bind(17, c.leaf_null_bit).bind(18, c.leaf_bit_position);
        ins.bind(19, c.has_default ? 1 : 0).bind(20, c.default_value);
        ins.bind(21, unique_key ? 1 : 0);
        ins.step();
    }
}

struct Loaded {
    int index_id = 0;
    bool unique_key = true;
    RecordLayout layout;
};

std::vector<Loaded> load(sqlite3 *db, int database_id, int object_id, bool base) {
    std::map<int, Loaded> by_index;
    Stmt q(db, std::string("SELECT index_id, partition_column_id, column_id, name, type_id, "
                           "length, precision, scale, is_nullable, is_dropped, is_uniqueifier, "
                           "key_ordinal, is_descending_key, leaf_offset, leaf_null_bit, "
                           "leaf_bit_position, has_default, default_value, unique_key FROM "
                           "\"$phys_columns\" WHERE database_id = ? AND object_id = ? AND "
                           "index_id ") +
                   (base ? "<= 1" : "> 1") + " ORDER BY index_id, leaf_null_bit");
    q.bind(1, database_id).bind(2, object_id);
    while (q.step()) {
        auto &l = by_index[static_cast<int>(q.int_col(0))];
        l.index_id = static_cast<int>(q.int_col(0));
        l.unique_key = q.int_col(18) != 0;
        PhysColumn c;
        c.partition_column_id = static_cast<int>(q.int_col(1));
        c.column_id = static_cast<int>(q.int_col(2));
        c.name = q.text_col(3);
        c.type.id = static_cast<TypeId>(q.int_col(4));
        c.type.length = static_cast<int32_t>(q.int_col(5));
        c.type.precision = static_cast<uint8_t>(q.int_col(6));
        c.type.scale = static_cast<uint8_t>(q.int_col(7));
        c.nullable = q.int_col(8) != 0;
        c.is_dropped = q.int_col(9) != 0;
        c.is_uniqueifier = q.int_col(10) != 0;
        c.key_ordinal = static_cast<int>(q.int_col(11));
        c.is_descending_key = q.int_col(12) != 0;
        c.leaf_offset = static_cast<int>(q.int_col(13));
        c.leaf_null_bit = static_cast<int>(q.int_col(14));
        c.leaf_bit_position = static_cast<int>(q.int_col(15));
        c.has_default = q.int_col(16) != 0;
        c.default_value = q.value_col(17);
        l.layout.cols.push_back(c);
    }
    std::vector<Loaded> out;
    for (auto &[id, l] : by_index) {
        int fend = 4, var = 0;
        for (const auto &c : l.layout.cols) {
            if (c.is_fixed())
                fend = std::max(fend, c.leaf_offset + std::max(fixed_size(c.type), 1));
            else
                var = std::max(var, -c.leaf_offset);
        }
        l.layout.fixed_end = fend;
        l.layout.var_count = var;
        out.push_back(std::move(l));
    }
    return out;
}

// A nonclustered index's leaf record: its key columns, then the row locator (the clustered key
// columns not already in the key, with the uniquifier; a heap's 8-byte RID), then included
// columns; fixed-length parts before variable ones (encode_index_record's order).
RecordLayout nonclustered_layout(const TableMeta &t, const IndexDef &ix, const RecordLayout &base,
                                 bool heap) {
    std::vector<PhysColumn> parts;
    std::set<int> in;
    int ord = 0;
    for (auto [cid, desc] : ix.keys)
        for (const auto &c : t.columns)
            if (c.column_id == cid) {
                auto p = from_meta(c);
                p.key_ordinal = ++ord;
                p.is_descending_key = desc;
                parts.push_back(p);
                in.insert(cid);
            }
    if (heap) {
        PhysColumn rid;
        rid.name = "RID";
        rid.type = SqlType{TypeId::Binary, 8, 0, 0};
        rid.nullable = false;
        parts.push_back(rid);
    } else {
        for (const auto &c : base.cols)
            if (c.key_ordinal > 0 && !in.count(c.column_id)) {
                auto p = c;
                p.key_ordinal = 0;
                parts.push_back(p);
            }
    }
    for (int cid : ix.included)
        for (const auto &c : t.columns)
            if (c.column_id == cid && !in.count(cid))
                parts.push_back(from_meta(c));
    std::stable_partition(parts.begin(), parts.end(), [](const PhysColumn &c) {
        return fixed_size(c.type) != 0 && !c.is_uniqueifier;
    });
    // Index records have one status byte: fixed data starts at offset 1.
    int off = 1, var = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
        auto &c = parts[i];
        c.partition_column_id = c.leaf_null_bit = static_cast<int>(i + 1);
        int size = fixed_size(c.type);
        if (size == 0 || c.is_uniqueifier) {
            c.leaf_offset = -(++var);
        } else {
            c.leaf_offset = off;
            off += size < 0 ? 1 : size;
        }
    }
    RecordLayout l;
    l.cols = std::move(parts);
    l.fixed_end = off;
    l.var_count = var;
    return l;
}

} // namespace

void phys_bootstrap(sqlite3 *db) {
    exec(db, kTables);
}

bool phys_sync(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t) {
    if (t.is_view || t.system_view)
        return false;
    auto idx = indexes_of(db, d.id, t.object_id);
    const IndexDef *clustered = nullptr;
    int base_id = 0;
    for (const auto &i : idx)
        if (i.type == 1) {
            clustered = &i;
            base_id = 1;
        }
    const auto stored = stored_column_ids(db, d.id, t.object_id);
    auto old = load(db, d.id, t.object_id, true);
    bool relaid = false;
    RecordLayout base;
    const bool unique = !clustered || clustered->unique;
    auto key_sig = [](const RecordLayout &l) {
        std::vector<std::pair<int, int>> k;
        for (const auto &c : l.cols)
            if (c.key_ordinal > 0)
                k.push_back({c.key_ordinal, c.is_uniqueifier ? -1 : c.column_id});
        std::sort(k.begin(), k.end());
        return k;
    };
    RecordLayout fresh = fresh_base(t, clustered, stored);
    if (old.empty() || old[0].index_id != base_id || key_sig(old[0].layout) != key_sig(fresh)) {
        base = fresh;
        relaid = !old.empty();
        if (!old.empty())
            exec(db, "DELETE FROM \"$phys_columns\" WHERE database_id = " + std::to_string(d.id) +
                         " AND object_id = " + std::to_string(t.object_id) + " AND index_id <= 1");
    } else {
        base = old[0].layout;
        // Columns gone from the catalog stay, dropped, with their bytes.
        for (auto &c : base.cols)
            if (!c.is_uniqueifier && !c.is_dropped && !stored.count(c.column_id))
                c.is_dropped = true;
        // Added columns go after everything stored: fixed ones at the end of the fixed part,
        // variable ones at the end of the variable array. Rows written before keep their N.
        bool has_rows = false;
        {
            Stmt q(db, "SELECT 1 FROM " + qi(t.sqlite_name) + " LIMIT 1");
            has_rows = q.step();
        }
        for (const auto &c : t.columns) {
            if (!stored.count(c.column_id))
                continue;
            bool known = false;
            for (const auto &b : base.cols)
                known = known || (!b.is_dropped && !b.is_uniqueifier && b.column_id == c.column_id);
            if (known)
                continue;
            auto p = from_meta(c);
            p.partition_column_id = c.column_id;
            p.leaf_null_bit = static_cast<int>(base.cols.size() + 1);
            int size = fixed_size(c.type);
            if (size == 0) {
                p.leaf_offset = -(++base.var_count);
            } else {
                p.leaf_offset = base.fixed_end;
                base.fixed_end += size < 0 ? 1 : size;
            }
            if (has_rows && (!c.nullable || c.has_default)) {
                // Online add of a column with a default, NOT NULL or WITH VALUES: old rows take
                // the value from metadata (every existing row holds it right after the ADD; a
                // nullable column added without WITH VALUES holds NULL, which rows without the
                // column read as anyway).
                Stmt q(db, "SELECT " + qi(c.name) + " FROM " + qi(t.sqlite_name) + " LIMIT 1");
                if (q.step() && sqlite3_column_type(q.get(), 0) != SQLITE_NULL) {
                    p.has_default = true;
                    p.default_value = q.value_col(0);
                }
            }
            base.cols.push_back(p);
        }
    }
    store(db, d.id, t.object_id, base_id, unique, base);
    exec(db, "DELETE FROM \"$phys_columns\" WHERE database_id = " + std::to_string(d.id) +
                 " AND object_id = " + std::to_string(t.object_id) + " AND index_id > 1");
    for (const auto &i : idx)
        if (i.type == 2)
            store(db, d.id, t.object_id, i.index_id, i.unique,
                  nonclustered_layout(t, i, base, clustered == nullptr));
    return relaid;
}

void phys_rebuild_layout(sqlite3 *db, int database_id, int object_id) {
    auto t = table_by_id(db, database_id, object_id);
    if (!t)
        return;
    exec(db, "DELETE FROM \"$phys_columns\" WHERE database_id = " + std::to_string(database_id) +
                 " AND object_id = " + std::to_string(object_id));
    auto d = find_database(db, database_id);
    if (d)
        phys_sync(db, *d, *t);
}

std::optional<Partition> phys_base(sqlite3 *db, int database_id, int object_id) {
    auto l = load(db, database_id, object_id, true);
    if (l.empty())
        return std::nullopt;
    Partition p;
    p.object_id = object_id;
    p.index_id = l[0].index_id;
    p.partition_id = hobt_id(object_id, p.index_id);
    p.unique_key = l[0].unique_key;
    p.layout = std::move(l[0].layout);
    return p;
}

std::vector<Partition> phys_nonclustered(sqlite3 *db, int database_id, int object_id) {
    std::vector<Partition> out;
    for (auto &l : load(db, database_id, object_id, false)) {
        Partition p;
        p.object_id = object_id;
        p.index_id = l.index_id;
        p.partition_id = hobt_id(object_id, l.index_id);
        p.unique_key = l.unique_key;
        p.layout = std::move(l.layout);
        out.push_back(std::move(p));
    }
    return out;
}

std::string allocation_units_sql() {
    // One IN_ROW_DATA unit per partition; LOB_DATA when a column can hold LOB values,
    // ROW_OVERFLOW_DATA when a variable-length column can overflow. Page counts come from the
    // pages the log writer allocated ("$phys_pages").
    const std::string hobt = "(" + std::to_string(kHobtBase) + " + i.object_id * 256 + i.index_id)";
    const std::string lob =
        "EXISTS (SELECT 1 FROM \"$phys_columns\" c WHERE c.database_id = i.database_id AND "
        "c.object_id = i.object_id AND c.index_id = i.index_id AND (c.type_id IN (" +
        std::to_string(static_cast<int>(TypeId::Text)) + ", " +
        std::to_string(static_cast<int>(TypeId::NText)) + ", " +
        std::to_string(static_cast<int>(TypeId::Image)) + ", " +
        std::to_string(static_cast<int>(TypeId::Xml)) + ") OR c.length = -1))";
    const std::string ovf =
        "EXISTS (SELECT 1 FROM \"$phys_columns\" c WHERE c.database_id = i.database_id AND "
        "c.object_id = i.object_id AND c.index_id = i.index_id AND c.leaf_offset < 0 AND "
        "c.is_uniqueifier = 0)";
    const std::string pages =
        "coalesce((SELECT p.pages FROM \"$phys_pages\" p WHERE p.database_id = i.database_id AND "
        "p.object_id = i.object_id AND p.index_id = i.index_id AND p.au_type = t.type), 0)";
    return "SELECT " + hobt + " + (t.type - 1) * " + std::to_string(kAuTypeStep) +
           " AS allocation_unit_id, t.type AS type, CASE t.type WHEN 1 THEN 'IN_ROW_DATA' WHEN 2 "
           "THEN 'LOB_DATA' ELSE 'ROW_OVERFLOW_DATA' END AS type_desc, " +
           hobt + " AS container_id, 1 AS data_space_id, " + pages + " AS total_pages, " + pages +
           " AS used_pages, CASE t.type WHEN 1 THEN " + pages +
           " ELSE 0 END AS data_pages FROM \"$indexes\" i JOIN \"$objects\" o ON o.database_id = "
           "i.database_id AND o.object_id = i.object_id AND o.type = 'U' CROSS JOIN (SELECT 1 AS "
           "type UNION ALL SELECT 2 UNION ALL SELECT 3) t WHERE i.database_id = {D} AND (t.type "
           "= 1 OR (t.type = 2 AND " +
           lob + ") OR (t.type = 3 AND " + ovf + "))";
}

std::string partition_columns_sql() {
    // system_type_id and max_length from the type, as sys.columns gives them.
    return "SELECT " + std::to_string(kHobtBase) +
           " + c.object_id * 256 + c.index_id AS partition_id, c.partition_column_id, 0 AS "
           "modified_count, sim_phys_max_inrow(c.type_id, c.length, c.precision, c.scale) AS "
           "max_inrow_length, 0 AS is_replicated, 0 AS is_logged_for_replication, c.is_dropped, "
           "sim_phys_type_id(c.type_id) AS system_type_id, sim_phys_max_length(c.type_id, "
           "c.length, c.precision, c.scale) AS max_length, CASE WHEN c.type_id IN (" +
           std::to_string(static_cast<int>(TypeId::Decimal)) + ", " +
           std::to_string(static_cast<int>(TypeId::Numeric)) +
           ") THEN c.precision ELSE 0 END AS precision, c.scale, CASE WHEN "
           "sim_phys_has_collation(c.type_id) THEN 'SQL_Latin1_General_CP1_CI_AS' END AS "
           "collation_name, 0 AS is_filestream, c.is_uniqueifier, c.key_ordinal, c.is_nullable, "
           "c.is_descending_key, 0 AS is_anti_matter, c.leaf_offset, c.leaf_null_bit, "
           "c.leaf_bit_position, c.leaf_offset AS internal_offset, c.leaf_null_bit AS "
           "internal_null_bit, c.leaf_bit_position AS internal_bit_position, c.has_default, "
           "CASE WHEN c.has_default = 1 THEN c.default_value END AS default_value, 0 AS "
           "is_sparse, 0 AS is_sparse_column_set, c.column_id FROM \"$phys_columns\" c JOIN "
           "\"$objects\" o ON o.database_id = c.database_id AND o.object_id = c.object_id WHERE "
           "c.database_id = {D} AND EXISTS (SELECT 1 FROM \"$indexes\" i WHERE i.database_id = "
           "c.database_id AND i.object_id = c.object_id AND i.index_id = c.index_id)";
}

} // namespace sim::sql
