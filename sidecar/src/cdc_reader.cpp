#include "cdc_reader.hpp"

#include "apply_writer.hpp"
#include "log.hpp"
#include "pg_connection.hpp"
#include "source_settings.hpp"

#include "error.hpp"
#include "pg_quote.hpp"
#include "source_catalog.hpp"
#include "tsql_quote.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

namespace sidecar {

namespace {

using dts::Lsn;
using dts::changes::Change;
using dts::changes::Op;
using dts::changes::Values;

constexpr size_t kBatchChanges = 20000; // whole transactions are added until a batch has this many

struct Captured {
    std::string source_name;
    std::string capture_instance;
    TableChanges apply; // target, columns, key positions, DML selection
};

struct Raw {
    Lsn commit, seq;
    int op = 0; // __$operation
    size_t table = 0;
    Values values;
};

std::vector<std::string> pg_array(PgConnection &pg, const std::optional<std::string> &literal) {
    std::vector<std::string> out;
    if (literal)
        for (auto &r : pg.query_rows("SELECT unnest($1::text[])", {literal}))
            out.push_back(r[0].value_or(""));
    return out;
}

Lsn lsn_of(const std::optional<std::string> &text, const std::string &what) {
    auto l = text ? Lsn::parse(*text) : std::nullopt;
    if (!l)
        throw dts::Error("55000", "no usable LSN for " + what);
    return *l;
}

// The task's tables in one source database with their capture instances and apply settings.
std::vector<Captured> load_tables(PgConnection &pg, dts::tds::Connection &src, const TaskRef &task,
                                  const std::string &db) {
    auto rows = pg.query_rows(
        "SELECT x.source_schema, x.source_table, x.target_schema, x.target_table, "
        "coalesce(s.primary_key, x.source_primary_key)::text, s.dml::text FROM dts.tables x LEFT "
        "JOIN dts.table_settings s USING (task_id, source_db, source_schema, source_table) WHERE "
        "x.task_id = $1 AND x.source_db = $2 ORDER BY 1, 2",
        {std::to_string(task.id), db});
    std::vector<Captured> out;
    for (auto &r : rows) {
        Captured c;
        const std::string schema = *r[0], table = *r[1];
        c.source_name = db + "." + schema + "." + table;
        c.apply.target = dts::pg::qualified(*r[2], *r[3]);
        auto ci =
            src.query_text("SELECT TOP (1) ct.capture_instance FROM cdc.change_tables ct WHERE "
                           "ct.source_object_id = OBJECT_ID(" +
                           dts::tsql::quote_literal(dts::tsql::quote_name("", schema, table)) +
                           ") ORDER BY ct.create_date DESC");
        if (ci.rows.empty() || !ci.rows[0][0])
            throw dts::Error("55000", "source table " + c.source_name + " is not tracked by CDC",
                             {},
                             "On SQL Server: EXEC sys.sp_cdc_enable_table @source_schema = N'" +
                                 schema + "', @source_name = N'" + table +
                                 "', @role_name = NULL; before the task's full stage.");
        c.capture_instance = *ci.rows[0][0];
        std::vector<std::string> captured;
        for (auto &cc : src.query_text("SELECT cc.column_name FROM cdc.captured_columns cc JOIN "
                                       "cdc.change_tables ct ON ct.object_id = cc.object_id "
                                       "WHERE ct.capture_instance = " +
                                       dts::tsql::quote_literal(c.capture_instance) +
                                       " ORDER BY cc.column_ordinal")
                            .rows)
            captured.push_back(cc[0].value_or(""));
        for (auto &a : pg.query_rows("SELECT attname FROM pg_attribute WHERE attrelid = "
                                     "$1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY "
                                     "attnum",
                                     {c.apply.target})) {
            if (std::find(captured.begin(), captured.end(), *a[0]) == captured.end())
                throw dts::Error("55000",
                                 "column " + *a[0] + " of " + c.apply.target +
                                     " is not captured by CDC instance " + c.capture_instance,
                                 {}, "Capture every synced column (a new capture instance).");
            c.apply.columns.push_back(*a[0]);
        }
        for (const auto &k : pg_array(pg, r[4])) {
            auto it = std::find(c.apply.columns.begin(), c.apply.columns.end(), k);
            if (it != c.apply.columns.end())
                c.apply.key_positions.push_back(static_cast<size_t>(it - c.apply.columns.begin()));
        }
        auto dml = pg_array(pg, r[5]);
        if (!dml.empty()) {
            auto has = [&](const char *op) {
                return std::find(dml.begin(), dml.end(), op) != dml.end();
            };
            c.apply.dml = {has("INSERT"), has("UPDATE"), has("DELETE")};
        }
        out.push_back(std::move(c));
    }
    return out;
}

// Reads one capture instance's changes in [from, to] as DB-Library raw values converted to text.
void read_changes(dts::tds::Connection &src, const Captured &c, size_t index, const Lsn &from,
                  const Lsn &to, std::vector<Raw> &out) {
    std::string cols;
    for (const auto &col : c.apply.columns)
        cols += ", " + dts::tsql::quote_ident(col);
    src.execute("SELECT [__$start_lsn], [__$seqval], [__$operation]" + cols + " FROM cdc." +
                dts::tsql::quote_ident("fn_cdc_get_all_changes_" + c.capture_instance) + "(" +
                from.to_hex_literal() + ", " + to.to_hex_literal() +
                ", N'all update old') ORDER BY [__$start_lsn], [__$seqval], [__$operation]");
    while (src.next_result()) {
        const int n = src.column_count();
        if (n == 0)
            continue;
        std::vector<dts::tds::ColumnDesc> desc;
        for (int i = 1; i <= n; ++i)
            desc.push_back(src.column(i));
        while (src.next_row()) {
            Raw r;
            r.table = index;
            auto bin = [&](int i) {
                const uint8_t *p = src.data(i);
                auto l = p ? Lsn::from_binary(std::string_view(reinterpret_cast<const char *>(p),
                                                               static_cast<size_t>(src.length(i))))
                           : std::nullopt;
                return l.value_or(Lsn{});
            };
            r.commit = bin(1);
            r.seq = bin(2);
            const uint8_t *op = src.data(3);
            r.op = op ? std::stoi(dts::tds::value_to_text(desc[2].type, op, src.length(3), 0)) : 0;
            for (int i = 4; i <= n; ++i) {
                const uint8_t *p = src.data(i);
                r.values.push_back(p ? dts::changes::Value(dts::tds::value_to_text(
                                           desc[static_cast<size_t>(i - 1)].type, p, src.length(i),
                                           desc[static_cast<size_t>(i - 1)].scale))
                                     : dts::changes::Value());
            }
            out.push_back(std::move(r));
        }
    }
}

// The first column of a one-row query that returns binary(10), as an LSN (NULL: nullopt).
std::optional<Lsn> query_lsn(dts::tds::Connection &src, const std::string &sql) {
    std::optional<Lsn> out;
    src.execute(sql);
    while (src.next_result())
        while (src.next_row())
            if (const uint8_t *p = src.data(1))
                out = Lsn::from_binary(std::string_view(reinterpret_cast<const char *>(p),
                                                        static_cast<size_t>(src.length(1))));
    return out;
}

Values key_of(const Captured &c, const Values &row) {
    if (c.apply.key_positions.empty())
        return row; // whole-row identity
    Values k;
    for (size_t p : c.apply.key_positions)
        k.push_back(p < row.size() ? row[p] : dts::changes::Value());
    return k;
}

} // namespace

bool run_cdc_incremental(const Options &opts, const TaskRef &task, const StopCheck &stopped) {
    PgConnection pg(opts.destination);
    SourceSettings src = source_settings(pg, task.id);
    auto dbs = pg.query_rows("SELECT unnest(databases) FROM dts.tasks WHERE task_id = $1",
                             {std::to_string(task.id)});
    struct Source {
        std::string db;
        std::unique_ptr<dts::tds::Connection> conn;
        std::vector<Captured> tables;
    };
    std::vector<Source> sources;
    for (auto &d : dbs) {
        Source s;
        s.db = *d[0];
        s.conn = std::make_unique<dts::tds::Connection>(src.for_database(s.db), src.credentials);
        s.tables = load_tables(pg, *s.conn, task, s.db);
        sources.push_back(std::move(s));
    }
    log::info("incremental stage (CDC)",
              {{"task", task.name}, {"databases", std::to_string(sources.size())}});
    int idle_ms = 200;
    auto last_beat = std::chrono::steady_clock::now() - std::chrono::hours(1);
    bool beat_warned = false;
    while (!stopped()) {
        // The heartbeat row (dts_prepare_source made its table): a change at the source even
        // when the application is idle, so the time of the last applied change stays current.
        if (std::chrono::steady_clock::now() - last_beat > std::chrono::seconds(10)) {
            last_beat = std::chrono::steady_clock::now();
            for (auto &s : sources) {
                try {
                    s.conn->execute_all(
                        "BEGIN TRAN; DELETE FROM dbo.dts_sync_progress WHERE task_name = " +
                        dts::tsql::quote_literal(task.name) +
                        "; INSERT INTO dbo.dts_sync_progress (task_name, heartbeat, sidecar) "
                        "VALUES (" +
                        dts::tsql::quote_literal(task.name) +
                        ", SYSUTCDATETIME(), HOST_NAME()); "
                        "COMMIT");
                } catch (const dts::Error &e) {
                    if (e.sqlstate.rfind("08", 0) == 0)
                        throw;
                    if (!beat_warned)
                        log::warning("cannot write the heartbeat row",
                                     {{"task", task.name}, {"db", s.db}, {"error", e.what()}});
                    beat_warned = true;
                }
            }
        }
        bool any = false;
        for (auto &s : sources) {
            if (s.tables.empty())
                continue;
            auto cp = pg.query_rows(
                "SELECT (SELECT lsn FROM dts.checkpoints WHERE task_id = $1 AND source_db = $2 AND "
                "stage = 'incremental'), (SELECT lsn FROM dts.checkpoints WHERE task_id = $1 AND "
                "source_db = $2 AND stage = 'cutover')",
                {std::to_string(task.id), s.db});
            Lsn from = (cp[0][0] ? lsn_of(cp[0][0], "the checkpoint")
                                 : lsn_of(cp[0][1], "the cutover of " + s.db))
                           .next();
            auto max_lsn = query_lsn(*s.conn, "SELECT sys.fn_cdc_get_max_lsn()");
            if (!max_lsn || *max_lsn < from)
                continue;
            std::vector<Raw> changes;
            for (size_t i = 0; i < s.tables.size(); ++i) {
                auto min_lsn = query_lsn(
                    *s.conn, "SELECT sys.fn_cdc_get_min_lsn(" +
                                 dts::tsql::quote_literal(s.tables[i].capture_instance) + ")");
                if (min_lsn && from < *min_lsn)
                    throw dts::Error(
                        "55000",
                        "changes of " + s.tables[i].source_name + " from LSN " +
                            from.to_log_string() + " are gone: CDC keeps them only from " +
                            min_lsn->to_log_string(),
                        {},
                        "CDC retention passed the task's position (or CDC was enabled after the "
                        "full stage's cutover); restart the task with a full stage.");
                read_changes(*s.conn, s.tables[i], i, from, *max_lsn, changes);
            }
            if (changes.empty())
                continue;
            any = true;
            std::stable_sort(changes.begin(), changes.end(), [](const Raw &a, const Raw &b) {
                return std::tie(a.commit, a.seq, a.op) < std::tie(b.commit, b.seq, b.op);
            });
            // Batches of whole transactions.
            size_t i = 0;
            while (i < changes.size() && !stopped()) {
                Batch batch;
                batch.task_id = task.id;
                batch.source_db = s.db;
                for (const auto &t : s.tables) {
                    batch.tables.push_back(t.apply);
                    batch.tables.back().changes.clear();
                }
                batch.first_commit = changes[i].commit;
                size_t n = 0;
                while (i < changes.size()) {
                    const Lsn tx = changes[i].commit;
                    if (n >= kBatchChanges && tx != batch.last_commit)
                        break;
                    for (; i < changes.size() && changes[i].commit == tx; ++i) {
                        Raw &r = changes[i];
                        const Captured &c = s.tables[r.table];
                        auto &out = batch.tables[r.table].changes;
                        Change ch;
                        ch.commit_lsn = r.commit;
                        ch.seqval = r.seq;
                        if (r.op == 1) {
                            ch.op = Op::Delete;
                            ch.key = key_of(c, r.values);
                        } else if (r.op == 2) {
                            ch.op = Op::Insert;
                            ch.key = key_of(c, r.values);
                            ch.row = std::move(r.values);
                        } else if (r.op == 3) {
                            continue; // paired with its operation 4 below
                        } else if (r.op == 4) {
                            ch.op = Op::Update;
                            ch.key = key_of(c, r.values);
                            ch.row = std::move(r.values);
                            if (i > 0 && changes[i - 1].op == 3 && changes[i - 1].seq == r.seq &&
                                changes[i - 1].table == r.table) {
                                Values before = key_of(c, changes[i - 1].values);
                                if (c.apply.key_positions.empty())
                                    ch.key = before; // whole-row: remove the old image
                                else if (before != ch.key)
                                    ch.old_key = before;
                            }
                        }
                        out.push_back(std::move(ch));
                        ++n;
                    }
                    batch.last_commit = tx;
                    ++batch.transactions;
                }
                bool applied = apply_batch(pg, batch);
                log::write(log::Level::Debug, applied ? "batch applied" : "batch skipped (applied)",
                           {{"task", task.name},
                            {"db", s.db},
                            {"to_lsn", batch.last_commit.to_log_string()},
                            {"transactions", std::to_string(batch.transactions)},
                            {"changes", std::to_string(n)}});
            }
        }
        pg.exec("UPDATE dts.tasks SET sidecar_seen_at = now(), attempts = 0, failing_since = NULL "
                "WHERE task_id = $1",
                {std::to_string(task.id)});
        // Adaptive polling: quick while changes flow, backing off to 5 s when idle.
        idle_ms = any ? 200 : std::min(5000, idle_ms * 2);
        for (int waited = 0; waited < idle_ms && !stopped(); waited += 100)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

} // namespace sidecar
