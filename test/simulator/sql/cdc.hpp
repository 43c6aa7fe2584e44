// Change Data Capture on top of the transaction log ("$log"): the sys.sp_cdc_* procedures, the
// cdc.* catalog and change tables, the capture process that fills them, and the SQLite functions
// behind sys.fn_cdc_* and cdc.fn_cdc_get_all_changes_/get_net_changes_<capture_instance>.
#pragma once

#include "catalog.hpp"

#include <sqlite3.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sim::sql {

struct CdcArg {
    std::string name; // upper-case, with '@'; empty when passed by position
    Value value;
};

// Runs sys.sp_cdc_<...> inside the caller's transaction. Returns false when `proc` (lower-case,
// without schema) is not a CDC procedure. new_lsn hands out a fresh LSN (the capture instance's
// low end).
bool cdc_procedure(sqlite3 *db, const DatabaseMeta &d, const std::string &proc,
                   const std::vector<CdcArg> &args, const std::function<std::string()> &new_lsn);

// One pass of the capture process for a database (inside the caller's write transaction):
// committed log records after the last captured one go to the change tables.
void cdc_capture(sqlite3 *db, const DatabaseMeta &d);
// True when the database has CDC enabled and log records not captured yet.
bool cdc_pending(sqlite3 *db, int database_id);
// Whether object_id is tracked (has a capture instance).
bool cdc_tracked(sqlite3 *db, int database_id, int object_id);
// Records a DDL statement on a tracked table in cdc.ddl_history.
void cdc_ddl(sqlite3 *db, const DatabaseMeta &d, int object_id, const std::string &command,
             const std::string &lsn);

void register_cdc_functions(sqlite3 *db);

} // namespace sim::sql
