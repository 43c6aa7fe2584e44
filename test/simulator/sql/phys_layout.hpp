// The physical side of the catalog: partitions, allocation units and the physical column layout
// (sys.system_internals_partition_columns) of every table and index, kept by DDL like SQL Server
// keeps it: ADD COLUMN leaves old rows' column count alone, DROP COLUMN only marks the column
// dropped (its bytes stay in the rows) until a REBUILD rewrites them.
#pragma once

#include "catalog.hpp"
#include "row_format.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sim::sql {

// Ids: partition_id = hobt_id = kHobtBase + object_id * 256 + index_id (sys.partitions has
// always used this); allocation units: IN_ROW_DATA = the hobt_id, LOB_DATA and
// ROW_OVERFLOW_DATA the hobt_id plus (type - 1) * 2^48.
constexpr int64_t kHobtBase = 72057594000000000LL;
constexpr int64_t kAuTypeStep = 1LL << 48;
inline int64_t hobt_id(int object_id, int index_id) {
    return kHobtBase + static_cast<int64_t>(object_id) * 256 + index_id;
}
inline int64_t alloc_unit_id(int64_t hobt, int type) {
    return hobt + (type - 1) * kAuTypeStep;
}

// Creates the internal tables ("$phys_columns", ...) if missing.
void phys_bootstrap(sqlite3 *db);

// Brings the stored layout of table t (its heap or clustered index and each nonclustered index)
// in line with the catalog after DDL: new tables get a fresh layout, added columns are appended,
// columns gone from the catalog are marked dropped, a changed clustered index re-lays the table
// out (as CREATE / DROP of a clustered index rebuilds it). Returns true when the base layout was
// recomputed (existing rows must be rewritten).
bool phys_sync(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t);
// ALTER TABLE ... REBUILD / ALTER INDEX ... REBUILD: forgets dropped columns and defaults.
void phys_rebuild_layout(sqlite3 *db, int database_id, int object_id);

// One partition's layout as stored.
struct Partition {
    int object_id = 0;
    int index_id = 0; // 0 heap, 1 clustered, > 1 nonclustered
    int64_t partition_id = 0;
    bool unique_key = true; // clustered: unique (no uniquifier)
    RecordLayout layout;
};
std::optional<Partition> phys_base(sqlite3 *db, int database_id, int object_id);
std::vector<Partition> phys_nonclustered(sqlite3 *db, int database_id, int object_id);

// The SQLite bodies of sys.allocation_units and sys.system_internals_partition_columns ({D} is
// the database id, as in sys_views.cpp).
std::string allocation_units_sql();
std::string partition_columns_sql();

} // namespace sim::sql
