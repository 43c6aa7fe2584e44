// Source DDL seen in the transaction log (log mode has no DDL trigger at the source): a
// transaction that changed SQL Server's catalog is turned into the DDL events the apply engine
// knows (dts._apply_ddl) by comparing the source catalog before and after it. Pure, unit-tested.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dts::ddl {

struct CatalogTable {
    std::string schema, table;
    std::vector<std::string> columns; // "name type length precision scale nullable", column order
    std::vector<std::string> indexes; // index names
};

// Keyed by "schema.table".
using Catalog = std::map<std::string, CatalogTable>;

struct Event {
    std::string type;   // CREATE_TABLE, DROP_TABLE, ALTER_TABLE, CREATE_INDEX, DROP_INDEX
    std::string schema; // of the table
    std::string object; // the table, or the index for index events
    std::string target; // index events: the table
};

// Events that take `before` to `after`, tables in name order; within a table: ALTER_TABLE for
// changed columns, then DROP_INDEX and CREATE_INDEX per index.
std::vector<Event> diff(const Catalog &before, const Catalog &after);

// The catalog as text kept with the task's checkpoint (the "before" of the next DDL, across
// restarts: DDL run while the reader was down is found against it). Every string is
// length-prefixed ("<bytes>:<bytes of text>"), so names may hold any character.
std::string encode_catalog(const Catalog &c);
// Throws std::invalid_argument on text encode_catalog did not write.
Catalog decode_catalog(std::string_view text);

} // namespace dts::ddl
