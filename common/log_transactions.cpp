#include "log_transactions.hpp"

#include "error.hpp"
#include "tsql_quote.hpp"

#include <algorithm>
#include <array>

namespace dts::logrec {

namespace {

// I insert, D delete, M modify.
char kind(Op op) {
    return op == Op::Insert ? 'I' : op == Op::Delete ? 'D' : 'M';
}

// A compensation record is the inverse kind of the change it undoes.
bool undoes(char clr, char change) {
    return (change == 'I' && clr == 'D') || (change == 'D' && clr == 'I') ||
           (change == 'M' && clr == 'M');
}

} // namespace

Op parse_operation(std::string_view t) {
    if (t == "LOP_INSERT_ROWS")
        return Op::Insert;
    if (t == "LOP_MODIFY_ROW")
        return Op::Modify;
    if (t == "LOP_DELETE_ROWS")
        return Op::Delete;
    if (t == "LOP_BEGIN_XACT")
        return Op::Begin;
    if (t == "LOP_COMMIT_XACT")
        return Op::Commit;
    if (t == "LOP_MODIFY_COLUMNS")
        return Op::ModifyColumns;
    if (t == "LOP_ABORT_XACT")
        return Op::Abort;
    return Op::Other;
}

const char *operation_name(Op op) {
    switch (op) {
    case Op::Begin:
        return "LOP_BEGIN_XACT";
    case Op::Commit:
        return "LOP_COMMIT_XACT";
    case Op::Abort:
        return "LOP_ABORT_XACT";
    case Op::Insert:
        return "LOP_INSERT_ROWS";
    case Op::Delete:
        return "LOP_DELETE_ROWS";
    case Op::Modify:
        return "LOP_MODIFY_ROW";
    case Op::ModifyColumns:
        return "LOP_MODIFY_COLUMNS";
    case Op::Other:
        break;
    }
    return "another operation";
}

Context parse_context(std::string_view t) {
    return t == "LCX_CLUSTERED"       ? Context::Clustered
           : t == "LCX_MARK_AS_GHOST" ? Context::MarkAsGhost
                                      : Context::Other;
}

const char *context_name(Context context) {
    switch (context) {
    case Context::Clustered:
        return "LCX_CLUSTERED";
    case Context::MarkAsGhost:
        return "LCX_MARK_AS_GHOST";
    case Context::Other:
        break;
    }
    return "another context";
}

namespace {

constexpr Op kOps[] = {Op::Begin,  Op::Commit, Op::Abort,        Op::Insert,
                       Op::Delete, Op::Modify, Op::ModifyColumns};
constexpr Context kContexts[] = {Context::Clustered, Context::MarkAsGhost};

template <class E, size_t N>
std::string code_sql(const char *column, const E (&values)[N], const char *(*name)(E)) {
    std::string sql = std::string("CASE ") + column;
    for (E v : values)
        sql += " WHEN " + tsql::quote_literal(name(v)) + " THEN " +
               std::to_string(static_cast<int>(v));
    return sql + " ELSE 0 END";
}

template <class E, size_t N> E from_code(int64_t code, const E (&values)[N], const char *column) {
    if (code == 0)
        return E{};
    for (E v : values)
        if (static_cast<int64_t>(v) == code)
            return v;
    throw Error("XX000", std::string("fn_dblog returned ") + std::to_string(code) + " for " +
                             column + ", which is no code of the reader's: report this");
}

} // namespace

std::string operation_code_sql() {
    return code_sql("[Operation]", kOps, operation_name);
}

std::string context_code_sql() {
    return code_sql("[Context]", kContexts, context_name);
}

Op operation_from_code(int64_t code) {
    return from_code(code, kOps, "[Operation]");
}

Context context_from_code(int64_t code) {
    return from_code(code, kContexts, "[Context]");
}

bool LogRow::is_data() const {
    return op == Op::Insert || op == Op::Delete || op == Op::Modify || op == Op::ModifyColumns;
}

const std::array<const char *, 9> &Transaction::ddl_names() {
    static const std::array<const char *, 9> names = {
        "CREATE TABLE", "ALTER TABLE",    "DROPOBJ",    "CREATE INDEX", "DROP INDEX",
        "ALTER INDEX",  "TRUNCATE TABLE", "DROP TABLE", "sp_rename"};
    return names;
}

bool Transaction::is_ddl() const {
    const auto &names = ddl_names();
    return catalog ||
           std::any_of(names.begin(), names.end(), [&](const char *n) { return name == n; });
}

bool Assembler::is_system_transaction(const std::string &name) {
    // Nested top actions SQL Server runs for its own page and space management.
    static const std::array<const char *, 12> names = {
        "SplitPage",       "AllocPages",       "AllocFirstPage", "AllocHeapPageSimpleXactDML",
        "Allocate Root",   "GhostCleanupTask", "Deallocate",     "DeallocPages",
        "CreatAllocChain", "SplitIndexPage",   "MergePage",      "UpdateAllocUnitStats"};
    return std::any_of(names.begin(), names.end(), [&](const char *n) { return name == n; });
}

void Assembler::add(LogRow row) {
    if (last_ && !(*last_ < row.lsn)) {
        if (*last_ == row.lsn)
            return; // the reader re-read the last record it had
        throw Error("XX000", "transaction log records out of order: " + row.lsn.to_log_string() +
                                 " after " + last_->to_log_string());
    }
    last_ = row.lsn;
    if (row.xact == 0)
        return; // checkpoints and other records outside transactions
    const Op op = row.op;
    if (op == Op::Begin) {
        Open &o = open_[row.xact];
        o.begin = row.lsn;
        o.name = row.xact_name;
        o.seen_begin = true;
        o.system = is_system_transaction(row.xact_name);
        return;
    }
    auto it = open_.find(row.xact);
    if (op == Op::Commit || op == Op::Abort) {
        if (it == open_.end())
            return; // nothing of it was read: began and ended before the reader's start
        Open o = std::move(it->second);
        open_.erase(it);
        buffered_ -= o.changes.size();
        if (op == Op::Abort || o.system)
            return;
        Transaction t;
        t.xact = row.xact;
        t.begin = o.begin;
        t.commit = row.lsn;
        t.name = std::move(o.name);
        t.end_time = row.end_time;
        t.changes = std::move(o.changes);
        t.complete = o.seen_begin;
        t.catalog = o.catalog;
        t.spilled = o.spilled;
        t.kept.reserve(o.kept.size());
        for (; !o.kept.empty(); o.kept.pop_front()) // freed as copied
            t.kept.push_back(o.kept.front().first);
        committed_.push_back(std::move(t));
        return;
    }
    if (!row.is_data())
        return;
    if (it == open_.end()) {
        // Its begin record is before where the reader started.
        it = open_.emplace(row.xact, Open{}).first;
        it->second.begin = row.lsn;
    }
    Open &o = it->second;
    if (o.system)
        return;
    if (row.catalog) {
        o.catalog = true; // DDL: the reader compares the catalog before and after
        return;
    }
    if (row.compensation) {
        // Undo runs backwards: a compensation record undoes the latest change still in effect.
        if (o.spilled) {
            if (o.kept.empty())
                throw Error("XX000", "compensation record " + row.lsn.to_log_string() +
                                         " of transaction " + std::to_string(row.xact) +
                                         " has no change to undo");
            if (!undoes(kind(row.op), o.kept.back().second))
                throw Error("XX000", "compensation record " + row.lsn.to_log_string() + " (" +
                                         operation_name(row.op) +
                                         ") does not undo the transaction's last change " +
                                         o.kept.back().first.to_log_string());
            o.kept.pop_back();
            return;
        }
        if (o.changes.empty()) {
            if (!o.seen_begin)
                return; // undoes something before the reader's start: the transaction is
                        // incomplete anyway
            throw Error("XX000", "compensation record " + row.lsn.to_log_string() +
                                     " of transaction " + std::to_string(row.xact) +
                                     " has no change to undo");
        }
        if (!undoes(kind(row.op), kind(o.changes.back().op)))
            throw Error("XX000",
                        "compensation record " + row.lsn.to_log_string() + " (" +
                            operation_name(row.op) +
                            ") does not undo the transaction's last change " +
                            o.changes.back().lsn.to_log_string() + " (" +
                            operation_name(o.changes.back().op) + ")",
                        {},
                        "The log reader's model of SQL Server's undo records does not hold "
                        "here: report this with the fn_dblog rows of the transaction.");
        o.changes.pop_back();
        --buffered_;
        return;
    }
    if (o.spilled) {
        o.kept.emplace_back(row.lsn, kind(row.op));
        return;
    }
    o.changes.push_back(std::move(row));
    ++buffered_;
    if (o.changes.size() > max_held_) {
        // Too large to hold: keep what identifies each change, read the rest again at commit.
        for (const auto &c : o.changes)
            o.kept.emplace_back(c.lsn, kind(c.op));
        buffered_ -= o.changes.size();
        o.changes.clear();
        o.changes.shrink_to_fit();
        o.spilled = true;
    }
}

Lsn Assembler::restart_point(const Lsn &applied) const {
    Lsn r = applied;
    for (const auto &[x, o] : open_)
        if (!o.system && o.begin < r)
            r = o.begin;
    for (const auto &t : committed_)
        if (applied < t.commit && t.begin < r)
            r = t.begin;
    return r;
}

} // namespace dts::logrec
