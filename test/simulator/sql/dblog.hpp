// The physical transaction log that sys.fn_dblog shows: SQL Server's log records (LOP_*/LCX_*)
// with FixedVar row images, built from the logical log the row triggers write ("$log", which CDC
// keeps reading unchanged) and the physical layout (phys_layout.hpp).
//
// A session collects its transaction's records in memory (PhysXact) as statements complete; they
// get LSNs and reach "$dblog" only at COMMIT or ROLLBACK, inside the SQLite transaction that
// holds the store's write lock — so what readers see is always a prefix of the log in LSN order.
#pragma once

#include "catalog.hpp"
#include "phys_layout.hpp"

#include <sqlite3.h>

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sim::sql {

// One fn_dblog row before it has an LSN.
struct DbLogRec {
    std::string operation, context;
    std::string xact; // "0000:000002d6"; empty = the owning user transaction
    bool begin_of_xact = false, end_of_xact = false;
    int64_t alloc_unit_id = 0; // 0: NULL
    std::string page;          // "0001:0000022e"
    int slot = -1;
    int64_t partition_id = 0;
    int offset_in_row = -1, modify_size = -1;
    std::vector<std::string> elements; // RowLog Contents 0.. (and beyond, in Log Record)
    std::string description, lock_info, xact_name, begin_time, end_time, parent_xact;
    int spid = 0;
    int64_t xact_num = 0;
    bool work = false; // a change a rollback must compensate
    bool clr = false;
    // Checkpoint records
    std::string ckpt_begin, ckpt_end;
    bool min_lsn_here = false;
    int dirty_pages = -1;
};

struct PhysHooks {
    std::function<std::string()> next_lsn;  // binary(10)
    std::function<int64_t()> next_xact_num; // transaction ids of system transactions
};

// Creates "$dblog", "$phys_rows", "$phys_pages", "$logstate" if missing.
void dblog_bootstrap(sqlite3 *db);

// "0000002a:00000150:0003" from binary(10) and back.
std::string lsn_string(const std::string &lsn10);
std::string lsn_binary(const std::string &text);
// fn_dblog's argument forms: 3-part decimal "38:4520:3", 3-part hex "0x00000026:000011a8:0003";
// NULL gives nullopt. Returns the key form (lsn_string).
std::optional<std::string> parse_lsn_arg(const std::string &arg);
// numeric(25,0) LSN form: decimal VLF || 10-digit block || 5-digit slot.
std::string lsn_numeric(const std::string &lsn_text);

// Time as fn_dblog prints it: "2026/12/05 10:00:08:690".
std::string dblog_time_now();

class PhysXact {
public:
    PhysXact(sqlite3 *db, PhysHooks hooks) : db_(db), hooks_(std::move(hooks)) {}
    bool empty() const { return recs_.empty(); }
    size_t mark() const { return recs_.size(); }
    // Turns the logical records of transaction `xact_id` after `after_lsn` into log records,
    // maintaining each row's stored record; returns the last logical LSN seen.
    std::string capture(int database_id, int64_t xact_id, const std::string &after_lsn);
    // Appends compensation records for the work records at positions >= from, newest first.
    void compensate(size_t from);
    // DDL of the transaction: system-table records on system allocation units.
    void note_ddl(int database_id, const std::string &verb, int object_id,
                  const std::string &object_name, int columns);
    // Writes BEGIN, the records and COMMIT (or ABORT) to "$dblog" with fresh LSNs; then ghost
    // cleanup and, when due, a checkpoint. `begin_lsn` empty: one is taken now.
    struct Header {
        int database_id = 0;
        int64_t xact_num = 0;
        std::string begin_lsn;
        std::string name; // INSERT / UPDATE / DELETE / user_transaction / CREATE TABLE ...
        int spid = 0;
        std::string begin_time;
        std::string sid;
    };
    // Returns the commit (or abort) LSN.
    std::string flush(const Header &h, bool commit);
    void clear();
    std::string first_verb() const { return first_verb_; }

private:
    struct TableInfo {
        TableMeta meta;
        std::optional<Partition> base;
        std::vector<Partition> nc;
        std::map<int, size_t> pos; // column_id -> position in the logical image
        bool heap = true;
        bool versioned = false;
    };
    TableInfo &table(int database_id, int object_id);
    void row_insert(int database_id, TableInfo &t, int64_t row_id, const std::vector<Value> &v);
    void stored_record(int database_id, TableInfo &t, int64_t row_id, const std::vector<Value> &v,
                       std::string &rec, std::string &page, int &slot);
    void row_delete(int database_id, TableInfo &t, int64_t row_id, const std::vector<Value> &v);
    void row_update(int database_id, TableInfo &t, int64_t row_id, const std::vector<Value> &b,
                    const std::vector<Value> &a);
    std::string encode(int database_id, TableInfo &t, int64_t row_id, const std::vector<Value> &v,
                       const std::string *old_record);
    std::string key_record(TableInfo &t, const std::vector<Value> &v, int64_t uniq);
    std::pair<std::string, int> place(int database_id, TableInfo &t, size_t len);
    void nc_records(int database_id, TableInfo &t, int64_t row_id, const std::vector<Value> &v,
                    bool insert, const std::string &page, int slot);
    std::string lock_info(int database_id, TableInfo &t, const std::string &page, int slot,
                          const std::string &key);
    int64_t new_page(int database_id);

    sqlite3 *db_;
    PhysHooks hooks_;
    std::vector<DbLogRec> recs_;
    std::map<std::pair<int, int>, TableInfo> tables_;
    std::set<std::pair<int, int>> locked_;
    std::vector<DbLogRec> ghosts_;
    std::string first_verb_;
};

// CHECKPOINT: writes the checkpoint records and truncates the log as the recovery model allows
// (SIMPLE; FULL without a full backup). `oldest_active` holds truncation back (open transaction).
std::string dblog_checkpoint(sqlite3 *db, const PhysHooks &hooks, int database_id,
                             const std::string &oldest_active = {});
// BACKUP LOG: copies the records since the previous log backup to `path` and truncates. Returns
// (first_lsn, last_lsn) as fn_dblog strings.
std::pair<std::string, std::string> dblog_backup_log(sqlite3 *db, const PhysHooks &hooks,
                                                     int database_id, const std::string &path);
// The database versions rows (READ_COMMITTED_SNAPSHOT / ALLOW_SNAPSHOT_ISOLATION ON).
void dblog_set_versioning(sqlite3 *db, int database_id, const std::string &option, bool on);
// Why the log cannot be truncated: (log_reuse_wait, log_reuse_wait_desc) as SQL for views.
std::string log_reuse_wait_sql(const std::string &db_alias);

// fn_dblog's columns, in SQL Server's order: name, type and the SQLite expression over a
// "$dblog"-shaped row aliased `l` (database {D}).
struct DbLogColumn {
    std::string name;
    SqlType type;
    std::string expr;
};
const std::vector<DbLogColumn> &dblog_columns();
// fn_dump_dblog: loads the backup file into a TEMP table of `db` and returns its name.
std::string dblog_load_dump(sqlite3 *db, const std::string &path);

// Writing transactions in progress, for sys.dm_tran_database_transactions.
void dblog_open_xact(int64_t xact, int database_id, const std::string &begin_lsn10,
                     const std::string &begin_time);
void dblog_close_xact(int64_t xact);

// Registers the SQL functions fn_dblog and the physical views use.
void register_dblog_functions(sqlite3 *db);

} // namespace sim::sql
