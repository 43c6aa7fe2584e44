// The schema stage: dts._sync_schema(task_id) creates the destination schemas, tables, keys,
// indexes and foreign keys of a task's resolved tables (dts.tables, filled by dts_precheck) from
// the source catalogs; dts_schema_ddl(task, table) shows the DDL for one table without running it.
// Everything runs in the caller's transaction: a failure leaves nothing half-created, and a rerun
// creates what is missing (IF NOT EXISTS, guarded distribution and constraints).
#include "schema_sync.hpp"

#include "fdw_catalog.hpp"
#include "pg_boundary.hpp"
#include "source_access.hpp"
#include "spi.hpp"

#include "pg_quote.hpp"
#include "schema_ddl.hpp"
#include "source_catalog.hpp"

extern "C" {
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

#include <map>
#include <string>
#include <vector>

DTS_SQL_FUNCTION(dts_sync_schema)
DTS_SQL_FUNCTION(dts_schema_ddl)

namespace pgdts {

std::vector<std::string> text_array(Spi &spi, const std::optional<std::string> &literal) {
    std::vector<std::string> out;
    if (!literal)
        return out;
    for (const auto &r : spi.query("SELECT unnest($1::text[])", {literal}))
        out.push_back(r[0].value_or(""));
    return out;
}

Task load_task(Spi &spi, const std::string &id,
               const std::optional<std::vector<std::string>> &only) {
    auto t = spi.query("SELECT task_id, name, server, conflict_mode, owner FROM dts.tasks WHERE "
                       "task_id = $1::bigint",
                       {id});
    if (t.empty())
        throw dts::Error("42704", "pg_dts task " + id + " does not exist");
    Task task{*t[0][0], *t[0][1], *t[0][2], *t[0][3], *t[0][4], {}};
    auto rows = spi.query(
        "SELECT x.source_db, x.source_schema, x.source_table, x.target_schema, x.target_table, "
        "x.schema_state, s.primary_key::text, s.distribution_key::text FROM dts.tables x "
        "LEFT JOIN dts.table_settings s USING (task_id, source_db, source_schema, source_table) "
        "WHERE x.task_id = $1::bigint ORDER BY 1, 2, 3",
        {id});
    for (const auto &r : rows) {
        TaskTable tt{*r[0], *r[1], *r[2], {*r[3], *r[4], {}, {}}, *r[5]};
        if (only && (tt.db != (*only)[0] || tt.schema != (*only)[1] || tt.table != (*only)[2]))
            continue;
        tt.target.primary_key = text_array(spi, r[6]);
        tt.target.distribution_key = text_array(spi, r[7]);
        task.tables.push_back(std::move(tt));
    }
    return task;
}

dts::ddl::Flavour detect_flavour(Spi &spi) {
    auto r = spi.query("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus'), "
                       "version() ILIKE '%greenplum%'");
    if (r[0][0] == "t")
        return dts::ddl::Flavour::Citus;
    if (r[0][1] == "t")
        return dts::ddl::Flavour::Greenplum;
    return dts::ddl::Flavour::PostgreSQL;
}

// Source catalogs of the task's tables, per database (one connection each, closed after).
std::map<std::string, std::vector<dts::catalog::Table>> read_sources(const Task &task) {
    std::map<std::string, std::vector<dts::catalog::TableName>> wanted;
    for (const auto &t : task.tables)
        wanted[t.db].push_back({t.schema, t.table});
    std::map<std::string, std::vector<dts::catalog::Table>> out;
    for (const auto &[db, names] : wanted) {
        ConnectionSettings settings = task_connection_settings(task.server, task.owner);
        settings.server.database = db;
        dts::tds::Connection conn(settings.server, settings.credentials);
        out[db] = dts::catalog::read_tables(conn, db, names);
    }
    return out;
}

const dts::catalog::Table &
find_source(const std::map<std::string, std::vector<dts::catalog::Table>> &src,
            const TaskTable &t) {
    auto it = src.find(t.db);
    if (it != src.end())
        for (const auto &s : it->second)
            if (s.schema == t.schema && s.name == t.table)
                return s;
    throw dts::Error("42P01",
                     "source table " + t.db + "." + t.schema + "." + t.table +
                         " no longer exists on SQL Server",
                     {}, "Run dts_precheck() again: it resolves the task's tables anew.");
}

dts::ddl::TableDdl ddl_for(const Task &task, const TaskTable &t, const dts::catalog::Table &source,
                           dts::ddl::Flavour flavour) {
    auto resolve =
        [&](const std::string &schema,
            const std::string &table) -> std::optional<std::pair<std::string, std::string>> {
        for (const auto &o : task.tables)
            if (o.db == t.db && o.schema == schema && o.table == table)
                return std::make_pair(o.target.schema, o.target.table);
        return std::nullopt;
    };
    return dts::ddl::table_ddl(source, t.target, flavour, resolve);
}

namespace {

int sync_schema(const std::string &task_id) {
    Spi spi;
    Task task = load_task(spi, task_id, std::nullopt);
    if (task.tables.empty())
        throw dts::Error("55000", "pg_dts task \"" + task.name + "\" has no resolved tables", {},
                         "Select objects with dts_add_objects() and run dts_precheck().");
    dts::ddl::Flavour flavour = detect_flavour(spi);
    auto sources = read_sources(task);
    // IF NOT EXISTS on a rerun would print a NOTICE per object; the stage logs to dts.events.
    auto quiet = spi.query("SELECT current_setting('client_min_messages'), "
                           "set_config('client_min_messages', 'warning', true)");
    int created = 0;
    std::vector<std::pair<const TaskTable *, dts::ddl::TableDdl>> done;
    for (const auto &t : task.tables) {
        const std::string source_name = t.db + "." + t.schema + "." + t.table;
        const std::string target_name = dts::pg::qualified(t.target.schema, t.target.table);
        const auto &source = find_source(sources, t);
        auto exists = spi.query("SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON "
                                "n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2)",
                                {t.target.schema, t.target.table});
        if (exists[0][0] == "t" && t.state != "created") {
            if (task.conflict_mode == "precheck_and_report")
                throw dts::Error("42P07",
                                 "destination table " + target_name + " for " + source_name +
                                     " already exists (task \"" + task.name +
                                     "\", conflict mode precheck_and_report)",
                                 {},
                                 "Rename the target with dts_map_object(), drop the table, or "
                                 "use conflict_mode ignore_and_proceed.");
            spi.execute("UPDATE dts.tables SET schema_state = 'existing', schema_synced_at = now() "
                        "WHERE task_id = $1::bigint AND source_db = $2 AND source_schema = $3 AND "
                        "source_table = $4",
                        {task.id, t.db, t.schema, t.table});
            spi.execute("SELECT dts._log($1::bigint, 'info', 'schema', $2, $3)",
                        {task.id, source_name,
                         "destination table " + target_name +
                             " exists; kept as it is (ignore_and_proceed)"});
            continue;
        }
        dts::ddl::TableDdl ddl = ddl_for(task, t, source, flavour);
        spi.execute(ddl.create_schema);
        spi.execute(ddl.create_table);
        for (const auto &s : ddl.after_create)
            spi.execute(s);
        for (const auto &note : ddl.notes)
            spi.execute("SELECT dts._log($1::bigint, 'warning', 'schema', $2, $3)",
                        {task.id, source_name, note});
        spi.execute("UPDATE dts.tables SET schema_state = 'created', schema_synced_at = now() "
                    "WHERE task_id = $1::bigint AND source_db = $2 AND source_schema = $3 AND "
                    "source_table = $4",
                    {task.id, t.db, t.schema, t.table});
        ++created;
        done.emplace_back(&t, std::move(ddl));
    }
    // Foreign keys once every table exists; a constraint already there is left alone.
    for (const auto &[t, ddl] : done)
        for (const auto &fk : ddl.foreign_keys) {
            auto have = spi.query("SELECT EXISTS (SELECT FROM pg_constraint WHERE conrelid = "
                                  "to_regclass($1) AND conname = $2)",
                                  {dts::pg::qualified(t->target.schema, t->target.table), fk.name});
            if (have[0][0] != "t")
                spi.execute(fk.statement);
        }
    spi.query("SELECT set_config('client_min_messages', $1, true)", {quiet[0][0]});
    return created;
}

std::vector<std::string> schema_ddl(const std::string &task_name, const std::string &table) {
    Spi spi;
    auto t = spi.query("SELECT task_id, dts._split_name(x, $2, 3)::text FROM dts._task($1) x",
                       {task_name, table});
    std::vector<std::string> parts = text_array(spi, t[0][1]);
    Task task = load_task(spi, *t[0][0], std::nullopt);
    const TaskTable *found = nullptr;
    for (const auto &tt : task.tables)
        if (tt.db == parts[0] && tt.schema == parts[1] && tt.table == parts[2])
            found = &tt;
    if (!found)
        throw dts::Error("42704",
                         "table " + parts[0] + "." + parts[1] + "." + parts[2] +
                             " is not among the resolved tables of task \"" + task_name + "\"",
                         {}, "Select it with dts_add_objects() and run dts_precheck().");
    auto sources = read_sources(
        Task{task.id, task.name, task.server, task.conflict_mode, task.owner, {*found}});
    auto ddl = ddl_for(task, *found, find_source(sources, *found), detect_flavour(spi));
    std::vector<std::string> out{ddl.create_schema, ddl.create_table};
    out.insert(out.end(), ddl.after_create.begin(), ddl.after_create.end());
    for (const auto &fk : ddl.foreign_keys)
        out.push_back(fk.statement);
    for (const auto &n : ddl.notes)
        out.push_back("-- " + n);
    return out;
}

} // namespace
} // namespace pgdts

Datum dts_sync_schema(PG_FUNCTION_ARGS) {
    return pgdts::pg_entry([&]() -> Datum {
        int64 id = pgdts::pg_call([&]() { return PG_GETARG_INT64(0); });
        PG_RETURN_INT32(pgdts::sync_schema(std::to_string(id)));
    });
}

Datum dts_schema_ddl(PG_FUNCTION_ARGS) {
    return pgdts::pg_entry([&]() -> Datum {
        using pgdts::pg_call;
        std::string task = pg_call([&]() { return text_to_cstring(PG_GETARG_TEXT_PP(0)); });
        std::string table = pg_call([&]() { return text_to_cstring(PG_GETARG_TEXT_PP(1)); });
        std::vector<std::string> lines = pgdts::schema_ddl(task, table);
        return pgdts::return_text_rows(fcinfo, lines);
    });
}
