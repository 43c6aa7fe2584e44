// The simulator's catalogs: internal SQLite tables ("$objects", "$columns", ...) maintained by
// DDL in the same transaction as the change, and per-database views with SQL Server's sys.*
// names and columns over them.
#pragma once

#include "ast.hpp"
#include "engine.hpp"

#include <sqlite3.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sim::sql {

struct ColumnMeta {
    int column_id = 0;
    std::string name;
    SqlType type;
    bool nullable = true;
    bool identity = false;
    bool computed = false;
    bool rowversion = false;
    bool has_default = false;
};

struct TableMeta {
    int database_id = 0;
    int object_id = 0;
    std::string db, schema, name; // as stored in the catalog
    std::string sqlite_name;      // the SQLite table or view
    bool system_view = false;
    std::vector<ColumnMeta> columns;
    bool is_view = false;   // a user view: expanded from `definition` where it is used
    std::string definition; // user views: the CREATE VIEW batch
    const ColumnMeta *column(const std::string &n) const;
    std::string display() const { return schema + "." + name; }
};

struct DatabaseMeta {
    int id = 0;
    std::string name;
    int recovery_model = 1; // 1 FULL, 2 BULK_LOGGED, 3 SIMPLE
    bool has_full_backup = false;
};

// A FOREIGN KEY constraint as the catalog keeps it.
struct ForeignKeyInfo {
    int object_id = 0;
    std::string name;
    int parent_object_id = 0;     // the referencing table
    int referenced_object_id = 0; // the referenced table
    FkAction delete_action = FkAction::NoAction;
    FkAction update_action = FkAction::NoAction;
    std::vector<std::string> columns, referenced_columns; // in constraint_column_id order
    bool disabled = false; // ALTER TABLE ... NOCHECK CONSTRAINT: not enforced, no actions
};

// SQLite's spelling of a referential action (NO ACTION is its default too).
std::string sqlite_fk_actions(const FkActions &a);

// Any schema-scoped object: its id, sys.objects type and parent.
struct ObjectInfo {
    int object_id = 0;
    std::string type; // U, V, P, FN, IF, TF, TR, PK, ...
    std::string schema, name;
    int parent_object_id = 0;
};

// What CREATE / ALTER of a view, procedure, function or trigger records (sys.objects,
// sys.sql_modules, sys.views, sys.triggers, and sys.columns for views and table functions).
struct ModuleRecord {
    std::string type; // V, P, FN, IF, TF, TR
    std::string definition;
    ModuleOptions options;
    bool ansi_nulls = true, quoted_identifier = true;
    int parent_object_id = 0;        // triggers: the table or view
    std::vector<ColumnMeta> columns; // views and table-valued functions
};

// DDL trigger events and event groups (sys.trigger_events, "DDL Events" / "DDL Event Groups"):
// the events the simulator knows, each with its groups from the innermost out.
struct DdlEventType {
    const char *name;
    int type;
    std::vector<const char *> groups;
};
struct DdlEventGroup {
    const char *name;
    int type;
};
const std::vector<DdlEventType> &ddl_event_types();
const std::vector<DdlEventGroup> &ddl_event_groups();
// Is `event` (CREATE_TABLE) among, or in a group of, the comma-separated `events`?
bool ddl_event_matches(const std::string &events, const std::string &event);

// A database-scoped DDL trigger: "$objects" type TR with schema_id 0 and parent 0 (not in
// sys.objects), its text and events in "$modules".
struct DdlTrigger {
    int object_id = 0;
    std::string name;
    std::string definition;
    std::string events;
    bool disabled = false;
    std::optional<int> execute_as; // WITH EXECUTE AS: the database principal its body runs as
};
// The database's DDL triggers in creation order (enabled only unless all).
std::vector<DdlTrigger> ddl_triggers(sqlite3 *db, int database_id, bool all = false);
std::optional<DdlTrigger> find_ddl_trigger(sqlite3 *db, int database_id, const std::string &name);
void set_trigger_disabled(sqlite3 *db, int database_id, int object_id, bool disabled);

// Creates the internal tables and the system databases when the store is new.
void bootstrap_catalog(sqlite3 *db);

std::optional<DatabaseMeta> find_database(sqlite3 *db, const std::string &name);
std::optional<DatabaseMeta> find_database(sqlite3 *db, int id);
std::vector<DatabaseMeta> all_databases(sqlite3 *db);
int create_database(sqlite3 *db, const std::string &name);
void drop_database(sqlite3 *db, const DatabaseMeta &d);
std::optional<int> find_schema(sqlite3 *db, int database_id, const std::string &name);
int create_schema(sqlite3 *db, int database_id, const std::string &name);

// Tables, views of user schemas and sys/INFORMATION_SCHEMA views.
std::optional<TableMeta> find_table(sqlite3 *db, const DatabaseMeta &d, const std::string &schema,
                                    const std::string &name);
std::optional<TableMeta> table_by_id(sqlite3 *db, int database_id, int object_id);
// object_id of any object (table, constraint, ...) by schema and name; type filter optional.
std::optional<int> find_object_id(sqlite3 *db, int database_id, const std::string &schema,
                                  const std::string &name, const std::string &type = {});
int next_object_id(sqlite3 *db);
std::optional<ObjectInfo> find_object(sqlite3 *db, int database_id, const std::string &schema,
                                      const std::string &name);
// A user view, with its definition and the columns recorded when it was created.
std::optional<TableMeta> find_view(sqlite3 *db, const DatabaseMeta &d, const std::string &schema,
                                   const std::string &name);
// Records a new module (2714 when the name is taken in the schema) or, given `replace`, gives
// that existing object a new definition (ALTER). Returns the object_id.
int define_module(sqlite3 *db, const DatabaseMeta &d, int schema_id, const std::string &name,
                  const ModuleRecord &m, std::optional<int> replace);
// Drops a module and, for a view, the triggers on it.
void drop_module(sqlite3 *db, int database_id, int object_id);
// Every FOREIGN KEY constraint of a database, in creation order.
std::vector<ForeignKeyInfo> foreign_keys(sqlite3 *db, int database_id);
// The tables a DELETE on object_id reaches through ON DELETE CASCADE (not object_id itself).
std::vector<int> cascade_delete_targets(sqlite3 *db, int database_id, int object_id);
std::string sqlite_table_name(const std::string &db, const std::string &schema,
                              const std::string &table);

// DDL (executed inside the caller's transaction).
void create_table(sqlite3 *db, const DatabaseMeta &d, const std::string &schema,
                  const Statement &s);
void drop_table(sqlite3 *db, const TableMeta &t);
void add_columns(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const Statement &s);
void drop_columns(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                  const std::vector<std::string> &cols);
void add_constraints(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const Statement &s);
void drop_constraint(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                     const std::string &name, bool if_exists);
void create_index(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const Statement &s);
void drop_index(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const std::string &name,
                bool if_exists);
// Recreates the per-row triggers (log, unique keys, rowversion) after the table changed.
void rebuild_triggers(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t);
// ALTER TABLE t ALTER COLUMN: the new type and nullability (nullable unless NOT NULL). Refused
// for computed and timestamp columns (4928), for a column an index, key, foreign key or CHECK
// constraint uses unless only its length grows (5074), NOT NULL over NULLs (515). `convert` runs
// the SQL that converts the stored values (SQL Server's conversion errors apply).
void alter_column(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const ColumnDef &c,
                  const std::function<void(const std::string &)> &convert);
// sp_rename: an object of schema `schema` (a table, view, procedure, constraint, ...), a column
// or an index of table `t`. Errors 15248 (nothing of that name and kind), 2714 / 15335 (the new
// name is taken).
void rename_object(sqlite3 *db, const DatabaseMeta &d, const std::string &schema,
                   const std::string &name, const std::string &new_name);
void rename_column(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const std::string &name,
                   const std::string &new_name);
void rename_index(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const std::string &name,
                  const std::string &new_name);
void add_row_count(sqlite3 *db, int database_id, int object_id, int64_t delta);
void set_row_count(sqlite3 *db, int database_id, int object_id, int64_t rows);

} // namespace sim::sql
