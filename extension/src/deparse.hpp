// Which WHERE clauses can run on SQL Server, translated into the neutral RemoteExpr model.
#pragma once

#include "pg_prelude.hpp"

#include "tsql_deparse.hpp"

extern "C" {
#include "nodes/pathnodes.h"
}

namespace pgdts {

// nullptr when the expression cannot be sent. `recheck` is set when SQL Server's semantics may
// accept more rows than PostgreSQL's (case-insensitive string comparison): the clause is then
// sent *and* kept as a local filter.
dts::tsql::RemoteExprPtr to_remote(Expr *expr, RelOptInfo *rel, Oid relid, bool &recheck);

} // namespace pgdts
