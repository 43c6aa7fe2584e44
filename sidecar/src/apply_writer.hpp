// Hands source transactions to the extension's apply engine (docs/apply.md): one destination
// transaction holds the staged rows of every table, any DDL and heartbeat rows, and the
// checkpoint. Two ways to fill it: a batch of many small source transactions compacted in memory,
// or one source transaction too large to hold, streamed table by table into the stages and
// compacted by the engine.
#pragma once

#include "pg_connection.hpp"

#include "change_batch.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sidecar {

struct TableChanges {
    std::string source_name;           // db.schema.table, for error context
    std::string target;                // quoted destination table
    std::vector<std::string> columns;  // destination columns, in the rows' order
    std::vector<size_t> key_positions; // positions of the key columns in `columns`; empty:
                                       // no key (whole-row apply)
    dts::changes::DmlSelection dml;
    // The row filter (dts_set_filter; T-SQL, checked by require_search_condition), empty when
    // none: the readers apply it to the changes (dts::changes::apply_filter) before they get here.
    std::string filter;
    // Whole-row tables: text/ntext/image columns, which CDC leaves NULL in every delete and
    // update before-image; NULL there matches any value.
    std::vector<std::string> lob_columns;
    bool strip_nul = false; // the task's nul_policy is 'strip' (dts/nul_policy.hpp)
    std::string task_name;  // for the NUL error's hint
    std::vector<dts::changes::Change> changes; // in (commit LSN, seqval) order
};

struct Batch {
    int64_t task_id = 0;
    std::string task_name;
    std::string source_db;
    dts::Lsn first_commit, last_commit;
    size_t transactions = 0;
    std::vector<TableChanges> tables;
    std::vector<std::string> heartbeats; // source times (UTC) of the task's heartbeat rows
    // Log reader: where to read the log again after this batch, kept with its checkpoint.
    std::optional<dts::Lsn> log_restart;
};

// One destination transaction of the apply protocol. Errors thrown from any step carry the
// task, the source table and the LSN range; the destructor rolls back what was not committed.
class ApplyTransaction {
public:
    ApplyTransaction(PgConnection &pg, int64_t task_id, std::string task_name,
                     std::string source_db);
    ~ApplyTransaction();
    ApplyTransaction(const ApplyTransaction &) = delete;
    ApplyTransaction &operator=(const ApplyTransaction &) = delete;

    // Opens the transaction for source transactions from commit LSN `first`; false (and rolled
    // back) when the engine reports them applied already.
    bool begin(const dts::Lsn &first, const dts::Lsn &last);
    // Opens a transaction between batches (a table re-copied at the position): the checkpoint
    // row is locked as for a batch but does not move; close it with commit_in_place().
    void begin_in_place();
    void commit_in_place();
    // A table's changes of this batch, compacted here (keys) or in order (whole-row tables).
    void apply_changes(const TableChanges &t);

    // Uncompacted lines straight into the table's stage, flushed every MiB: bounded memory for
    // any number of changes. finish() applies the stage.
    class Stream {
    public:
        void insert(const dts::changes::Values &row);
        void update(const dts::changes::Values &before, const dts::changes::Values &after);
        void remove(const dts::changes::Values &row);
        void finish();
        size_t changes() const { return changes_; }

    private:
        friend class ApplyTransaction;
        Stream(ApplyTransaction &tx, const TableChanges &t);
        void line(char op, const dts::changes::Values &row);
        void flush(bool last);
        ApplyTransaction &tx_;
        const TableChanges &t_;
        std::string stage_, data_;
        long long seq_ = 0;
        size_t changes_ = 0;
        bool open_ = false;
    };
    Stream stream(const TableChanges &t) { return Stream(*this, t); }

    void heartbeat(const std::string &source_time);
    // The log reader's restart point (the begin of the oldest transaction open at this batch's
    // last commit), committed with the checkpoint.
    void log_restart(const dts::Lsn &lsn);
    // Log mode: the source catalog (dts::ddl::encode_catalog) the destination reflects as of
    // `lsn`, committed with the DDL it results from.
    void log_catalog(const dts::Lsn &lsn, const std::string &snapshot);
    // A DDL event from dbo.dts_cdc_ddl_history (dts._apply_ddl); returns what the engine did.
    std::string ddl(const std::string &event_type, const std::string &schema,
                    const std::string &object, const std::string &target,
                    const std::string &command, bool in_user_transaction);
    void commit(size_t transactions, size_t changes);

private:
    [[noreturn]] void fail(const std::exception &e, const std::string &table);
    // Changes by (source table, operation), published as metrics once committed.
    void count(const std::string &table, const char *operation, uint64_t n = 1) {
        applied_[{table, operation}] += n;
    }
    void apply_stage(const TableChanges &t, const std::string &stage, bool compacted);
    PgConnection &pg_;
    int64_t task_id_;
    std::string task_name_, db_;
    dts::Lsn first_, last_;
    bool open_ = false;
    int plain_insert_tables_ = 0; // tables sent with 'N' rows in this transaction
    std::map<std::pair<std::string, std::string>, uint64_t> applied_;
    std::chrono::steady_clock::time_point began_;
};

// Applies a batch of whole source transactions. False when the engine reports it applied
// already (nothing changes).
bool apply_batch(PgConnection &pg, const Batch &batch);

} // namespace sidecar
