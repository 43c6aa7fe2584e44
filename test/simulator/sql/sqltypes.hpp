// SQL Server type facts (sys.types ids, sys.columns sizes) and value conversion into the
// engine's canonical storage (engine.hpp documents the representations).
#pragma once

#include "engine.hpp"

#include <optional>
#include <string>

namespace sim::sql {

struct TypeFacts {
    int system_type_id;
    int user_type_id;
    int max_length; // sys.columns.max_length: bytes, -1 for (max)
    int precision;
    int scale;
    bool has_collation;
};
TypeFacts type_facts(const SqlType &t);
std::string type_name(TypeId id); // sys.types name

bool is_string(TypeId id);        // char family incl. text/ntext/xml
bool is_unicode(TypeId id);       // nchar/nvarchar/ntext/xml
bool is_binary(TypeId id);        // binary family incl. image/timestamp/CLR types
bool is_numeric(TypeId id);       // exact and approximate numbers, bit, money
bool is_integer(TypeId id);       // bit..bigint
bool is_exact_decimal(TypeId id); // decimal/numeric/money/smallmoney
bool is_temporal(TypeId id);

// SQLite column declaration ("type COLLATE x") giving the storage affinity and comparison rules.
std::string storage_decl(const SqlType &t);

// Converts any value to the canonical form of `t`; throws SqlError with SQL Server's conversion,
// overflow and truncation errors. `implicit` selects the wording of assignment conversions.
Value convert_value(const Value &v, const SqlType &t, const std::string &source_type = {});

// DATALENGTH in bytes of a stored value of type t.
int64_t datalength(const Value &v, const SqlType &t);

// The T-SQL type of a literal-like value when nothing better is known.
SqlType type_of_value(const Value &v);

} // namespace sim::sql
