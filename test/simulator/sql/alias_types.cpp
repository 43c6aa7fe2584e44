#include "alias_types.hpp"

#include "catalog.hpp"
#include "errors.hpp"
#include "sqlite_db.hpp"

namespace sim::sql {

namespace {

int schema_id_of(sqlite3 *db, int database_id, const std::string &schema) {
    if (schema.empty())
        return 1;
    auto sid = find_schema(db, database_id, schema);
    return sid ? *sid : -1;
}

bool is_system_type(const std::string &name) {
    try {
        parse_type_name(name);
        return true;
    } catch (const SqlError &) {
        return false;
    }
}

std::string shown(const std::string &schema, const std::string &name) {
    return (schema.empty() ? std::string("dbo") : schema) + "." + name;
}

} // namespace

void alias_types_bootstrap(sqlite3 *db) {
    exec(db, "CREATE TABLE IF NOT EXISTS \"$user_types\"(database_id INTEGER, user_type_id "
             "INTEGER, schema_id INTEGER, name TEXT COLLATE SIM_CI, type_spec TEXT, is_nullable "
             "INTEGER, PRIMARY KEY(database_id, user_type_id))");
    Stmt q(db, "SELECT COUNT(*) FROM pragma_table_info('$columns') WHERE name = 'user_type_id'");
    q.step();
    if (q.int_col(0) == 0)
        exec(db, "ALTER TABLE \"$columns\" ADD COLUMN user_type_id INTEGER");
}

std::optional<AliasTypeInfo> find_alias_type(sqlite3 *db, int database_id,
                                             const std::string &schema, const std::string &name) {
    int sid = schema_id_of(db, database_id, schema);
    Stmt q(db, "SELECT user_type_id, schema_id, name, type_spec, is_nullable FROM \"$user_types\" "
               "WHERE database_id = ? AND schema_id = ? AND name = ?");
    q.bind(1, database_id).bind(2, sid).bind(3, name);
    if (!q.step())
        return std::nullopt;
    AliasTypeInfo a;
    a.user_type_id = static_cast<int>(q.int_col(0));
    a.schema_id = static_cast<int>(q.int_col(1));
    a.name = q.text_col(2);
    a.type = AliasType{parse_type_name(q.text_col(3)), q.int_col(4) != 0};
    return a;
}

void create_alias_type(sqlite3 *db, int database_id, const std::string &schema,
                       const std::string &name, const AliasType &type) {
    int sid = schema_id_of(db, database_id, schema);
    if (sid < 0)
        throw sql_error(2760, 1, 16,
                        "The specified schema name \"" + schema +
                            "\" either does not exist or you do not have permission to use it.");
    if (find_alias_type(db, database_id, schema, name) || is_system_type(name))
        throw sql_error(219, 1, 16,
                        "The type '" + shown(schema, name) +
                            "' already exists, or you do not have permission to create it.");
    // User-defined types are numbered from 257 in each database.
    Stmt id(db, "SELECT COALESCE(MAX(user_type_id), 256) + 1 FROM \"$user_types\" WHERE "
                "database_id = ?");
    id.bind(1, database_id);
    id.step();
    Stmt ins(db, "INSERT INTO \"$user_types\" VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, database_id).bind(2, id.int_col(0)).bind(3, sid).bind(4, name);
    ins.bind(5, type_to_string(type.base)).bind(6, type.nullable ? 1 : 0);
    ins.step();
}

void drop_alias_type(sqlite3 *db, int database_id, const std::string &schema,
                     const std::string &name, bool if_exists) {
    auto a = find_alias_type(db, database_id, schema, name);
    if (!a) {
        if (if_exists)
            return;
        throw sql_error(218, 1, 16,
                        "Could not find the type '" + shown(schema, name) +
                            "'. Either it does not exist or you do not have the necessary "
                            "permission.");
    }
    Stmt use(db, "SELECT o.name FROM \"$columns\" c JOIN \"$objects\" o ON o.database_id = "
                 "c.database_id AND o.object_id = c.object_id WHERE c.database_id = ? AND "
                 "c.user_type_id = ? ORDER BY o.object_id LIMIT 1");
    use.bind(1, database_id).bind(2, a->user_type_id);
    if (use.step())
        throw sql_error(3732, 1, 16,
                        "Cannot drop type '" + shown(schema, name) +
                            "' because it is being referenced by object '" + use.text_col(0) +
                            "'. There may be other objects that reference this type.");
    Stmt del(db, "DELETE FROM \"$user_types\" WHERE database_id = ? AND user_type_id = ?");
    del.bind(1, database_id).bind(2, a->user_type_id);
    del.step();
}

} // namespace sim::sql
