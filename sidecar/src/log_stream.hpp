// The transaction-log side of the incremental stage for one source database (docs/log-reader.md):
// reads sys.fn_dblog forward from its restart point in bounded windows, re-assembles whole source
// transactions (common/log_transactions), decodes the row images of the task's log-captured
// tables (common/row_decoder) and turns them into changes the apply engine takes: inserts and
// deletes from the full images, updates from the clustered key and the changed bytes. An update
// whose bytes give the new values of whole columns is completed from the row as the destination
// has it (exact: the destination is at the checkpoint, and earlier changes of the window are in
// memory); one whose bytes do not (variable-length data, part of a column) is re-read from the
// source by key, counted in LogStats::reread: the source's current row, which the later changes
// in the log then bring to each later state.
#pragma once

#include "apply_writer.hpp"
#include "cdc_tables.hpp"
#include "pg_connection.hpp"

#include "change_batch.hpp"
#include "kept_layouts.hpp"
#include "key_filter.hpp"
#include "log_layout.hpp"
#include "log_transactions.hpp"
#include "lsn.hpp"
#include "row_cache.hpp"
#include "row_decoder.hpp"
#include "tds_connection.hpp"

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sidecar {

// One change of a log-captured table, as the reader's merged stream takes it: op 1 delete,
// 2 insert, 4 update (after image), values in the table's apply column order.
struct LogChange {
    dts::Lsn commit, seq;
    int op = 0;
    size_t table = 0; // index in the source's table list
    dts::changes::Values values;
    // The row on the source's page has the table layout's format: the image came from an insert
    // record that showed it (dts::logrec::DecodedRow::layout_format), and only updates completed
    // from the log changed it since (they change a row in place). What completes a later update
    // of the row may then place its NULL bitmap by the layout (patch_with_base).
    bool format_shown = false;
};

struct LogStats {
    size_t records = 0;   // fn_dblog rows read
    size_t bytes = 0;     // of row data read (RowLog Contents, Log Record)
    size_t reread = 0;    // rows re-read from the source by key
    size_t completed = 0; // updates completed from the destination's row
    size_t cached = 0;    // rows before an update taken from the row cache, not the destination
    size_t streamed = 0;  // transactions too large to hold, applied by streaming
    size_t backups = 0;   // reads from log backups (the position was truncated from the log)
    // Milliseconds spent reading the log (fn_dblog / fn_dump_dblog, decoding the result set),
    // looking up destination rows to complete updates, and re-reading rows from the source.
    double read_ms = 0, lookup_ms = 0, reread_ms = 0;
    // Milliseconds the reader waited for a read ahead to finish (the source is the slower side),
    // and for the batches before to be applied before it looked up destination rows.
    double wait_ms = 0, settle_ms = 0;
};

class LogStream {
public:
    // `tables` is the source's table list (log-captured ones have CdcTable::log set); the stream
    // keeps pointers into it until reload(). `destination` connects the stream's own lookups of
    // destination rows (the reader's connection may be inside a COPY).
    // `connect` opens another connection to the source database: the stream reads the next
    // window of the log on it while the caller applies the last one (a backlog is then read and
    // applied at the same time). Without it, every read waits for the apply.
    using Connect = std::function<std::unique_ptr<dts::tds::Connection>()>;
    LogStream(const std::string &destination, dts::tds::Connection &src, const TaskRef &task,
              std::string db, const std::vector<CdcTable> &tables, const dts::Lsn &restart,
              const dts::Lsn &applied, long read_limit, Connect connect = {});
    virtual ~LogStream();
    LogStream(const LogStream &) = delete;
    LogStream &operator=(const LogStream &) = delete;

    // Reads up to `limit` more log records. Returns the LSN through which the log has been read
    // (every transaction committed up to it is known).
    dts::Lsn read_ahead(long limit);
    dts::Lsn read_position() const { return next_; }
    // True when transactions read but not applied hold more than a few reads' worth of changes:
    // the reader applies before reading further.
    bool full(long limit) const;
    // The changes of the transactions committed in [from, to], in commit order, except those of
    // spilled transactions (stream() applies them). Non-destructive: release() drops them once
    // applied.
    void take(const dts::Lsn &from, const dts::Lsn &to, std::vector<LogChange> &out);
    // The first transaction committed in [from, to] that was too large to hold.
    std::optional<dts::Lsn> spilled_in(const dts::Lsn &from, const dts::Lsn &to) const;
    // Applies the log-captured changes of the spilled transaction committed at `commit` into
    // `tx`, table by table, reading them from the log again (bounded memory). Returns the number
    // of changes.
    size_t stream(const dts::Lsn &commit, ApplyTransaction &tx);
    void release(const dts::Lsn &through);
    // Where a reader must start again after the batch ending at commit `applied` (kept with the
    // checkpoint).
    dts::Lsn restart_point(const dts::Lsn &applied) const { return asm_.restart_point(applied); }
    // The first transaction committed in [from, to] that ran DDL.
    std::optional<dts::Lsn> ddl_in(const dts::Lsn &from, const dts::Lsn &to) const;
    const LogStats &stats() const { return stats_; }
    // Called before the stream reads destination rows (updates the row cache cannot complete):
    // the destination must show every window taken before, and the caller may still be applying
    // the last one.
    void before_destination_reads(std::function<void()> f) { before_destination_ = std::move(f); }
    // The caller's batches built from the changes of take()s before the last one are applied
    // (the last one's may not be). A key such a batch changed is either imaged in the row cache
    // or, when not (deleted, or its state unknown), re-read from the source instead of the
    // destination; every other key's destination row is already what those batches leave. So
    // lookups of destination rows go on while the last batch is applied, and wait for it
    // (before_destination_reads) only when that bookkeeping is incomplete.
    void earlier_takes_applied();

    // The layouts the stream decodes with, per table and allocation unit (kept with the
    // checkpoint, stage 'log_layouts', and handed to the next stream after DDL).
    dts::logrec::KeptLayouts layouts() const;
    // Reconciles the layouts read from the catalog now with those a reader decoded with before
    // (dts::logrec::KeptLayouts): a unit deallocated since is read with its kept layout while the
    // log holds records of it; a unit laid out anew, or now another table's, is accepted only
    // when none of its records the stream is to apply were written before the last DDL in the
    // log (else it throws, naming the table, what changed and the LSNs).
    void reconcile_layouts(const dts::logrec::KeptLayouts &kept);

    // What read_ahead() does with the rows of one read of the log (in LSN order). Public for
    // bench/log_decode_bench.cpp, which replays reads it captured with active_read_sql().
    // Leaves `rows` empty with its capacity, for the next read to fill (a vector of a read's
    // size, new for each read, costs the kernel's page faults every time).
    void add_rows(std::vector<dts::logrec::LogRow> &rows);
    // The read of the active log from `start` (fn_dblog's LSN argument: NULL or a quoted
    // decimal vlf:block:slot), `limit` records.
    std::string active_read_sql(const std::string &start, long limit) const;

protected:
    struct Table {
        size_t index = 0; // in the source's table list
        const CdcTable *cdc = nullptr;
        int64_t unit = 0; // allocation unit of the clustered index's rows
        dts::logrec::Layout layout;
        std::vector<int> apply_to_layout;   // per apply column: layout column, -1 if none
        std::vector<int> key_layout;        // clustered key (key_ordinal order): layout columns
        std::vector<size_t> key_apply;      // the same key columns: apply positions
        std::vector<std::string> key_types; // destination types of the key columns
        std::vector<int> key_source_types;  // system_type_id of the key columns
    };
    // A change before completion: a full image, the changed columns of an update, or an update
    // that needs the row as the source has it now.
    struct Pending {
        enum class Kind { Full, Patch, Reread } kind = Kind::Full;
        LogChange ch;
        const Table *table = nullptr;
        dts::changes::Values key;                   // clustered key
        std::vector<dts::logrec::ByteRange> ranges; // an update's changed bytes
    };
    using Rows = std::map<std::string, dts::changes::Values>; // by key_string()

    // The rows of `keys` as the destination has them, and as the source has them now (virtual:
    // the decode benchmark answers from memory instead).
    virtual Rows destination_rows(const Table &tb, const std::set<std::string> &keys,
                                  const std::map<std::string, dts::changes::Values> &key_values);
    virtual Rows source_rows(const Table &tb, const std::set<std::string> &keys,
                             const std::map<std::string, dts::changes::Values> &key_values);
    const std::vector<Table> &tables() const { return tables_; }

private:
    void load_layouts(const std::vector<CdcTable> &tables);
    void add_table(const CdcTable &c, size_t i, int64_t unit, dts::logrec::Layout layout);
    // Whether records of allocation unit `unit` the stream is to apply (from its restart point,
    // of transactions not ended by the applied position) were written before the last DDL
    // statement in the log: what and where, or a reason it cannot be known (the position is no
    // longer in the active log); nullopt: none are.
    std::optional<std::string> unapplied_records_before_ddl(int64_t unit);
    // Whether the log holds row records of `unit` from `from` on.
    bool records_from(const dts::Lsn &from, int64_t unit);
    std::string columns_sql() const;
    std::string units_sql(const Table *only) const;
    std::string filter_sql() const;
    dts::Lsn read_backup(long limit);
    struct LogBackup {
        dts::Lsn first, last; // msdb's first_lsn, last_lsn: the backup holds [first, last)
        std::string path;
    };
    std::vector<LogBackup> log_backups(); // msdb's log backups of the database, by first_lsn
    static std::string dump_dblog(const LogBackup &b, const dts::Lsn &from,
                                  const std::optional<dts::Lsn> &to);
    std::optional<dts::Lsn> active_log_start(); // the active log's first LSN
    std::vector<dts::logrec::LogRow> read_rows(const std::string &sql);
    // One read of the log on `conn` (read_rows without the stream's state: it runs on the
    // read-ahead thread too).
    struct Fetched {
        std::vector<dts::logrec::LogRow> rows;
        size_t records = 0, bytes = 0;
        double ms = 0;
        bool usable = true; // false: the position left the active log meanwhile
    };
    // Fills `buffer` (emptied, its capacity kept) and hands it back in Fetched::rows.
    static Fetched fetch(dts::tds::Connection &conn, const std::string &sql,
                         std::vector<dts::logrec::LogRow> buffer);
    // The vector of the last read's rows, empty: the next read fills it (one per read in flight).
    std::vector<dts::logrec::LogRow> spare_rows_;
    std::vector<dts::logrec::LogRow> take_spare();
    void account(const Fetched &f);
    // Starts reading the next window on the read-ahead connection.
    void start_ahead(long limit);
    // One data record of a tracked table (nothing for other records).
    void decode(const dts::Lsn &commit, const dts::logrec::LogRow &r, std::vector<Pending> &out);
    // Completes updates and appends the changes in order. Keys in `stale` (hashes of key_string)
    // were changed earlier in the same transaction, in a part already staged: the destination
    // does not show that yet, so their rows are re-read from the source.
    void complete(std::vector<Pending> &pending, std::vector<LogChange> &out,
                  const dts::KeyFilter *stale);
    // The row cache (common/row_cache): the last image of each key the log brought in earlier
    // windows, in commit order. It holds source images of applied windows only: take() drops
    // what a window cut short left behind, stream() and a reload start it afresh.
    dts::logrec::RowCache cache_;
    // Keys (RowCache::hash) the changes of the last take() and of the ones before it, not known
    // applied, left without an image in the cache; whether other keys may be unaccounted for
    // (the stream just started, the cache was emptied or cut); rotations of the cache when the
    // batches were last known applied, and at the start of the last take().
    std::unordered_set<uint64_t> unapplied_older_, unapplied_last_;
    bool unaccounted_ = true;
    size_t rotations_mark_ = 0, rotations_at_take_ = 0;
    bool batches_accounted() const;

    PgConnection lookup_;
    std::function<void()> before_destination_;
    dts::tds::Connection &src_;
    TaskRef task_;
    std::string db_;
    std::vector<Table> tables_;
    std::map<int64_t, size_t> by_unit_; // allocation unit id -> tables_ index
    dts::logrec::Assembler asm_;
    dts::Lsn next_; // read from here (inclusive: the last record read, skipped when seen again)
    dts::Lsn applied_;
    long read_limit_;
    bool undecoded_warned_ = false;
    std::optional<dts::Lsn> backups_until_; // log backups were read up to here (exclusive)
    std::string reading_backup_;
    LogStats stats_;
    Connect connect_;
    std::unique_ptr<dts::tds::Connection> ahead_conn_;
    // The window being read ahead: from which position, how many records (declared last: it is
    // waited for before anything it uses is destroyed).
    struct Ahead {
        dts::Lsn from;
        long limit = 0;
        std::future<Fetched> rows;
    };
    std::optional<Ahead> ahead_;
};

// A key as one string, for maps: dts::logrec::key_string (row_cache.hpp).
using dts::logrec::key_string;

// An LSN as fn_dblog takes it: quoted decimal vlf:block:slot. Only LSNs the server itself
// returned are passed: a made-up one can stop the server.
std::string dblog_lsn(const dts::Lsn &l);

} // namespace sidecar
