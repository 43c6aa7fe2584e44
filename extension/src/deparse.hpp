// Which WHERE clauses can run on SQL Server, translated into the neutral RemoteExpr model.
#pragma once

#include "pg_prelude.hpp"

#include "tsql_deparse.hpp"

#include <string>

extern "C" {
#include "nodes/pathnodes.h"
}

namespace pgdts {

// nullptr when the expression cannot be sent. `recheck` is set when SQL Server's semantics may
// accept more rows than PostgreSQL's (case-insensitive string comparison): the clause is then
// sent *and* kept as a local filter.
//
// With `params`, columns of other relations (the outer side of a parameterized join) and query
// parameters may appear as operands of "="; they are appended to *params (deduplicated) and
// referenced by number. Their values are bound at execution with literal_text().
dts::tsql::RemoteExprPtr to_remote(Expr *expr, RelOptInfo *rel, Oid relid, bool &recheck,
                                   List **params = nullptr);

// A value as a T-SQL literal ("42", "N'x'", "1", "NULL"). Values SQL Server cannot hold (NaN,
// infinite dates) become NULL, which is what an equality with them must match there: nothing.
std::string literal_text(Oid type, Datum value, bool isnull);

} // namespace pgdts
