// Row filters (the FDW table option `filter`, dts.table_settings.filter) are T-SQL text that
// pg_dts places as `WHERE (<filter>)` in queries it sends to SQL Server. T-SQL needs no statement
// separator, so text that closes the parenthesis can append whole statements, run with the login
// of whoever's query carries the filter. This check admits only text that stays inside the
// parentheses as one expression. It is lexical, so it runs wherever a filter is stored or sent
// (FDW validator, SQL API, sidecar) without a round trip; SQL Server still checks the syntax.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dts::tsql {

// Why `filter` is not one search condition, or nullopt when it is. Rejected: empty text, `;`,
// comments, unterminated literals or [identifiers], a `)` without its `(` (or one left open),
// control characters, statement keywords outside quotes (reserved in T-SQL, so a column of that
// name needs [brackets] anyway) and rowset functions that run text on a server (OPENROWSET, ...).
std::optional<std::string> search_condition_error(std::string_view filter);

// Throws dts::Error 22023 naming `what` (e.g. "filter of dbo.orders") when the check fails.
void require_search_condition(std::string_view filter, const std::string &what);

} // namespace dts::tsql
