// Small SQL-callable helpers of the control schema: T-SQL quoting (the C++ helpers, so PL/pgSQL
// quotes T-SQL the way the FDW does) and the free space of the data directory.
#include "pg_boundary.hpp"

#include "tsql_filter.hpp"
#include "tsql_quote.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/builtins.h"
}

#include <sys/statvfs.h>

#include <string>

DTS_SQL_FUNCTION(dts_tsql_ident)
DTS_SQL_FUNCTION(dts_tsql_literal)
DTS_SQL_FUNCTION(dts_free_bytes)
DTS_SQL_FUNCTION(dts_tsql_filter_error)

namespace {
template <typename Quote> Datum quote_text(FunctionCallInfo fcinfo, Quote quote) {
    return pgdts::pg_entry([&]() -> Datum {
        std::string in = pgdts::pg_call([&]() { return text_to_cstring(PG_GETARG_TEXT_PP(0)); });
        std::string out = quote(in);
        return pgdts::pg_call([&]() {
            return PointerGetDatum(
                cstring_to_text_with_len(out.data(), static_cast<int>(out.size())));
        });
    });
}
} // namespace

Datum dts_tsql_ident(PG_FUNCTION_ARGS) {
    return quote_text(fcinfo, [](const std::string &s) { return dts::tsql::quote_ident(s); });
}

Datum dts_tsql_literal(PG_FUNCTION_ARGS) {
    return quote_text(fcinfo, [](const std::string &s) { return dts::tsql::quote_literal(s); });
}

Datum dts_free_bytes(PG_FUNCTION_ARGS) {
    return pgdts::pg_entry([&]() -> Datum {
        (void)fcinfo;
        struct statvfs st;
        if (statvfs(DataDir, &st) != 0)
            throw dts::Error("58030", "cannot read the free space of the data directory");
        PG_RETURN_INT64(static_cast<int64>(st.f_bavail) * static_cast<int64>(st.f_frsize));
    });
}

// Why a row filter is not one T-SQL search condition, or NULL (common/tsql_filter.hpp).
Datum dts_tsql_filter_error(PG_FUNCTION_ARGS) {
    return pgdts::pg_entry([&]() -> Datum {
        std::string in = pgdts::pg_call([&]() { return text_to_cstring(PG_GETARG_TEXT_PP(0)); });
        auto why = dts::tsql::search_condition_error(in);
        if (!why)
            PG_RETURN_NULL();
        return pgdts::pg_call([&]() {
            return PointerGetDatum(
                cstring_to_text_with_len(why->data(), static_cast<int>(why->size())));
        });
    });
}
