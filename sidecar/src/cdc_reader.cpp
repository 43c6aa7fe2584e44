#include "cdc_reader.hpp"

#include "apply_lane.hpp"

#include "apply_writer.hpp"
#include "catalog_snapshot.hpp"
#include "cdc_tables.hpp"
#include "cutover.hpp"
#include "log.hpp"
#include "log_stream.hpp"
#include "pg_connection.hpp"
#include "source_settings.hpp"

#include "error.hpp"
#include "pg_quote.hpp"
#include "tsql_quote.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

namespace sidecar {

namespace {

using dts::Lsn;
using dts::changes::Change;
using dts::changes::Op;
using dts::changes::Value;
using dts::changes::Values;

struct Raw {
    Lsn commit, seq;
    int op = 0; // __$operation: 1 delete, 2 insert, 3 update (before), 4 update (after)
    size_t table = 0;
    Values values;
    // Tables with a row filter: whether the image satisfies it (1/0); -1 when not evaluated.
    int inside = -1;
};

// Which capture instance serves a table in the current read window, and from where.
struct Plan {
    size_t table = 0;
    const CaptureInstance *instance = nullptr;
    Lsn from;
    TableChanges columns; // the table's apply settings with this instance's columns
    // Whole-row tables: (position in columns, __$update_mask ordinal) of large-value columns.
    std::vector<std::pair<size_t, int>> lobs;
};

struct Source {
    std::string db;
    dts::ddl::Catalog catalog; // log mode: the source catalog as of the position
    std::unique_ptr<dts::tds::Connection> conn;
    LogStream::Connect connect; // another connection like conn (the log reader's read-ahead)
    std::vector<CdcTable> tables;
    std::unique_ptr<LogStream> log; // when some tables are captured from the log
    bool cdc = false;               // when some are captured with CDC
    // The last commit of the last batch handed to the apply lane: the checkpoint once the lane
    // is done (the next window starts after it without waiting for that).
    std::optional<Lsn> submitted;
};

// A duration for the log, in whole milliseconds.
std::string ms_text(std::chrono::steady_clock::duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

Lsn lsn_of(const std::optional<std::string> &text, const std::string &what) {
    auto l = text ? Lsn::parse(*text) : std::nullopt;
    if (!l)
        throw dts::Error("55000", "no usable LSN for " + what);
    return *l;
}

// dts.tables.capture_seen as string_to_array(text, ',') takes it.
std::string seen_text(const std::vector<dts::capture::Seen> &seen) {
    std::string out;
    for (const auto &c : seen)
        out += (out.empty() ? "" : ",") + dts::capture::to_text(c);
    return out;
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

// Streams the rows of a query whose first columns are __$start_lsn, __$seqval, __$operation,
// __$update_mask (or, with `cdc_columns` false, plain table rows) to
// on_row(commit, seq, op, mask, values). An on_row that returns bool stops the read by returning
// false: the rest of the batch is cancelled.
template <typename OnRow>
void stream_rows(dts::tds::Connection &src, const std::string &sql, bool cdc_columns,
                 OnRow &&on_row) {
    src.execute(sql);
    const int first = cdc_columns ? 5 : 1;
    while (src.next_result()) {
        const int n = src.column_count();
        if (n == 0)
            continue;
        std::vector<dts::tds::ColumnDesc> desc;
        for (int i = 1; i <= n; ++i)
            desc.push_back(src.column(i));
        auto bin = [&](int i) {
            const uint8_t *p = src.data(i);
            auto l = p ? Lsn::from_binary(std::string_view(reinterpret_cast<const char *>(p),
                                                           static_cast<size_t>(src.length(i))))
                       : std::nullopt;
            return l.value_or(Lsn{});
        };
        while (src.next_row()) {
            Lsn commit, seq;
            int op = 0;
            std::string mask;
            if (cdc_columns) {
                commit = bin(1);
                seq = bin(2);
                const uint8_t *o = src.data(3);
                op = o ? std::stoi(dts::tds::value_to_text(desc[2].type, o, src.length(3), 0)) : 0;
                if (const uint8_t *m = src.data(4))
                    mask.assign(reinterpret_cast<const char *>(m),
                                static_cast<size_t>(src.length(4)));
            }
            Values values;
            values.reserve(static_cast<size_t>(n - first + 1));
            for (int i = first; i <= n; ++i) {
                const uint8_t *p = src.data(i);
                const auto &d = desc[static_cast<size_t>(i - 1)];
                values.push_back(
                    p ? Value(dts::tds::value_to_text(d.type, p, src.length(i), d.scale))
                      : Value());
            }
            if constexpr (std::is_same_v<decltype(on_row(commit, seq, op, mask, std::move(values))),
                                         bool>) {
                if (!on_row(commit, seq, op, mask, std::move(values))) {
                    src.cancel();
                    return;
                }
            } else {
                on_row(commit, seq, op, mask, std::move(values));
            }
        }
    }
}

// What a change holds in memory, near enough for a budget: its values' bytes.
size_t change_bytes(const Values &values, const std::string &mask) {
    size_t n = mask.size() + sizeof(Values);
    for (const auto &v : values)
        n += sizeof(v) + (v ? v->size() : 0);
    return n;
}

// With a row filter, SQL Server evaluates it on each image as the last column (the change
// function returns the source's column names): its own semantics, nothing translated.
std::string changes_sql(const Plan &p, const Lsn &from, const Lsn &to, long top) {
    std::string cols;
    for (const auto &col : p.columns.columns)
        cols += ", " + dts::tsql::quote_ident(col);
    if (!p.columns.filter.empty())
        cols += ", CASE WHEN (" + p.columns.filter + ") THEN 1 ELSE 0 END";
    return std::string("SELECT ") + (top > 0 ? "TOP (" + std::to_string(top) + ") " : "") +
           "[__$start_lsn], [__$seqval], [__$operation], [__$update_mask]" + cols + " FROM cdc." +
           dts::tsql::quote_ident("fn_cdc_get_all_changes_" + p.instance->name) + "(" +
           from.to_hex_literal() + ", " + to.to_hex_literal() +
           ", N'all update old') ORDER BY [__$start_lsn], [__$seqval], [__$operation]";
}

// CDC leaves large values out of update before-images when the update did not change them
// (NULL, documented for cdc.<instance>_CT); the after-image has them, and whole-row matching
// needs them.
void restore_unchanged(const Plan &p, Values &before, const Values &after,
                       const std::string &mask) {
    for (const auto &[pos, ordinal] : p.lobs) {
        if (ordinal <= 0 || pos >= before.size() || pos >= after.size() || before[pos])
            continue;
        const size_t byte = static_cast<size_t>(ordinal - 1) / 8;
        const bool changed =
            byte < mask.size() &&
            (static_cast<unsigned char>(mask[mask.size() - 1 - byte]) >> ((ordinal - 1) % 8)) & 1;
        if (!changed)
            before[pos] = after[pos];
    }
}

// The filter flag changes_sql() adds, taken off the values: 1/0, or -1 without a filter.
int take_inside(const Plan &p, Values &values) {
    if (p.columns.filter.empty() || values.empty())
        return -1;
    const bool inside = values.back() == "1";
    values.pop_back();
    return inside ? 1 : 0;
}

Values key_of(const TableChanges &t, const Values &row) {
    if (t.key_positions.empty())
        return row; // whole-row identity
    Values k;
    for (size_t p : t.key_positions)
        k.push_back(p < row.size() ? row[p] : Value());
    return k;
}

std::optional<std::string> column(const TableChanges &t, const Values &row,
                                  const std::string &name) {
    auto it = std::find(t.columns.begin(), t.columns.end(), name);
    if (it == t.columns.end())
        return std::nullopt;
    size_t i = static_cast<size_t>(it - t.columns.begin());
    return i < row.size() ? row[i] : std::nullopt;
}

// Appends the changes of one source transaction (rows[begin, end), one commit LSN) to the
// per-table change lists; pairs update images 3/4. Returns the number of changes.
size_t add_changes(std::vector<Raw> &rows, size_t begin, size_t end,
                   std::vector<TableChanges> &tables) {
    size_t n = 0;
    for (size_t i = begin; i < end; ++i) {
        Raw &r = rows[i];
        TableChanges &t = tables[r.table];
        Change ch;
        ch.commit_lsn = r.commit;
        ch.seqval = r.seq;
        if (r.op == 1) {
            ch.op = Op::Delete;
            ch.key = key_of(t, r.values);
        } else if (r.op == 2) {
            ch.op = Op::Insert;
            ch.key = key_of(t, r.values);
            ch.row = std::move(r.values);
        } else if (r.op == 4) {
            ch.op = Op::Update;
            ch.key = key_of(t, r.values);
            ch.row = std::move(r.values);
            if (i > begin && rows[i - 1].op == 3 && rows[i - 1].seq == r.seq &&
                rows[i - 1].table == r.table) {
                Values before = key_of(t, rows[i - 1].values);
                if (t.key_positions.empty())
                    ch.key = before; // whole-row: remove the old image
                else if (before != ch.key)
                    ch.old_key = before;
            }
        } else {
            continue; // 3: the before image, paired with its 4 above
        }
        ++n;
        if (t.filter.empty()) {
            t.changes.push_back(std::move(ch));
            continue;
        }
        if (r.inside < 0 && ch.op != Op::Delete)
            throw dts::Error("XX000", "a change of " + t.source_name +
                                          " reached apply without its row filter evaluated");
        dts::changes::apply_filter(std::move(ch), r.inside == 1, t.changes);
    }
    return n;
}

class Reader {
public:
    Reader(const Options &opts, const TaskRef &task, const StopCheck &stopped)
        : opts_(opts), task_(task), stopped_(stopped), pg_(opts.destination) {}

    void run();

private:
    void write_heartbeat();
    struct PollResult {
        bool read = false; // changes were read (and applied, unless applied before)
        bool more = false; // more are waiting: read again at once
    };
    PollResult poll(Source &s);
    std::vector<Plan> plan(Source &s, const Lsn &from, Lsn &to);
    void apply_transactions(Source &s, const std::vector<Plan> &plans, std::vector<Raw> &rows,
                            bool &reload);
    bool apply_ddl_transaction(Source &s, const std::vector<Plan> &plans, std::vector<Raw> &rows,
                               size_t begin, size_t end);
    void stream_transaction(Source &s, const std::vector<Plan> &plans, const Lsn &commit);
    size_t copy_table(Source &s, ApplyTransaction &tx, const std::string &schema,
                      const std::string &table);
    Lsn position(const Source &s);
    void check_source_behind(const Source &s, const Lsn &source_lsn, const Lsn &checkpoint,
                             const std::string &what);
    void keep_restart(Source &s, ApplyTransaction &tx, const Lsn &applied);
    std::string apply_ddl_event(Source &s, ApplyTransaction &tx, const Lsn &at,
                                const std::string &type, const std::string &schema,
                                const std::string &object, const std::string &target,
                                const std::string &command, bool in_user);
    void join_table(Source &s, ApplyTransaction &tx, const std::string &schema,
                    const std::string &table, const Lsn &from);
    void apply_log_ddl(Source &s, const std::vector<Plan> &plans, std::vector<Raw> &rows,
                       const Lsn &at);
    void reload_tables(Source &s);
    void check_captures(Source &s);
    bool captures_changed(const Source &s,
                          const std::map<int64_t, std::vector<int64_t>> &change_tables) const;
    void evaluate_filters(Source &s, std::vector<Raw> &rows, size_t begin);
    void recopy_table(Source &s, const CdcTable &t, const Lsn &position, const std::string &why);
    void table_event(const Source &s, const CdcTable &t, const std::string &level,
                     const std::string &message, const std::string &detail);
    // `previous`: the layouts the stream being replaced decoded with (after DDL); without it, the
    // ones an earlier run kept with the checkpoint.
    void open_log(Source &s, const dts::logrec::KeptLayouts *previous = nullptr);
    void keep_layouts(Source &s, const dts::logrec::KeptLayouts *previous);

    const Options &opts_;
    const TaskRef &task_;
    const StopCheck &stopped_;
    // The destination connection, for the reader's own use: the apply lane is done with it
    // first (its errors surface here).
    PgConnection &pg() {
        settle();
        return pg_;
    }
    void settle();

    PgConnection pg_; // the lane's while it has jobs: pg() waits for them
    std::vector<Source> sources_;
    bool beat_warned_ = false;
    std::atomic<bool> lane_skipped_ = false;          // a batch in the lane was applied before
    std::chrono::steady_clock::duration lane_wait_{}; // waiting for the lane to take a batch
    ApplyLane lane_; // after pg_: destroyed first, its jobs finish before the connection goes
};

void Reader::settle() {
    lane_.wait();
    for (auto &s : sources_) {
        s.submitted.reset();
        if (s.log)
            s.log->earlier_takes_applied();
    }
    lane_skipped_ = false;
}

// The incremental checkpoint, made durable by start_incremental() before the first read.
Lsn Reader::position(const Source &s) {
    auto cp = pg().query_rows("SELECT lsn FROM dts.checkpoints WHERE task_id = $1 AND source_db = "
                              "$2 AND stage = 'incremental'",
                              {std::to_string(task_.id), s.db});
    if (cp.empty() || !cp[0][0])
        throw dts::Error("55000",
                         "task " + task_.name + " lost its incremental checkpoint for " + s.db, {},
                         "Restore the row in dts.checkpoints, or drop and re-create the task.");
    return lsn_of(cp[0][0], "the checkpoint of " + s.db);
}

// A source whose log ends before the checkpoint is not the source the checkpoint came from (a
// restored or re-created database): every change would be skipped as applied.
void Reader::check_source_behind(const Source &s, const Lsn &source_lsn, const Lsn &checkpoint,
                                 const std::string &what) {
    if (!(source_lsn < checkpoint))
        return;
    throw dts::Error("55000",
                     "the " + what + " of " + s.db + " (" + source_lsn.to_log_string() +
                         ") is below task " + task_.name + "'s checkpoint (" +
                         checkpoint.to_log_string() + ")",
                     "the database was restored, re-created or replaced since the checkpoint",
                     "pg_dts cannot tell which changes the destination holds: drop and "
                     "re-create the task (its destination tables emptied).");
}

// One DDL event applied in the destination transaction of its source transaction, logged.
std::string Reader::apply_ddl_event(Source &s, ApplyTransaction &tx, const Lsn &at,
                                    const std::string &type, const std::string &schema,
                                    const std::string &object, const std::string &target,
                                    const std::string &command, bool in_user) {
    std::string action = tx.ddl(type, schema, object, target, command, in_user);
    log::info("source DDL", {{"task", task_.name},
                             {"db", s.db},
                             {"lsn", at.to_log_string()},
                             {"event", type},
                             {"object", schema + "." + object},
                             {"action", action}});
    return action;
}

// A table created at the source joined the task: its changes count from `from`, and its rows as
// they are now go into the same destination transaction. It counts as copied: a full stage run
// again later (stop/start) leaves it alone.
void Reader::join_table(Source &s, ApplyTransaction &tx, const std::string &schema,
                        const std::string &table, const Lsn &from) {
    const size_t rows = copy_table(s, tx, schema, table);
    pg().exec("UPDATE dts.tables SET incremental_from = $5, full_state = 'done', rows_copied = $6, "
              "full_started_at = coalesce(full_started_at, now()), full_finished_at = now() WHERE "
              "(task_id, source_db, source_schema, source_table) = ($1, $2, $3, $4)",
              {std::to_string(task_.id), s.db, schema, table, from.to_log_string(),
               std::to_string(rows)});
}

// Log-decoded changes of tables with a row filter: one probe per table at the source over the
// after-images of its inserts and updates.
void Reader::evaluate_filters(Source &s, std::vector<Raw> &rows, size_t begin) {
    std::map<size_t, std::vector<size_t>> by_table;
    for (size_t i = begin; i < rows.size(); ++i)
        if ((rows[i].op == 2 || rows[i].op == 4) && !s.tables[rows[i].table].apply.filter.empty())
            by_table[rows[i].table].push_back(i);
    for (const auto &[table, indexes] : by_table) {
        const CdcTable &t = s.tables[table];
        std::vector<const Values *> images;
        for (size_t i : indexes)
            images.push_back(&rows[i].values);
        const std::vector<bool> inside = rows_inside(*s.conn, t.apply, t.probe, images);
        for (size_t k = 0; k < indexes.size(); ++k)
            rows[indexes[k]].inside = inside[k] ? 1 : 0;
    }
}

void Reader::keep_restart(Source &s, ApplyTransaction &tx, const Lsn &applied) {
    if (s.log)
        tx.log_restart(s.log->restart_point(applied));
}

// After DDL: the tables as they are now. The log stream starts again from the restart point
// kept with the checkpoint, so records of a table that just joined (which the old stream did
// not select) are read too.
void Reader::reload_tables(Source &s) {
    s.tables = load_cdc_tables(pg(), *s.conn, task_, s.db);
    check_captures(s);
    s.cdc = std::any_of(s.tables.begin(), s.tables.end(), [](const auto &t) { return !t.log; });
    std::optional<dts::logrec::KeptLayouts> previous;
    if (s.log)
        previous = s.log->layouts();
    s.log.reset();
    open_log(s, previous ? &*previous : nullptr);
}

// A source transaction that changed the catalog, in log mode: the DDL events that take the
// catalog as it was to the catalog as it is (read now: a later DDL shows too, and is found again,
// harmlessly, when its own transaction comes), applied with the transaction's data changes.
void Reader::apply_log_ddl(Source &s, const std::vector<Plan> &plans, std::vector<Raw> &rows,
                           const Lsn &at) {
    dts::ddl::Catalog now = read_catalog(*s.conn);
    std::vector<dts::ddl::Event> events = dts::ddl::diff(s.catalog, now);
    ApplyTransaction tx(pg(), task_.id, task_.name, s.db);
    if (!tx.begin(at, at)) {
        s.catalog = std::move(now);
        return;
    }
    std::vector<TableChanges> tables;
    for (const auto &p : plans)
        tables.push_back(p.columns), tables.back().changes.clear();
    const size_t n = add_changes(rows, 0, rows.size(), tables);
    for (const auto &t : tables)
        tx.apply_changes(t);
    for (const auto &e : events) {
        const std::string action = apply_ddl_event(s, tx, at, e.type, e.schema, e.object, e.target,
                                                   "(read from the transaction log)", n > 0);
        if (action == "joined")
            join_table(s, tx, e.schema, e.object, at);
    }
    keep_restart(s, tx, at);
    tx.log_catalog(at, dts::ddl::encode_catalog(now));
    tx.commit(1, n);
    s.catalog = std::move(now);
}

// The catalog shows each table's row layout as it is now, which is not what the log records
// before a DDL the reader has not reached were written with: the stream is reconciled with the
// layouts decoded with before (dts::logrec::KeptLayouts), then those it uses are kept, so that a
// later run (after a stop or a crash) reconciles with them in turn. Kept outside the apply
// transaction: a crash between a DDL's batch and this leaves the older layouts, which the next
// run reconciles the same way (the DDL is then before its position).
void Reader::keep_layouts(Source &s, const dts::logrec::KeptLayouts *previous) {
    const std::string id = std::to_string(task_.id);
    const dts::logrec::KeptLayouts *kept = previous;
    dts::logrec::KeptLayouts stored;
    if (!kept) {
        auto row = pg().query_rows("SELECT state FROM dts.checkpoints WHERE task_id = $1 AND "
                                   "source_db = $2 AND stage = 'log_layouts'",
                                   {id, s.db});
        if (!row.empty() && row[0][0]) {
            try {
                stored = dts::logrec::decode_layouts(*row[0][0]);
                kept = &stored;
            } catch (const std::invalid_argument &e) {
                throw dts::Error(
                    "XX000",
                    "the log layouts kept for task " + task_.name + " and " + s.db +
                        " (dts.checkpoints, stage log_layouts) are unreadable: " + e.what(),
                    {}, "Restart the task with a full stage.");
            }
        }
    }
    if (kept)
        s.log->reconcile_layouts(*kept);
    pg().exec("INSERT INTO dts.checkpoints (task_id, source_db, stage, state) VALUES ($1, $2, "
              "'log_layouts', $3) ON CONFLICT (task_id, source_db, stage) DO UPDATE SET state = "
              "EXCLUDED.state, updated_at = now()",
              {id, s.db, dts::logrec::encode_layouts(s.log->layouts())});
}

// The log stream starts where the last batch left it (or where the full stage's cutover found
// the oldest open transaction): the restart point kept with the checkpoint.
void Reader::open_log(Source &s, const dts::logrec::KeptLayouts *previous) {
    if (std::none_of(s.tables.begin(), s.tables.end(), [](const auto &t) { return t.log; }))
        return;
    auto cp = pg().query_rows("SELECT lsn FROM dts.checkpoints WHERE task_id = $1 AND source_db = "
                              "$2 AND stage = 'log_restart'",
                              {std::to_string(task_.id), s.db});
    if (cp.empty() || !cp[0][0])
        throw dts::Error(
            "55000", "task " + task_.name + " has no transaction-log restart point for " + s.db, {},
            "It is recorded with the full stage's cutover: restart the task with a "
            "full stage (the log reader cannot know which transactions were open).");
    s.log = std::make_unique<LogStream>(opts_.destination, *s.conn, task_, s.db, s.tables,
                                        lsn_of(cp[0][0], "the log restart point"), position(s),
                                        opts_.read_limit, s.connect);
    s.log->before_destination_reads([this] { settle(); });
    keep_layouts(s, previous);
    if (s.cdc)
        return;
    // DDL run while no reader was running is found against the catalog the destination
    // reflects, kept with the checkpoint (the catalog now would hide it).
    auto kept =
        pg().query_rows("SELECT state FROM dts.checkpoints WHERE task_id = $1 AND source_db "
                        "= $2 AND stage = 'log_catalog'",
                        {std::to_string(task_.id), s.db});
    if (kept.empty() || !kept[0][0]) {
        s.catalog = read_catalog(*s.conn);
        return;
    }
    try {
        s.catalog = dts::ddl::decode_catalog(*kept[0][0]);
    } catch (const std::invalid_argument &e) {
        throw dts::Error("XX000",
                         "the source catalog kept for task " + task_.name + " and " + s.db +
                             " (dts.checkpoints, stage log_catalog) is unreadable: " + e.what(),
                         {}, "Restart the task with a full stage.");
    }
}

void Reader::table_event(const Source &s, const CdcTable &t, const std::string &level,
                         const std::string &message, const std::string &detail) {
    pg().exec("SELECT dts._log($1::bigint, $2, 'incremental', $3, $4, $5)",
              {std::to_string(task_.id), level, t.apply.source_name, message, detail});
    log::write(level == "error" ? log::Level::Error : log::Level::Warning, message,
               {{"task", task_.name}, {"db", s.db}, {"table", t.apply.source_name}});
}

// Whether some captured table's capture instances differ from those loaded.
bool Reader::captures_changed(const Source &s,
                              const std::map<int64_t, std::vector<int64_t>> &change_tables) const {
    for (const auto &t : s.tables) {
        if (t.kind != TableKind::Synced || t.log)
            continue;
        std::vector<int64_t> loaded;
        for (const auto &ci : t.instances)
            loaded.push_back(ci.change_table);
        std::sort(loaded.begin(), loaded.end());
        auto it = change_tables.find(t.object_id);
        if (loaded != (it == change_tables.end() ? std::vector<int64_t>{} : it->second))
            return true;
    }
    return false;
}

// The capture instances of each captured table against those the reader read from before
// (dts.tables.capture_seen): CDC disabled at the source is reported and the table waits; an
// instance that does not cover the position (disabled and enabled again, or enabled after it)
// means changes were not captured: a table with a key is copied again, one without is stopped.
// Either way the task says so in dts.events and dts.task_status, naming the table.
void Reader::check_captures(Source &s) {
    const Lsn pos = position(s);
    bool removed = false;
    for (auto &t : s.tables) {
        if (t.kind != TableKind::Synced || t.log)
            continue;
        const auto current = seen_of(t.instances);
        const auto verdict = dts::capture::judge(t.seen.value_or(current), current, pos.next(),
                                                 t.read_from, t.lost_after.has_value());
        const std::string kept = seen_text(current);
        const std::vector<std::string> key = {std::to_string(task_.id), s.db, t.schema, t.table};
        auto keep_seen = [&](const std::string &extra_set, std::vector<PgConnection::Value> extra) {
            std::vector<PgConnection::Value> params(key.begin(), key.end());
            params.push_back(kept);
            params.insert(params.end(), extra.begin(), extra.end());
            pg().exec("UPDATE dts.tables SET capture_seen = string_to_array($5, ',')" + extra_set +
                          " WHERE (task_id, source_db, source_schema, source_table) = ($1, $2, $3, "
                          "$4)",
                      params);
        };
        switch (verdict) {
        case dts::capture::Verdict::Same:
            if (!t.seen)
                keep_seen("", {});
            break;
        case dts::capture::Verdict::Reload:
            keep_seen("", {});
            table_event(s, t, "info", "capture instances of " + t.apply.source_name + " changed",
                        "an instance read before still covers the position " + pos.to_log_string());
            break;
        case dts::capture::Verdict::Disabled:
            if (t.lost_after)
                break;
            keep_seen(", capture_lost_after = $6", {pos.to_log_string()});
            t.lost_after = pos;
            table_event(s, t, "warning",
                        "CDC capture of " + t.apply.source_name +
                            " was disabled at the source: its changes after LSN " +
                            pos.to_log_string() + " are not captured",
                        "the other tables go on; when CDC is enabled on the table again "
                        "(sys.sp_cdc_enable_table), pg_dts copies it again (a table without a key "
                        "is stopped instead)");
            break;
        case dts::capture::Verdict::Lost: {
            const std::string why =
                t.lost_after ? "CDC capture of " + t.apply.source_name +
                                   " was disabled at the source after LSN " +
                                   t.lost_after->to_log_string() + " and enabled again"
                             : "the capture instance of " + t.apply.source_name +
                                   " that held its changes after LSN " + pos.to_log_string() +
                                   " is gone (CDC disabled and enabled again, or enabled after "
                                   "the position)";
            if (!t.apply.key_positions.empty()) {
                recopy_table(s, t, pos, why);
            } else {
                keep_seen(", incremental_error = $6",
                          {"stopped: " + why +
                           "; a table without a key cannot be copied again "
                           "into the change stream"});
                table_event(s, t, "error",
                            "table " + t.apply.source_name + " stopped: " + why +
                                ", and a table without a key cannot be copied again into the "
                                "change stream",
                            "the other tables go on; re-create the task (its destination tables "
                            "emptied) to sync this table again");
            }
            removed = true;
            break;
        }
        }
    }
    if (removed)
        s.tables = load_cdc_tables(pg(), *s.conn, task_, s.db);
    // The newest capture instance must carry every column the destination has: changes read
    // through one created with a column list would leave the others NULL (or at their default,
    // or fail on NOT NULL in the middle of a batch). pg_dts cannot know their values, so the
    // task stops here, naming them. (After ALTER TABLE ... ADD, pg_dts creates an instance with
    // every column before this runs again.)
    for (const auto &t : s.tables) {
        if (t.kind != TableKind::Synced || t.log || t.instances.empty())
            continue;
        const CaptureInstance &ci = t.instances.back();
        const auto missing = uncaptured_columns(*s.conn, t, ci);
        if (missing.empty())
            continue;
        std::string names;
        for (const auto &c : missing)
            names += (names.empty() ? "" : ", ") + c;
        const std::string schema = dts::tsql::quote_literal(t.schema);
        const std::string table = dts::tsql::quote_literal(t.table);
        throw dts::Error(
            "55000",
            "capture instance " + ci.name + " of source table " + t.apply.source_name +
                " does not capture column(s) " + names +
                ", which the destination table has: their changes would arrive without values",
            "CDC was enabled on the table with @captured_column_list.",
            "Capture every column: EXEC sys.sp_cdc_disable_table @source_schema = " + schema +
                ", @source_name = " + table +
                ", @capture_instance = " + dts::tsql::quote_literal(ci.name) +
                "; EXEC sys.sp_cdc_enable_table @source_schema = " + schema +
                ", @source_name = " + table +
                ", @role_name = NULL; then start the task again (pg_dts copies the table again). "
                "Or drop the columns from the destination table.");
    }
}

// A table whose changes were not all captured, copied again as it is now in one destination
// transaction that leaves the checkpoint where it is: its rows (all of them, unless the table
// applies no deletes), then its changes from its capture instance's start, applied again on top
// (which converges for a keyed table, as for a table that joined).
void Reader::recopy_table(Source &s, const CdcTable &t, const Lsn &position,
                          const std::string &why) {
    ApplyTransaction tx(pg(), task_.id, task_.name, s.db);
    tx.begin_in_place();
    if (t.apply.dml.del)
        pg().exec("DELETE FROM " + t.apply.target);
    copy_table(s, tx, t.schema, t.table);
    const Lsn from = t.instances.front().start;
    pg().exec("UPDATE dts.tables SET incremental_from = $5, capture_seen = string_to_array($6, "
              "','), "
              "capture_lost_after = NULL WHERE (task_id, source_db, source_schema, source_table) = "
              "($1, $2, $3, $4)",
              {std::to_string(task_.id), s.db, t.schema, t.table, from.to_log_string(),
               seen_text(seen_of(t.instances))});
    table_event(s, t, "warning", "table " + t.apply.source_name + " copied again: " + why,
                "changes after LSN " + position.to_log_string() +
                    " may not have been captured; its changes are read again from LSN " +
                    from.to_log_string() + " (capture instance " + t.instances.front().name + ")");
    tx.commit_in_place();
}

void Reader::write_heartbeat() {
    for (auto &s : sources_) {
        // Log mode has its own heartbeat table, read from the log like the data.
        const bool log_beat = std::any_of(s.tables.begin(), s.tables.end(), [](const auto &t) {
            return t.kind == TableKind::Heartbeat && t.log;
        });
        const std::string table = log_beat ? "dbo.dts_log_heart_beat" : "dbo.dts_sync_progress";
        try {
            // XACT_ABORT: an error (or the cancel that follows it) rolls the transaction back
            // instead of leaving it open on this connection, where it would hold its locks and
            // swallow every later heartbeat.
            s.conn->execute_all(
                "SET XACT_ABORT ON; BEGIN TRAN; DELETE FROM " + table +
                " WHERE task_name = " + dts::tsql::quote_literal(task_.name) + "; INSERT INTO " +
                table + " (task_name, heartbeat, sidecar) VALUES (" +
                dts::tsql::quote_literal(task_.name) + ", SYSUTCDATETIME(), HOST_NAME()); COMMIT");
        } catch (const dts::Error &e) {
            if (e.sqlstate.rfind("08", 0) == 0)
                throw;
            try {
                s.conn->execute_all("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION");
            } catch (const dts::Error &) {
                // The connection is in trouble: the next poll on it reports that.
            }
            if (!beat_warned_)
                log::warning("cannot write the heartbeat row",
                             {{"task", task_.name}, {"db", s.db}, {"error", e.what()}});
            beat_warned_ = true;
        }
    }
}

// Each table is read from the capture instance that covers the position; the window ends before
// the next instance of any table starts, so one batch never mixes two column sets of a table.
std::vector<Plan> Reader::plan(Source &s, const Lsn &from, Lsn &to) {
    std::vector<Plan> plans;
    for (size_t i = 0; i < s.tables.size(); ++i) {
        const CdcTable &t = s.tables[i];
        Lsn start = from;
        if (t.read_from && start < *t.read_from)
            start = *t.read_from;
        if (t.log || t.instances.empty()) {
            // No capture instance: CDC was disabled on the table (check_captures() reported it):
            // nothing to read until it is enabled again.
            Plan p;
            p.table = i;
            p.from = start;
            p.columns = t.apply;
            plans.push_back(std::move(p));
            continue;
        }
        int active = -1;
        for (size_t k = 0; k < t.instances.size(); ++k)
            if (t.instances[k].start <= start)
                active = static_cast<int>(k);
        if (active < 0) {
            // The capture starts after the position. For a table that joined during the stage
            // that is where its changes begin; otherwise the retention check in poll() reports
            // the changes as gone (cleanup moved the start, or CDC came after the cutover).
            active = 0;
            if (t.kind != TableKind::Synced || t.read_from)
                start = t.instances.front().start;
        }
        const auto k = static_cast<size_t>(active);
        if (k + 1 < t.instances.size() && t.instances[k + 1].start.prev() < to)
            to = t.instances[k + 1].start.prev();
        Plan p;
        p.table = i;
        p.instance = &t.instances[k];
        p.from = start;
        p.columns = t.kind == TableKind::Synced ? columns_for(t, *p.instance) : t.apply;
        for (const auto &lob : t.large_columns) {
            auto c = std::find(p.columns.columns.begin(), p.columns.columns.end(), lob);
            auto o = std::find(p.instance->columns.begin(), p.instance->columns.end(), lob);
            if (c != p.columns.columns.end() && o != p.instance->columns.end())
                p.lobs.emplace_back(
                    static_cast<size_t>(c - p.columns.columns.begin()),
                    p.instance->ordinals[static_cast<size_t>(o - p.instance->columns.begin())]);
        }
        plans.push_back(std::move(p));
    }
    return plans;
}

Reader::PollResult Reader::poll(Source &s) {
    if (s.tables.empty())
        return {};
    const auto started = std::chrono::steady_clock::now();
    // After a batch found applied already (another reader was there first), the checkpoint says
    // where to go on, not the batches handed to the lane.
    const Lsn from = (s.submitted && !lane_skipped_ ? *s.submitted : position(s)).next();
    // The window ends where every stream is complete: the log as far as it was read, CDC at its
    // capture's high mark (a transaction touching both kinds of tables is read whole from both).
    std::optional<Lsn> max_lsn;
    bool log_more = false;
    if (s.log) {
        const size_t before = s.log->stats().records;
        // Read ahead only while what was read is not waiting to be applied (bounded memory).
        max_lsn = s.log->full(opts_.read_limit) ? s.log->read_position()
                                                : s.log->read_ahead(opts_.read_limit);
        log_more = s.log->stats().records - before >= static_cast<size_t>(opts_.read_limit);
    }
    if (s.cdc) {
        auto cdc_max = query_lsn(*s.conn, "SELECT sys.fn_cdc_get_max_lsn()");
        if (!cdc_max)
            return {};
        max_lsn = max_lsn && *max_lsn < *cdc_max ? *max_lsn : *cdc_max;
    }
    if (!max_lsn)
        return {};
    // Behind the batches in the lane (it updates their checkpoint row).
    lane_.submit([this, db = s.db, lsn = max_lsn->to_log_string()] {
        pg_.exec("SELECT dts._apply_source_lsn($1, $2, $3)", {std::to_string(task_.id), db, lsn});
    });
    if (*max_lsn < from)
        return {};
    Lsn to = *max_lsn;
    // A transaction that changed the catalog ends the window: the log records after it may not
    // fit the layouts the stream decodes with. Log mode has no DDL trigger: what it changed is
    // read from the catalog (apply_log_ddl). Hybrid: the trigger's row, in the CDC stream at the
    // same commit LSN, applies it (apply_ddl_transaction) and the stream is reloaded.
    std::optional<Lsn> ddl_at;
    if (s.log && (ddl_at = s.log->ddl_in(from, to))) {
        to = *ddl_at;
        if (s.cdc)
            ddl_at.reset();
    }
    // A transaction too large to hold ends the window too: it is streamed alone.
    std::optional<Lsn> spilled;
    if (s.log && (spilled = s.log->spilled_in(from, to))) {
        to = *spilled;
        ddl_at.reset();
    }
    // Retention: the oldest change CDC still holds must not be past where the task reads. And
    // capture instances the user disabled, enabled or replaced since the tables were loaded:
    // check_captures() tells what that means, before anything is read.
    std::map<std::string, Lsn> minimum;
    std::map<int64_t, std::vector<int64_t>> change_tables; // by source table
    if (s.cdc) {
        for (auto &r : s.conn
                           ->query_text("SELECT ct.capture_instance, sys.fn_cdc_get_min_lsn("
                                        "ct.capture_instance), ct.object_id, "
                                        "ct.source_object_id FROM cdc.change_tables ct")
                           .rows) {
            if (auto l = lsn_from_text(r[1]); r[0] && l)
                minimum[*r[0]] = *l;
            if (r[2] && r[3])
                change_tables[std::stoll(*r[3])].push_back(std::stoll(*r[2]));
        }
        for (auto &[table, ids] : change_tables)
            std::sort(ids.begin(), ids.end());
        if (captures_changed(s, change_tables)) {
            reload_tables(s);
            return {true, true};
        }
    }
    std::vector<Plan> plans = plan(s, from, to);
    std::vector<Raw> rows;
    size_t bytes = 0;
    std::optional<Lsn> limit; // exclusive: a table's read stopped inside this transaction
    for (const Plan &p : plans) {
        if (to < p.from || !p.instance)
            continue;
        auto m = minimum.find(p.instance->name);
        if (m == minimum.end())
            continue; // dropped with its table since it was planned; the DDL row follows
        if (p.from < m->second)
            throw dts::Error("55000",
                             "changes of " + s.tables[p.table].apply.source_name + " from LSN " +
                                 p.from.to_log_string() + " are gone: CDC keeps them only from " +
                                 m->second.to_log_string(),
                             {},
                             "CDC retention passed the task's position (or CDC was enabled on the "
                             "table after the full stage's cutover): restart the task with a full "
                             "stage, and raise the CDC cleanup job's retention.");
        size_t read = 0;
        Lsn last;
        // The byte budget: once the poll holds read-bytes, this read stops like a full one (only
        // the transactions before its last are applied); the tables read after it read only up
        // to that point.
        bool stopped = false;
        const bool budget = bytes < static_cast<size_t>(opts_.read_bytes);
        const Lsn upto = limit && *limit < to ? *limit : to;
        stream_rows(*s.conn, changes_sql(p, p.from, upto, opts_.read_limit), true,
                    [&](const Lsn &commit, const Lsn &seq, int op, const std::string &mask,
                        Values &&values) {
                        if (op == 4 && !p.lobs.empty() && !rows.empty() && rows.back().op == 3 &&
                            rows.back().seq == seq && rows.back().table == p.table)
                            restore_unchanged(p, rows.back().values, values, mask);
                        bytes += change_bytes(values, mask);
                        const int inside = take_inside(p, values);
                        rows.push_back({commit, seq, op, p.table, std::move(values), inside});
                        ++read;
                        last = commit;
                        stopped = budget && bytes >= static_cast<size_t>(opts_.read_bytes);
                        return !stopped;
                    });
        if ((stopped || static_cast<long>(read) >= opts_.read_limit) && (!limit || last < *limit))
            limit = last;
    }
    if (s.log) {
        std::vector<LogChange> changes;
        s.log->take(from, to, changes);
        const size_t first_log = rows.size();
        for (auto &c : changes)
            rows.push_back({c.commit, c.seq, c.op, c.table, std::move(c.values)});
        evaluate_filters(s, rows, first_log);
    }
    // A window that ends at DDL or at a spilled transaction holds that transaction, which may
    // have no rows here: it is handled below.
    if (rows.empty() && !ddl_at && !spilled) {
        // The window ended before a table's next capture instance starts (plan()) and held no
        // changes: everything up to its end is read, so the position moves there. Otherwise the
        // next poll would ask for the same empty window again, forever.
        if (to < *max_lsn && !(to < from)) {
            ApplyTransaction tx(pg(), task_.id, task_.name, s.db);
            if (tx.begin(to, to)) {
                keep_restart(s, tx, to);
                tx.commit(0, 0);
            }
            if (s.log)
                s.log->release(to);
            return {true, true};
        }
        return {log_more, log_more};
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Raw &a, const Raw &b) {
        return std::tie(a.commit, a.seq, a.op) < std::tie(b.commit, b.seq, b.op);
    });
    if (spilled && !(limit && *limit < *spilled)) {
        // Apply what comes before it; when nothing does, stream it (with its CDC changes).
        auto cut = std::find_if(rows.begin(), rows.end(),
                                [&](const Raw &r) { return !(r.commit < *spilled); });
        if (cut == rows.begin()) {
            rows.clear();
            stream_transaction(s, plans, *spilled);
            return {true, true};
        }
        rows.erase(cut, rows.end());
    }
    if (limit) {
        // Only whole transactions: drop the one a limited read cut, and what follows it.
        auto cut = std::find_if(rows.begin(), rows.end(),
                                [&](const Raw &r) { return !(r.commit < *limit); });
        if (cut == rows.begin()) {
            // The first transaction alone is larger than a read: stream it.
            const Lsn huge = rows.front().commit;
            rows.clear();
            stream_transaction(s, plans, huge);
            return {true, true};
        }
        rows.erase(cut, rows.end());
    }
    const auto read_done = std::chrono::steady_clock::now();
    const size_t read_rows = rows.size();
    bool reload = false;
    std::vector<Raw> at_ddl;
    if (ddl_at) {
        auto cut = std::find_if(rows.begin(), rows.end(),
                                [&](const Raw &r) { return !(r.commit < *ddl_at); });
        at_ddl.assign(std::make_move_iterator(cut), std::make_move_iterator(rows.end()));
        rows.erase(cut, rows.end());
    }
    apply_transactions(s, plans, rows, reload);
    if (ddl_at && !reload && !stopped_()) {
        apply_log_ddl(s, plans, at_ddl, *ddl_at);
        reload = true;
    }
    log::write(log::Level::Debug, "poll",
               {{"task", task_.name},
                {"db", s.db},
                {"rows", std::to_string(read_rows)},
                {"read_ms", ms_text(read_done - started)},
                // Building the batches and handing them to the lane (which logs their apply).
                {"batch_ms", ms_text(std::chrono::steady_clock::now() - read_done)},
                {"lane_wait_ms", ms_text(lane_wait_)}});
    if (s.log) {
        const LogStats &st = s.log->stats();
        log::write(log::Level::Debug, "log read",
                   {{"task", task_.name},
                    {"db", s.db},
                    {"records", std::to_string(st.records)},
                    {"bytes", std::to_string(st.bytes)},
                    {"completed", std::to_string(st.completed)},
                    {"cached", std::to_string(st.cached)},
                    {"reread", std::to_string(st.reread)},
                    {"streamed", std::to_string(st.streamed)},
                    {"backups", std::to_string(st.backups)},
                    {"read_ms", std::to_string(std::lround(st.read_ms))},
                    {"lookup_ms", std::to_string(std::lround(st.lookup_ms))},
                    {"reread_ms", std::to_string(std::lround(st.reread_ms))},
                    {"wait_ms", std::to_string(std::lround(st.wait_ms))},
                    {"settle_ms", std::to_string(std::lround(st.settle_ms))}});
    }
    if (reload)
        reload_tables(s);
    return {true, limit.has_value() || reload || log_more};
}

void Reader::apply_transactions(Source &s, const std::vector<Plan> &plans, std::vector<Raw> &rows,
                                bool &reload) {
    auto new_batch = [&](const Lsn &first) {
        Batch b;
        b.task_id = task_.id;
        b.task_name = task_.name;
        b.source_db = s.db;
        b.first_commit = first;
        for (const auto &p : plans)
            b.tables.push_back(p.columns), b.tables.back().changes.clear();
        return b;
    };
    // The batch goes to the apply lane; the window after it is read and decoded meanwhile.
    // The log reader lets go of its transactions now: if the apply fails, the reader starts
    // again from the checkpoint.
    auto flush = [&](Batch &b, size_t changes) {
        if (b.transactions == 0)
            return;
        if (s.log) {
            b.log_restart = s.log->restart_point(b.last_commit);
            s.log->release(b.last_commit);
        }
        s.submitted = b.last_commit;
        // One batch in the lane at a time: memory holds the one applied and the one being built.
        {
            const auto waiting = std::chrono::steady_clock::now();
            lane_.wait();
            lane_wait_ += std::chrono::steady_clock::now() - waiting;
            if (s.log) // the batches of its earlier windows were submitted before this one
                s.log->earlier_takes_applied();
        }
        lane_.submit([this, b = std::make_shared<Batch>(std::move(b)), changes] {
            const auto started = std::chrono::steady_clock::now();
            const bool applied = apply_batch(pg_, *b);
            if (!applied)
                lane_skipped_ = true;
            log::write(log::Level::Debug, applied ? "batch applied" : "batch skipped (applied)",
                       {{"task", task_.name},
                        {"db", b->source_db},
                        {"to_lsn", b->last_commit.to_log_string()},
                        {"transactions", std::to_string(b->transactions)},
                        {"changes", std::to_string(changes)},
                        {"ms", ms_text(std::chrono::steady_clock::now() - started)}});
        });
    };
    // plans[i].table == i: plans are made for every table in order.
    std::optional<Batch> batch;
    size_t changes = 0, bytes = 0;
    size_t i = 0;
    while (i < rows.size() && !stopped_()) {
        const Lsn tx = rows[i].commit;
        size_t end = i;
        bool ddl = false;
        while (end < rows.size() && rows[end].commit == tx) {
            ddl = ddl || s.tables[rows[end].table].kind == TableKind::DdlHistory;
            ++end;
        }
        if (ddl) {
            if (batch)
                flush(*batch, changes);
            batch.reset();
            changes = 0;
            if (apply_ddl_transaction(s, plans, rows, i, end)) {
                reload = true; // what follows was read with the old table definitions
                return;
            }
            i = end;
            continue;
        }
        if (!batch)
            batch = new_batch(tx);
        for (size_t k = i; k < end; ++k) {
            const TableKind kind = s.tables[rows[k].table].kind;
            if (kind == TableKind::Synced)
                continue;
            if (kind == TableKind::Heartbeat && (rows[k].op == 2 || rows[k].op == 4)) {
                const auto &cols = plans[rows[k].table].columns;
                if (column(cols, rows[k].values, "task_name") == task_.name)
                    if (auto at = column(cols, rows[k].values, "heartbeat"))
                        batch->heartbeats.push_back(*at);
            }
            rows[k].op = 0; // not a change of a synced table
        }
        for (size_t k = i; k < end; ++k)
            if (rows[k].op != 0)
                bytes += change_bytes(rows[k].values, {});
        changes += add_changes(rows, i, end, batch->tables);
        batch->last_commit = tx;
        ++batch->transactions;
        i = end;
        if (changes >= static_cast<size_t>(opts_.read_limit) ||
            bytes >= static_cast<size_t>(opts_.read_bytes)) {
            flush(*batch, changes);
            batch.reset();
            changes = 0;
            bytes = 0;
        }
    }
    if (batch)
        flush(*batch, changes);
}

// A source transaction that ran DDL (its dts_cdc_ddl_history rows commit with it). Source-side
// steps first (idempotent, so a crash before the destination commits only repeats them), then one
// destination transaction: the transaction's data changes, the DDL, the checkpoint. Returns
// whether table definitions changed.
bool Reader::apply_ddl_transaction(Source &s, const std::vector<Plan> &plans,
                                   std::vector<Raw> &rows, size_t begin, size_t end) {
    struct Event {
        std::string type, schema, object, target, command;
    };
    std::vector<Event> events;
    bool data = false;
    for (size_t k = begin; k < end; ++k) {
        const CdcTable &t = s.tables[rows[k].table];
        if (t.kind == TableKind::DdlHistory && rows[k].op == 2) {
            const auto &cols = plans[rows[k].table].columns;
            auto get = [&](const char *n) { return column(cols, rows[k].values, n).value_or(""); };
            events.push_back({get("event_type"), get("schema_name"), get("object_name"),
                              get("target_name"), get("command")});
        }
        if (t.kind == TableKind::Synced)
            data = true;
        if (t.kind != TableKind::Synced)
            rows[k].op = 0;
    }
    const Lsn at = rows[begin].commit;
    // DDL mixed with data changes or other DDL ran inside a user transaction: not applied.
    const bool in_user = data || events.size() > 1;
    std::optional<Lsn> capture_start;
    bool recopy = false;
    if (!in_user && !events.empty()) {
        const Event &e = events.front();
        if (e.type == "CREATE_TABLE") {
            auto sel = pg().query_rows("SELECT dts._selects($1, $2, $3, $4)",
                                       {std::to_string(task_.id), s.db, e.schema, e.object});
            if (sel.at(0)[0] == "t")
                capture_start = enable_capture(pg(), *s.conn, task_, s.db, e.schema, e.object);
        } else if (e.type == "ALTER_TABLE") {
            for (const auto &t : s.tables)
                if (t.kind == TableKind::Synced && t.schema == e.schema && t.table == e.object)
                    recopy =
                        refresh_capture_instance(*s.conn, t, at) && !t.apply.key_positions.empty();
        }
    }
    ApplyTransaction tx(pg(), task_.id, task_.name, s.db);
    if (!tx.begin(at, at))
        return false;
    std::vector<TableChanges> tables;
    for (const auto &p : plans)
        tables.push_back(p.columns), tables.back().changes.clear();
    size_t n = add_changes(rows, begin, end, tables);
    for (const auto &t : tables)
        tx.apply_changes(t);
    keep_restart(s, tx, at);
    bool changed = false;
    for (const auto &e : events) {
        const std::string action =
            apply_ddl_event(s, tx, at, e.type, e.schema, e.object, e.target, e.command, in_user);
        if (action == "joined" && capture_start) {
            join_table(s, tx, e.schema, e.object, *capture_start);
        } else if (action == "altered" && recopy) {
            copy_table(s, tx, e.schema, e.object);
        }
        changed = changed || action == "joined" || action == "dropped" || action == "altered";
    }
    tx.commit(1, n);
    if (s.log)
        s.log->release(at);
    return changed;
}

// The rows of a source table as they are now, upserted in the DDL's apply transaction: for a
// table that joined (CREATE TABLE), and for new columns (ALTER TABLE ... ADD), whose values in
// changes made before their capture instance started only a copy can bring. The changes from the
// capture start on are applied after it again, which converges for keyed tables.
size_t Reader::copy_table(Source &s, ApplyTransaction &tx, const std::string &schema,
                          const std::string &table) {
    size_t copied = 0;
    for (const auto &t : load_cdc_tables(pg(), *s.conn, task_, s.db)) {
        if (t.kind != TableKind::Synced || t.schema != schema || t.table != table)
            continue;
        std::string cols;
        for (const auto &c : t.apply.columns)
            cols += std::string(cols.empty() ? "" : ", ") + dts::tsql::quote_ident(c);
        auto st = tx.stream(t.apply);
        stream_rows(*s.conn,
                    "SELECT " + cols + " FROM " + dts::tsql::quote_name("", schema, table) +
                        (t.apply.filter.empty() ? "" : " WHERE (" + t.apply.filter + ")"),
                    false, [&](const Lsn &, const Lsn &, int, const std::string &, Values &&v) {
                        st.insert(v);
                    });
        st.finish();
        log::info("table copied into the change stream", {{"task", task_.name},
                                                          {"table", t.apply.source_name},
                                                          {"rows", std::to_string(st.changes())}});
        copied += st.changes();
    }
    return copied;
}

// One source transaction with more changes than a read holds: streamed table by table into the
// stages of one destination transaction (memory stays bounded), compacted by the engine.
void Reader::stream_transaction(Source &s, const std::vector<Plan> &plans, const Lsn &commit) {
    ApplyTransaction tx(pg(), task_.id, task_.name, s.db);
    if (!tx.begin(commit, commit))
        return;
    size_t n = 0;
    for (const Plan &p : plans) {
        const CdcTable &t = s.tables[p.table];
        if (commit < p.from || !p.instance)
            continue;
        if (t.kind == TableKind::DdlHistory) {
            // DDL inside this (user) transaction is recorded and skipped.
            stream_rows(*s.conn, changes_sql(p, commit, commit, 0), true,
                        [&](const Lsn &, const Lsn &, int op, const std::string &, Values &&v) {
                            if (op != 2)
                                return;
                            auto get = [&](const char *name) {
                                return column(p.columns, v, name).value_or("");
                            };
                            tx.ddl(get("event_type"), get("schema_name"), get("object_name"),
                                   get("target_name"), get("command"), true);
                        });
            continue;
        }
        if (t.kind != TableKind::Synced)
            continue;
        auto st = tx.stream(p.columns);
        Values before;
        stream_rows(*s.conn, changes_sql(p, commit, commit, 0), true,
                    [&](const Lsn &, const Lsn &, int op, const std::string &mask, Values &&v) {
                        // Row filter: an insert outside is skipped, an update leaving it
                        // deletes the row (dts::changes::apply_filter).
                        const bool outside = take_inside(p, v) == 0;
                        if (op == 1)
                            st.remove(v);
                        else if (op == 2 && !outside)
                            st.insert(v);
                        else if (op == 3)
                            before = std::move(v);
                        else if (op == 4) {
                            restore_unchanged(p, before, v, mask);
                            if (!outside)
                                st.update(before, v);
                            else
                                st.remove(before.empty() ? v : before);
                            before.clear();
                        }
                    });
        st.finish();
        n += st.changes();
    }
    if (s.log)
        n += s.log->stream(commit, tx);
    keep_restart(s, tx, commit);
    tx.commit(1, n);
    if (s.log)
        s.log->release(commit);
    log::info("large source transaction applied whole", {{"task", task_.name},
                                                         {"db", s.db},
                                                         {"lsn", commit.to_log_string()},
                                                         {"changes", std::to_string(n)}});
}

void Reader::run() {
    SourceSettings src = source_settings(pg(), task_.id, opts_.source_idle_timeout);
    std::vector<std::string> databases;
    for (auto &d : pg().query_rows("SELECT unnest(databases) FROM dts.tasks WHERE task_id = $1",
                                   {std::to_string(task_.id)}))
        databases.push_back(*d[0]);
    start_incremental(pg(), task_, src, databases);
    for (const auto &db : databases) {
        Source s;
        s.db = db;
        s.connect = [server = src.for_database(s.db), cred = src.credentials] {
            return std::make_unique<dts::tds::Connection>(server, cred);
        };
        s.conn = s.connect();
        // Checked on every (re)connection: restoring or re-creating a database drops them.
        auto end = s.conn->query_text("SELECT log_end_lsn FROM sys.dm_db_log_stats(DB_ID())");
        if (!end.rows.empty() && end.rows[0][0])
            if (auto l = Lsn::parse(*end.rows[0][0]))
                check_source_behind(s, *l, position(s), "end of the log");
        s.tables = load_cdc_tables(pg(), *s.conn, task_, s.db);
        check_captures(s);
        s.cdc = std::any_of(s.tables.begin(), s.tables.end(), [](const auto &t) { return !t.log; });
        open_log(s);
        sources_.push_back(std::move(s));
    }
    log::info("incremental stage",
              {{"task", task_.name}, {"databases", std::to_string(sources_.size())}});
    int idle_ms = 200;
    auto last_beat = std::chrono::steady_clock::now() - std::chrono::hours(1);
    const auto beat_every =
        std::chrono::milliseconds(static_cast<long>(opts_.heartbeat_seconds * 1000));
    while (!stopped_()) {
        // The heartbeat row: a change at the source even when the application is idle, so the
        // lag stays measurable.
        if (std::chrono::steady_clock::now() - last_beat >= beat_every) {
            last_beat = std::chrono::steady_clock::now();
            write_heartbeat();
        }
        bool any = false, more = false;
        for (auto &s : sources_) {
            PollResult r = poll(s);
            any = any || r.read;
            more = more || r.more;
        }
        lane_.submit([this] {
            pg_.exec("UPDATE dts.tasks SET sidecar_seen_at = now(), attempts = 0, failing_since = "
                     "NULL WHERE task_id = $1",
                     {std::to_string(task_.id)});
        });
        // A batch that failed in the lane fails the reader now, not at the next batch (which may
        // never come).
        lane_.check();
        if (more)
            continue;
        settle(); // idle: nothing to overlap with
        // Adaptive polling: quick while changes flow, backing off to 5 s when idle, but never
        // past the next heartbeat.
        idle_ms = any ? 100 : std::min(5000, idle_ms * 2);
        auto wait = std::min<long>(
            idle_ms,
            std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  last_beat + beat_every - std::chrono::steady_clock::now())
                                  .count()));
        for (long waited = 0; waited < wait && !stopped_(); waited += 50)
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(50, wait)));
    }
    settle(); // the batches handed to the lane are applied (or their error reported) before the
              // reader stops
}

} // namespace

bool run_cdc_incremental(const Options &opts, const TaskRef &task, const StopCheck &stopped) {
    Reader(opts, task, stopped).run();
    return false;
}

} // namespace sidecar
