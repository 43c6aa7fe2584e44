#include "cutover.hpp"

#include "catalog_snapshot.hpp"
#include "cdc_tables.hpp"
#include "table_layouts.hpp"

#include "log.hpp"

#include "error.hpp"
#include "kept_layouts.hpp"
#include "lsn.hpp"
#include "tsql_quote.hpp"

#include <optional>

namespace sidecar {

namespace {

void event(PgConnection &pg, const TaskRef &task, const std::string &stage, const std::string &db,
           const std::string &message) {
    pg.exec("SELECT dts._log($1::bigint, 'info', $2, $3, $4)",
            {std::to_string(task.id), stage, db, message});
}

// The row layouts of the tables the log reader will read, keyed as the reader keys them.
dts::logrec::KeptLayouts log_layouts(PgConnection &pg, dts::tds::Connection &conn,
                                     const TaskRef &task, const std::string &db) {
    dts::logrec::KeptLayouts out;
    for (auto &r : pg.query_rows("SELECT source_schema, source_table FROM dts.tables WHERE "
                                 "task_id = $1 AND source_db = $2 AND capture = 'log' AND "
                                 "incremental_error IS NULL AND dts._selects(task_id, source_db, "
                                 "source_schema, source_table)",
                                 {std::to_string(task.id), db})) {
        const std::string schema = r[0].value_or(""), table = r[1].value_or("");
        // A table dropped since the precheck has nothing left to decode.
        if (!conn.query_text("SELECT OBJECT_ID(" + dts::tsql::object_literal(schema, table) + ")")
                 .rows.at(0)[0])
            continue;
        const std::string name = source_table_name(db, schema, table);
        out[name] = read_table_layouts(conn, schema, table, name);
    }
    return out;
}

} // namespace

void record_cutover(PgConnection &pg, const TaskRef &task, const SourceSettings &src,
                    const std::string &db) {
    auto have = pg.query_rows("SELECT lsn FROM dts.checkpoints WHERE task_id = $1 AND source_db "
                              "= $2 AND stage = 'cutover'",
                              {std::to_string(task.id), db});
    if (!have.empty())
        return;
    auto copied = pg.query_rows(
        "SELECT string_agg(source_schema || '.' || source_table, ', ' ORDER BY source_schema, "
        "source_table) FROM dts.tables WHERE task_id = $1 AND source_db = $2 AND (full_state <> "
        "'pending' OR rows_copied > 0)",
        {std::to_string(task.id), db});
    if (copied.at(0)[0])
        throw dts::Error(
            "55000",
            "task " + task.name + " has no cutover LSN for " + db + " but copied rows already",
            "tables copied: " + *copied[0][0],
            "A cutover recorded now would skip the changes made since the copy. Drop and "
            "re-create the task (its destination tables emptied), or restore dts.checkpoints.");
    dts::tds::Connection conn(src.for_database(db), src.credentials);
    const bool log_read =
        pg.query_rows("SELECT EXISTS (SELECT FROM dts.tables WHERE task_id = $1 AND source_db = $2 "
                      "AND capture = 'log')",
                      {std::to_string(task.id), db})
            .at(0)[0] == "t";
    // What the log reader compares the source with when it first starts: the catalog, to find
    // DDL run during the copy, and the log-read tables' row layouts, to decode the records
    // written before that DDL (the catalog then shows the layouts after it). Both must be the
    // source's state at the cutover LSN: read before and after it, and taken only when equal (DDL
    // committed in between would be before the cutover, where the reader does not look for it).
    auto state = [&] {
        return std::pair{dts::ddl::encode_catalog(read_catalog(conn)),
                         dts::logrec::encode_layouts(log_layouts(pg, conn, task, db))};
    };
    std::optional<std::string> catalog, layouts;
    std::string cutover;
    for (int attempt = 1;; ++attempt) {
        std::optional<std::pair<std::string, std::string>> before;
        if (log_read)
            before = state();
        auto res = conn.query_text("SELECT log_end_lsn FROM sys.dm_db_log_stats(DB_ID())");
        if (res.rows.empty() || !res.rows[0][0])
            throw dts::Error("55000", "SQL Server did not report the end of the log of " + db);
        cutover = *res.rows[0][0];
        if (!before)
            break;
        if (state() == *before) {
            catalog = std::move(before->first);
            layouts = std::move(before->second);
            break;
        }
        if (attempt == 3)
            throw dts::Error("40001",
                             "the catalog of " + db + " changed three times while task " +
                                 task.name + " recorded its cutover",
                             {}, "DDL is running at the source; the task retries.");
    }
    // The log reader re-assembles transactions from their begin records: it starts at the
    // oldest transaction open at the cutover, whose changes commit after it.
    std::optional<std::string> restart;
    if (log_read) {
        auto end = dts::Lsn::parse(cutover);
        if (!end)
            throw dts::Error("55000", "unreadable end-of-log LSN " + cutover + " of " + db);
        dts::Lsn r = *end;
        for (auto &row : conn.query_text("SELECT CAST(database_transaction_begin_lsn AS "
                                         "varchar(30)) FROM sys.dm_tran_database_transactions "
                                         "WHERE database_id = DB_ID() AND "
                                         "database_transaction_begin_lsn IS NOT NULL")
                             .rows)
            if (auto l = row[0] ? dts::Lsn::from_numeric(*row[0]) : std::nullopt; l && *l < r)
                r = *l;
        restart = r.to_log_string();
    }
    // Rows left from before (the cutover's deleted by hand) are older than this cutover.
    pg.exec("INSERT INTO dts.checkpoints (task_id, source_db, stage, lsn, state) SELECT $1, $2, "
            "s, l, st FROM (VALUES ('cutover', $3, NULL), ('log_restart', $4, NULL), "
            "('log_catalog', $3, $5), ('log_layouts', $3, $6)) v(s, l, st) WHERE l IS NOT NULL "
            "AND (s NOT IN ('log_catalog', 'log_layouts') OR st IS NOT NULL) ON CONFLICT "
            "(task_id, source_db, stage) DO UPDATE SET lsn = excluded.lsn, state = excluded.state, "
            "updated_at = now()",
            {std::to_string(task.id), db, cutover, restart, catalog, layouts});
    event(pg, task, "full", db,
          "cutover LSN " + cutover + " recorded" +
              (restart ? "; the log is read from " + *restart : std::string()));
}

void start_incremental(PgConnection &pg, const TaskRef &task, const SourceSettings &src,
                       const std::vector<std::string> &databases) {
    const std::string id = std::to_string(task.id);
    auto t = pg.query_rows("SELECT incremental_started_at::text, 'full' = ANY (stages) FROM "
                           "dts.tasks WHERE task_id = $1",
                           {id});
    if (t.empty())
        throw dts::Error("42704", "pg_dts task " + task.name + " no longer exists");
    const std::optional<std::string> started = t[0][0];
    const bool full = t[0][1] == "t";
    std::vector<std::string> missing;
    for (const auto &db : databases)
        if (pg.query_rows("SELECT FROM dts.checkpoints WHERE task_id = $1 AND source_db = $2 AND "
                          "stage = 'incremental' AND lsn IS NOT NULL",
                          {id, db})
                .empty())
            missing.push_back(db);
    if (started && !missing.empty())
        throw dts::Error(
            "55000",
            "task " + task.name + " has no incremental checkpoint for " + missing.front() +
                " (its incremental stage began at " + *started + ")",
            "the checkpoint (dts.checkpoints, stage 'incremental') is the last source commit the "
            "destination holds; resuming from the cutover would apply changes twice, from now "
            "would lose them",
            "Restore the row in dts.checkpoints, or drop and re-create the task (its destination "
            "tables emptied).");
    if (started)
        return;
    for (const auto &db : missing) {
        // Without a full stage nothing was copied: changes count from the current end of the log.
        if (!full)
            record_cutover(pg, task, src, db);
        auto cut = pg.query_rows("SELECT lsn FROM dts.checkpoints WHERE task_id = $1 AND source_db "
                                 "= $2 AND stage = 'cutover' AND lsn IS NOT NULL",
                                 {id, db});
        if (cut.empty())
            throw dts::Error("55000", "task " + task.name + " has no cutover LSN for " + db, {},
                             "The full stage records it before it copies: restart the task with "
                             "a full stage into emptied destination tables.");
    }
    pg.exec("BEGIN");
    for (const auto &db : missing)
        pg.exec("INSERT INTO dts.checkpoints (task_id, source_db, stage, lsn) SELECT task_id, "
                "source_db, 'incremental', lsn FROM dts.checkpoints WHERE task_id = $1 AND "
                "source_db = $2 AND stage = 'cutover' ON CONFLICT (task_id, source_db, stage) DO "
                "UPDATE SET lsn = excluded.lsn, updated_at = now() WHERE dts.checkpoints.lsn IS "
                "NULL",
                {id, db});
    pg.exec("UPDATE dts.tasks SET incremental_started_at = now() WHERE task_id = $1", {id});
    for (const auto &db : databases)
        event(pg, task, "incremental", db,
              "incremental stage begins after LSN " +
                  pg.query_rows("SELECT lsn FROM dts.checkpoints WHERE task_id = $1 AND "
                                "source_db = $2 AND stage = 'incremental'",
                                {id, db})
                      .at(0)[0]
                      .value_or("?"));
    pg.exec("COMMIT");
}

} // namespace sidecar
