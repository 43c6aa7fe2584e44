// dts_version(): what users and bug reports need to know about the installed build.
#include "pg_boundary.hpp"

extern "C" {
#include "utils/builtins.h"
}
#include <sybdb.h>

#include <string>

DTS_SQL_FUNCTION(dts_version)

Datum dts_version(PG_FUNCTION_ARGS) {
    return pgdts::pg_entry([&]() -> Datum {
        (void)fcinfo;
        std::string text = "pg_dts " PG_DTS_VERSION;
        if (const char *tds = dbversion())
            text += std::string(", ") + tds;
        return pgdts::pg_call([](const char *s) { return PointerGetDatum(cstring_to_text(s)); },
                              text.c_str());
    });
}
