// dts._source_query(server, [owner,] database, tsql) RETURNS SETOF record: the rows of a T-SQL
// query, typed by the caller's column definition list. Precheck and the task API read the source
// with it, as the task's owner. A
// fresh connection per call, to the database asked for, so no session state leaks either way.
#include "fdw_catalog.hpp"
#include "pg_boundary.hpp"
#include "source_access.hpp"
#include "value_datum.hpp"

extern "C" {
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
}

#include <string>

DTS_SQL_FUNCTION(dts_source_query)

Datum dts_source_query(PG_FUNCTION_ARGS) {
    return pgdts::pg_entry([&]() -> Datum {
        using namespace pgdts;
        // (server, database, tsql) with the caller's user mapping, or (server, owner, database,
        // tsql) for work done for a task: its owner's (task_connection_settings).
        const bool for_task = pg_call([&]() { return PG_NARGS() == 4; });
        const int db_arg = for_task ? 2 : 1, sql_arg = db_arg + 1;
        bool any_null = pg_call([&]() {
            return PG_ARGISNULL(0) || PG_ARGISNULL(sql_arg) || (for_task && PG_ARGISNULL(1));
        });
        if (any_null)
            throw dts::Error("22004",
                             "dts._source_query: server, owner and query must not be NULL");
        std::string server = pg_call([&]() { return NameStr(*PG_GETARG_NAME(0)); });
        std::string database;
        if (!pg_call([&]() { return PG_ARGISNULL(db_arg); }))
            database = pg_call([&]() { return text_to_cstring(PG_GETARG_TEXT_PP(db_arg)); });
        std::string tsql = pg_call([&]() { return text_to_cstring(PG_GETARG_TEXT_PP(sql_arg)); });

        ConnectionSettings settings;
        if (for_task)
            settings = task_connection_settings(
                server, pg_call([&]() { return NameStr(*PG_GETARG_NAME(1)); }));
        else
            settings = connection_settings(source_server(server, true).oid, GetUserId());
        if (!database.empty())
            settings.server.database = database;
        dts::tds::Connection conn(settings.server, settings.credentials);
        dts::tds::Connection::TextResult result = conn.query_text(tsql);

        auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        pg_call([&]() { InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC); });
        TupleDesc desc = rsinfo->setDesc;
        const int natts = desc->natts;
        if (static_cast<size_t>(natts) != result.columns.size() && !result.columns.empty())
            throw dts::Error("42804",
                             "the T-SQL query returns " + std::to_string(result.columns.size()) +
                                 " columns, the column definition list has " +
                                 std::to_string(natts),
                             "Query: " + tsql);
        std::vector<FmgrInfo> in(static_cast<size_t>(natts));
        std::vector<Oid> ioparam(static_cast<size_t>(natts));
        for (int i = 0; i < natts; ++i)
            pg_call([&]() {
                Oid f;
                getTypeInputInfo(TupleDescAttr(desc, i)->atttypid, &f, &ioparam[i]);
                fmgr_info(f, &in[i]);
            });
        std::vector<Datum> values(static_cast<size_t>(natts));
        std::unique_ptr<bool[]> nulls(new bool[static_cast<size_t>(natts)]);
        for (const auto &row : result.rows)
            pg_call([&]() {
                for (int i = 0; i < natts; ++i) {
                    const auto &v = row[static_cast<size_t>(i)];
                    nulls[i] = !v.has_value();
                    int n = 0;
                    const char *text =
                        v ? server_string(v->data(), static_cast<int>(v->size()), &n) : nullptr;
                    values[i] = InputFunctionCall(&in[i], const_cast<char *>(text), ioparam[i],
                                                  TupleDescAttr(desc, i)->atttypmod);
                }
                tuplestore_putvalues(rsinfo->setResult, desc, values.data(), nulls.get());
            });
        return static_cast<Datum>(0);
    });
}
