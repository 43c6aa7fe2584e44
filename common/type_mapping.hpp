// The single SQL Server -> PostgreSQL type mapping, used by IMPORT FOREIGN SCHEMA, schema sync and
// the loaders alike. docs/type-mapping.md is the user-facing version of this file's table.
#pragma once

#include <optional>
#include <string>

namespace dts {

// A column type as sys.columns / sys.types describe it.
struct SourceType {
    std::string name;   // system type name (sys.types.name of the system_type_id), lower case
    int max_length = 0; // sys.columns.max_length: bytes; -1 for (max)
    int precision = 0;  // sys.columns.precision
    int scale = 0;      // sys.columns.scale
};

enum class Support {
    Exact,       // every value round-trips unchanged
    Narrowed,    // values round-trip except a documented edge (e.g. 100 ns digit of time(7))
    FdwOnly,     // readable through the FDW as raw bytes, but DTS does not sync the column
    Unsupported, // not readable and not synced (column skipped with a notice)
};

struct TypeMapping {
    std::string pg_type; // e.g. "numeric(12,2)"; empty when Unsupported
    Support support = Support::Exact;
    std::string note; // why a column is narrowed, skipped or only readable
};

// Maps one column type. Unknown names map to Unsupported with a note naming the type.
TypeMapping map_type(const SourceType &t);

// The length in characters a (n)char/(n)varchar column holds, from sys.columns.max_length.
int char_length(const SourceType &t);

} // namespace dts
