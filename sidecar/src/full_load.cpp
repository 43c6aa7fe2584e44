#include "full_load.hpp"

#include "cdc_tables.hpp"
#include "cutover.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "pg_connection.hpp"
#include "source_settings.hpp"

#include "chunk_plan.hpp"
#include "copy_text.hpp"
#include "error.hpp"
#include "lsn.hpp"
#include "nul_policy.hpp"
#include "pg_quote.hpp"
#include "source_catalog.hpp"
#include "tsql_filter.hpp"
#include "tsql_quote.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace sidecar {

namespace {

struct TableJob {
    std::string db, schema, table, target_schema, target_table;
    std::string filter;                // T-SQL search condition, empty when none
    std::vector<std::string> columns;  // copied columns (source names = destination names)
    std::string key_column;            // range key, empty: whole-table chunks only
    std::vector<std::string> key;      // primary key columns, to name a row in errors
    bool strip_nul = false;            // the task's nul_policy is 'strip'
    std::vector<std::string> identity; // destination identity columns (sequences to advance)
    bool keep_existing = false;        // ignore_and_proceed: existing keys win
    bool has_unique_key = false;
    std::string source_name() const { return db + "." + schema + "." + table; }
    std::string target() const { return dts::pg::qualified(target_schema, target_table); }
};

struct Chunk {
    size_t job = 0;
    int chunk_no = 0;
    std::optional<std::string> lower, upper;
};

struct TaskInfo {
    std::vector<std::string> databases;
    std::string conflict_mode;
    bool schema_stage = false, incremental_stage = false;
    bool strip_nul = false;
};

std::vector<std::string> pg_array(PgConnection &pg, const std::optional<std::string> &literal) {
    std::vector<std::string> out;
    if (!literal)
        return out;
    for (auto &r : pg.query_rows("SELECT unnest($1::text[])", {literal}))
        out.push_back(r[0].value_or(""));
    return out;
}

TaskInfo load_task(PgConnection &pg, const TaskRef &task) {
    auto r = pg.query_rows("SELECT databases::text, conflict_mode, 'schema' = ANY (stages), "
                           "'incremental' = ANY (stages), nul_policy = 'strip' FROM dts.tasks "
                           "WHERE task_id = $1",
                           {std::to_string(task.id)});
    if (r.empty())
        throw dts::Error("42704", "pg_dts task " + task.name + " no longer exists");
    return {pg_array(pg, r[0][0]), *r[0][1], r[0][2] == "t", r[0][3] == "t", r[0][4] == "t"};
}

void event(PgConnection &pg, const TaskRef &task, const std::string &level,
           const std::string &object, const std::string &message) {
    pg.exec(
        "SELECT dts._log($1::bigint, $2, 'full', $3, $4)",
        {std::to_string(task.id), level, object.empty() ? PgConnection::Value() : object, message});
}

std::vector<std::string> destination_columns(PgConnection &pg, const std::string &target,
                                             std::vector<std::string> *identity, bool *unique_key) {
    auto rows = pg.query_rows("SELECT attname, attidentity <> '' FROM pg_attribute WHERE attrelid "
                              "= to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY "
                              "attnum",
                              {target});
    std::vector<std::string> out;
    for (auto &r : rows) {
        out.push_back(*r[0]);
        if (r[1] == "t")
            identity->push_back(*r[0]);
    }
    *unique_key = !pg.query_rows("SELECT 1 FROM pg_index WHERE indrelid = to_regclass($1) AND "
                                 "indisunique",
                                 {target})
                       .empty();
    return out;
}

// Builds the jobs of the task's unfinished tables and plans the chunks of those not planned yet.
std::vector<TableJob> prepare(PgConnection &pg, const Options &opts, const TaskRef &task,
                              const TaskInfo &info, const SourceSettings &src) {
    auto rows = pg.query_rows(
        "SELECT x.source_db, x.source_schema, x.source_table, x.target_schema, x.target_table, "
        "x.schema_state, s.filter, coalesce(s.primary_key, x.source_primary_key)::text, "
        "x.estimated_rows, (SELECT count(*) FROM dts.chunks c WHERE (c.task_id, c.source_db, "
        "c.source_schema, c.source_table) = (x.task_id, x.source_db, x.source_schema, "
        "x.source_table)), x.capture = 'cdc' AND (SELECT t.incremental_started_at IS NOT NULL "
        "FROM dts.tasks t WHERE t.task_id = x.task_id) FROM dts.tables x LEFT JOIN "
        "dts.table_settings s USING (task_id, source_db, source_schema, source_table) WHERE "
        "x.task_id = $1 AND x.full_state <> 'done' AND dts._selects(x.task_id, x.source_db, "
        "x.source_schema, x.source_table) ORDER BY x.estimated_rows DESC NULLS LAST, 1, 2, 3",
        {std::to_string(task.id)});
    std::map<std::string, std::vector<dts::catalog::TableName>> wanted;
    for (auto &r : rows)
        wanted[*r[0]].push_back({*r[1], *r[2]});
    std::map<std::string, std::vector<dts::catalog::Table>> catalogs;
    std::map<std::string, std::unique_ptr<dts::tds::Connection>> conns;
    for (auto &[db, names] : wanted) {
        conns[db] = std::make_unique<dts::tds::Connection>(src.for_database(db), src.credentials);
        catalogs[db] = dts::catalog::read_tables(*conns[db], db, names);
    }

    std::vector<TableJob> jobs;
    for (auto &r : rows) {
        TableJob j;
        j.db = *r[0];
        j.schema = *r[1];
        j.table = *r[2];
        j.target_schema = *r[3];
        j.target_table = *r[4];
        j.filter = r[6].value_or("");
        // dts.table_settings is checked when written; check again before the text reaches the
        // source, as nothing else stands between a stored filter and the task owner's login.
        if (!j.filter.empty())
            dts::tsql::require_search_condition(j.filter, "the row filter of " + j.source_name());
        j.keep_existing = info.conflict_mode == "ignore_and_proceed";
        const dts::catalog::Table *source = nullptr;
        for (const auto &t : catalogs[j.db])
            if (t.schema == j.schema && t.name == j.table)
                source = &t;
        if (!source)
            throw dts::Error("42P01", "source table " + j.source_name() + " no longer exists", {},
                             "Run dts_precheck() again, then restart the task.");
        auto dest = destination_columns(pg, j.target(), &j.identity, &j.has_unique_key);
        if (dest.empty())
            throw dts::Error("42P01",
                             "destination table " + j.target() + " for " + j.source_name() +
                                 " does not exist",
                             {},
                             info.schema_stage ? "Restart the task: its schema stage creates it."
                                               : "Create it, or add the schema stage to the task.");
        for (const auto &d : dest)
            for (const auto &c : source->columns)
                if (c.name == d) // computed columns too: they arrive as their values
                    j.columns.push_back(d);
        auto key = pg_array(pg, r[7]);
        j.key = key;
        j.strip_nul = info.strip_nul;
        if (!key.empty())
            for (const auto &c : source->columns)
                if (c.name == key.front() && dts::chunks::integer_key_type(c.type.name))
                    j.key_column = c.name;

        if (r[9] == "0") {
            // Plan: key ranges over [MIN, MAX] of the leading key column, open at both ends.
            std::vector<dts::chunks::Range> ranges{dts::chunks::Range{}};
            int64_t estimated = r[8] ? std::stoll(*r[8]) : 0;
            if (!j.key_column.empty() && estimated > opts.chunk_rows) {
                std::string k = dts::tsql::quote_ident(j.key_column);
                auto mm = conns[j.db]->query_text(
                    "SELECT CAST(MIN(" + k + ") AS bigint), CAST(MAX(" + k + ") AS bigint) FROM " +
                    dts::tsql::quote_name("", j.schema, j.table) +
                    (j.filter.empty() ? "" : " WHERE (" + j.filter + ")"));
                if (!mm.rows.empty() && mm.rows[0][0] && mm.rows[0][1])
                    ranges =
                        dts::chunks::split(std::stoll(*mm.rows[0][0]), std::stoll(*mm.rows[0][1]),
                                           estimated, opts.chunk_rows);
            }
            pg.exec("BEGIN");
            // Another sidecar may plan the same table: the row lock makes one of them plan, and
            // the other finds the chunks once the lock is free (a new snapshot per statement).
            const std::vector<PgConnection::Value> table_key{std::to_string(task.id), j.db,
                                                             j.schema, j.table};
            pg.exec("SELECT 1 FROM dts.tables WHERE task_id = $1 AND source_db = $2 AND "
                    "source_schema = $3 AND source_table = $4 FOR UPDATE",
                    table_key);
            if (!pg.query_rows("SELECT 1 FROM dts.chunks WHERE task_id = $1 AND source_db = $2 "
                               "AND source_schema = $3 AND source_table = $4 LIMIT 1",
                               table_key)
                     .empty()) {
                pg.exec("COMMIT");
                jobs.push_back(std::move(j));
                continue;
            }
            int no = 0;
            for (const auto &range : ranges) {
                auto bound = [](const std::optional<int64_t> &v) {
                    return v ? PgConnection::Value(std::to_string(*v)) : PgConnection::Value();
                };
                pg.exec(
                    "INSERT INTO dts.chunks (task_id, source_db, source_schema, source_table, "
                    "chunk_no, key_column, lower_bound, upper_bound) VALUES ($1, $2, $3, $4, "
                    "$5, $6, $7, $8)",
                    {std::to_string(task.id), j.db, j.schema, j.table, std::to_string(++no),
                     ranges.size() > 1 ? PgConnection::Value(j.key_column) : PgConnection::Value(),
                     bound(range.lower), bound(range.upper)});
            }
            pg.exec("UPDATE dts.tables SET full_state = 'copying' WHERE task_id = $1 AND "
                    "source_db = $2 AND source_schema = $3 AND source_table = $4",
                    {std::to_string(task.id), j.db, j.schema, j.table});
            if (r[10] == "t") {
                // A table added to a task whose change stream runs already: CDC was enabled on
                // it at the start (after the stream's position), before this copy. Its changes
                // are read from the capture's start, applied on top of the copy, as for a table
                // that joined while streaming.
                auto instances = capture_instances(*conns[j.db], j.schema, j.table);
                if (!instances.empty())
                    pg.exec("UPDATE dts.tables SET incremental_from = $5 WHERE task_id = $1 AND "
                            "source_db = $2 AND source_schema = $3 AND source_table = $4",
                            {std::to_string(task.id), j.db, j.schema, j.table,
                             instances.front().start.to_log_string()});
            }
            pg.exec("COMMIT");
            event(pg, task, "info", j.source_name(),
                  "copy planned in " + std::to_string(ranges.size()) + " chunk(s)" +
                      (ranges.size() > 1 ? " by " + j.key_column : std::string()));
        }
        jobs.push_back(std::move(j));
    }
    return jobs;
}

// One worker's connections: destination, and a source connection per database.
struct Worker {
    PgConnection pg;
    std::map<std::string, std::unique_ptr<dts::tds::Connection>> sources;
    explicit Worker(const std::string &dest) : pg(dest) {}
    dts::tds::Connection &source(const SourceSettings &src, const std::string &db) {
        auto &c = sources[db];
        if (!c || c->dead())
            c = std::make_unique<dts::tds::Connection>(src.for_database(db), src.credentials);
        return *c;
    }
};

// A string value holding NUL: stripped under nul_policy 'strip', else the task fails with the
// table, key and column named (COPY would refuse the byte, naming none of them).
void nul_value(std::string &buf, const TaskRef &task, const TableJob &j, dts::tds::Connection &tds,
               const std::vector<int> &types, const std::vector<int> &scales, int col,
               const uint8_t *p, int len) {
    const std::string_view v(reinterpret_cast<const char *>(p), static_cast<size_t>(len));
    if (j.strip_nul) {
        dts::copy::append_field(buf, dts::nul::strip(v));
        return;
    }
    std::vector<std::optional<std::string>> key;
    for (const auto &k : j.key) {
        auto at = std::find(j.columns.begin(), j.columns.end(), k);
        const int i = static_cast<int>(at - j.columns.begin()) + 1;
        const uint8_t *d = at == j.columns.end() ? nullptr : tds.data(i);
        key.push_back(d ? std::optional<std::string>(dts::tds::value_to_text(
                              types[static_cast<size_t>(i - 1)], d, tds.length(i),
                              scales[static_cast<size_t>(i - 1)]))
                        : std::nullopt);
    }
    tds.cancel();
    throw dts::nul::error(task.name, j.source_name(), j.columns[static_cast<size_t>(col - 1)],
                          dts::nul::describe_key(j.key, key));
}

// Copies one chunk in one destination transaction. False when stopped (rolled back).
bool copy_chunk(Worker &w, const SourceSettings &src, const TaskRef &task, const TableJob &j,
                const Chunk &c, const StopCheck &stopped) {
    PgConnection &pg = w.pg;
    const std::string id = std::to_string(task.id), no = std::to_string(c.chunk_no);
    bool in_copy = false;
    try {
        pg.exec("BEGIN");
        // Another sidecar (or an earlier run) may hold or have finished this chunk.
        auto mine = pg.query_rows(
            "SELECT state FROM dts.chunks WHERE task_id = $1 AND source_db = $2 AND "
            "source_schema = $3 AND source_table = $4 AND chunk_no = $5 FOR UPDATE SKIP LOCKED",
            {id, j.db, j.schema, j.table, no});
        if (mine.empty() || mine[0][0] != "pending") {
            pg.exec("ROLLBACK");
            return true;
        }
        pg.exec("SELECT dts._replica_mode()");
        std::string cols, select_cols;
        for (const auto &col : j.columns) {
            cols += (cols.empty() ? "" : ", ") + dts::pg::quote_ident(col);
            select_cols += (select_cols.empty() ? "" : ", ") + dts::tsql::quote_ident(col);
        }
        std::string into = j.target();
        if (j.keep_existing && j.has_unique_key) {
            // One stage per target (its oid in the name): a worker copies many tables, and a
            // stage shaped like another table would coerce these rows to its column types.
            into =
                "dts_chunk_" + *pg.query_rows("SELECT $1::regclass::oid", {j.target()}).at(0).at(0);
            pg.exec("CREATE TEMP TABLE IF NOT EXISTS " + into + " (LIKE " + j.target() +
                    ") ON COMMIT DELETE ROWS");
        }
        std::vector<std::string> where;
        if (!j.filter.empty())
            where.push_back("(" + j.filter + ")");
        std::string k = dts::tsql::quote_ident(j.key_column);
        if (c.lower)
            where.push_back(k + " >= " + *c.lower);
        if (c.upper)
            where.push_back(k + " < " + *c.upper);
        std::string sql =
            "SELECT " + select_cols + " FROM " + dts::tsql::quote_name("", j.schema, j.table);
        for (size_t i = 0; i < where.size(); ++i)
            sql += (i ? " AND " : " WHERE ") + where[i];

        dts::tds::Connection &tds = w.source(src, j.db);
        pg.copy_begin("COPY " + into + " (" + cols + ") FROM STDIN");
        in_copy = true;
        tds.execute(sql);
        std::string buf;
        buf.reserve(1 << 18);
        long long rows = 0;
        std::vector<int> types, scales;
        while (tds.next_result()) {
            const int n = tds.column_count();
            if (n == 0)
                continue;
            types.clear();
            scales.clear();
            for (int i = 1; i <= n; ++i) {
                auto d = tds.column(i);
                types.push_back(d.type);
                scales.push_back(d.scale);
            }
            while (tds.next_row()) {
                for (int i = 1; i <= n; ++i) {
                    if (i > 1)
                        buf += '\t';
                    const uint8_t *p = tds.data(i);
                    const int len = p ? tds.length(i) : 0;
                    if (!p)
                        dts::copy::append_null(buf);
                    else if (dts::tds::is_string_type(types[i - 1]) &&
                             std::memchr(p, 0, static_cast<size_t>(len)))
                        nul_value(buf, task, j, tds, types, scales, i, p, len);
                    else
                        dts::tds::append_copy_text(buf, types[i - 1], p, len, scales[i - 1]);
                }
                buf += '\n';
                if (buf.size() >= (1u << 18)) {
                    pg.copy_put(buf);
                    buf.clear();
                }
                if ((++rows & 1023) == 0 && stopped()) {
                    tds.cancel();
                    pg.copy_abort("pg_dts: task stopped");
                    in_copy = false;
                    pg.exec("ROLLBACK");
                    return false;
                }
            }
        }
        if (!buf.empty())
            pg.copy_put(buf);
        pg.copy_end();
        in_copy = false;
        if (into != j.target())
            pg.exec("INSERT INTO " + j.target() + " (" + cols + ") SELECT " + cols + " FROM " +
                    into + " ON CONFLICT DO NOTHING");
        pg.exec("UPDATE dts.chunks SET state = 'done', rows = $6, copied_at = now() WHERE "
                "task_id = $1 AND source_db = $2 AND source_schema = $3 AND source_table = $4 AND "
                "chunk_no = $5",
                {id, j.db, j.schema, j.table, no, std::to_string(rows)});
        // now() is this chunk's start: a table's clock starts with its first chunk.
        pg.exec("UPDATE dts.tables SET rows_copied = rows_copied + $5, full_started_at = "
                "coalesce(full_started_at, now()) WHERE task_id = $1 AND source_db = $2 AND "
                "source_schema = $3 AND source_table = $4",
                {id, j.db, j.schema, j.table, std::to_string(rows)});
        pg.exec("UPDATE dts.tasks SET sidecar_seen_at = now(), attempts = 0, failing_since = "
                "NULL WHERE task_id = $1",
                {id});
        pg.exec("COMMIT");
        metrics::rows_copied(task.name, j.source_name(), static_cast<uint64_t>(rows));
        log::write(log::Level::Debug, "chunk copied",
                   {{"task", task.name},
                    {"table", j.source_name()},
                    {"chunk", no},
                    {"rows", std::to_string(rows)}});
        return true;
    } catch (...) {
        if (in_copy)
            pg.copy_abort("pg_dts: chunk failed");
        if (pg.healthy()) {
            try {
                pg.exec("ROLLBACK");
            } catch (...) {
            }
        }
        throw;
    }
}

// All chunks of the table are done: advance identity sequences past the copied values, mark it.
void finish_table(PgConnection &pg, const TaskRef &task, const TableJob &j) {
    const std::string id = std::to_string(task.id);
    auto left = pg.query_rows("SELECT count(*) FROM dts.chunks WHERE task_id = $1 AND source_db = "
                              "$2 AND source_schema = $3 AND source_table = $4 AND state <> "
                              "'done'",
                              {id, j.db, j.schema, j.table});
    if (left[0][0] != "0")
        return;
    pg.exec("BEGIN");
    for (const auto &col : j.identity)
        pg.exec("SELECT setval(pg_get_serial_sequence($1, $2), m) FROM (SELECT max(" +
                    dts::pg::quote_ident(col) + ") AS m FROM " + j.target() +
                    ") x WHERE m IS NOT NULL",
                {j.target(), col});
    pg.exec("UPDATE dts.tables SET full_state = 'done', full_finished_at = now() WHERE task_id = "
            "$1 AND source_db = $2 AND source_schema = $3 AND source_table = $4",
            {id, j.db, j.schema, j.table});
    auto copied = pg.query_rows("SELECT rows_copied FROM dts.tables WHERE task_id = $1 AND "
                                "source_db = $2 AND source_schema = $3 AND source_table = $4",
                                {id, j.db, j.schema, j.table});
    event(pg, task, "info", j.source_name(),
          "copied " + copied[0][0].value_or("0") + " rows into " + j.target());
    pg.exec("COMMIT");
}

} // namespace

bool run_full_load(const Options &opts, const TaskRef &task, const StopCheck &stopped) {
    PgConnection pg(opts.destination);
    TaskInfo info = load_task(pg, task);
    SourceSettings src = source_settings(pg, task.id, opts.source_idle_timeout);
    // Only a change stream starts at the cutover: a task without one reads no log position (which
    // needs VIEW SERVER STATE at the source).
    if (info.incremental_stage)
        for (const auto &db : info.databases)
            record_cutover(pg, task, src, db);
    std::vector<TableJob> jobs = prepare(pg, opts, task, info, src);

    std::vector<Chunk> queue;
    for (size_t i = 0; i < jobs.size(); ++i)
        for (auto &r :
             pg.query_rows("SELECT chunk_no, lower_bound::text, upper_bound::text FROM "
                           "dts.chunks WHERE task_id = $1 AND source_db = $2 AND "
                           "source_schema = $3 AND source_table = $4 AND state = "
                           "'pending' ORDER BY chunk_no",
                           {std::to_string(task.id), jobs[i].db, jobs[i].schema, jobs[i].table}))
            queue.push_back({i, std::stoi(*r[0]), r[1], r[2]});
    log::info("full load", {{"task", task.name},
                            {"tables", std::to_string(jobs.size())},
                            {"chunks_left", std::to_string(queue.size())},
                            {"workers", std::to_string(opts.workers)}});

    std::atomic<size_t> next{0};
    std::atomic<bool> halt{false};
    std::mutex error_mutex;
    std::exception_ptr error;
    auto should_stop = [&]() { return halt.load() || stopped(); };
    auto work = [&]() {
        try {
            Worker w(opts.destination);
            for (;;) {
                if (should_stop())
                    return;
                size_t i = next.fetch_add(1);
                if (i >= queue.size())
                    return;
                if (!copy_chunk(w, src, task, jobs[queue[i].job], queue[i], should_stop))
                    return;
            }
        } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!error)
                error = std::current_exception();
            halt = true;
        }
    };
    const int n = std::max(1, std::min<int>(opts.workers, static_cast<int>(queue.size())));
    // Chunks another sidecar holds are skipped; go over the queue again until none is pending.
    // A sidecar that dies releases its row locks with its connection, so its chunks are taken
    // over here.
    for (;;) {
        next = 0;
        std::vector<std::thread> threads;
        for (int i = 0; i < n; ++i)
            threads.emplace_back(work);
        for (auto &t : threads)
            t.join();
        if (error)
            std::rethrow_exception(error);
        if (stopped())
            return false;
        auto pending = pg.query_rows(
            "SELECT count(*) FROM dts.chunks WHERE task_id = $1 AND state = 'pending'",
            {std::to_string(task.id)});
        if (queue.empty() || pending.at(0).at(0) == "0")
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }

    for (const auto &j : jobs)
        finish_table(pg, task, j);
    auto left = pg.query_rows("SELECT count(*) FROM dts.tables WHERE task_id = $1 AND full_state "
                              "<> 'done'",
                              {std::to_string(task.id)});
    if (left[0][0] != "0")
        throw dts::Error("55000", "full load of task " + task.name + " left tables unfinished");
    // Hand over: the incremental stage starts at the cutover LSN; without it the task is done.
    pg.exec("BEGIN");
    if (info.incremental_stage) {
        pg.exec("UPDATE dts.tasks SET stage = 'incremental' WHERE task_id = $1 AND state = "
                "'running'",
                {std::to_string(task.id)});
        event(pg, task, "info", "", "full stage done; the incremental stage starts at the cutover");
    } else {
        pg.exec("UPDATE dts.tasks SET state = 'completed', stopped_at = now() WHERE task_id = $1 "
                "AND state = 'running'",
                {std::to_string(task.id)});
        event(pg, task, "info", "", "full stage done; task completed");
    }
    pg.exec("SELECT pg_notify('dts_task', $1)", {task.name});
    pg.exec("COMMIT");
    return true;
}

} // namespace sidecar
