// Source transactions re-assembled from the records of SQL Server's transaction log as
// sys.fn_dblog returns them (docs/log-reader.md): records are buffered per transaction from
// LOP_BEGIN_XACT to LOP_COMMIT_XACT, aborted transactions are dropped whole, compensation records
// (the undo of a ROLLBACK TO SAVEPOINT inside a transaction that commits) cancel the change they
// undo, and system transactions (page splits, allocation, ghost cleanup) never reach the output.
// Pure, unit-tested; the reader decodes the row images of what comes out.
#pragma once

#include "lsn.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dts::logrec {

// [Operation] of the records the reader selects; anything else is Other.
enum class Op : uint8_t { Other, Begin, Commit, Abort, Insert, Delete, Modify, ModifyColumns };
Op parse_operation(std::string_view text);
const char *operation_name(Op op); // the LOP_* text, for messages
// [Context] as far as the reader cares: rows of a clustered index's leaf level, or others
// (non-leaf pages share the allocation unit).
enum class Context : uint8_t { Other, Clustered, MarkAsGhost };
Context parse_context(std::string_view text);
const char *context_name(Context context); // the LCX_* text ("another context" for Other)

// [Operation] and [Context] as the numbers of Op and Context, computed by the source
// (CASE ... END, 0 for any other name): the reader selects these instead of the names, a few
// bytes a record instead of some 50 of UTF-16 for the source to send and the client to convert.
std::string operation_code_sql();
std::string context_code_sql();
// The enum of such a number; one no enumerator has (the SQL and the reader disagree) throws.
Op operation_from_code(int64_t code);
Context context_from_code(int64_t code);

// One fn_dblog row, with the columns the reader selects, in the few bytes the reader needs of
// them: a large transaction is held as these until it commits.
struct LogRow {
    Lsn lsn;
    Op op = Op::Other;                // [Operation]
    Context context = Context::Other; // [Context]
    bool compensation = false;        // [Description] says COMPENSATION: a CLR
    // [AllocUnitName] is one of SQL Server's own catalog tables (sys.sysschobjs.clst,
    // sys.syscolpars.clst, ...): the record marks a transaction that ran DDL.
    bool catalog = false;
    uint64_t xact = 0;         // [Transaction ID]; 0 = outside any transaction
    int64_t alloc_unit = 0;    // [AllocUnitId]
    int slot = -1;             // [Slot ID]
    int offset = 0;            // [Offset in Row]
    int modify_size = 0;       // [Modify Size]
    int num_elements = 0;      // [Num Elements]
    std::string rc0, rc1, rc2; // [RowLog Contents 0..2]
    std::string log_record;    // [Log Record] (LOP_MODIFY_COLUMNS only)
    // [Transaction Name] of LOP_BEGIN_XACT, [End Time] of LOP_COMMIT_XACT; empty otherwise.
    std::string xact_name, end_time;

    bool is_data() const; // a row insert, delete or update
};

struct Transaction {
    uint64_t xact = 0;
    Lsn begin, commit;
    std::string name;            // [Transaction Name]: INSERT, user_transaction, CREATE TABLE, ...
    std::string end_time;        // of the commit record
    std::vector<LogRow> changes; // data records still in effect at commit, in LSN order
    // False when the reader started after the transaction's begin record: records before that
    // point are missing, so a reader that still needs the transaction must not apply it.
    bool complete = true;
    bool catalog = false; // changed SQL Server's catalog tables
    // Larger than the assembler holds: `changes` is empty and `kept` lists the LSNs of the data
    // records still in effect at commit; the reader streams them from the log again.
    bool spilled = false;
    std::vector<Lsn> kept;
    // Ran DDL: changed the catalog, or is named for a DDL statement.
    bool is_ddl() const;
    // The transaction names SQL Server gives DDL statements (is_ddl() also counts a transaction
    // that changed the catalog's own tables).
    static const std::array<const char *, 9> &ddl_names();
};

// Feed rows in LSN order (duplicates of the last row fed are ignored, so a reader may re-read
// from the last LSN it saw). Committed user transactions come out in commit order.
class Assembler {
public:
    // Transaction names of SQL Server's own system transactions (nested top actions), whose row
    // records move rows between pages rather than change them.
    static bool is_system_transaction(const std::string &name);

    // Transactions with more data records than `max_held` keep only their records' LSNs.
    explicit Assembler(size_t max_held = 100000) : max_held_(max_held) {}

    void add(LogRow row);

    std::deque<Transaction> &committed() { return committed_; }
    const std::deque<Transaction> &committed() const { return committed_; }
    // The LSN a reader must read from again to re-assemble every transaction that commits after
    // `applied` (a commit LSN): the begin of the oldest transaction open at that point, or
    // `applied` itself.
    Lsn restart_point(const Lsn &applied) const;
    size_t buffered_records() const { return buffered_; }
    size_t open_transactions() const { return open_.size(); }
    std::optional<Lsn> last_lsn() const { return last_; }

private:
    struct Open {
        Lsn begin;
        std::string name;
        bool seen_begin = false, system = false, catalog = false, spilled = false;
        std::vector<LogRow> changes;
        // Spilled: LSN and kind of each change (a deque: growing never copies the whole list,
        // whose peak would be twice its size).
        std::deque<std::pair<Lsn, char>> kept;
    };
    std::map<uint64_t, Open> open_;
    std::deque<Transaction> committed_;
    size_t max_held_;
    size_t buffered_ = 0;
    std::optional<Lsn> last_;
};

} // namespace dts::logrec
