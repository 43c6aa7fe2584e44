// Recursive-descent parser for the simulator's T-SQL subset. Statement boundaries come from the
// grammar, so batches need no semicolons (`SET FMTONLY ON select 1 SET FMTONLY OFF`).
#pragma once

#include "ast.hpp"
#include "lexer.hpp"

#include <functional>
#include <optional>

namespace sim::sql {

// An alias data type (CREATE TYPE ... FROM, sp_addtype) as a type name resolves to: its base
// type and the nullability columns of the type get when they do not say.
struct AliasType {
    SqlType base;
    bool nullable = true;
};
// Looks an alias type up by schema ("" = the default schema) and name; nullopt when unknown.
using AliasTypeLookup =
    std::function<std::optional<AliasType>(const std::string &schema, const std::string &name)>;

// Throws SqlError 102 ("Incorrect syntax near ...") on input outside the subset. Type names that
// are not system types go to `aliases`, after the alias types the batch itself creates.
std::vector<StatementPtr> parse_batch(const std::string &sql, const AliasTypeLookup &aliases = {});

// Parses a type name as written in T-SQL (e.g. "nvarchar(max)", "decimal(12,2)").
SqlType parse_type_name(const std::string &text);
// The T-SQL spelling of a type, e.g. "nvarchar(50)".
std::string type_to_string(const SqlType &t);

} // namespace sim::sql
