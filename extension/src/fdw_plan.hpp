// Planning of scans of pg_dts foreign tables: row estimates, the paths offered to the planner
// (plain, sorted on SQL Server, TOP for a safe LIMIT, parameterized by the outer side of a join)
// and the ForeignScan with its remote T-SQL. Plus the execution-time binding of parameters.
//
// ForeignScan.fdw_private: [0] the remote SQL as EXPLAIN shows it (String), [1] the attribute
// numbers of the result columns (IntList); for a parameterized scan also [2] the SQL's parts
// (List of String) and [3] the parameter number between consecutive parts (IntList), with the
// parameter expressions in fdw_exprs.
#pragma once

#include "pg_prelude.hpp"

#include <string>

extern "C" {
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"
}

namespace pgdts {

void plan_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid relid);
void plan_paths(PlannerInfo *root, RelOptInfo *baserel, Oid relid);
ForeignScan *plan_scan(PlannerInfo *root, RelOptInfo *baserel, Oid relid, ForeignPath *best_path,
                       List *tlist, List *scan_clauses, Plan *outer_plan);

// The ExprStates of the scan's parameters (NIL when it has none), for remote_sql().
List *init_remote_params(ForeignScanState *node);
// The T-SQL to run for the current (re)scan, with parameter values bound as literals.
std::string remote_sql(ForeignScanState *node, List *param_states);

} // namespace pgdts
