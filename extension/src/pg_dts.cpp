// Module entry: the magic block and _PG_init.
#include "pg_prelude.hpp"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
void _PG_init(void) {}
}
