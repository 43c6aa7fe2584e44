// Alias data types of a database (CREATE TYPE name FROM base_type, sp_addtype): kept in
// "$user_types", shown by sys.types (is_user_defined = 1, user_type_id from 257), used by columns
// ("$columns".user_type_id), dropped by DROP TYPE / sp_droptype when no column uses them.
#pragma once

#include "parser.hpp"

#include <sqlite3.h>

#include <optional>
#include <string>

namespace sim::sql {

// Creates "$user_types" and adds "$columns".user_type_id to a store made before alias types.
void alias_types_bootstrap(sqlite3 *db);

struct AliasTypeInfo {
    int user_type_id = 0;
    int schema_id = 1;
    std::string name;
    AliasType type;
};

// By schema name ("" = dbo) and type name; nullopt when the database has no such alias type.
std::optional<AliasTypeInfo> find_alias_type(sqlite3 *db, int database_id,
                                             const std::string &schema, const std::string &name);
// Error 219 when the name is taken, 2715 when the schema does not exist.
void create_alias_type(sqlite3 *db, int database_id, const std::string &schema,
                       const std::string &name, const AliasType &type);
// Error 218 when missing (unless if_exists), 3732 while a column uses it.
void drop_alias_type(sqlite3 *db, int database_id, const std::string &schema,
                     const std::string &name, bool if_exists);

} // namespace sim::sql
