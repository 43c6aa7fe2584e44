// Module entry: the magic block and _PG_init.
#include "pg_prelude.hpp"

#include "fdw_catalog.hpp"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
void _PG_init(void) {
    pgdts::install_connection_cache();
}
}
