// Enabling and disabling foreign keys (ALTER TABLE ... [WITH {CHECK | NOCHECK}] {CHECK | NOCHECK}
// CONSTRAINT {ALL | name, ...}). "$foreign_keys" keeps is_disabled / is_not_trusted as
// sys.foreign_keys shows them; SQLite enforces a table's enabled foreign keys because they are
// the FOREIGN KEY clauses of its table definition, which is rewritten in place (SQLite's
// documented procedure for removing or adding constraints that do not change the stored rows).
#pragma once

#include "catalog.hpp"

#include <sqlite3.h>

#include <string>
#include <vector>

namespace sim::sql {

// Adds the is_disabled / is_not_trusted columns to a store made before them.
void fk_state_bootstrap(sqlite3 *db);

// CHECK / NOCHECK of the foreign keys `names` of `t` (empty = ALL). `check_existing` (WITH
// CHECK) validates the rows first (error 547) and makes the constraints trusted again; enabling
// without it leaves them not trusted. 4917 for a name that is not a foreign key of `t`.
void set_foreign_keys_enabled(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                              const std::vector<std::string> &names, bool enable,
                              bool check_existing);

// Foreign keys just added by ALTER TABLE ... [WITH {CHECK | NOCHECK}] ADD CONSTRAINT: enforced,
// and trusted after a check of the rows (547) unless `checked` is false (WITH NOCHECK).
void foreign_keys_added(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                        const std::vector<std::string> &names, bool checked);

// Replaces the definition of `column` in t's SQLite table text with `element` (ALTER COLUMN).
void rewrite_sqlite_column(sqlite3 *db, const TableMeta &t, const std::string &column,
                           const std::string &element);
// Makes the FOREIGN KEY clauses of t's SQLite table those of its enabled foreign keys.
void sync_sqlite_foreign_keys(sqlite3 *db, const TableMeta &t);

} // namespace sim::sql
