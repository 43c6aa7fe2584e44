// What pg_dts needs to know about source tables, read from SQL Server's sys.* catalog views of
// one database: columns with their types, keys, indexes, foreign keys, defaults, identity and
// sizes. Shared by schema sync (extension) and the loaders (sidecar). No PostgreSQL headers.
#pragma once

#include "tds_connection.hpp"
#include "type_mapping.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dts::catalog {

struct Column {
    int column_id = 0;
    std::string name;
    SourceType type;
    bool nullable = true;
    bool identity = false;
    int64_t identity_seed = 1, identity_increment = 1;
    bool computed = false;
    std::string computed_definition;
    std::optional<std::string> default_definition; // sys.default_constraints.definition
    bool user_defined = false; // an alias or CLR type (CREATE TYPE); `type` is its base type
};

struct Index {
    int index_id = 0;
    std::string name;
    bool clustered = false;
    bool unique = false;
    bool primary_key = false;
    bool unique_constraint = false;
    std::string filter; // filtered index predicate (T-SQL), empty when none
    std::vector<std::string> columns;
    std::vector<bool> descending;
};

struct ForeignKey {
    std::string name;
    std::string ref_schema, ref_table;
    std::vector<std::string> columns, ref_columns;
    std::string on_delete = "NO_ACTION", on_update = "NO_ACTION"; // sys.foreign_keys *_desc
};

struct Table {
    std::string database, schema, name;
    int object_id = 0;
    int64_t rows = 0; // sys.partitions of the heap or clustered index
    int64_t estimated_bytes = 0;
    std::string compression; // NONE, ROW, PAGE (highest of the partitions)
    bool heap = false;       // no clustered index
    std::vector<Column> columns;
    std::vector<Index> indexes; // without the heap entry
    std::vector<ForeignKey> foreign_keys;

    const Index *primary_key() const;
    bool has_computed_columns() const;
};

struct TableName {
    std::string schema, table; // an empty table selects every table of the schema
};

// Reads the tables selected by `which` from the connection's current database. Tables are
// returned sorted by schema and name; names in `which` that match nothing are simply absent.
std::vector<Table> read_tables(tds::Connection &conn, const std::string &database,
                               const std::vector<TableName> &which);

// How a catalog query names a sys.columns row's type (the row aliased `c`): the joins to add
// after it and the type name they give, as type_mapping knows types. An alias type (CREATE TYPE
// ... FROM, sp_addtype) is its base type; a CLR type (hierarchyid, geometry, ...) keeps its name.
std::string column_type_joins();
std::string column_type_name();

// The T-SQL of the catalog queries (exposed for tests and EXPLAIN-like output).
std::string columns_query(const std::vector<std::string> &schemas);
std::string indexes_query(const std::vector<std::string> &schemas);
std::string sizes_query(const std::vector<std::string> &schemas);
std::string foreign_keys_query(const std::vector<std::string> &schemas);

} // namespace dts::catalog
