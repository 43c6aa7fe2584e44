// CHECK constraints: kept in "$check_constraints" (sys.check_constraints), enforced by SQLite as
// CHECK clauses of the table's definition while enabled (rewritten in place with the foreign
// keys, see fk_state.hpp), disabled by NOCHECK CONSTRAINT and then not trusted.
#pragma once

#include "ast.hpp"
#include "catalog.hpp"

#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

namespace sim::sql {

void check_state_bootstrap(sqlite3 *db);

// Records the CHECK constraint object `oid` (already in "$objects" as `name`) of `t`
// (`column_id` 0: table-level). `check_existing` (WITH CHECK, the default) refuses rows that
// violate it (547); otherwise the constraint is not trusted. The SQLite clauses are synchronized
// by the caller.
void add_check_constraint(sqlite3 *db, const TableMeta &t, int oid, const std::string &name,
                          int column_id, const Expr &e, bool check_existing);
// The SQLite CHECK clauses of t's enabled CHECK constraints (`CONSTRAINT "chk$<id>" CHECK (...)`).
std::vector<std::string> enabled_check_clauses(sqlite3 *db, const TableMeta &t);
// Whether a table-definition element is one of those clauses.
bool is_check_clause(const std::string &element);
// CHECK constraint names of `t` among `names` (all of them when `names` is empty).
std::vector<std::string> check_constraint_names(sqlite3 *db, const TableMeta &t,
                                                const std::vector<std::string> &names);
// The CHECK constraints of `t` that are enabled.
std::vector<std::string> enabled_check_constraint_names(sqlite3 *db, const TableMeta &t);
// Enables / disables them; enabling with `check_existing` checks the rows (547), trusted again.
void set_checks_enabled(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                        const std::vector<std::string> &names, bool enable, bool check_existing);
void drop_check_constraint(sqlite3 *db, int database_id, int object_id);
// The 547 error for SQLite's "CHECK constraint failed: chk$<id>", if that is the message.
std::optional<SqlError> check_violation(sqlite3 *db, const std::string &sqlite_message,
                                        const TableMeta &t, const std::string &verb);

} // namespace sim::sql
