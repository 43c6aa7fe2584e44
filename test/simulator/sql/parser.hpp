// Recursive-descent parser for the simulator's T-SQL subset. Statement boundaries come from the
// grammar, so batches need no semicolons (`SET FMTONLY ON select 1 SET FMTONLY OFF`).
#pragma once

#include "ast.hpp"
#include "lexer.hpp"

namespace sim::sql {

// Throws SqlError 102 ("Incorrect syntax near ...") on input outside the subset.
std::vector<StatementPtr> parse_batch(const std::string &sql);

// Parses a type name as written in T-SQL (e.g. "nvarchar(max)", "decimal(12,2)").
SqlType parse_type_name(const std::string &text);
// The T-SQL spelling of a type, e.g. "nvarchar(50)".
std::string type_to_string(const SqlType &t);

} // namespace sim::sql
