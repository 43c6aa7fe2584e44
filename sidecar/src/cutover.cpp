#include "cutover.hpp"

#include "catalog_snapshot.hpp"

#include "log.hpp"

#include "error.hpp"
#include "lsn.hpp"

#include <optional>

namespace sidecar {

namespace {

void event(PgConnection &pg, const TaskRef &task, const std::string &stage, const std::string &db,
           const std::string &message) {
    pg.exec("SELECT dts._log($1::bigint, 'info', $2, $3, $4)",
            {std::to_string(task.id), stage, db, message});
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
    auto res = conn.query_text("SELECT log_end_lsn FROM sys.dm_db_log_stats(DB_ID())");
    if (res.rows.empty() || !res.rows[0][0])
        throw dts::Error("55000", "SQL Server did not report the end of the log of " + db);
    const std::string cutover = *res.rows[0][0];
    // The log reader re-assembles transactions from their begin records: it starts at the
    // oldest transaction open at the cutover, whose changes commit after it.
    std::optional<std::string> restart;
    if (pg.query_rows("SELECT EXISTS (SELECT FROM dts.tables WHERE task_id = $1 AND source_db = $2 "
                      "AND capture = 'log')",
                      {std::to_string(task.id), db})
            .at(0)[0] == "t") {
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
    // Log mode finds DDL by comparing the catalog with the one the destination reflects: the
    // one read here, before the copy.
    std::optional<std::string> catalog;
    if (restart)
        catalog = dts::ddl::encode_catalog(read_catalog(conn));
    pg.exec("INSERT INTO dts.checkpoints (task_id, source_db, stage, lsn, state) SELECT $1, $2, "
            "s, l, st FROM (VALUES ('cutover', $3, NULL), ('log_restart', $4, NULL), "
            "('log_catalog', $3, $5)) v(s, l, st) WHERE l IS NOT NULL AND (s <> 'log_catalog' OR "
            "st IS NOT NULL) ON CONFLICT DO NOTHING",
            {std::to_string(task.id), db, cutover, restart, catalog});
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
