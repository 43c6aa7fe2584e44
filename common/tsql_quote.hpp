// The one place T-SQL text is quoted. Every identifier and literal pg_dts sends to SQL Server goes
// through these; nothing is pasted into T-SQL unquoted.
#pragma once

#include <string>
#include <string_view>

namespace dts::tsql {

// [name] with ']' doubled — valid for any sysname, whatever QUOTED_IDENTIFIER is set to.
std::string quote_ident(std::string_view name);

// N'text' with quotes doubled. UTF-8 in, UTF-8 out; the N prefix keeps non-Latin-1 characters
// intact through the server's nvarchar conversion.
std::string quote_literal(std::string_view text);

// [db].[schema].[object]; empty leading parts are omitted.
std::string quote_name(std::string_view db, std::string_view schema, std::string_view object);

// N'[schema].[object]': the argument OBJECT_ID() and the sys.sp_* procedures take.
std::string object_literal(std::string_view schema, std::string_view object);

} // namespace dts::tsql
