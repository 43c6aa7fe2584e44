// Direct DB-Library value -> Datum conversions for the common types, skipping the text round
// trip through input functions. May palloc, so callers run it under pg_call().
#pragma once

#include "pg_prelude.hpp"

namespace pgdts {

// Whether a TDS column type lands in a PostgreSQL type without going through text. `scale` is
// the source column's fractional-second digits.
bool has_fast_datum(int tds_type, Oid pg_type, int32 typmod, int scale);
// For varchar(n) targets: the character limit the caller checks per value (a value over it goes
// through the input function, which raises PostgreSQL's own error); -1 when there is none.
int fast_char_limit(Oid pg_type, int32 typmod);
// Characters in a UTF-8 string.
int utf8_length(const uint8_t *data, int length);
// A string from the source (UTF-8, as FreeTDS delivers it) in the database's encoding:
// verified, converted when the database is not UTF-8, and refused (22021) when it holds a NUL,
// which no PostgreSQL string can hold. Returns `data` itself when nothing changes. May palloc
// and ereport: under pg_call().
const char *server_string(const char *data, int length, int *out_length);
// Only for pairs has_fast_datum() accepted.
Datum fast_datum(int tds_type, const uint8_t *data, int length, Oid pg_type);

} // namespace pgdts
