#include "catalog.hpp"

#include "alias_types.hpp"
#include "check_state.hpp"
#include "dblog.hpp"
#include "fk_state.hpp"
#include "phys_layout.hpp"

#include "codegen.hpp"
#include "errors.hpp"
#include "parser.hpp"
#include "sqlite_db.hpp"
#include "sqltypes.hpp"
#include "sys_views.hpp"

#include <strings.h>

#include <cstdio>
#include <map>
#include <set>

namespace sim::sql {

namespace {

bool iequals(const std::string &a, const std::string &b) {
    return strcasecmp(a.c_str(), b.c_str()) == 0;
}

const char *kInternalTables = R"SQL(
CREATE TABLE IF NOT EXISTS "$ids"(name TEXT PRIMARY KEY, value INTEGER);
CREATE TABLE IF NOT EXISTS "$databases"(database_id INTEGER PRIMARY KEY, name TEXT COLLATE SIM_CI UNIQUE,
  recovery_model INTEGER, has_full_backup INTEGER DEFAULT 0, create_date TEXT, is_cdc_enabled INTEGER DEFAULT 0,
  owner_sid BLOB);
CREATE TABLE IF NOT EXISTS "$schemas"(database_id INTEGER, schema_id INTEGER, name TEXT COLLATE SIM_CI,
  principal_id INTEGER, PRIMARY KEY(database_id, schema_id));
CREATE TABLE IF NOT EXISTS "$objects"(database_id INTEGER, object_id INTEGER, name TEXT COLLATE SIM_CI,
  schema_id INTEGER, parent_object_id INTEGER DEFAULT 0, type TEXT, create_date TEXT, modify_date TEXT,
  row_count INTEGER DEFAULT 0, data_compression INTEGER DEFAULT 0, is_tracked_by_cdc INTEGER DEFAULT 0,
  is_system_named INTEGER DEFAULT 0, max_column_id_used INTEGER DEFAULT 0,
  PRIMARY KEY(database_id, object_id));
CREATE INDEX IF NOT EXISTS "$objects_by_name" ON "$objects"(database_id, schema_id, name);
CREATE TABLE IF NOT EXISTS "$columns"(database_id INTEGER, object_id INTEGER, column_id INTEGER,
  name TEXT COLLATE SIM_CI, type_spec TEXT, is_nullable INTEGER, is_identity INTEGER, is_computed INTEGER,
  is_persisted INTEGER DEFAULT 0, definition TEXT, default_object_id INTEGER DEFAULT 0,
  default_definition TEXT, is_rowversion INTEGER DEFAULT 0, seed INTEGER, increment INTEGER,
  identity_last INTEGER, PRIMARY KEY(database_id, object_id, column_id));
CREATE TABLE IF NOT EXISTS "$indexes"(database_id INTEGER, object_id INTEGER, index_id INTEGER,
  name TEXT COLLATE SIM_CI, type INTEGER, is_unique INTEGER, is_primary_key INTEGER,
  is_unique_constraint INTEGER, constraint_object_id INTEGER DEFAULT 0,
  PRIMARY KEY(database_id, object_id, index_id));
CREATE TABLE IF NOT EXISTS "$index_columns"(database_id INTEGER, object_id INTEGER, index_id INTEGER,
  index_column_id INTEGER, column_id INTEGER, key_ordinal INTEGER, is_descending_key INTEGER,
  is_included_column INTEGER);
CREATE TABLE IF NOT EXISTS "$fk_columns"(database_id INTEGER, constraint_object_id INTEGER,
  constraint_column_id INTEGER, parent_object_id INTEGER, parent_column_id INTEGER,
  referenced_object_id INTEGER, referenced_column_id INTEGER);
CREATE TABLE IF NOT EXISTS "$foreign_keys"(database_id INTEGER, object_id INTEGER,
  parent_object_id INTEGER, delete_referential_action INTEGER DEFAULT 0,
  update_referential_action INTEGER DEFAULT 0, is_not_for_replication INTEGER DEFAULT 0,
  PRIMARY KEY(database_id, object_id));
CREATE TABLE IF NOT EXISTS "$modules"(database_id INTEGER, object_id INTEGER, definition TEXT,
  is_encrypted INTEGER DEFAULT 0, uses_ansi_nulls INTEGER DEFAULT 1, uses_quoted_identifier INTEGER DEFAULT 1,
  is_schema_bound INTEGER DEFAULT 0, is_recompiled INTEGER DEFAULT 0, null_on_null_input INTEGER DEFAULT 0,
  execute_as_principal_id INTEGER, with_check_option INTEGER DEFAULT 0, has_opaque_metadata INTEGER DEFAULT 0,
  is_instead_of_trigger INTEGER DEFAULT 0, is_not_for_replication INTEGER DEFAULT 0,
  is_disabled INTEGER DEFAULT 0, trigger_events TEXT, PRIMARY KEY(database_id, object_id));
CREATE TABLE IF NOT EXISTS "$db_permissions"(database_id INTEGER, major_id INTEGER, grantee INTEGER,
  type TEXT, state TEXT, grantor INTEGER, PRIMARY KEY(database_id, major_id, grantee, type));
CREATE TABLE IF NOT EXISTS "$backupset"(backup_set_id INTEGER PRIMARY KEY, name TEXT, database_name TEXT,
  type TEXT, backup_start_date TEXT, backup_finish_date TEXT, first_lsn TEXT, last_lsn TEXT,
  recovery_model TEXT, physical_device_name TEXT);
CREATE TABLE IF NOT EXISTS "$log"(lsn BLOB PRIMARY KEY, database_id INTEGER, xact_id INTEGER,
  operation TEXT, object_id INTEGER, row_before BLOB, row_after BLOB, log_time TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS "$types"(name TEXT COLLATE SIM_CI, system_type_id INTEGER, user_type_id INTEGER,
  max_length INTEGER, precision INTEGER, scale INTEGER, collation_name TEXT, is_assembly_type INTEGER);
)SQL";

int64_t next_id(sqlite3 *db, const std::string &counter, int64_t start, int64_t step) {
    Stmt up(db, "INSERT INTO \"$ids\"(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                "value = value + ? RETURNING value");
    up.bind(1, counter).bind(2, start).bind(3, step);
    up.step();
    return up.int_col(0);
}

// The sys.* views of one database; `replace` recreates them (a store made by an older
// simulator gets the current definitions when it is reopened).
void create_views(sqlite3 *db, int id, const std::string &name, bool replace = false) {
    for (const auto &v : sys_views()) {
        if (v.msdb_only && !iequals(name, "msdb"))
            continue;
        std::string body = v.body;
        for (size_t at; (at = body.find("{D}")) != std::string::npos;)
            body.replace(at, 3, std::to_string(id));
        for (size_t at; (at = body.find("{N}")) != std::string::npos;)
            body.replace(at, 3, name);
        const std::string view = qi(sqlite_table_name(name, v.schema, v.name));
        if (replace)
            exec(db, "DROP VIEW IF EXISTS " + view);
        exec(db, "CREATE VIEW " + view + " AS " + body);
    }
}

void seed_types(sqlite3 *db) {
    Stmt ins(db, "INSERT INTO \"$types\" VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    const TypeId ids[] = {TypeId::Image,
                          TypeId::Text,
                          TypeId::UniqueIdentifier,
                          TypeId::Date,
                          TypeId::Time,
                          TypeId::DateTime2,
                          TypeId::DateTimeOffset,
                          TypeId::TinyInt,
                          TypeId::SmallInt,
                          TypeId::Int,
                          TypeId::SmallDateTime,
                          TypeId::Real,
                          TypeId::Money,
                          TypeId::DateTime,
                          TypeId::Float,
                          TypeId::SqlVariant,
                          TypeId::NText,
                          TypeId::Bit,
                          TypeId::Decimal,
                          TypeId::Numeric,
                          TypeId::SmallMoney,
                          TypeId::BigInt,
                          TypeId::HierarchyId,
                          TypeId::Geometry,
                          TypeId::Geography,
                          TypeId::VarBinary,
                          TypeId::VarChar,
                          TypeId::Binary,
                          TypeId::Char,
                          TypeId::Timestamp,
                          TypeId::NVarChar,
                          TypeId::NChar,
                          TypeId::Xml};
    for (TypeId id : ids) {
        SqlType t;
        t.id = id;
        t.length = 8000;
        if (id == TypeId::NVarChar || id == TypeId::NChar)
            t.length = 4000;
        if (id == TypeId::Decimal || id == TypeId::Numeric)
            t.precision = 38;
        if (id == TypeId::Time || id == TypeId::DateTime2 || id == TypeId::DateTimeOffset)
            t.scale = 7;
        TypeFacts f = type_facts(t);
        ins.reset();
        ins.bind(1, type_name(id)).bind(2, f.system_type_id).bind(3, f.user_type_id);
        ins.bind(4, f.max_length).bind(5, f.precision).bind(6, f.scale);
        if (f.has_collation)
            ins.bind(7, std::string("SQL_Latin1_General_CP1_CI_AS"));
        else
            sqlite3_bind_null(ins.get(), 7);
        bool clr = id == TypeId::HierarchyId || id == TypeId::Geometry || id == TypeId::Geography;
        ins.bind(8, clr ? 1 : 0);
        ins.step();
    }
    Stmt sysname(db, "INSERT INTO \"$types\" VALUES ('sysname', 231, 256, 256, 0, 0, "
                     "'SQL_Latin1_General_CP1_CI_AS', 0)");
    sysname.step();
}

int insert_object(sqlite3 *db, int database_id, const std::string &name, int schema_id, int parent,
                  const std::string &type, bool system_named) {
    int oid = next_object_id(db);
    // A new object has not been modified: modify_date is its create_date (one instant).
    Stmt ins(db, "INSERT INTO \"$objects\"(database_id, object_id, name, schema_id, "
                 "parent_object_id, type, create_date, modify_date, is_system_named) SELECT ?, ?, "
                 "?, ?, ?, ?, t, t, ? FROM (SELECT sim_now() AS t)");
    ins.bind(1, database_id).bind(2, oid).bind(3, name).bind(4, schema_id).bind(5, parent);
    ins.bind(6, type).bind(7, system_named ? 1 : 0);
    ins.step();
    return oid;
}

bool object_name_taken(sqlite3 *db, int database_id, int schema_id, const std::string &name) {
    Stmt q(db, "SELECT 1 FROM \"$objects\" WHERE database_id = ? AND schema_id = ? AND name = ?");
    q.bind(1, database_id).bind(2, schema_id).bind(3, name);
    return q.step();
}

std::string generated_name(const std::string &prefix, const std::string &table,
                           const std::string &col, int oid) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08X", static_cast<unsigned>(oid * 2654435761u));
    std::string t = table.substr(0, 8);
    return prefix + "__" + t + "__" + (col.empty() ? "" : col.substr(0, 8) + "__") + hex;
}

struct KeyDef {
    bool primary;
    std::string name;
    bool named;
    std::optional<bool> clustered;
    std::vector<OrderItem> cols;
};

struct FkDef {
    std::string name;
    bool named;
    std::vector<std::string> cols;
    std::vector<std::string> ref_table;
    std::vector<std::string> ref_cols;
    FkActions actions;
};

// SQL Server refuses a referential action that could reach a table twice from one DELETE (or
// UPDATE): the foreign keys with an action on that statement must form a forest (error 1785).
bool cascade_paths_ok(const std::vector<ForeignKeyInfo> &fks, bool on_delete) {
    std::map<int, std::vector<int>> children;
    for (const auto &f : fks)
        if ((on_delete ? f.delete_action : f.update_action) != FkAction::NoAction)
            children[f.referenced_object_id].push_back(f.parent_object_id);
    for (const auto &[start, _] : children) {
        std::set<int> seen{start};
        std::vector<int> todo{start};
        while (!todo.empty()) {
            int at = todo.back();
            todo.pop_back();
            auto it = children.find(at);
            if (it == children.end())
                continue;
            for (int child : it->second) {
                if (!seen.insert(child).second)
                    return false;
                todo.push_back(child);
            }
        }
    }
    return true;
}

int column_id_of(const std::vector<ColumnMeta> &cols, const std::string &name,
                 const std::string &table) {
    for (const auto &c : cols)
        if (iequals(c.name, name))
            return c.column_id;
    throw sql_error(1911, 1, 16,
                    "Column name '" + name + "' does not exist in the target table or view. (" +
                        table + ")");
}

int next_index_id(sqlite3 *db, int database_id, int object_id) {
    Stmt q(db, "SELECT MAX(index_id) FROM \"$indexes\" WHERE database_id = ? AND object_id = ?");
    q.bind(1, database_id).bind(2, object_id);
    q.step();
    int64_t m = q.int_col(0);
    return static_cast<int>(m < 1 ? 2 : m + 1);
}

bool has_clustered(sqlite3 *db, int database_id, int object_id) {
    Stmt q(db,
           "SELECT 1 FROM \"$indexes\" WHERE database_id = ? AND object_id = ? AND index_id = 1");
    q.bind(1, database_id).bind(2, object_id);
    return q.step();
}

// Registers an index (and its constraint object) in the catalog; creates the SQLite index.
void add_index(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, int schema_id,
               const std::string &name, bool clustered, bool unique, bool primary, bool constraint,
               bool system_named, const std::vector<OrderItem> &cols,
               const std::vector<std::string> &include = {}) {
    if (clustered && has_clustered(db, d.id, t.object_id))
        throw sql_error(1902, 3, 16,
                        "Cannot create more than one clustered index on table '" + t.display() +
                            "'. Drop the existing clustered index '" +
                            "' before creating another.");
    int constraint_oid = 0;
    if (constraint) {
        if (object_name_taken(db, d.id, schema_id, name))
            throw sql_error(2714, 5, 16,
                            "There is already an object named '" + name + "' in the database.");
        constraint_oid = insert_object(db, d.id, name, schema_id, t.object_id,
                                       primary ? "PK" : "UQ", system_named);
    }
    int index_id = clustered ? 1 : next_index_id(db, d.id, t.object_id);
    if (clustered) {
        Stmt del(
            db,
            "DELETE FROM \"$indexes\" WHERE database_id = ? AND object_id = ? AND index_id = 0");
        del.bind(1, d.id).bind(2, t.object_id);
        del.step();
    }
    Stmt ins(db, "INSERT INTO \"$indexes\" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, d.id).bind(2, t.object_id).bind(3, index_id).bind(4, name);
    ins.bind(5, clustered ? 1 : 2).bind(6, unique ? 1 : 0).bind(7, primary ? 1 : 0);
    ins.bind(8, constraint && !primary ? 1 : 0).bind(9, constraint_oid);
    ins.step();
    int ord = 0;
    std::string sqlite_cols;
    for (const auto &c : cols) {
        const std::string &cname = c.expr->parts.back();
        int cid = column_id_of(t.columns, cname, t.display());
        const ColumnMeta *cm = t.column(cname);
        if (cm &&
            (is_binary(cm->type.id) || cm->type.length == SqlType::kMax ||
             cm->type.id == TypeId::Text || cm->type.id == TypeId::NText ||
             cm->type.id == TypeId::Xml) &&
            cm->type.id != TypeId::Binary && cm->type.id != TypeId::VarBinary)
            throw sql_error(1919, 1, 16,
                            "Column '" + cname + "' in table '" + t.display() +
                                "' is of a type that is invalid for use as a key "
                                "column in an index.");
        ++ord;
        Stmt ic(db, "INSERT INTO \"$index_columns\" VALUES (?, ?, ?, ?, ?, ?, ?, 0)");
        ic.bind(1, d.id).bind(2, t.object_id).bind(3, index_id).bind(4, ord).bind(5, cid);
        ic.bind(6, ord).bind(7, c.desc ? 1 : 0);
        ic.step();
        sqlite_cols +=
            (sqlite_cols.empty() ? "" : ", ") + qi(cm ? cm->name : cname) + (c.desc ? " DESC" : "");
    }
    for (const auto &inc : include) {
        int cid = column_id_of(t.columns, inc, t.display());
        ++ord;
        Stmt ic(db, "INSERT INTO \"$index_columns\" VALUES (?, ?, ?, ?, ?, 0, 0, 1)");
        ic.bind(1, d.id).bind(2, t.object_id).bind(3, index_id).bind(4, ord).bind(5, cid);
        ic.step();
    }
    exec(db, "CREATE " + std::string(unique ? "UNIQUE " : "") + "INDEX " +
                 qi("ix$" + std::to_string(t.object_id) + "$" + std::to_string(index_id)) + " ON " +
                 qi(t.sqlite_name) + " (" + sqlite_cols + ")");
}

void add_foreign_key(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, int schema_id,
                     const FkDef &fk) {
    std::string rschema = fk.ref_table.size() >= 2 ? fk.ref_table[fk.ref_table.size() - 2] : "dbo";
    auto ref = find_table(db, d, rschema.empty() ? "dbo" : rschema, fk.ref_table.back());
    if (!ref || ref->system_view)
        throw sql_error(1767, 0, 16,
                        "Foreign key '" + fk.name + "' references invalid table '" +
                            fk.ref_table.back() + "'.");
    std::vector<std::string> ref_cols = fk.ref_cols;
    if (ref_cols.empty()) {
        Stmt q(db, "SELECT c.name FROM \"$index_columns\" ic JOIN \"$indexes\" i ON "
                   "i.database_id = ic.database_id AND i.object_id = ic.object_id AND i.index_id "
                   "= ic.index_id JOIN \"$columns\" c ON c.database_id = ic.database_id AND "
                   "c.object_id = ic.object_id AND c.column_id = ic.column_id WHERE i.database_id "
                   "= ? AND i.object_id = ? AND i.is_primary_key = 1 ORDER BY ic.key_ordinal");
        q.bind(1, d.id).bind(2, ref->object_id);
        while (q.step())
            ref_cols.push_back(q.text_col(0));
    }
    if (ref_cols.size() != fk.cols.size())
        throw sql_error(1770, 0, 16, "Foreign key '" + fk.name + "' references invalid column(s).");
    if (object_name_taken(db, d.id, schema_id, fk.name))
        throw sql_error(2714, 5, 16,
                        "There is already an object named '" + fk.name + "' in the database.");
    if (fk.actions.on_delete == FkAction::SetNull || fk.actions.on_update == FkAction::SetNull)
        for (const auto &c : fk.cols) {
            const ColumnMeta *m = t.column(c);
            if (m && !m->nullable)
                throw sql_error(1761, 0, 16,
                                "Cannot create the foreign key \"" + fk.name +
                                    "\" with the SET NULL referential action, because one or "
                                    "more referencing columns are not nullable.");
        }
    if (fk.actions.on_delete != FkAction::NoAction || fk.actions.on_update != FkAction::NoAction) {
        auto all = foreign_keys(db, d.id);
        ForeignKeyInfo added;
        added.parent_object_id = t.object_id;
        added.referenced_object_id = ref->object_id;
        added.delete_action = fk.actions.on_delete;
        added.update_action = fk.actions.on_update;
        all.push_back(added);
        if (!cascade_paths_ok(all, true) || !cascade_paths_ok(all, false))
            throw sql_error(1785, 0, 16,
                            "Introducing FOREIGN KEY constraint '" + fk.name + "' on table '" +
                                t.name +
                                "' may cause cycles or multiple cascade paths. Specify ON DELETE "
                                "NO ACTION or ON UPDATE NO ACTION, or modify other FOREIGN KEY "
                                "constraints.");
    }
    int oid = insert_object(db, d.id, fk.name, schema_id, t.object_id, "F", !fk.named);
    {
        Stmt ins(db, "INSERT INTO \"$foreign_keys\"(database_id, object_id, parent_object_id, "
                     "delete_referential_action, update_referential_action, "
                     "is_not_for_replication) VALUES (?, ?, ?, ?, ?, ?)");
        ins.bind(1, d.id).bind(2, oid).bind(3, t.object_id);
        ins.bind(4, static_cast<int>(fk.actions.on_delete));
        ins.bind(5, static_cast<int>(fk.actions.on_update));
        ins.bind(6, fk.actions.not_for_replication ? 1 : 0);
        ins.step();
    }
    for (size_t i = 0; i < fk.cols.size(); ++i) {
        Stmt ins(db, "INSERT INTO \"$fk_columns\" VALUES (?, ?, ?, ?, ?, ?, ?)");
        ins.bind(1, d.id).bind(2, oid).bind(3, static_cast<int64_t>(i + 1)).bind(4, t.object_id);
        ins.bind(5, column_id_of(t.columns, fk.cols[i], t.display()));
        ins.bind(6, ref->object_id)
            .bind(7, column_id_of(ref->columns, ref_cols[i], ref->display()));
        ins.step();
    }
}

std::string column_sql(const ColumnDef &c, const ColumnMeta &meta,
                       const std::vector<ColumnMeta> &all) {
    std::string s = qi(c.name) + " ";
    if (c.computed) {
        auto tr = translate_table_expr(*c.computed, all);
        s += storage_decl(meta.type) + " AS (" + tr.sql + ")" +
             (c.persisted ? " STORED" : " VIRTUAL");
        return s;
    }
    s += storage_decl(meta.type);
    if (!meta.nullable)
        s += " NOT NULL";
    if (c.rowversion)
        s += " DEFAULT (sim_rowversion())";
    else if (c.default_value) {
        auto tr = translate_table_expr(*c.default_value, {});
        s += " DEFAULT (sim_conv(" + tr.sql + ", " + ql(type_to_string(meta.type)) + "))";
    }
    return s;
}

ColumnMeta meta_of(const ColumnDef &c, int id) {
    ColumnMeta m;
    m.column_id = id;
    m.name = c.name;
    m.identity = c.identity;
    m.computed = c.computed != nullptr;
    m.rowversion = c.rowversion;
    m.has_default = c.default_value != nullptr || c.rowversion;
    if (c.computed) {
        // Typed once all sibling columns are known (create_table / add_columns).
        m.type = SqlType{TypeId::Float, 0, 0, 0};
        m.nullable = true;
    } else {
        m.type = c.type;
        m.nullable = c.nullable.value_or(!(c.identity || c.primary_key || c.rowversion) &&
                                         c.alias_nullable.value_or(true));
    }
    return m;
}

void insert_column(sqlite3 *db, int database_id, int object_id, const ColumnDef &c,
                   const ColumnMeta &m, int default_oid) {
    Stmt ins(db, "INSERT INTO \"$columns\"(database_id, object_id, column_id, name, type_spec, "
                 "is_nullable, is_identity, is_computed, is_persisted, definition, "
                 "default_object_id, default_definition, is_rowversion, seed, increment, "
                 "user_type_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, database_id).bind(2, object_id).bind(3, m.column_id).bind(4, c.name);
    ins.bind(5, type_to_string(m.type)).bind(6, m.nullable ? 1 : 0).bind(7, m.identity ? 1 : 0);
    ins.bind(8, m.computed ? 1 : 0).bind(9, c.persisted ? 1 : 0);
    if (c.computed)
        ins.bind(10, "(" + render_tsql(*c.computed) + ")");
    else
        sqlite3_bind_null(ins.get(), 10);
    ins.bind(11, default_oid);
    if (c.default_value)
        ins.bind(12, "(" + render_tsql(*c.default_value) + ")");
    else
        sqlite3_bind_null(ins.get(), 12);
    ins.bind(13, c.rowversion ? 1 : 0);
    if (c.identity) {
        ins.bind(14, c.seed).bind(15, c.increment);
    } else {
        sqlite3_bind_null(ins.get(), 14);
        sqlite3_bind_null(ins.get(), 15);
    }
    if (!c.alias_type.empty()) {
        auto a = find_alias_type(db, database_id, c.alias_type[0], c.alias_type[1]);
        if (!a)
            throw sql_error(2715, 6, 16,
                            "Column, parameter, or variable #" + std::to_string(m.column_id) +
                                ": Cannot find data type " + c.alias_type[1] + ".");
        ins.bind(16, a->user_type_id);
    } else {
        sqlite3_bind_null(ins.get(), 16);
    }
    ins.step();
}

std::string display_value_sql(const std::string &expr) {
    return "COALESCE(CAST(" + expr + " AS TEXT), '<NULL>')";
}

// SQLite triggers name every column of their table: dropped before a column changes, rebuilt
// after (rebuild_triggers).
void drop_sqlite_triggers(sqlite3 *db, const TableMeta &t) {
    std::vector<std::string> names;
    {
        Stmt q(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?");
        q.bind(1, t.sqlite_name);
        while (q.step())
            names.push_back(q.text_col(0));
    }
    for (const auto &name : names)
        exec(db, "DROP TRIGGER " + qi(name));
}

} // namespace

// SQLite's spelling of a referential action (NO ACTION is its default too).
std::string sqlite_fk_actions(const FkActions &a) {
    auto word = [](FkAction x) {
        switch (x) {
        case FkAction::Cascade:
            return "CASCADE";
        case FkAction::SetNull:
            return "SET NULL";
        case FkAction::SetDefault:
            return "SET DEFAULT";
        default:
            return "NO ACTION";
        }
    };
    std::string out;
    if (a.on_delete != FkAction::NoAction)
        out += std::string(" ON DELETE ") + word(a.on_delete);
    if (a.on_update != FkAction::NoAction)
        out += std::string(" ON UPDATE ") + word(a.on_update);
    return out;
}

const ColumnMeta *TableMeta::column(const std::string &n) const {
    for (const auto &c : columns)
        if (iequals(c.name, n))
            return &c;
    return nullptr;
}

std::string sqlite_table_name(const std::string &db, const std::string &schema,
                              const std::string &table) {
    return db + "." + schema + "." + table;
}

int next_object_id(sqlite3 *db) {
    return static_cast<int>(next_id(db, "object_id", 245575913, 16002));
}

std::vector<ForeignKeyInfo> foreign_keys(sqlite3 *db, int database_id) {
    std::vector<ForeignKeyInfo> out;
    std::map<int, size_t> at;
    {
        Stmt q(db, "SELECT o.object_id, o.name, o.parent_object_id, "
                   "COALESCE(k.delete_referential_action, 0), "
                   "COALESCE(k.update_referential_action, 0), COALESCE(k.is_disabled, 0) FROM "
                   "\"$objects\" o LEFT JOIN "
                   "\"$foreign_keys\" k ON k.database_id = o.database_id AND k.object_id = "
                   "o.object_id WHERE o.database_id = ? AND o.type = 'F' ORDER BY o.object_id");
        q.bind(1, database_id);
        while (q.step()) {
            ForeignKeyInfo f;
            f.object_id = static_cast<int>(q.int_col(0));
            f.name = q.text_col(1);
            f.parent_object_id = static_cast<int>(q.int_col(2));
            f.delete_action = static_cast<FkAction>(q.int_col(3));
            f.update_action = static_cast<FkAction>(q.int_col(4));
            f.disabled = q.int_col(5) != 0;
            at[f.object_id] = out.size();
            out.push_back(std::move(f));
        }
    }
    Stmt c(db, "SELECT f.constraint_object_id, f.referenced_object_id, pc.name, rc.name FROM "
               "\"$fk_columns\" f JOIN \"$columns\" pc ON pc.database_id = f.database_id AND "
               "pc.object_id = f.parent_object_id AND pc.column_id = f.parent_column_id JOIN "
               "\"$columns\" rc ON rc.database_id = f.database_id AND rc.object_id = "
               "f.referenced_object_id AND rc.column_id = f.referenced_column_id WHERE "
               "f.database_id = ? ORDER BY f.constraint_object_id, f.constraint_column_id");
    c.bind(1, database_id);
    while (c.step()) {
        auto it = at.find(static_cast<int>(c.int_col(0)));
        if (it == at.end())
            continue;
        ForeignKeyInfo &f = out[it->second];
        f.referenced_object_id = static_cast<int>(c.int_col(1));
        f.columns.push_back(c.text_col(2));
        f.referenced_columns.push_back(c.text_col(3));
    }
    return out;
}

std::vector<int> cascade_delete_targets(sqlite3 *db, int database_id, int object_id) {
    std::vector<int> out;
    auto fks = foreign_keys(db, database_id);
    bool any = false;
    for (const auto &f : fks)
        any = any || (f.delete_action == FkAction::Cascade && !f.disabled);
    if (!any)
        return out;
    std::set<int> seen{object_id};
    std::vector<int> todo{object_id};
    while (!todo.empty()) {
        int from = todo.back();
        todo.pop_back();
        for (const auto &f : fks)
            if (f.referenced_object_id == from && f.delete_action == FkAction::Cascade &&
                !f.disabled && seen.insert(f.parent_object_id).second) {
                out.push_back(f.parent_object_id);
                todo.push_back(f.parent_object_id);
            }
    }
    return out;
}

void bootstrap_catalog(sqlite3 *db) {
    exec(db, kInternalTables);
    alias_types_bootstrap(db);
    fk_state_bootstrap(db);
    check_state_bootstrap(db);
    phys_bootstrap(db);
    dblog_bootstrap(db);
    int64_t count = 0;
    {
        Stmt q(db, "SELECT COUNT(*) FROM \"$databases\"");
        q.step();
        count = q.int_col(0);
    }
    if (count > 0) {
        for (const auto &d : all_databases(db))
            create_views(db, d.id, d.name, true);
        return;
    }
    seed_types(db);
    for (const char *name : {"master", "tempdb", "model", "msdb"})
        create_database(db, name);
    // System databases use SIMPLE recovery, except master's FULL is irrelevant here.
    exec(db,
         "UPDATE \"$databases\" SET recovery_model = 3 WHERE name IN ('tempdb', 'msdb', 'master')");
}

std::optional<DatabaseMeta> find_database(sqlite3 *db, const std::string &name) {
    Stmt q(db, "SELECT database_id, name, recovery_model, has_full_backup FROM \"$databases\" "
               "WHERE name = ?");
    q.bind(1, name);
    if (!q.step())
        return std::nullopt;
    return DatabaseMeta{static_cast<int>(q.int_col(0)), q.text_col(1),
                        static_cast<int>(q.int_col(2)), q.int_col(3) != 0};
}

std::optional<DatabaseMeta> find_database(sqlite3 *db, int id) {
    Stmt q(db, "SELECT database_id, name, recovery_model, has_full_backup FROM \"$databases\" "
               "WHERE database_id = ?");
    q.bind(1, id);
    if (!q.step())
        return std::nullopt;
    return DatabaseMeta{static_cast<int>(q.int_col(0)), q.text_col(1),
                        static_cast<int>(q.int_col(2)), q.int_col(3) != 0};
}

std::vector<DatabaseMeta> all_databases(sqlite3 *db) {
    std::vector<DatabaseMeta> out;
    Stmt q(db, "SELECT database_id, name, recovery_model, has_full_backup FROM \"$databases\" "
               "ORDER BY database_id");
    while (q.step())
        out.push_back({static_cast<int>(q.int_col(0)), q.text_col(1),
                       static_cast<int>(q.int_col(2)), q.int_col(3) != 0});
    return out;
}

int create_database(sqlite3 *db, const std::string &name) {
    if (find_database(db, name))
        throw sql_error(1801, 3, 16,
                        "Database '" + name +
                            "' already exists. Choose a different "
                            "database name.");
    if (name.empty() || name.size() > 128)
        throw syntax_error(name);
    int id = static_cast<int>(next_id(db, "database_id", 1, 1));
    Stmt ins(db, "INSERT INTO \"$databases\"(database_id, name, recovery_model, create_date, "
                 "owner_sid) VALUES (?, ?, 1, sim_now(), x'01')");
    ins.bind(1, id).bind(2, name);
    ins.step();
    const std::pair<int, const char *> schemas[] = {
        {1, "dbo"}, {2, "guest"}, {3, "INFORMATION_SCHEMA"}, {4, "sys"}};
    for (auto [sid, sname] : schemas) {
        Stmt s(db, "INSERT INTO \"$schemas\" VALUES (?, ?, ?, 1)");
        s.bind(1, id).bind(2, sid).bind(3, std::string(sname));
        s.step();
    }
    create_views(db, id, name);
    return id;
}

void drop_database(sqlite3 *db, const DatabaseMeta &d) {
    std::vector<std::string> drops;
    {
        Stmt q(db, "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND "
                   "name LIKE ? ESCAPE '\\'");
        std::string pattern;
        for (char c : d.name + ".") {
            if (c == '%' || c == '_' || c == '\\')
                pattern += '\\';
            pattern += c;
        }
        q.bind(1, pattern + "%");
        while (q.step())
            drops.push_back("DROP " + std::string(q.text_col(0) == "view" ? "VIEW " : "TABLE ") +
                            qi(q.text_col(1)));
    }
    for (const auto &s : drops)
        exec(db, s);
    for (const char *t :
         {"$schemas", "$objects", "$columns", "$indexes", "$index_columns", "$fk_columns",
          "$foreign_keys", "$modules", "$log", "$user_types", "$db_permissions", "$databases"}) {
        Stmt del(db, "DELETE FROM " + qi(t) + " WHERE database_id = ?");
        del.bind(1, d.id);
        del.step();
    }
}

std::optional<int> find_schema(sqlite3 *db, int database_id, const std::string &name) {
    Stmt q(db, "SELECT schema_id FROM \"$schemas\" WHERE database_id = ? AND name = ?");
    q.bind(1, database_id).bind(2, name);
    if (!q.step())
        return std::nullopt;
    return static_cast<int>(q.int_col(0));
}

int create_schema(sqlite3 *db, int database_id, const std::string &name) {
    if (find_schema(db, database_id, name))
        throw sql_error(2714, 6, 16,
                        "There is already an object named '" + name + "' in the database.");
    int id = static_cast<int>(next_id(db, "schema_id." + std::to_string(database_id), 5, 1));
    Stmt s(db, "INSERT INTO \"$schemas\" VALUES (?, ?, ?, 1)");
    s.bind(1, database_id).bind(2, id).bind(3, name);
    s.step();
    return id;
}

std::optional<TableMeta> find_table(sqlite3 *db, const DatabaseMeta &d, const std::string &schema,
                                    const std::string &name) {
    if (const SysView *v = find_sys_view(schema, name)) {
        if (!v->msdb_only || iequals(d.name, "msdb")) {
            TableMeta t;
            t.database_id = d.id;
            t.db = d.name;
            t.schema = v->schema;
            t.name = v->name;
            t.sqlite_name = sqlite_table_name(d.name, v->schema, v->name);
            t.system_view = true;
            int id = 0;
            for (const auto &c : v->columns)
                t.columns.push_back({++id, c.name, c.type, c.nullable, false, false, false, false});
            return t;
        }
    }
    Stmt q(db, "SELECT o.object_id, s.name, o.name FROM \"$objects\" o JOIN \"$schemas\" s ON "
               "s.database_id = o.database_id AND s.schema_id = o.schema_id WHERE o.database_id = "
               "? AND s.name = ? AND o.name = ? AND o.type = 'U'");
    q.bind(1, d.id).bind(2, schema).bind(3, name);
    if (!q.step())
        return std::nullopt;
    return table_by_id(db, d.id, static_cast<int>(q.int_col(0)));
}

std::optional<TableMeta> table_by_id(sqlite3 *db, int database_id, int object_id) {
    Stmt q(db, "SELECT o.object_id, s.name, o.name, d.name FROM \"$objects\" o JOIN \"$schemas\" "
               "s ON s.database_id = o.database_id AND s.schema_id = o.schema_id JOIN "
               "\"$databases\" d ON d.database_id = o.database_id WHERE o.database_id = ? AND "
               "o.object_id = ? AND o.type = 'U'");
    q.bind(1, database_id).bind(2, object_id);
    if (!q.step())
        return std::nullopt;
    TableMeta t;
    t.database_id = database_id;
    t.object_id = object_id;
    t.schema = q.text_col(1);
    t.name = q.text_col(2);
    t.db = q.text_col(3);
    t.sqlite_name = sqlite_table_name(t.db, t.schema, t.name);
    Stmt c(db, "SELECT column_id, name, type_spec, is_nullable, is_identity, is_computed, "
               "is_rowversion, default_definition IS NOT NULL FROM \"$columns\" WHERE database_id "
               "= ? AND object_id = ? ORDER BY column_id");
    c.bind(1, database_id).bind(2, object_id);
    while (c.step()) {
        ColumnMeta m;
        m.column_id = static_cast<int>(c.int_col(0));
        m.name = c.text_col(1);
        m.type = parse_type_name(c.text_col(2));
        m.nullable = c.int_col(3) != 0;
        m.identity = c.int_col(4) != 0;
        m.computed = c.int_col(5) != 0;
        m.rowversion = c.int_col(6) != 0;
        m.has_default = c.int_col(7) != 0 || m.rowversion;
        t.columns.push_back(m);
    }
    return t;
}

std::optional<int> find_object_id(sqlite3 *db, int database_id, const std::string &schema,
                                  const std::string &name, const std::string &type) {
    Stmt q(db, "SELECT o.object_id FROM \"$objects\" o JOIN \"$schemas\" s ON s.database_id = "
               "o.database_id AND s.schema_id = o.schema_id WHERE o.database_id = ? AND s.name = ? "
               "AND o.name = ? AND (? = '' OR o.type = ?)");
    q.bind(1, database_id).bind(2, schema).bind(3, name).bind(4, type).bind(5, type);
    if (!q.step())
        return std::nullopt;
    return static_cast<int>(q.int_col(0));
}

std::optional<ObjectInfo> find_object(sqlite3 *db, int database_id, const std::string &schema,
                                      const std::string &name) {
    Stmt q(db, "SELECT o.object_id, o.type, s.name, o.name, o.parent_object_id FROM \"$objects\" o "
               "JOIN \"$schemas\" s ON s.database_id = o.database_id AND s.schema_id = o.schema_id "
               "WHERE o.database_id = ? AND s.name = ? AND o.name = ?");
    q.bind(1, database_id).bind(2, schema).bind(3, name);
    if (!q.step())
        return std::nullopt;
    return ObjectInfo{static_cast<int>(q.int_col(0)), q.text_col(1), q.text_col(2), q.text_col(3),
                      static_cast<int>(q.int_col(4))};
}

std::optional<TableMeta> find_view(sqlite3 *db, const DatabaseMeta &d, const std::string &schema,
                                   const std::string &name) {
    auto o = find_object(db, d.id, schema, name);
    if (!o || o->type != "V")
        return std::nullopt;
    TableMeta t;
    t.database_id = d.id;
    t.object_id = o->object_id;
    t.db = d.name;
    t.schema = o->schema;
    t.name = o->name;
    t.is_view = true;
    {
        Stmt q(db, "SELECT definition FROM \"$modules\" WHERE database_id = ? AND object_id = ?");
        q.bind(1, d.id).bind(2, o->object_id);
        if (q.step())
            t.definition = q.text_col(0);
    }
    Stmt c(db, "SELECT column_id, name, type_spec, is_nullable FROM \"$columns\" WHERE "
               "database_id = ? AND object_id = ? ORDER BY column_id");
    c.bind(1, d.id).bind(2, o->object_id);
    while (c.step()) {
        ColumnMeta m;
        m.column_id = static_cast<int>(c.int_col(0));
        m.name = c.text_col(1);
        m.type = parse_type_name(c.text_col(2));
        m.nullable = c.int_col(3) != 0;
        t.columns.push_back(m);
    }
    return t;
}

const std::vector<DdlEventType> &ddl_event_types() {
    static const std::vector<DdlEventType> types = [] {
        const std::vector<const char *> table = {"DDL_TABLE_EVENTS", "DDL_TABLE_VIEW_EVENTS",
                                                 "DDL_DATABASE_LEVEL_EVENTS"};
        const std::vector<const char *> view = {"DDL_VIEW_EVENTS", "DDL_TABLE_VIEW_EVENTS",
                                                "DDL_DATABASE_LEVEL_EVENTS"};
        const std::vector<const char *> index = {"DDL_INDEX_EVENTS", "DDL_TABLE_VIEW_EVENTS",
                                                 "DDL_DATABASE_LEVEL_EVENTS"};
        const std::vector<const char *> stats = {"DDL_STATISTICS_EVENTS", "DDL_TABLE_VIEW_EVENTS",
                                                 "DDL_DATABASE_LEVEL_EVENTS"};
        const std::vector<const char *> db = {"DDL_DATABASE_LEVEL_EVENTS"};
        return std::vector<DdlEventType>{
            {"CREATE_TABLE", 21, table},      {"ALTER_TABLE", 22, table},
            {"DROP_TABLE", 23, table},        {"CREATE_INDEX", 24, index},
            {"ALTER_INDEX", 25, index},       {"DROP_INDEX", 26, index},
            {"CREATE_STATISTICS", 27, stats}, {"UPDATE_STATISTICS", 28, stats},
            {"DROP_STATISTICS", 29, stats},   {"CREATE_VIEW", 41, view},
            {"ALTER_VIEW", 42, view},         {"DROP_VIEW", 43, view},
            {"CREATE_PROCEDURE", 51, db},     {"ALTER_PROCEDURE", 52, db},
            {"DROP_PROCEDURE", 53, db},       {"CREATE_FUNCTION", 61, db},
            {"ALTER_FUNCTION", 62, db},       {"DROP_FUNCTION", 63, db},
            {"CREATE_TRIGGER", 71, db},       {"ALTER_TRIGGER", 72, db},
            {"DROP_TRIGGER", 73, db}};
    }();
    return types;
}

const std::vector<DdlEventGroup> &ddl_event_groups() {
    static const std::vector<DdlEventGroup> groups = {
        {"DDL_DATABASE_LEVEL_EVENTS", 10016}, {"DDL_TABLE_VIEW_EVENTS", 10017},
        {"DDL_TABLE_EVENTS", 10018},          {"DDL_VIEW_EVENTS", 10019},
        {"DDL_INDEX_EVENTS", 10020},          {"DDL_STATISTICS_EVENTS", 10021}};
    return groups;
}

bool ddl_event_matches(const std::string &events, const std::string &event) {
    const DdlEventType *t = nullptr;
    for (const auto &e : ddl_event_types())
        if (event == e.name)
            t = &e;
    size_t i = 0;
    while (i <= events.size()) {
        size_t e = events.find(',', i);
        if (e == std::string::npos)
            e = events.size();
        std::string item = events.substr(i, e - i);
        if (strcasecmp(item.c_str(), event.c_str()) == 0)
            return true;
        if (t)
            for (const char *g : t->groups)
                if (strcasecmp(item.c_str(), g) == 0)
                    return true;
        i = e + 1;
    }
    return false;
}

std::vector<DdlTrigger> ddl_triggers(sqlite3 *db, int database_id, bool all) {
    Stmt q(db, "SELECT o.object_id, o.name, m.definition, m.trigger_events, m.is_disabled, "
               "m.execute_as_principal_id FROM "
               "\"$objects\" o JOIN \"$modules\" m ON m.database_id = o.database_id AND "
               "m.object_id = o.object_id WHERE o.database_id = ? AND o.schema_id = 0 AND "
               "o.type = 'TR' AND o.parent_object_id = 0 ORDER BY o.object_id");
    q.bind(1, database_id);
    std::vector<DdlTrigger> out;
    while (q.step()) {
        DdlTrigger t;
        t.object_id = static_cast<int>(q.int_col(0));
        t.name = q.text_col(1);
        t.definition = q.text_col(2);
        t.events = q.text_col(3);
        t.disabled = q.int_col(4) != 0;
        if (sqlite3_column_type(q.get(), 5) != SQLITE_NULL)
            t.execute_as = static_cast<int>(q.int_col(5));
        if (all || !t.disabled)
            out.push_back(std::move(t));
    }
    return out;
}

std::optional<DdlTrigger> find_ddl_trigger(sqlite3 *db, int database_id, const std::string &name) {
    for (auto &t : ddl_triggers(db, database_id, true))
        if (strcasecmp(t.name.c_str(), name.c_str()) == 0)
            return t;
    return std::nullopt;
}

void set_trigger_disabled(sqlite3 *db, int database_id, int object_id, bool disabled) {
    Stmt up(db, "UPDATE \"$modules\" SET is_disabled = ? WHERE database_id = ? AND object_id = ?");
    up.bind(1, disabled ? 1 : 0).bind(2, database_id).bind(3, object_id);
    up.step();
}

int define_module(sqlite3 *db, const DatabaseMeta &d, int schema_id, const std::string &name,
                  const ModuleRecord &m, std::optional<int> replace) {
    int oid = 0;
    if (replace) {
        oid = *replace;
        Stmt up(db, "UPDATE \"$objects\" SET modify_date = sim_now(), parent_object_id = ? WHERE "
                    "database_id = ? AND object_id = ?");
        up.bind(1, m.parent_object_id).bind(2, d.id).bind(3, oid);
        up.step();
        for (const char *sql :
             {"DELETE FROM \"$modules\" WHERE database_id = ? AND object_id = ?",
              "DELETE FROM \"$columns\" WHERE database_id = ? AND object_id = ?"}) {
            Stmt del(db, sql);
            del.bind(1, d.id).bind(2, oid);
            del.step();
        }
    } else {
        if (object_name_taken(db, d.id, schema_id, name))
            throw sql_error(2714, 3, 16,
                            "There is already an object named '" + name + "' in the database.");
        oid = insert_object(db, d.id, name, schema_id, m.parent_object_id, m.type, false);
    }
    const ModuleOptions &o = m.options;
    Stmt ins(db, "INSERT INTO \"$modules\"(database_id, object_id, definition, is_encrypted, "
                 "uses_ansi_nulls, uses_quoted_identifier, is_schema_bound, is_recompiled, "
                 "null_on_null_input, execute_as_principal_id, with_check_option, "
                 "has_opaque_metadata, is_instead_of_trigger, is_not_for_replication, "
                 "trigger_events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, d.id).bind(2, oid).bind(3, m.definition).bind(4, o.encryption ? 1 : 0);
    ins.bind(5, m.ansi_nulls ? 1 : 0).bind(6, m.quoted_identifier ? 1 : 0);
    ins.bind(7, o.schemabinding ? 1 : 0).bind(8, o.recompile ? 1 : 0);
    ins.bind(9, o.null_on_null_input ? 1 : 0);
    if (o.execute_as)
        ins.bind(10, *o.execute_as);
    else
        sqlite3_bind_null(ins.get(), 10);
    ins.bind(11, o.check_option ? 1 : 0).bind(12, o.view_metadata ? 1 : 0);
    ins.bind(13, o.instead_of ? 1 : 0).bind(14, o.not_for_replication ? 1 : 0);
    if (m.type == "TR")
        ins.bind(15, o.events);
    else
        sqlite3_bind_null(ins.get(), 15);
    ins.step();
    for (const auto &c : m.columns) {
        Stmt col(db, "INSERT INTO \"$columns\"(database_id, object_id, column_id, name, type_spec, "
                     "is_nullable, is_identity, is_computed) VALUES (?, ?, ?, ?, ?, ?, 0, 0)");
        col.bind(1, d.id).bind(2, oid).bind(3, c.column_id).bind(4, c.name);
        col.bind(5, type_to_string(c.type)).bind(6, c.nullable ? 1 : 0);
        col.step();
    }
    return oid;
}

void drop_module(sqlite3 *db, int database_id, int object_id) {
    for (const char *sql :
         {"DELETE FROM \"$modules\" WHERE database_id = ?1 AND (object_id = ?2 OR object_id IN "
          "(SELECT object_id FROM \"$objects\" WHERE database_id = ?1 AND parent_object_id = ?2 "
          "AND type = 'TR'))",
          "DELETE FROM \"$objects\" WHERE database_id = ?1 AND (object_id = ?2 OR "
          "(parent_object_id = ?2 AND type = 'TR'))",
          "DELETE FROM \"$columns\" WHERE database_id = ?1 AND object_id = ?2",
          "DELETE FROM \"$db_permissions\" WHERE database_id = ?1 AND major_id = ?2"}) {
        Stmt del(db, sql);
        del.bind(1, database_id).bind(2, object_id);
        del.step();
    }
}

// CHECK constraints {name or "", column or "", expression} of `t`: objects named as given or
// generated, recorded, and enforced (the table's SQLite definition gets their clauses).
void add_checks(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, int schema_id,
                const std::vector<std::tuple<std::string, std::string, ExprPtr>> &checks,
                bool check_existing) {
    if (checks.empty())
        return;
    TableMeta now = *table_by_id(db, d.id, t.object_id);
    for (const auto &[name, column, e] : checks) {
        const bool named = !name.empty();
        if (named && object_name_taken(db, d.id, schema_id, name))
            throw sql_error(2714, 5, 16,
                            "There is already an object named '" + name + "' in the database.");
        int oid = insert_object(db, d.id, name, schema_id, t.object_id, "C", !named);
        std::string shown = name;
        if (!named) {
            shown = generated_name("CK", t.name, column, oid);
            Stmt up(db, "UPDATE \"$objects\" SET name = ? WHERE database_id = ? AND object_id = ?");
            up.bind(1, shown).bind(2, d.id).bind(3, oid);
            up.step();
        }
        const ColumnMeta *c = column.empty() ? nullptr : now.column(column);
        add_check_constraint(db, now, oid, shown, c ? c->column_id : 0, *e, check_existing);
    }
    sync_sqlite_foreign_keys(db, now);
}

void create_table(sqlite3 *db, const DatabaseMeta &d, const std::string &schema,
                  const Statement &s) {
    auto sid = find_schema(db, d.id, schema);
    if (!sid)
        throw sql_error(2760, 1, 16,
                        "The specified schema name \"" + schema +
                            "\" either does not exist or you do not have permission "
                            "to use it.");
    const std::string &name = s.table.back();
    if (object_name_taken(db, d.id, *sid, name))
        throw sql_error(2714, 6, 16,
                        "There is already an object named '" + name + "' in the database.");
    if (s.coldefs.empty())
        throw syntax_error(")");
    int oid = insert_object(db, d.id, name, *sid, 0, "U", false);
    if (s.compression == "ROW" || s.compression == "PAGE") {
        Stmt up(db, "UPDATE \"$objects\" SET data_compression = ? WHERE database_id = ? AND "
                    "object_id = ?");
        up.bind(1, s.compression == "ROW" ? 1 : 2).bind(2, d.id).bind(3, oid);
        up.step();
    }
    TableMeta t;
    t.database_id = d.id;
    t.object_id = oid;
    t.db = d.name;
    t.schema = schema;
    t.name = name;
    t.sqlite_name = sqlite_table_name(d.name, schema, name);

    std::set<std::string> seen;
    int col_id = 0;
    for (const auto &c : s.coldefs) {
        std::string upper = c.name;
        for (auto &ch : upper)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (!seen.insert(upper).second)
            throw sql_error(2705, 4, 16,
                            "Column names in each table must be unique. Column name '" + c.name +
                                "' in table '" + name + "' is specified more than once.");
        t.columns.push_back(meta_of(c, ++col_id));
    }
    // Computed column types may depend on the other columns.
    for (size_t i = 0; i < s.coldefs.size(); ++i)
        if (s.coldefs[i].computed) {
            auto tr = translate_table_expr(*s.coldefs[i].computed, t.columns);
            if (tr.type)
                t.columns[i].type = *tr.type;
        }

    std::vector<KeyDef> keys;
    std::vector<FkDef> fks;
    for (const auto &c : s.coldefs) {
        if (c.primary_key || c.unique) {
            OrderItem o;
            o.expr = std::make_shared<Expr>();
            o.expr->k = Expr::K::Column;
            o.expr->parts = {c.name};
            bool named = !c.constraint_name.empty();
            keys.push_back(
                {c.primary_key,
                 named ? c.constraint_name
                       : generated_name(c.primary_key ? "PK" : "UQ", name, "", oid + col_id++),
                 named,
                 c.clustered,
                 {o}});
        }
        if (!c.references.empty()) {
            bool named = !c.fk_name.empty();
            fks.push_back({named ? c.fk_name : generated_name("FK", name, "", oid + col_id++),
                           named,
                           {c.name},
                           c.references,
                           c.ref_columns,
                           c.fk_actions});
        }
    }
    for (const auto &k : s.constraints) {
        bool named = !k.name.empty();
        if (k.k == Constraint::K::PrimaryKey || k.k == Constraint::K::Unique) {
            bool primary = k.k == Constraint::K::PrimaryKey;
            keys.push_back(
                {primary,
                 named ? k.name : generated_name(primary ? "PK" : "UQ", name, "", oid + col_id++),
                 named, k.clustered, k.columns});
        } else if (k.k == Constraint::K::ForeignKey) {
            fks.push_back({named ? k.name : generated_name("FK", name, "", oid + col_id++), named,
                           k.fk_columns, k.ref_table, k.ref_columns, k.fk_actions});
        }
    }
    int pk_count = 0;
    for (const auto &k : keys)
        pk_count += k.primary;
    if (pk_count > 1)
        throw sql_error(8110, 1, 16,
                        "Cannot add multiple PRIMARY KEY constraints to table '" + name + "'.");
    // PK columns are NOT NULL.
    for (const auto &k : keys)
        if (k.primary)
            for (const auto &o : k.cols)
                for (auto &m : t.columns)
                    if (iequals(m.name, o.expr->parts.back()))
                        m.nullable = false;

    // Defaults are objects too.
    std::vector<int> default_oids(s.coldefs.size(), 0);
    for (size_t i = 0; i < s.coldefs.size(); ++i) {
        const auto &c = s.coldefs[i];
        if (c.default_value) {
            bool named = !c.default_name.empty();
            std::string dn = named ? c.default_name
                                   : generated_name("DF", name, c.name, oid + static_cast<int>(i));
            default_oids[i] = insert_object(db, d.id, dn, *sid, oid, "D", !named);
        }
    }

    std::string ddl = "CREATE TABLE " + qi(t.sqlite_name) + " (";
    for (size_t i = 0; i < s.coldefs.size(); ++i) {
        ddl += (i ? ", " : "") + column_sql(s.coldefs[i], t.columns[i], t.columns);
        insert_column(db, d.id, oid, s.coldefs[i], t.columns[i], default_oids[i]);
    }
    std::vector<std::string> fk_sql;
    for (const auto &fk : fks) {
        std::string rschema =
            fk.ref_table.size() >= 2 ? fk.ref_table[fk.ref_table.size() - 2] : "dbo";
        auto ref = find_table(db, d, rschema.empty() ? "dbo" : rschema, fk.ref_table.back());
        if (!ref)
            continue; // reported by add_foreign_key below
        std::string cols, rcols;
        for (const auto &c : fk.cols)
            cols += (cols.empty() ? "" : ", ") + qi(c);
        std::vector<std::string> rc = fk.ref_cols;
        if (!rc.empty()) {
            for (const auto &c : rc)
                rcols += (rcols.empty() ? "" : ", ") + qi(c);
            fk_sql.push_back("FOREIGN KEY (" + cols + ") REFERENCES " + qi(ref->sqlite_name) +
                             " (" + rcols + ")" + sqlite_fk_actions(fk.actions));
        } else {
            fk_sql.push_back("FOREIGN KEY (" + cols + ") REFERENCES " + qi(ref->sqlite_name) +
                             sqlite_fk_actions(fk.actions));
        }
    }
    for (const auto &f : fk_sql)
        ddl += ", " + f;
    ddl += ")";
    exec(db, ddl);

    bool clustered_taken = false;
    for (const auto &k : keys)
        if (k.clustered.value_or(false))
            clustered_taken = true;
    for (const auto &k : keys) {
        bool clustered = k.clustered.value_or(k.primary && !clustered_taken);
        if (clustered)
            clustered_taken = true;
        add_index(db, d, t, *sid, k.name, clustered, true, k.primary, true, !k.named, k.cols);
    }
    if (!has_clustered(db, d.id, oid)) {
        Stmt heap(db, "INSERT INTO \"$indexes\" VALUES (?, ?, 0, NULL, 0, 0, 0, 0, 0)");
        heap.bind(1, d.id).bind(2, oid);
        heap.step();
    }
    for (const auto &fk : fks)
        add_foreign_key(db, d, t, *sid, fk);
    std::vector<std::tuple<std::string, std::string, ExprPtr>> checks;
    for (const auto &c : s.coldefs)
        for (const auto &[n, e] : c.checks)
            checks.emplace_back(n, c.name, e);
    for (const auto &k : s.constraints)
        if (k.k == Constraint::K::Check)
            checks.emplace_back(k.name, "", k.expr);
    add_checks(db, d, t, *sid, checks, true);
    rebuild_triggers(db, d, t);
}

void drop_table(sqlite3 *db, const TableMeta &t) {
    {
        Stmt q(db, "SELECT 1 FROM \"$fk_columns\" WHERE database_id = ? AND referenced_object_id "
                   "= ? AND parent_object_id <> ?");
        q.bind(1, t.database_id).bind(2, t.object_id).bind(3, t.object_id);
        if (q.step())
            throw sql_error(3726, 1, 16,
                            "Could not drop object '" + t.display() +
                                "' because it is referenced by a FOREIGN KEY "
                                "constraint.");
    }
    exec(db, "DROP TABLE " + qi(t.sqlite_name));
    for (const char *sql :
         {"DELETE FROM \"$modules\" WHERE database_id = ?1 AND object_id IN (SELECT object_id FROM "
          "\"$objects\" WHERE database_id = ?1 AND parent_object_id = ?2)", // its triggers
          "DELETE FROM \"$objects\" WHERE database_id = ?1 AND (object_id = ?2 OR parent_object_id "
          "= ?2)",
          "DELETE FROM \"$columns\" WHERE database_id = ?1 AND object_id = ?2",
          "DELETE FROM \"$indexes\" WHERE database_id = ?1 AND object_id = ?2",
          "DELETE FROM \"$index_columns\" WHERE database_id = ?1 AND object_id = ?2",
          "DELETE FROM \"$fk_columns\" WHERE database_id = ?1 AND parent_object_id = ?2",
          "DELETE FROM \"$foreign_keys\" WHERE database_id = ?1 AND parent_object_id = ?2",
          "DELETE FROM \"$db_permissions\" WHERE database_id = ?1 AND major_id = ?2"}) {
        Stmt del(db, sql);
        del.bind(1, t.database_id).bind(2, t.object_id);
        del.step();
    }
}

void add_columns(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const Statement &s) {
    // Column ids are never reused (sys.tables.max_column_id_used: "maximum column ID ever used
    // by this table"): a dropped column may still hold its bytes in the rows.
    int next = t.columns.empty() ? 1 : t.columns.back().column_id + 1;
    {
        Stmt used(db, "SELECT max_column_id_used FROM \"$objects\" WHERE database_id = ? AND "
                      "object_id = ?");
        used.bind(1, d.id).bind(2, t.object_id);
        if (used.step())
            next = std::max(next, static_cast<int>(used.int_col(0)) + 1);
    }
    TableMeta cur = t;
    for (const auto &c : s.coldefs) {
        if (cur.column(c.name))
            throw sql_error(2705, 4, 16,
                            "Column names in each table must be unique. Column name '" + c.name +
                                "' in table '" + t.name + "' is specified more than once.");
        ColumnMeta m = meta_of(c, next++);
        if (c.computed) {
            auto tr = translate_table_expr(*c.computed, cur.columns);
            if (tr.type)
                m.type = *tr.type;
        }
        if (!m.nullable && !c.default_value && !c.identity && !c.computed) {
            Stmt q(db, "SELECT 1 FROM " + qi(t.sqlite_name) + " LIMIT 1");
            if (q.step())
                throw sql_error(4901, 1, 16,
                                "ALTER TABLE only allows columns to be added that can contain "
                                "nulls, or have a DEFAULT definition specified, or the column "
                                "being added is an identity or timestamp column, or alternatively "
                                "if none of the previous conditions are satisfied the table must "
                                "be empty to allow addition of this column. Column '" +
                                    c.name + "' cannot be added to non-empty table '" + t.name +
                                    "' because it does not satisfy these conditions.");
        }
        cur.columns.push_back(m);
        int def_oid = 0;
        if (c.default_value) {
            auto sid = find_schema(db, d.id, t.schema);
            def_oid =
                insert_object(db, d.id,
                              c.default_name.empty() ? generated_name("DF", t.name, c.name, next)
                                                     : c.default_name,
                              *sid, t.object_id, "D", c.default_name.empty());
        }
        std::string sqlcol = column_sql(c, m, cur.columns);
        if (c.default_value) {
            // SQLite adds columns only with constant defaults: evaluate the default once, which
            // is also the value SQL Server gives the existing rows.
            auto tr = translate_table_expr(*c.default_value, {});
            std::string literal;
            {
                Stmt ev(db, "SELECT quote(sim_conv(" + tr.sql + ", " + ql(type_to_string(m.type)) +
                                "))");
                ev.step();
                literal = ev.text_col(0);
            } // finalized: SQLite refuses schema changes while a statement is active
            size_t at = sqlcol.find(" DEFAULT (");
            if (at != std::string::npos)
                sqlcol = sqlcol.substr(0, at) + " DEFAULT " + literal;
        }
        // SQLite adds NOT NULL columns only with a default; the emptiness check above stands in.
        if (!m.nullable && !c.default_value && !c.rowversion) {
            size_t at = sqlcol.find(" NOT NULL");
            if (at != std::string::npos)
                sqlcol.erase(at, 9);
        }
        exec(db, "ALTER TABLE " + qi(t.sqlite_name) + " ADD COLUMN " + sqlcol);
        if (m.nullable && c.default_value && !c.with_values) {
            // SQLite gave the existing rows the default; SQL Server leaves a nullable column NULL
            // in them unless WITH VALUES says otherwise (ALTER TABLE, column_definition). A
            // metadata change: no row is logged (the table's triggers are rebuilt below).
            drop_sqlite_triggers(db, t);
            exec(db, "UPDATE " + qi(t.sqlite_name) + " SET " + qi(c.name) + " = NULL");
        }
        insert_column(db, d.id, t.object_id, c, m, def_oid);
    }
    std::vector<std::tuple<std::string, std::string, ExprPtr>> checks;
    for (const auto &c : s.coldefs)
        for (const auto &[n, e] : c.checks)
            checks.emplace_back(n, c.name, e);
    add_checks(db, d, t, *find_schema(db, d.id, t.schema), checks, true);
    Stmt up(db, "UPDATE \"$objects\" SET modify_date = sim_now(), max_column_id_used = ? WHERE "
                "database_id = ? AND object_id = ?");
    up.bind(1, next - 1).bind(2, d.id).bind(3, t.object_id);
    up.step();
    rebuild_triggers(db, d, *table_by_id(db, d.id, t.object_id));
}

void drop_columns(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                  const std::vector<std::string> &cols) {
    {
        // The ids of the columns dropped here stay used (add_columns).
        Stmt keep(db,
                  "UPDATE \"$objects\" SET max_column_id_used = max(max_column_id_used, "
                  "coalesce((SELECT MAX(column_id) FROM \"$columns\" c WHERE c.database_id = ?1 "
                  "AND c.object_id = ?2), 0)) WHERE database_id = ?1 AND object_id = ?2");
        keep.bind(1, d.id).bind(2, t.object_id);
        keep.step();
    }
    for (const auto &name : cols) {
        const ColumnMeta *c = t.column(name);
        if (!c)
            throw sql_error(4924, 1, 16,
                            "ALTER TABLE DROP COLUMN failed because column '" + name +
                                "' does not exist in table '" + t.name + "'.");
        Stmt used(db, "SELECT i.name FROM \"$index_columns\" ic JOIN \"$indexes\" i ON "
                      "i.database_id = ic.database_id AND i.object_id = ic.object_id AND "
                      "i.index_id = ic.index_id WHERE ic.database_id = ? AND ic.object_id = ? AND "
                      "ic.column_id = ?");
        used.bind(1, d.id).bind(2, t.object_id).bind(3, c->column_id);
        if (used.step())
            throw sql_error(5074, 1, 16,
                            "The object '" + used.text_col(0) + "' is dependent on column '" +
                                name + "'.");
        // Triggers reference every column; drop them first.
        drop_sqlite_triggers(db, t);
        exec(db, "ALTER TABLE " + qi(t.sqlite_name) + " DROP COLUMN " + qi(c->name));
        Stmt del(
            db,
            "DELETE FROM \"$columns\" WHERE database_id = ? AND object_id = ? AND column_id = ?");
        del.bind(1, d.id).bind(2, t.object_id).bind(3, c->column_id);
        del.step();
        Stmt deldf(db, "DELETE FROM \"$objects\" WHERE database_id = ? AND type = 'D' AND "
                       "parent_object_id = ? AND object_id NOT IN (SELECT default_object_id FROM "
                       "\"$columns\" WHERE database_id = ? AND object_id = ?)");
        deldf.bind(1, d.id).bind(2, t.object_id).bind(3, d.id).bind(4, t.object_id);
        deldf.step();
    }
    rebuild_triggers(db, d, *table_by_id(db, d.id, t.object_id));
}

void add_constraints(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const Statement &s) {
    auto sid = find_schema(db, d.id, t.schema);
    std::vector<std::string> added_fks;
    for (const auto &k : s.constraints) {
        bool named = !k.name.empty();
        if (k.k == Constraint::K::PrimaryKey || k.k == Constraint::K::Unique) {
            bool primary = k.k == Constraint::K::PrimaryKey;
            if (primary) {
                Stmt q(db, "SELECT 1 FROM \"$indexes\" WHERE database_id = ? AND object_id = ? AND "
                           "is_primary_key = 1");
                q.bind(1, d.id).bind(2, t.object_id);
                if (q.step())
                    throw sql_error(1779, 0, 16,
                                    "Table '" + t.name +
                                        "' already has a primary key defined on it.");
            }
            bool clustered = k.clustered.value_or(primary && !has_clustered(db, d.id, t.object_id));
            std::string name =
                named ? k.name : generated_name(primary ? "PK" : "UQ", t.name, "", t.object_id + 7);
            add_index(db, d, t, *sid, name, clustered, true, primary, true, !named, k.columns);
        } else if (k.k == Constraint::K::ForeignKey) {
            std::string name = named ? k.name : generated_name("FK", t.name, "", t.object_id + 9);
            add_foreign_key(db, d, t, *sid,
                            {name, named, k.fk_columns, k.ref_table, k.ref_columns, k.fk_actions});
            added_fks.push_back(name);
        } else if (k.k == Constraint::K::Default) {
            const ColumnMeta *c = t.column(k.for_column);
            if (!c)
                throw sql_error(1752, 0, 16,
                                "Column '" + k.for_column + "' in table '" + t.name +
                                    "' is invalid for creating a default constraint.");
            int oid = insert_object(
                db, d.id, named ? k.name : generated_name("DF", t.name, c->name, t.object_id), *sid,
                t.object_id, "D", !named);
            Stmt up(db, "UPDATE \"$columns\" SET default_object_id = ?, default_definition = ? "
                        "WHERE database_id = ? AND object_id = ? AND column_id = ?");
            up.bind(1, oid).bind(2, "(" + render_tsql(*k.expr) + ")").bind(3, d.id);
            up.bind(4, t.object_id).bind(5, c->column_id);
            up.step();
        }
    }
    std::vector<std::tuple<std::string, std::string, ExprPtr>> checks;
    for (const auto &k : s.constraints)
        if (k.k == Constraint::K::Check)
            checks.emplace_back(k.name, "", k.expr);
    add_checks(db, d, t, *sid, checks, s.option_value != "NOCHECK");
    // Enforced from now on; WITH CHECK (the default) checks the rows there already.
    if (!added_fks.empty())
        foreign_keys_added(db, d, t, added_fks, s.option_value != "NOCHECK");
    rebuild_triggers(db, d, *table_by_id(db, d.id, t.object_id));
}

void drop_constraint(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                     const std::string &name, bool if_exists) {
    int oid = 0;
    std::string type;
    {
        Stmt q(db, "SELECT object_id, type FROM \"$objects\" WHERE database_id = ? AND "
                   "parent_object_id = ? AND name = ?");
        q.bind(1, d.id).bind(2, t.object_id).bind(3, name);
        if (q.step()) {
            oid = static_cast<int>(q.int_col(0));
            type = q.text_col(1);
        }
    } // finalized before any schema change
    if (oid == 0) {
        if (if_exists)
            return;
        throw sql_error(3728, 1, 16, "'" + name + "' is not a constraint.");
    }
    if (type == "PK" || type == "UQ") {
        drop_index(db, d, t, name, true);
    } else if (type == "F") {
        Stmt del(db,
                 "DELETE FROM \"$fk_columns\" WHERE database_id = ? AND constraint_object_id = ?");
        del.bind(1, d.id).bind(2, oid);
        del.step();
        Stmt delk(db, "DELETE FROM \"$foreign_keys\" WHERE database_id = ? AND object_id = ?");
        delk.bind(1, d.id).bind(2, oid);
        delk.step();
    } else if (type == "D") {
        Stmt up(db, "UPDATE \"$columns\" SET default_object_id = 0, default_definition = NULL "
                    "WHERE database_id = ? AND default_object_id = ?");
        up.bind(1, d.id).bind(2, oid);
        up.step();
    } else if (type == "C") {
        drop_check_constraint(db, d.id, oid);
    }
    {
        Stmt del(db, "DELETE FROM \"$objects\" WHERE database_id = ? AND object_id = ?");
        del.bind(1, d.id).bind(2, oid);
        del.step();
    }
    if (type == "F" || type == "C")
        sync_sqlite_foreign_keys(db, t);
    rebuild_triggers(db, d, *table_by_id(db, d.id, t.object_id));
}

void create_index(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const Statement &s) {
    Stmt q(db, "SELECT 1 FROM \"$indexes\" WHERE database_id = ? AND object_id = ? AND name = ?");
    q.bind(1, d.id).bind(2, t.object_id).bind(3, s.name);
    if (q.step())
        throw sql_error(1913, 1, 16,
                        "The operation failed because an index or statistics with "
                        "name '" +
                            s.name + "' already exists on table '" + t.display() + "'.");
    auto sid = find_schema(db, d.id, t.schema);
    add_index(db, d, t, *sid, s.name, s.clustered.value_or(false), s.unique, false, false, false,
              s.index_columns, s.include_columns);
    // sys.objects: "modify_date also changes when an index on the table or view is created".
    Stmt mod(db, "UPDATE \"$objects\" SET modify_date = sim_now() WHERE database_id = ? AND "
                 "object_id = ?");
    mod.bind(1, d.id).bind(2, t.object_id);
    mod.step();
    rebuild_triggers(db, d, t);
}

void drop_index(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const std::string &name,
                bool if_exists) {
    int index_id = -1;
    {
        Stmt q(db, "SELECT index_id FROM \"$indexes\" WHERE database_id = ? AND object_id = ? AND "
                   "name = ?");
        q.bind(1, d.id).bind(2, t.object_id).bind(3, name);
        if (q.step())
            index_id = static_cast<int>(q.int_col(0));
    } // finalized: SQLite refuses DROP INDEX while a statement is active
    if (index_id < 0) {
        if (if_exists)
            return;
        throw sql_error(3701, 7, 11,
                        "Cannot drop the index '" + t.display() + "." + name +
                            "', because it does not exist or you do not have "
                            "permission.");
    }
    exec(db, "DROP INDEX IF EXISTS " +
                 qi("ix$" + std::to_string(t.object_id) + "$" + std::to_string(index_id)));
    for (const char *sql :
         {"DELETE FROM \"$indexes\" WHERE database_id = ?1 AND object_id = ?2 AND index_id = ?3",
          "DELETE FROM \"$index_columns\" WHERE database_id = ?1 AND object_id = ?2 AND index_id = "
          "?3"}) {
        Stmt del(db, sql);
        del.bind(1, d.id).bind(2, t.object_id).bind(3, index_id);
        del.step();
    }
    if (index_id == 1) {
        Stmt heap(db, "INSERT INTO \"$indexes\" VALUES (?, ?, 0, NULL, 0, 0, 0, 0, 0)");
        heap.bind(1, d.id).bind(2, t.object_id);
        heap.step();
    }
    rebuild_triggers(db, d, t);
}

void alter_column(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const ColumnDef &c,
                  const std::function<void(const std::string &)> &convert) {
    const ColumnMeta *old = t.column(c.name);
    if (!old)
        throw sql_error(4924, 1, 16,
                        "ALTER TABLE ALTER COLUMN failed because column '" + c.name +
                            "' does not exist in table '" + t.name + "'.");
    if (old->computed || old->rowversion)
        throw sql_error(4928, 1, 16,
                        "Cannot alter column '" + old->name + "' because it is '" +
                            (old->computed ? "COMPUTED" : "timestamp") + "'.");
    ColumnMeta m = *old;
    m.type = c.type;
    m.nullable = old->identity ? false : c.nullable.value_or(c.alias_nullable.value_or(true));
    const bool grows = old->type.id == m.type.id && old->type.precision == m.type.precision &&
                       old->type.scale == m.type.scale &&
                       (m.type.length == SqlType::kMax ||
                        (old->type.length != SqlType::kMax && m.type.length >= old->type.length));
    if (!(grows && m.nullable == old->nullable)) {
        Stmt q(db, "SELECT name FROM (SELECT i.name AS name FROM \"$index_columns\" ic JOIN "
                   "\"$indexes\" i ON i.database_id = ic.database_id AND i.object_id = "
                   "ic.object_id AND i.index_id = ic.index_id WHERE ic.database_id = ?1 AND "
                   "ic.object_id = ?2 AND ic.column_id = ?3 UNION ALL SELECT o.name FROM "
                   "\"$fk_columns\" f JOIN \"$objects\" o ON o.database_id = f.database_id AND "
                   "o.object_id = f.constraint_object_id WHERE f.database_id = ?1 AND "
                   "((f.parent_object_id = ?2 AND f.parent_column_id = ?3) OR "
                   "(f.referenced_object_id = ?2 AND f.referenced_column_id = ?3)) UNION ALL "
                   "SELECT o.name FROM \"$check_constraints\" k JOIN \"$objects\" o ON "
                   "o.database_id = k.database_id AND o.object_id = k.object_id WHERE "
                   "k.database_id = ?1 AND o.parent_object_id = ?2 AND (k.parent_column_id = ?3 "
                   "OR instr(k.definition, ?4) > 0)) LIMIT 1");
        q.bind(1, d.id).bind(2, t.object_id).bind(3, old->column_id).bind(4, "[" + old->name + "]");
        if (q.step())
            throw sql_error(5074, 1, 16,
                            "The object '" + q.text_col(0) + "' is dependent on column '" +
                                old->name + "'.");
    }
    if (!m.nullable && old->nullable) {
        Stmt q(db, "SELECT 1 FROM " + qi(t.sqlite_name) + " WHERE " + qi(old->name) +
                       " IS NULL LIMIT 1");
        if (q.step())
            throw sql_error(515, 2, 16,
                            "Cannot insert the value NULL into column '" + old->name +
                                "', table '" + d.name + "." + t.schema + "." + t.name +
                                "'; column does not allow nulls. UPDATE fails.");
    }
    // The conversion of the stored values is no DML: the table's triggers (the log's among them)
    // are rebuilt afterwards.
    drop_sqlite_triggers(db, t);
    rewrite_sqlite_column(db, t, old->name,
                          qi(old->name) + " " + storage_decl(m.type) +
                              (m.nullable ? "" : " NOT NULL"));
    convert("UPDATE " + qi(t.sqlite_name) + " SET " + qi(old->name) + " = sim_conv(" +
            qi(old->name) + ", " + ql(type_to_string(m.type)) + ", " + ql(type_name(old->type.id)) +
            ") WHERE " + qi(old->name) + " IS NOT NULL");
    std::optional<int> user_type;
    if (!c.alias_type.empty()) {
        auto a = find_alias_type(db, d.id, c.alias_type[0], c.alias_type[1]);
        if (a)
            user_type = a->user_type_id;
    }
    Stmt up(db, "UPDATE \"$columns\" SET type_spec = ?, is_nullable = ?, user_type_id = ? WHERE "
                "database_id = ? AND object_id = ? AND column_id = ?");
    up.bind(1, type_to_string(m.type)).bind(2, m.nullable ? 1 : 0);
    if (user_type)
        up.bind(3, *user_type);
    else
        sqlite3_bind_null(up.get(), 3);
    up.bind(4, d.id).bind(5, t.object_id).bind(6, old->column_id);
    up.step();
    Stmt mod(db, "UPDATE \"$objects\" SET modify_date = sim_now() WHERE database_id = ? AND "
                 "object_id = ?");
    mod.bind(1, d.id).bind(2, t.object_id);
    mod.step();
    rebuild_triggers(db, d, *table_by_id(db, d.id, t.object_id));
}

namespace {
[[noreturn]] void rename_not_found(const std::string &type) {
    throw sql_error(15248, 1, 11,
                    "Either the parameter @objname is ambiguous or the claimed @objtype (" + type +
                        ") is wrong.");
}
} // namespace

void rename_object(sqlite3 *db, const DatabaseMeta &d, const std::string &schema,
                   const std::string &name, const std::string &new_name) {
    auto sid = find_schema(db, d.id, schema);
    if (!sid)
        rename_not_found("OBJECT");
    int oid = 0;
    std::string type;
    int parent = 0;
    {
        Stmt q(db, "SELECT object_id, type, parent_object_id FROM \"$objects\" WHERE database_id "
                   "= ? AND schema_id = ? AND name = ?");
        q.bind(1, d.id).bind(2, *sid).bind(3, name);
        if (!q.step())
            rename_not_found("OBJECT");
        oid = static_cast<int>(q.int_col(0));
        type = q.text_col(1);
        parent = static_cast<int>(q.int_col(2));
    }
    if (strcasecmp(name.c_str(), new_name.c_str()) != 0 &&
        object_name_taken(db, d.id, *sid, new_name))
        throw sql_error(15335, 1, 11,
                        "Error: The new name '" + new_name +
                            "' is already in use as a OBJECT name and would cause a duplicate that "
                            "is not permitted.");
    std::optional<TableMeta> table = type == "U" ? table_by_id(db, d.id, oid) : std::nullopt;
    {
        Stmt up(db, "UPDATE \"$objects\" SET name = ?, modify_date = sim_now() WHERE database_id "
                    "= ? AND object_id = ?");
        up.bind(1, new_name).bind(2, d.id).bind(3, oid);
        up.step();
    }
    if (type == "PK" || type == "UQ") {
        // The constraint's index has its name.
        Stmt up(db, "UPDATE \"$indexes\" SET name = ? WHERE database_id = ? AND object_id = ? AND "
                    "name = ?");
        up.bind(1, new_name).bind(2, d.id).bind(3, parent).bind(4, name);
        up.step();
    }
    if (table) {
        exec(db, "ALTER TABLE " + qi(table->sqlite_name) + " RENAME TO " +
                     qi(sqlite_table_name(d.name, table->schema, new_name)));
        rebuild_triggers(db, d, *table_by_id(db, d.id, oid));
    }
}

void rename_column(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const std::string &name,
                   const std::string &new_name) {
    const ColumnMeta *c = t.column(name);
    if (!c)
        rename_not_found("COLUMN");
    if (strcasecmp(name.c_str(), new_name.c_str()) != 0 && t.column(new_name))
        throw sql_error(15335, 1, 11,
                        "Error: The new name '" + new_name +
                            "' is already in use as a COLUMN name and would cause a duplicate that "
                            "is not permitted.");
    const std::string old = c->name;
    {
        Stmt up(db, "UPDATE \"$columns\" SET name = ? WHERE database_id = ? AND object_id = ? AND "
                    "column_id = ?");
        up.bind(1, new_name).bind(2, d.id).bind(3, t.object_id).bind(4, c->column_id);
        up.step();
    }
    // CHECK constraint definitions name it as [column] (SQL Server keeps them bound to it).
    {
        Stmt up(db, "UPDATE \"$check_constraints\" SET definition = replace(definition, ?, ?) "
                    "WHERE database_id = ? AND object_id IN (SELECT object_id FROM \"$objects\" "
                    "WHERE database_id = ? AND parent_object_id = ?)");
        up.bind(1, "[" + old + "]").bind(2, "[" + new_name + "]").bind(3, d.id).bind(4, d.id);
        up.bind(5, t.object_id);
        up.step();
    }
    // SQLite renames it in the table's constraints and indexes too.
    drop_sqlite_triggers(db, t);
    exec(db,
         "ALTER TABLE " + qi(t.sqlite_name) + " RENAME COLUMN " + qi(old) + " TO " + qi(new_name));
    rebuild_triggers(db, d, *table_by_id(db, d.id, t.object_id));
}

void rename_index(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t, const std::string &name,
                  const std::string &new_name) {
    int index_id = -1;
    bool constraint = false;
    {
        Stmt q(db, "SELECT index_id, is_primary_key + is_unique_constraint FROM \"$indexes\" WHERE "
                   "database_id = ? AND object_id = ? AND name = ?");
        q.bind(1, d.id).bind(2, t.object_id).bind(3, name);
        if (!q.step())
            rename_not_found("INDEX");
        index_id = static_cast<int>(q.int_col(0));
        constraint = q.int_col(1) != 0;
    }
    if (constraint) { // renaming the index of a key renames the constraint
        rename_object(db, d, t.schema, name, new_name);
        return;
    }
    Stmt up(db, "UPDATE \"$indexes\" SET name = ? WHERE database_id = ? AND object_id = ? AND "
                "index_id = ?");
    up.bind(1, new_name).bind(2, d.id).bind(3, t.object_id).bind(4, index_id);
    up.step();
}

void rebuild_triggers(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t) {
    drop_sqlite_triggers(db, t);
    const std::string tbl = qi(t.sqlite_name);
    const std::string oid = std::to_string(t.object_id);
    const std::string display = t.schema + "." + t.name;

    // Duplicate keys are reported with SQL Server's message and the key value.
    struct Idx {
        int id;
        std::string name;
        bool primary, constraint;
        std::vector<std::string> cols;
    };
    std::vector<Idx> idx;
    {
        Stmt q(db, "SELECT index_id, name, is_primary_key, is_unique_constraint FROM \"$indexes\" "
                   "WHERE database_id = ? AND object_id = ? AND is_unique = 1");
        q.bind(1, d.id).bind(2, t.object_id);
        while (q.step())
            idx.push_back({static_cast<int>(q.int_col(0)),
                           q.text_col(1),
                           q.int_col(2) != 0,
                           q.int_col(2) != 0 || q.int_col(3) != 0,
                           {}});
    }
    for (auto &i : idx) {
        Stmt q(db, "SELECT c.name FROM \"$index_columns\" ic JOIN \"$columns\" c ON c.database_id "
                   "= ic.database_id AND c.object_id = ic.object_id AND c.column_id = "
                   "ic.column_id WHERE ic.database_id = ? AND ic.object_id = ? AND ic.index_id = ? "
                   "AND ic.is_included_column = 0 ORDER BY ic.key_ordinal");
        q.bind(1, d.id).bind(2, t.object_id).bind(3, i.id);
        while (q.step())
            i.cols.push_back(q.text_col(0));
    }
    for (const auto &i : idx) {
        std::string match, values;
        for (const auto &c : i.cols) {
            match += (match.empty() ? "" : " AND ") + qi(c) + " = NEW." + qi(c);
            values += ", NEW." + qi(c);
        }
        std::string raise = "SELECT sim_raise_duplicate(" +
                            std::to_string(i.constraint ? 2627 : 2601) + ", " +
                            ql(i.primary ? "PRIMARY KEY" : "UNIQUE KEY") + ", " + ql(i.name) +
                            ", " + ql(display) + values + ")";
        std::string base = qi("u$" + oid + "$" + std::to_string(i.id));
        exec(db, "CREATE TRIGGER " + qi("u$" + oid + "$" + std::to_string(i.id) + "$i") +
                     " BEFORE INSERT ON " + tbl + " WHEN EXISTS (SELECT 1 FROM " + tbl + " WHERE " +
                     match + ") BEGIN " + raise + "; END");
        exec(db, "CREATE TRIGGER " + qi("u$" + oid + "$" + std::to_string(i.id) + "$u") +
                     " BEFORE UPDATE ON " + tbl + " WHEN EXISTS (SELECT 1 FROM " + tbl + " WHERE " +
                     match + " AND rowid <> NEW.rowid) BEGIN " + raise + "; END");
        (void)base;
    }

    // The transaction log: full row images, only while the database keeps its log (FULL
    // recovery after a full backup).
    std::string args_new, args_old;
    for (const auto &c : t.columns) {
        args_new += ", NEW." + qi(c.name);
        args_old += ", OLD." + qi(c.name);
    }
    std::string row_new = "sim_row(" + std::to_string(t.columns.size()) + args_new + ")";
    std::string row_old = "sim_row(" + std::to_string(t.columns.size()) + args_old + ")";
    std::string cond = " WHEN sim_logging(" + std::to_string(d.id) + ") ";
    std::string ins = "INSERT INTO \"$log\"(lsn, database_id, xact_id, operation, object_id, "
                      "row_before, row_after, log_time, row_id) VALUES (sim_lsn(), " +
                      std::to_string(d.id) + ", sim_xact(), ";
    exec(db, "CREATE TRIGGER " + qi("l$" + oid + "$i") + " AFTER INSERT ON " + tbl + cond +
                 "BEGIN " + ins + "'LOP_INSERT_ROWS', " + oid + ", NULL, " + row_new +
                 ", sim_now(), NEW.rowid); END");
    exec(db, "CREATE TRIGGER " + qi("l$" + oid + "$d") + " AFTER DELETE ON " + tbl + cond +
                 "BEGIN " + ins + "'LOP_DELETE_ROWS', " + oid + ", " + row_old +
                 ", NULL, sim_now(), OLD.rowid); END");
    exec(db, "CREATE TRIGGER " + qi("l$" + oid + "$u") + " AFTER UPDATE ON " + tbl + cond +
                 "BEGIN " + ins + "'LOP_MODIFY_ROW', " + oid + ", " + row_old + ", " + row_new +
                 ", sim_now(), NEW.rowid); END");
    for (const auto &c : t.columns)
        if (c.rowversion)
            exec(db, "CREATE TRIGGER " + qi("r$" + oid) + " AFTER UPDATE ON " + tbl + " WHEN NEW." +
                         qi(c.name) + " IS OLD." + qi(c.name) + " BEGIN UPDATE " + tbl + " SET " +
                         qi(c.name) + " = sim_rowversion() WHERE rowid = NEW.rowid; END");
    (void)display_value_sql;
    // The physical layout follows every table DDL (all of it ends here).
    phys_sync(db, d, t);
}

void add_row_count(sqlite3 *db, int database_id, int object_id, int64_t delta) {
    if (delta == 0)
        return;
    Stmt up(db, "UPDATE \"$objects\" SET row_count = row_count + ? WHERE database_id = ? AND "
                "object_id = ?");
    up.bind(1, delta).bind(2, database_id).bind(3, object_id);
    up.step();
}

void set_row_count(sqlite3 *db, int database_id, int object_id, int64_t rows) {
    Stmt up(db, "UPDATE \"$objects\" SET row_count = ? WHERE database_id = ? AND object_id = ?");
    up.bind(1, rows).bind(2, database_id).bind(3, object_id);
    up.step();
}

} // namespace sim::sql
