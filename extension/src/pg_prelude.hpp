// The one way C++ files of the extension include PostgreSQL's C headers.
//
// The .so is built with -fvisibility=hidden; PostgreSQL 15 leaves PGDLLEXPORT empty on Linux, so
// we define it to export exactly the symbols PostgreSQL looks up (magic block, _PG_init and the
// SQL-callable functions declared with DTS_SQL_FUNCTION).
#pragma once

#ifndef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))
#endif

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

// Declares an SQL-callable C function with default visibility plus its V1 info record.
#define DTS_SQL_FUNCTION(name)                                                                     \
    extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                           \
    extern "C" {                                                                                   \
    PG_FUNCTION_INFO_V1(name);                                                                     \
    }
