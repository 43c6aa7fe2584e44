// dts_source_exec(server, tsql): runs a T-SQL batch on a pg_dts foreign server through the caller's
// user mapping — for DBAs (and tests) who need to act on the source from psql. Superusers and the
// server's owner only. dts._source_exec(server, owner, database, tsql) is the same for the task
// functions (source preparation), with the user mapping of the task's owner. A fresh connection per
// call, so that what the batch changes in its session (USE, SET, temporary tables) never reaches
// the FDW's cached connections.
#include "fdw_catalog.hpp"
#include "pg_boundary.hpp"
#include "source_access.hpp"

#include <string>

extern "C" {
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

DTS_SQL_FUNCTION(dts_source_exec)
DTS_SQL_FUNCTION(dts_source_exec_db)

namespace pgdts {
namespace {

// `owner` set: for a task of that owner, with its user mapping (task_connection_settings).
int64 source_exec(const char *server_name, const std::string &database, text *batch,
                  const char *owner) {
    ConnectionSettings settings =
        owner ? task_connection_settings(server_name, owner)
              : connection_settings(source_server(server_name, false).oid, GetUserId());
    std::string tsql = pg_call([](text *t) { return text_to_cstring(t); }, batch);
    if (!database.empty())
        settings.server.database = database;
    dts::tds::Connection conn(settings.server, settings.credentials);
    long long affected = conn.execute_all(tsql);
    for (const auto &m : conn.take_messages()) {
        std::string text = m.text;
        int number = m.number;
        pg_call([&]() {
            ereport(NOTICE,
                    (errmsg("%s", text.c_str()),
                     errdetail("SQL Server message %d on server \"%s\".", number, server_name)));
        });
    }
    return static_cast<int64>(affected);
}

} // namespace
} // namespace pgdts

namespace {
template <typename Body> Datum cancellable(Body &&body) {
    return pgdts::pg_entry([&]() -> Datum {
        try {
            return body();
        } catch (const dts::Error &e) {
            // A cancelled batch: let PostgreSQL report why (statement_timeout, cancel request).
            if (e.sqlstate == "57014")
                pgdts::pg_call([]() { CHECK_FOR_INTERRUPTS(); });
            throw;
        }
    });
}
} // namespace

Datum dts_source_exec(PG_FUNCTION_ARGS) {
    return cancellable([&]() -> Datum {
        text *batch = pgdts::pg_call([&]() { return PG_GETARG_TEXT_PP(1); });
        PG_RETURN_INT64(pgdts::source_exec(NameStr(*PG_GETARG_NAME(0)), {}, batch, nullptr));
    });
}

Datum dts_source_exec_db(PG_FUNCTION_ARGS) {
    return cancellable([&]() -> Datum {
        text *batch = pgdts::pg_call([&]() { return PG_GETARG_TEXT_PP(3); });
        std::string db = pgdts::pg_call([&]() { return text_to_cstring(PG_GETARG_TEXT_PP(2)); });
        PG_RETURN_INT64(pgdts::source_exec(NameStr(*PG_GETARG_NAME(0)), db, batch,
                                           NameStr(*PG_GETARG_NAME(1))));
    });
}
