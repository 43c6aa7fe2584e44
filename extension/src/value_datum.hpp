// Direct DB-Library value -> Datum conversions for the common types, skipping the text round
// trip through input functions. May palloc, so callers run it under pg_call().
#pragma once

#include "pg_prelude.hpp"

namespace pgdts {

// Whether a TDS column type lands in a PostgreSQL type without going through text.
bool has_fast_datum(int tds_type, Oid pg_type, int32 typmod);
// Only for pairs has_fast_datum() accepted.
Datum fast_datum(int tds_type, const uint8_t *data, int length, Oid pg_type);

} // namespace pgdts
