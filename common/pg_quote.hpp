// The PostgreSQL dialect's quoting for SQL text generated outside the server (schema DDL, the
// sidecar's statements). Inside the extension, code that holds a PostgreSQL connection may use
// the server's quote_identifier(); both produce SQL the server reads back as the same name.
#pragma once

#include <string>
#include <string_view>

namespace dts::pg {

// "name" with " doubled: always quoted, so case and reserved words are kept as they are.
std::string quote_ident(std::string_view name);
// 'text' with ' doubled (E'...' with \ doubled when the text holds a backslash).
std::string quote_literal(std::string_view text);
// "schema"."name"
std::string qualified(std::string_view schema, std::string_view name);

} // namespace dts::pg
