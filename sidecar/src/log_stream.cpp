#include "log_stream.hpp"

#include "log.hpp"
#include "log_rows.hpp"
#include "table_layouts.hpp"

#include "error.hpp"
#include "key_filter.hpp"
#include "log_fields.hpp"
#include "pg_quote.hpp"
#include "row_decoder.hpp"
#include "tsql_quote.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <deque>
#include <unordered_map>
#include <utility>

namespace sidecar {

namespace {

using dts::Lsn;
using dts::changes::Value;
using dts::changes::Values;
namespace lr = dts::logrec;

// Adds the milliseconds of its lifetime to `total`.
class Stopwatch {
public:
    explicit Stopwatch(double &total) : total_(total), start_(std::chrono::steady_clock::now()) {}
    ~Stopwatch() {
        total_ +=
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
                .count();
    }
    Stopwatch(const Stopwatch &) = delete;
    Stopwatch &operator=(const Stopwatch &) = delete;

private:
    double &total_;
    std::chrono::steady_clock::time_point start_;
};

// fn_dblog's [RowLog Contents n] are varbinary(8000); a row may be 8060 bytes long.
constexpr size_t kRowLogContentsMax = 8000;

// fn_dblog's [Transaction ID] text of a transaction.
std::string xact_text(uint64_t x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04x:%08x", static_cast<unsigned>(x >> 32),
                  static_cast<unsigned>(x & 0xffffffffu));
    return buf;
}

// A key value (PostgreSQL text form, as the decoder or the destination gives it) as a T-SQL
// literal of the source column's type.
std::string tsql_key_literal(int system_type_id, const std::string &v) {
    switch (system_type_id) {
    case 48:  // tinyint
    case 52:  // smallint
    case 56:  // int
    case 127: // bigint
    case 106: // decimal
    case 108: // numeric
    case 60:  // money
    case 122: // smallmoney
        if (v.empty() || v.find_first_not_of("0123456789.-") != std::string::npos)
            throw dts::Error("22P02", "key value '" + v + "' is not a number");
        return v;
    case 104: // bit
        return v == "t" || v == "1" || v == "true" ? "1" : "0";
    case 173: // binary
    case 165: // varbinary
    case 189: // timestamp
        if (v.rfind("\\x", 0) != 0)
            throw dts::Error("22P02", "key value '" + v + "' is not bytea hex");
        return "0x" + v.substr(2);
    default:
        return dts::tsql::quote_literal(v);
    }
}

// A text[] literal of the values (NULL elements unquoted).
std::string text_array(const std::vector<const Value *> &values) {
    std::string arr = "{";
    for (size_t i = 0; i < values.size(); ++i) {
        arr += i ? "," : "";
        if (!*values[i]) {
            arr += "NULL";
            continue;
        }
        arr += '"';
        for (char ch : **values[i]) {
            if (ch == '"' || ch == '\\')
                arr += '\\';
            arr += ch;
        }
        arr += '"';
    }
    return arr + "}";
}

} // namespace

std::string dblog_lsn(const Lsn &l) {
    return dts::tsql::quote_literal(std::to_string(l.vlf) + ":" + std::to_string(l.block) + ":" +
                                    std::to_string(l.slot));
}

namespace {
// Row cache bound (both generations together).
constexpr size_t kRowCacheBytes = 64u << 20;
// The operations of records that change a table's rows (fn_dblog [Operation]).
constexpr const char *kRowOperations =
    "N'LOP_INSERT_ROWS', N'LOP_DELETE_ROWS', N'LOP_MODIFY_ROW', N'LOP_MODIFY_COLUMNS'";
} // namespace

LogStream::LogStream(const std::string &destination, dts::tds::Connection &src, const TaskRef &task,
                     std::string db, const std::vector<CdcTable> &tables, const Lsn &restart,
                     const Lsn &applied, long read_limit, Connect connect)
    : cache_(kRowCacheBytes), lookup_(destination), src_(src), task_(task), db_(std::move(db)),
      asm_(static_cast<size_t>(std::max(1000L, read_limit / 2))), next_(restart), applied_(applied),
      read_limit_(read_limit), connect_(std::move(connect)) {
    load_layouts(tables);
}

LogStream::~LogStream() {
    if (ahead_ && ahead_->rows.valid())
        ahead_->rows.wait(); // its error, if any, no longer matters
}

void LogStream::load_layouts(const std::vector<CdcTable> &tables) {
    tables_.clear();
    by_unit_.clear();
    for (size_t i = 0; i < tables.size(); ++i) {
        const CdcTable &c = tables[i];
        if (!c.log)
            continue;
        for (auto &[unit, layout] :
             read_table_layouts(src_, c.schema, c.table, c.apply.source_name))
            add_table(c, i, unit, std::move(layout));
    }
}

// One allocation unit of a log-captured table, decoded with `layout`.
void LogStream::add_table(const CdcTable &c, size_t i, int64_t unit, lr::Layout layout) {
    Table t;
    t.layout = std::move(layout);
    t.index = i;
    t.cdc = &c;
    t.unit = unit;
    try {
        t.layout.validate();
    } catch (const lr::DecodeError &e) {
        throw dts::Error("0A000",
                         "source table " + c.apply.source_name +
                             " cannot be read from the transaction log: " + e.what(),
                         {}, kLogRefuseHint);
    }
    const auto &cols = t.layout.columns;
    for (const auto &name : c.apply.columns) {
        int at = -1;
        for (size_t k = 0; k < cols.size(); ++k)
            if (!cols[k].is_dropped && cols[k].name == name)
                at = static_cast<int>(k);
        t.apply_to_layout.push_back(at);
    }
    std::vector<std::pair<int, int>> key; // (key_ordinal, layout column)
    for (size_t k = 0; k < cols.size(); ++k)
        if (cols[k].key_ordinal > 0 && !cols[k].is_uniqueifier)
            key.emplace_back(cols[k].key_ordinal, static_cast<int>(k));
    std::sort(key.begin(), key.end());
    for (const auto &kc : key) {
        const auto &col = cols[static_cast<size_t>(kc.second)];
        auto it = std::find(c.apply.columns.begin(), c.apply.columns.end(), col.name);
        if (it == c.apply.columns.end())
            throw dts::Error("55000",
                             "clustered key column " + col.name + " of " + c.apply.source_name +
                                 " is not a destination column",
                             {},
                             "The log reader finds rows by their clustered key: keep "
                             "its columns in the destination table.");
        t.key_layout.push_back(kc.second);
        t.key_apply.push_back(static_cast<size_t>(it - c.apply.columns.begin()));
        t.key_source_types.push_back(col.system_type_id);
    }
    if (t.key_layout.empty())
        throw dts::Error("0A000",
                         "source table " + c.apply.source_name +
                             " has no clustered key the log reader can use",
                         {}, kLogRefuseHint);
    for (size_t p : t.key_apply) {
        std::vector<PgConnection::Row> ty;
        if (!c.apply.target.empty())
            ty = lookup_.query_rows("SELECT format_type(atttypid, atttypmod) FROM "
                                    "pg_attribute WHERE attrelid = $1::regclass AND "
                                    "attname = $2",
                                    {c.apply.target, c.apply.columns[p]});
        t.key_types.push_back(ty.empty() ? "text" : ty[0][0].value_or("text"));
    }
    by_unit_[unit] = tables_.size();
    tables_.push_back(std::move(t));
}

lr::KeptLayouts LogStream::layouts() const {
    lr::KeptLayouts out;
    for (const Table &t : tables_)
        out[t.cdc->apply.source_name][t.unit] = t.layout;
    return out;
}

void LogStream::reconcile_layouts(const lr::KeptLayouts &kept) {
    const size_t current = tables_.size(); // retired units are added after these
    std::set<int64_t> in_catalog;
    bool catalog_read = false;
    for (const auto &[name, units] : kept) {
        const Table *now = nullptr;
        for (size_t k = 0; k < current; ++k)
            if (tables_[k].cdc->apply.source_name == name)
                now = &tables_[k];
        if (!now)
            continue; // no longer read from the log
        const CdcTable &c = *now->cdc;
        const size_t index = now->index;
        auto stop = [&](int64_t unit, const std::string &why, const std::string &left) {
            throw dts::Error(
                "55000",
                "the row layout of source table " + name + " (allocation unit " +
                    std::to_string(unit) + ") changed since the log reader last decoded it: " +
                    why + "; " + left + " (task " + task_.name + ")",
                {},
                "The table was rebuilt, switched, or its clustered index changed while the task's "
                "log reader was stopped or behind. Restart the task with a full stage (or "
                "capture the table with CDC).");
        };
        for (const auto &[unit, older] : units) {
            auto u = by_unit_.find(unit);
            if (u != by_unit_.end()) {
                const auto why = lr::layout_change(older, tables_[u->second].layout);
                // Laid out anew: fine when that was the DDL the stream starts right after, or
                // when none of the table's records the stream is to apply lie before the last
                // DDL in the log; else they would be decoded with a layout they were not
                // written with.
                if (why)
                    if (auto left = unapplied_records_before_ddl(unit))
                        stop(unit, *why, *left);
                continue;
            }
            if (!catalog_read) {
                for (auto &r : src_.query_text("SELECT CAST(allocation_unit_id AS varchar(30)) "
                                               "FROM sys.allocation_units")
                                   .rows)
                    if (r[0])
                        in_catalog.insert(std::stoll(*r[0]));
                catalog_read = true;
            }
            if (in_catalog.count(unit)) {
                // Another table's now (ALTER TABLE ... SWITCH, a rename swap): its records from
                // some point on are not this table's, and the log does not say from where.
                if (auto left = unapplied_records_before_ddl(unit))
                    stop(unit, "the allocation unit now belongs to another table", *left);
                continue;
            }
            // Deallocated: the index was rebuilt or re-created into new units, and every record
            // of this one is older than that. Read those left with the layout they had; a unit
            // with none left is forgotten.
            if (!records_from(next_, unit))
                continue;
            add_table(c, index, unit, older);
            log::info("allocation unit no longer in the catalog: its log records are decoded "
                      "with the layout kept for it",
                      {{"task", task_.name}, {"table", name}, {"unit", std::to_string(unit)}});
        }
    }
}

bool LogStream::records_from(const Lsn &from, int64_t unit) {
    // fn_dblog takes only LSNs of the active log; from log backups the unit is kept (the reader
    // reads them too, and a unit with nothing left there costs nothing).
    if (from.is_null())
        return true;
    const auto active = active_log_start();
    if (!active || from < *active)
        return true;
    auto r = src_.query_text("SELECT TOP (1) [Current LSN] FROM sys.fn_dblog(" + dblog_lsn(from) +
                             ", NULL) WHERE [AllocUnitId] = " + std::to_string(unit) +
                             " AND [Operation] IN (" + kRowOperations + ")");
    return !r.rows.empty();
}

std::optional<std::string> LogStream::unapplied_records_before_ddl(int64_t unit) {
    const Lsn &from = next_; // the restart point: transactions open at applied_ begin here
    if (from.is_null() || applied_.is_null())
        return std::string("the reader starts at the beginning of the log");
    const auto active = active_log_start();
    if (!active || from < *active)
        return "the reader starts at LSN " + from.to_log_string() +
               ", in log backups, which are not searched for DDL";
    // The last DDL statement (by the transaction names SQL Server gives them; SQL Server's own
    // system transactions, statistics included, are not DDL): the catalog read shows what it
    // left, and the records of the unit before it may have been written with another layout.
    std::string names;
    for (const char *n : lr::Transaction::ddl_names())
        names += std::string(names.empty() ? "" : ", ") + dts::tsql::quote_literal(n);
    auto last =
        src_.query_text("SELECT TOP (1) [Current LSN] FROM sys.fn_dblog(" + dblog_lsn(from) +
                        ", NULL) WHERE [Operation] = N'LOP_BEGIN_XACT' AND [Transaction "
                        "Name] IN (" +
                        names + ") ORDER BY [Current LSN] DESC");
    if (last.rows.empty() || !last.rows[0][0])
        return std::nullopt; // the change is the DDL the reader starts after
    const auto ddl = Lsn::parse(*last.rows[0][0]);
    if (!ddl)
        return "the log shows DDL at an unreadable LSN " + *last.rows[0][0];
    if (!(applied_ < *ddl))
        return std::nullopt;
    // The unit's records before it, except those of transactions ended by the applied position.
    constexpr long kMaxRecords = 100000;
    auto rows =
        src_.query_text("SELECT TOP (" + std::to_string(kMaxRecords) +
                        ") [Current LSN], [Transaction ID] FROM sys.fn_dblog(" + dblog_lsn(from) +
                        ", " + dblog_lsn(*ddl) + ") WHERE [AllocUnitId] = " + std::to_string(unit) +
                        " AND [Operation] IN (" + kRowOperations + ")");
    if (rows.rows.empty())
        return std::nullopt;
    if (rows.rows.size() >= static_cast<size_t>(kMaxRecords))
        return "more than " + std::to_string(kMaxRecords) + " of its log records from LSN " +
               rows.rows[0][0].value_or("?") + " precede DDL at LSN " + ddl->to_log_string() +
               ", which may be what changed it";
    std::set<std::string> ended;
    if (from < applied_)
        for (auto &r : src_.query_text("SELECT [Transaction ID] FROM sys.fn_dblog(" +
                                       dblog_lsn(from) + ", " + dblog_lsn(applied_) +
                                       ") WHERE [Operation] IN (N'LOP_COMMIT_XACT', "
                                       "N'LOP_ABORT_XACT')")
                           .rows)
            if (r[0])
                ended.insert(*r[0]);
    for (const auto &r : rows.rows)
        if (r[1] && !ended.count(*r[1]))
            return "its log records from LSN " + r[0].value_or("?") +
                   " were written before DDL at LSN " + ddl->to_log_string() +
                   ", which may be what changed it";
    return std::nullopt;
}

std::string LogStream::columns_sql() const {
    return "[Current LSN], " + lr::operation_code_sql() + ", " + lr::context_code_sql() +
           ", [Transaction ID], [AllocUnitId], [Slot ID], "
           "[Offset in Row], [Modify Size], [Num Elements], [RowLog Contents 0], [RowLog "
           "Contents 1], [RowLog Contents 2], CASE WHEN [Operation] = N'LOP_MODIFY_COLUMNS' THEN "
           "[Log Record] END, [Description], [Transaction Name], [End Time], CASE WHEN "
           "[AllocUnitName] LIKE N'sys.sys%' THEN [AllocUnitName] END";
}

// Row records of the tracked tables (or of one).
std::string LogStream::units_sql(const Table *only) const {
    std::string units;
    for (const auto &t : tables_)
        if (!only || &t == only)
            units += (units.empty() ? "" : ", ") + std::to_string(t.unit);
    if (units.empty())
        return "1 = 0";
    return std::string("([Operation] IN (") + kRowOperations + ") AND [AllocUnitId] IN (" + units +
           "))";
}

LogStream::Fetched LogStream::fetch(dts::tds::Connection &src, const std::string &sql,
                                    std::vector<lr::LogRow> buffer) {
    Fetched f;
    buffer.clear();
    f.rows = std::move(buffer);
    {
        const Stopwatch timer(f.ms);
        src.execute(sql);
        read_log_rows(src, f.rows, f.records, f.bytes);
    }
    return f;
}

void LogStream::account(const Fetched &f) {
    stats_.records += f.records;
    stats_.bytes += f.bytes;
    stats_.read_ms += f.ms;
}

std::vector<lr::LogRow> LogStream::take_spare() {
    return std::exchange(spare_rows_, {});
}

std::vector<lr::LogRow> LogStream::read_rows(const std::string &sql) {
    Fetched f = fetch(src_, sql, take_spare());
    account(f);
    return std::move(f.rows);
}

// What the reader selects from the log: transaction records, row records of the tracked tables,
// and row records of SQL Server's own catalog tables (a transaction that ran DDL).
std::string LogStream::filter_sql() const {
    return "[Operation] IN (N'LOP_BEGIN_XACT', N'LOP_COMMIT_XACT', N'LOP_ABORT_XACT') OR " +
           units_sql(nullptr) +
           " OR ([Operation] IN (N'LOP_INSERT_ROWS', N'LOP_DELETE_ROWS', N'LOP_MODIFY_ROW') AND "
           "[Context] IN (N'LCX_CLUSTERED', N'LCX_MARK_AS_GHOST') AND [AllocUnitName] LIKE "
           "N'sys.sys%')";
}

Lsn LogStream::read_ahead(long limit) {
    if (ahead_) {
        Ahead a = std::move(*ahead_);
        ahead_.reset();
        Fetched f;
        try {
            const Stopwatch timer(stats_.wait_ms);
            f = a.rows.get();
        } catch (const std::exception &e) {
            // Read again on the stream's own connection, which reports what is wrong.
            ahead_conn_.reset();
            f.usable = false;
            log::warning("reading the log ahead failed; read again",
                         {{"task", task_.name}, {"db", db_}, {"error", e.what()}});
        }
        if (f.usable && a.from == next_ && a.limit == limit) {
            const size_t n = f.rows.size();
            account(f);
            add_rows(f.rows);
            spare_rows_ = std::move(f.rows);
            if (n >= static_cast<size_t>(limit))
                start_ahead(limit);
            return next_;
        }
    }
    std::string start = next_.is_null() ? std::string("NULL") : dblog_lsn(next_);
    if (!next_.is_null()) {
        // Records before the active log's first one were truncated (a log backup in FULL
        // recovery): they are read from the log backups. fn_dblog is never asked for an LSN it
        // does not have.
        const std::optional<Lsn> active = active_log_start();
        if (active && next_ < *active) {
            if (!backups_until_ || *backups_until_ < *active)
                return read_backup(limit);
            start = "NULL"; // the backups were read up to the active log: on from its start
        }
    }
    const size_t before = stats_.records;
    std::vector<lr::LogRow> rows = read_rows(active_read_sql(start, limit));
    add_rows(rows);
    spare_rows_ = std::move(rows);
    // A full read: more of the log is waiting (a backlog), read it while this one is applied.
    // At the log's end nothing is read ahead: the next poll reads what was written until then.
    if (stats_.records - before >= static_cast<size_t>(limit))
        start_ahead(limit);
    return next_;
}

std::string LogStream::active_read_sql(const std::string &start, long limit) const {
    return "SELECT TOP (" + std::to_string(limit) + ") " + columns_sql() + " FROM sys.fn_dblog(" +
           start + ", NULL) WHERE " + filter_sql() + " ORDER BY [Current LSN]";
}

void LogStream::start_ahead(long limit) {
    if (!connect_ || next_.is_null())
        return;
    if (!ahead_conn_)
        ahead_conn_ = connect_();
    // Only LSNs the server returned go to fn_dblog, and only while the active log still holds
    // them (checked on that connection, right before the read, as read_ahead does).
    const Lsn from = next_;
    std::string sql = active_read_sql(dblog_lsn(from), limit);
    dts::tds::Connection *conn = ahead_conn_.get();
    ahead_ =
        Ahead{from, limit, std::async(std::launch::async, [conn, from, sql, buffer = take_spare()] {
                  auto first = conn->query_text(
                      "SELECT TOP (1) [Current LSN] FROM sys.fn_dblog(NULL, NULL)");
                  std::optional<Lsn> active;
                  if (!first.rows.empty() && first.rows[0][0])
                      active = Lsn::parse(*first.rows[0][0]);
                  if (!active || from < *active) {
                      Fetched none;
                      none.usable = false;
                      return none;
                  }
                  return fetch(*conn, sql, std::move(buffer));
              })};
}

void LogStream::add_rows(std::vector<lr::LogRow> &rows) {
    for (auto &r : rows) {
        if (!next_.is_null() && r.lsn < next_)
            continue; // read from an earlier start than the position (a backup's or log's start)
        next_ = r.lsn;
        asm_.add(std::move(r));
    }
    rows.clear();
}

std::vector<LogStream::LogBackup> LogStream::log_backups() {
    std::vector<LogBackup> out;
    auto sets = src_.query_text(
        "SELECT CAST(b.first_lsn AS varchar(30)), CAST(b.last_lsn AS varchar(30)), "
        "m.physical_device_name FROM msdb.dbo.backupset b JOIN msdb.dbo.backupmediafamily m ON "
        "m.media_set_id = b.media_set_id WHERE b.database_name = DB_NAME() AND b.type = 'L' "
        "ORDER BY b.first_lsn");
    for (auto &r : sets.rows) {
        auto first = r[0] ? Lsn::from_numeric(*r[0]) : std::nullopt;
        auto last = r[1] ? Lsn::from_numeric(*r[1]) : std::nullopt;
        if (first && last)
            out.push_back({*first, *last, r[2].value_or("")});
    }
    return out;
}

// sys.fn_dump_dblog over backup `b` from `from` (NULL when the backup starts after it) to `to`.
std::string LogStream::dump_dblog(const LogBackup &b, const Lsn &from,
                                  const std::optional<Lsn> &to) {
    std::string defaults;
    for (int i = 0; i < 63; ++i)
        defaults += ", DEFAULT";
    return "sys.fn_dump_dblog(" + (from < b.first ? std::string("NULL") : dblog_lsn(from)) + ", " +
           (to ? dblog_lsn(*to) : std::string("NULL")) + ", N'DISK', 1, " +
           dts::tsql::quote_literal(b.path) + defaults + ")";
}

std::optional<Lsn> LogStream::active_log_start() {
    auto first = src_.query_text("SELECT TOP (1) [Current LSN] FROM sys.fn_dblog(NULL, NULL)");
    if (!first.rows.empty() && first.rows[0][0])
        return Lsn::parse(*first.rows[0][0]);
    return std::nullopt;
}

// The next log backup (msdb.dbo.backupset, type L), read with sys.fn_dump_dblog. A backup holds
// the records in [first_lsn, last_lsn); consecutive backups meet (one's last_lsn is the next
// one's first_lsn), so a backup that starts after the position with no backup read up to its
// start means records are missing.
Lsn LogStream::read_backup(long limit) {
    for (const LogBackup &b : log_backups()) {
        const Lsn *first = &b.first, *last = &b.last;
        if (!(next_ < *last) || (backups_until_ && !(*backups_until_ < *last)))
            continue;
        const std::string &path = b.path;
        if (next_ < *first && !(backups_until_ && *backups_until_ == *first))
            throw dts::Error(
                "55000",
                "the transaction log of " + db_ + " from LSN " + next_.to_log_string() +
                    " is gone: it is no longer in the active log, and the first log backup after "
                    "it (" +
                    path + ") starts at LSN " + first->to_log_string(),
                {},
                "A log backup between them is missing from msdb.dbo.backupset: restore its "
                "history and file, or restart the task with a full stage.");
        if (path != reading_backup_) {
            log::info("reading a log backup",
                      {{"task", task_.name},
                       {"db", db_},
                       {"from_lsn", next_.to_log_string()},
                       {"backup", path},
                       {"backup_lsns", first->to_log_string() + " - " + last->to_log_string()}});
            reading_backup_ = path;
        }
        std::vector<lr::LogRow> rows;
        try {
            rows = read_rows("SELECT TOP (" + std::to_string(limit) + ") " + columns_sql() +
                             " FROM " + dump_dblog(b, next_, std::nullopt) + " WHERE " +
                             filter_sql() + " ORDER BY [Current LSN]");
        } catch (const dts::Error &e) {
            throw dts::Error(e.sqlstate,
                             "cannot read log backup " + path + " (LSNs " + first->to_log_string() +
                                 " to " + last->to_log_string() + ") of " + db_ +
                                 ", needed from LSN " + next_.to_log_string() + ": " + e.what(),
                             e.detail,
                             "The records after the task's position are no longer in the active "
                             "log: SQL Server must be able to open that backup file. Put the "
                             "file back, or restart the task with a full stage.");
        }
        ++stats_.backups;
        const bool done = rows.size() < static_cast<size_t>(limit);
        add_rows(rows);
        if (done)
            backups_until_ = *last;
        return next_;
    }
    throw dts::Error("55000",
                     "the transaction log of " + db_ + " from LSN " + next_.to_log_string() +
                         " is gone: it is no longer in the active log and no log backup in "
                         "msdb.dbo.backupset holds it",
                     {},
                     "The log was truncated past the task's position without a log backup (or "
                     "the backup history was deleted). Restart the task with a full stage, and "
                     "keep FULL recovery with log backups while it runs.");
}

bool LogStream::full(long limit) const {
    // Only committed work waiting to be applied stops the reading: an open transaction must be
    // read to its end whatever its size.
    size_t waiting = 0;
    for (const auto &t : asm_.committed())
        waiting += t.changes.size();
    return waiting > static_cast<size_t>(limit) * 4;
}

std::optional<Lsn> LogStream::ddl_in(const Lsn &from, const Lsn &to) const {
    for (const auto &t : asm_.committed())
        if (!(t.commit < from) && !(to < t.commit) && t.is_ddl())
            return t.commit;
    return std::nullopt;
}

std::optional<Lsn> LogStream::spilled_in(const Lsn &from, const Lsn &to) const {
    for (const auto &t : asm_.committed())
        if (!(t.commit < from) && !(to < t.commit) && t.spilled && applied_ < t.commit)
            return t.commit;
    return std::nullopt;
}

void LogStream::release(const Lsn &through) {
    auto &q = asm_.committed();
    while (!q.empty() && !(through < q.front().commit))
        q.pop_front();
    if (applied_ < through)
        applied_ = through;
}

void LogStream::decode(const Lsn &commit, const lr::LogRow &r, std::vector<Pending> &out) {
    auto u = by_unit_.find(r.alloc_unit);
    if (u == by_unit_.end())
        return;
    const Table &tb = tables_[u->second];
    // Non-leaf pages of the clustered index share its allocation unit.
    if (r.context == lr::Context::Other)
        return;
    Pending p;
    p.table = &tb;
    p.ch.commit = commit;
    p.ch.seq = r.lsn;
    p.ch.table = tb.index;
    try {
        if (r.op == lr::Op::Insert || r.op == lr::Op::Delete) {
            lr::DecodedRow row =
                lr::decode_record(tb.layout, r.rc0, r.rc0.size() == kRowLogContentsMax);
            for (int k : tb.key_layout)
                if (row.cells.at(static_cast<size_t>(k)) != lr::Cell::Value)
                    throw lr::DecodeError("clustered key column " +
                                          tb.layout.columns[static_cast<size_t>(k)].name +
                                          " is not in the record");
            bool off_row = false;
            p.ch.values.reserve(tb.apply_to_layout.size());
            p.key.reserve(tb.key_apply.size());
            for (int k : tb.apply_to_layout) {
                if (k < 0) {
                    p.ch.values.emplace_back();
                    continue;
                }
                const auto kk = static_cast<size_t>(k);
                off_row = off_row || row.cells.at(kk) != lr::Cell::Value;
                p.ch.values.push_back(std::move(row.values.at(kk))); // one apply column each
            }
            for (size_t kp : tb.key_apply)
                p.key.push_back(p.ch.values[kp]);
            if (r.op == lr::Op::Delete) {
                p.ch.op = 1;
            } else if (off_row) {
                // A large value stored off the row (the record holds a pointer only) or past the
                // end of a record fn_dblog cut short.
                p.kind = Pending::Kind::Reread;
                p.ch.op = 4;
            } else {
                p.ch.op = 2;
                p.ch.format_shown = row.layout_format;
            }
        } else {
            p.ch.op = 4;
            p.key = lr::decode_clustered_key(tb.layout, r.rc2);
            // The key is what identifies the row: without it nothing can be done. The changed
            // bytes are only a shortcut: when they do not decode (LOP_MODIFY_COLUMNS' layout is
            // known from one source), the row is re-read by key.
            try {
                if (r.op == lr::Op::Modify) {
                    lr::ByteRange range;
                    range.offset = static_cast<uint16_t>(r.offset);
                    range.before = r.rc0;
                    range.after = r.rc1;
                    p.ranges.push_back(std::move(range));
                } else {
                    p.ranges =
                        lr::modify_columns_ranges(r.rc0, r.rc1, r.log_record, r.num_elements);
                }
                p.kind = Pending::Kind::Patch; // completed with the row before it (complete())
            } catch (const lr::DecodeError &e) {
                p.kind = Pending::Kind::Reread;
                if (!undecoded_warned_)
                    log::warning("update record not decoded; the row is re-read by key",
                                 {{"task", task_.name},
                                  {"table", tb.cdc->apply.source_name},
                                  {"lsn", r.lsn.to_log_string()},
                                  {"error", e.what()}});
                undecoded_warned_ = true;
            }
        }
    } catch (const lr::DecodeError &e) {
        throw dts::Error("XX000",
                         "cannot decode the log record at LSN " + r.lsn.to_log_string() + " (" +
                             lr::operation_name(r.op) + ") of " + tb.cdc->apply.source_name +
                             " (task " + task_.name + "): " + e.what(),
                         {},
                         "Capture the table with CDC (incremental_mode hybrid or cdc) and "
                         "report the record.");
    }
    out.push_back(std::move(p));
}

void LogStream::take(const Lsn &from, const Lsn &to, std::vector<LogChange> &out) {
    // Images of a window cut short: not applied, taken again from `from`.
    if (cache_.forget_from(from) > 0)
        unaccounted_ = true;
    unapplied_older_.merge(unapplied_last_);
    unapplied_last_.clear();
    rotations_at_take_ = cache_.rotations();
    std::vector<Pending> pending;
    for (const auto &t : asm_.committed()) {
        if (t.commit < from || !(applied_ < t.commit))
            continue;
        if (to < t.commit)
            break;
        if (!t.complete)
            throw dts::Error("55000",
                             "transaction " + std::to_string(t.xact) + " committed at LSN " +
                                 t.commit.to_log_string() + " in " + db_ +
                                 " began before the log reader's restart point",
                             {},
                             "The restart point kept with the checkpoint was lost or moved: "
                             "restart the task with a full stage.");
        for (const auto &r : t.changes)
            decode(t.commit, r, pending);
    }
    complete(pending, out, nullptr);
}

LogStream::Rows LogStream::destination_rows(const Table &tb, const std::set<std::string> &keys,
                                            const std::map<std::string, Values> &key_values) {
    const Stopwatch timer(stats_.lookup_ms);
    Rows out;
    const TableChanges &a = tb.cdc->apply;
    if (keys.empty() || a.target.empty())
        return out;
    std::string cols, arrays, join, names;
    for (size_t c = 0; c < a.columns.size(); ++c)
        cols += std::string(c ? ", " : "") + "t." + dts::pg::quote_ident(a.columns[c]) + "::text";
    std::vector<PgConnection::Value> params;
    for (size_t k = 0; k < tb.key_apply.size(); ++k) {
        std::vector<const Value *> column;
        for (const auto &ks : keys)
            column.push_back(&key_values.at(ks)[k]);
        params.push_back(text_array(column));
        const std::string n = "k" + std::to_string(k);
        arrays += std::string(k ? ", " : "") + "$" + std::to_string(k + 1) + "::text[]";
        names += std::string(k ? ", " : "") + n;
        join += std::string(k ? " AND " : "") + "t." +
                dts::pg::quote_ident(a.columns[tb.key_apply[k]]) + " = v." + n +
                "::" + tb.key_types[k];
    }
    for (auto &r : lookup_.query_rows("SELECT " + cols + " FROM unnest(" + arrays + ") AS v(" +
                                          names + ") JOIN " + a.target + " t ON " + join,
                                      params)) {
        Values v(r.begin(), r.end());
        Values key;
        for (size_t kp : tb.key_apply)
            key.push_back(v[kp]);
        out[key_string(key)] = std::move(v);
    }
    return out;
}

LogStream::Rows LogStream::source_rows(const Table &tb, const std::set<std::string> &keys,
                                       const std::map<std::string, Values> &key_values) {
    const Stopwatch timer(stats_.reread_ms);
    Rows out;
    const CdcTable &c = *tb.cdc;
    std::string cols, names, join;
    for (size_t k = 0; k < c.apply.columns.size(); ++k)
        cols += std::string(k ? ", " : "") +
                (tb.apply_to_layout[k] < 0 ? std::string("NULL")
                                           : "t." + dts::tsql::quote_ident(c.apply.columns[k]));
    for (size_t k = 0; k < tb.key_layout.size(); ++k) {
        const std::string col =
            dts::tsql::quote_ident(tb.layout.columns[static_cast<size_t>(tb.key_layout[k])].name);
        names += std::string(k ? ", " : "") + "[k" + std::to_string(k) + "]";
        join += std::string(k ? " AND " : "") + "t." + col + " = k.[k" + std::to_string(k) + "]";
    }
    // The keys as a VALUES list joined to the table (key columns are never NULL).
    std::vector<std::string> list(keys.begin(), keys.end());
    for (size_t at = 0; at < list.size(); at += 200) {
        std::string values;
        for (size_t i = at; i < list.size() && i < at + 200; ++i) {
            const Values &key = key_values.at(list[i]);
            std::string one;
            for (size_t k = 0; k < key.size(); ++k)
                one += std::string(k ? ", " : "") +
                       (key[k] ? tsql_key_literal(tb.key_source_types[k], *key[k]) : "NULL");
            values += std::string(values.empty() ? "" : ", ") + "(" + one + ")";
        }
        auto res = src_.query_text(
            "SELECT " + cols + " FROM " + dts::tsql::quote_name("", c.schema, c.table) +
            " t JOIN (VALUES " + values + ") AS k(" + names + ") ON " + join);
        for (auto &r : res.rows) {
            Values v(r.begin(), r.end());
            Values key;
            for (size_t kp : tb.key_apply)
                key.push_back(v[kp]);
            out[key_string(key)] = std::move(v);
            ++stats_.reread;
        }
    }
    return out;
}

void LogStream::earlier_takes_applied() {
    unapplied_older_.clear();
    unaccounted_ = false;
    rotations_mark_ = rotations_at_take_;
}

// Whether every key a batch not known applied changed is in the cache or in the unapplied sets:
// not when the stream just started or the cache was emptied or cut (unaccounted_), nor after a
// rotation, which may have dropped images of such changes.
bool LogStream::batches_accounted() const {
    return !unaccounted_ && cache_.rotations() == rotations_mark_;
}

void LogStream::complete(std::vector<Pending> &pending, std::vector<LogChange> &out,
                         const dts::KeyFilter *stale) {
    // Streamed parts of a large transaction are neither answered from the row cache nor kept in
    // it (stream() empties it).
    const bool use_cache = stale == nullptr;
    // Every change of the log passes here: a (table, key) is looked up by its string once, and
    // from then on known by the first pending change that names it (`first`), which indexes the
    // per-window state below; row images are referred to, not copied.
    const size_t ntables = tables_.size();
    auto slot = [&](const Table *t) { return static_cast<size_t>(t - tables_.data()); };
    std::vector<std::string> keys(pending.size());
    std::vector<uint64_t> hashes(pending.size());
    std::vector<size_t> first(pending.size());
    {
        const size_t mask = std::bit_ceil(2 * pending.size() + 2) - 1;
        std::vector<size_t> index(mask + 1, 0); // a pending index + 1; 0: empty
        for (size_t i = 0; i < pending.size(); ++i) {
            const Pending &p = pending[i];
            keys[i] = key_string(p.key);
            hashes[i] = dts::logrec::RowCache::hash(p.table->index, keys[i]);
            for (size_t h = hashes[i] & mask;; h = (h + 1) & mask) {
                if (index[h] == 0) {
                    index[h] = i + 1;
                    first[i] = i;
                    break;
                }
                const size_t j = index[h] - 1;
                if (hashes[j] == hashes[i] && pending[j].table == p.table && keys[j] == keys[i]) {
                    first[i] = j;
                    break;
                }
            }
        }
    }
    // Which keys need a base row: updates whose key had no full image earlier in the window.
    // One state per key serves both passes: here it is `later` once a full image of the key came
    // (its place is not known yet), in the second pass the place of the key's latest image in
    // `out` (`deleted`, or `none` when there is no usable one).
    constexpr size_t deleted = static_cast<size_t>(-1), later = static_cast<size_t>(-2),
                     none = static_cast<size_t>(-3);
    std::vector<size_t> state(pending.size(), none);
    std::vector<std::set<std::string>> need_dest(ntables), need_source(ntables);
    std::vector<std::map<std::string, Values>> key_values(ntables);
    std::vector<std::vector<size_t>> dest_keys(ntables); // need_dest's keys, by `first`
    // Base rows: the row cache's (looked up here, once per key), else the destination's (at the
    // checkpoint); what neither has, the source has.
    std::vector<const Values *> base(pending.size(), nullptr);
    std::vector<bool> base_shown(pending.size(), false); // by `first`: the cache's format_shown
    std::vector<bool> asked(pending.size(), false); // the cache asked (then need_dest) for the key
    std::deque<Values> from_cache;                  // rows the cache answered (base refers to them)
    Values cached_row;
    for (size_t i = 0; i < pending.size(); ++i) {
        const Pending &p = pending[i];
        const size_t t = slot(p.table), f = first[i];
        const std::string &k = keys[i];
        const bool imaged = p.kind == Pending::Kind::Patch && state[f] != none;
        if (p.kind == Pending::Kind::Reread ||
            (p.kind == Pending::Kind::Patch && !imaged && stale &&
             stale->may_contain(std::hash<std::string>{}(k)))) {
            need_source[t].insert(k);
            key_values[t].emplace(k, p.key);
        } else if (p.kind == Pending::Kind::Patch && !imaged && !asked[f]) {
            asked[f] = true;
            bool shown = false;
            if (use_cache && cache_.find(p.table->index, k, cached_row, shown)) {
                base[f] = &from_cache.emplace_back(std::move(cached_row));
                base_shown[f] = shown;
                ++stats_.cached;
            } else if (need_dest[t].insert(k).second) {
                key_values[t].emplace(k, p.key);
                dest_keys[t].push_back(f);
            }
        }
        if (p.kind != Pending::Kind::Patch && state[f] == none)
            state[f] = later;
    }
    std::vector<Rows> found(ntables), now(ntables);
    for (size_t t = 0; t < ntables; ++t) {
        std::set<std::string> &want = need_dest[t];
        const Table &tb = tables_[t];
        if (want.empty())
            continue;
        if (tb.cdc->apply.target.empty()) {
            need_source[t].insert(want.begin(), want.end());
            continue;
        }
        if (before_destination_ && use_cache && batches_accounted()) {
            // Keys a batch not known applied changed are read from the source instead (as
            // `stale` ones are): the reader does not wait for the batch.
            for (size_t f : dest_keys[t])
                if (unapplied_older_.count(hashes[f]) || unapplied_last_.count(hashes[f])) {
                    want.erase(keys[f]);
                    need_source[t].insert(keys[f]);
                }
            if (want.empty())
                continue;
        } else if (before_destination_) {
            const Stopwatch timer(stats_.settle_ms);
            before_destination_();
            unapplied_older_.clear();
            unapplied_last_.clear();
            unaccounted_ = false;
            rotations_mark_ = cache_.rotations();
        }
        found[t] = destination_rows(tb, want, key_values[t]);
        for (size_t f : dest_keys[t]) {
            if (!want.count(keys[f]))
                continue;
            if (auto row = found[t].find(keys[f]); row != found[t].end())
                base[f] = &row->second;
            else
                need_source[t].insert(keys[f]);
        }
    }
    for (size_t t = 0; t < ntables; ++t)
        if (!need_source[t].empty())
            now[t] = source_rows(tables_[t], need_source[t], key_values[t]);

    // In order: the latest image of each key in the window (its place in `out`; `deleted`),
    // updates completed from it.
    // Updates the bytes and the row before did not complete: re-read from the source after the
    // pass (placeholders in `out`, by position, with their key).
    std::vector<std::set<std::string>> late(ntables);
    std::vector<std::map<std::string, Values>> late_keys(ntables);
    std::vector<bool> is_late(pending.size(), false); // by `first`
    std::vector<size_t> placeholders;
    std::map<size_t, std::string> placeholder_key;
    // (position in `out`, or npos for a row gone at the source; pending index), in order: what
    // the row cache learns once the positions are final.
    constexpr size_t gone = static_cast<size_t>(-1);
    std::vector<std::pair<size_t, size_t>> emitted;
    if (use_cache)
        emitted.reserve(pending.size());
    out.reserve(out.size() + pending.size());
    auto emit = [&](size_t i, LogChange &&c) {
        if (use_cache)
            emitted.emplace_back(out.size(), i);
        out.push_back(std::move(c));
    };
    std::vector<const Value *> before;
    for (size_t i = 0; i < pending.size(); ++i) {
        Pending &p = pending[i];
        const size_t t = slot(p.table), f = first[i];
        const std::string &k = keys[i];
        if (p.kind == Pending::Kind::Full) {
            state[f] = p.ch.op == 1 ? deleted : out.size();
            emit(i, std::move(p.ch));
            continue;
        }
        if (is_late[f]) {
            // An earlier change of this key in the window is being re-read: so is this one.
            placeholder_key[out.size()] = k;
            placeholders.push_back(out.size());
            emit(i, std::move(p.ch));
            continue;
        }
        const Values *b = nullptr;
        bool shown = false; // the base row's format (LogChange::format_shown)
        if (p.kind == Pending::Kind::Patch) {
            if (const size_t s = state[f]; s != none && s != later) {
                if (s == deleted)
                    throw dts::Error("XX000", "log record at LSN " + p.ch.seq.to_log_string() +
                                                  " of " + p.table->cdc->apply.source_name +
                                                  " updates a row deleted before it");
                b = &out[s].values;
                shown = out[s].format_shown;
            } else {
                b = base[f];
                shown = base_shown[f];
            }
        }
        if (b) {
            // The changed bytes applied to the row as it was: exact, and checked (a range's old
            // bytes must be the old row's bytes).
            before.assign(p.table->layout.columns.size(), nullptr);
            for (size_t a = 0; a < p.table->apply_to_layout.size(); ++a)
                if (const int l = p.table->apply_to_layout[a]; l >= 0 && a < b->size())
                    before[static_cast<size_t>(l)] = &(*b)[a];
            std::optional<lr::Patch> patch;
            try {
                patch = lr::patch_with_base(p.table->layout, p.ranges, before, shown);
            } catch (const lr::DecodeError &) {
                patch.reset();
            }
            if (patch) {
                p.ch.values = *b;
                for (auto &[l, v] : patch->set)
                    for (size_t a = 0; a < p.table->apply_to_layout.size(); ++a)
                        if (p.table->apply_to_layout[a] == static_cast<int>(l))
                            p.ch.values[a] = v;
                p.ch.format_shown = shown; // changed in place
                ++stats_.completed;
                state[f] = out.size();
                emit(i, std::move(p.ch));
                continue;
            }
            // Not decodable from the bytes and the row before (variable-length data, a NULL bit
            // not placed by the column count, a length change): the row as the source has it now.
            late[t].insert(k);
            late_keys[t].emplace(k, p.key);
            is_late[f] = true;
            state[f] = none;
            placeholder_key[out.size()] = k;
            placeholders.push_back(out.size());
            emit(i, std::move(p.ch));
            continue;
        }
        auto n = now[t].find(k);
        if (n == now[t].end()) {
            if (use_cache)
                emitted.emplace_back(gone, i);
            continue; // gone at the source by now: a later delete in the log removes it
        }
        p.ch.values = n->second;
        state[f] = out.size();
        emit(i, std::move(p.ch));
    }
    // What the row cache learns. A key it then has no image of goes to unapplied_last_: this
    // batch or an earlier one not known applied may have changed it (a change of this window not
    // in the batch, the row gone at the source, may erase an earlier window's image).
    auto learn = [&](const std::vector<bool> &drop) {
        for (const auto &[o, i] : emitted) {
            const size_t table = pending[i].table->index;
            if (o != gone && !drop[o] && out[o].op != 1) {
                cache_.put(table, keys[i], out[o].commit, out[o].values, out[o].format_shown);
            } else { // deleted, or its state unknown: the destination (or the source) answers
                cache_.erase(table, keys[i]);
                unapplied_last_.insert(hashes[i]);
            }
        }
    };
    if (placeholders.empty()) {
        learn(std::vector<bool>(out.size(), false));
        return;
    }
    std::map<size_t, Rows> reread;
    for (size_t t = 0; t < ntables; ++t)
        if (!late[t].empty())
            reread[tables_[t].index] = source_rows(tables_[t], late[t], late_keys[t]);
    std::vector<bool> drop(out.size(), false);
    for (size_t i : placeholders) {
        LogChange &c = out[i];
        auto &rows = reread[c.table];
        auto it = rows.find(placeholder_key[i]);
        if (it == rows.end())
            drop[i] = true; // gone at the source by now: a later delete in the log removes it
        else
            c.values = it->second, c.op = 4;
    }
    learn(drop);
    size_t w = 0;
    for (size_t i = 0; i < out.size(); ++i)
        if (!drop[i]) {
            if (w != i) // a self-move would empty the row
                out[w] = std::move(out[i]);
            ++w;
        }
    out.resize(w);
}

size_t LogStream::stream(const Lsn &commit, ApplyTransaction &tx) {
    const lr::Transaction *t = nullptr;
    for (const auto &c : asm_.committed())
        if (c.commit == commit)
            t = &c;
    if (!t)
        return 0;
    // Its keys' images are not all kept (a spilled one is read in parts): the cache starts again.
    cache_.clear();
    unaccounted_ = true;
    // A table's row filter, asked of the source for the images about to be written: an insert
    // outside is skipped, an update leaving it deletes the row (dts::changes::apply_filter).
    auto inside = [&](const Table &tb, const std::vector<LogChange> &changes) {
        std::vector<bool> out(changes.size(), true);
        if (tb.cdc->apply.filter.empty())
            return out;
        std::vector<size_t> at;
        std::vector<const Values *> images;
        for (size_t i = 0; i < changes.size(); ++i)
            if (changes[i].table == tb.index && changes[i].op != 1) {
                at.push_back(i);
                images.push_back(&changes[i].values);
            }
        if (images.empty())
            return out;
        auto in = rows_inside(src_, tb.cdc->apply, tb.cdc->probe, images);
        for (size_t k = 0; k < at.size(); ++k)
            out[at[k]] = in[k];
        return out;
    };
    auto write = [&](ApplyTransaction::Stream &st, const LogChange &c, bool in) {
        if (c.op == 1 || (c.op == 4 && !in))
            st.remove(c.values);
        else if (c.op == 2 && in)
            st.insert(c.values);
        else if (c.op == 4)
            st.update({}, c.values);
    };
    size_t n = 0;
    if (!t->spilled) {
        // Held whole (the CDC side of the transaction is the large one).
        std::vector<Pending> pending;
        for (const auto &r : t->changes)
            decode(commit, r, pending);
        std::vector<LogChange> changes;
        complete(pending, changes, nullptr);
        for (const Table &tb : tables_) {
            if (tb.cdc->kind != TableKind::Synced)
                continue;
            auto st = tx.stream(tb.cdc->apply);
            const auto in = inside(tb, changes);
            for (size_t i = 0; i < changes.size(); ++i)
                if (changes[i].table == tb.index)
                    write(st, changes[i], in[i]);
            st.finish();
            n += st.changes();
        }
        return n;
    }
    // Where the transaction's records are now: a log backup may have truncated some of them
    // from the active log since they were first read.
    const std::optional<Lsn> active = active_log_start();
    if (!active)
        throw dts::Error("55000", "sys.fn_dblog of " + db_ + " returned no records");
    std::vector<LogBackup> backups;
    if (t->begin < *active) {
        for (LogBackup &b : log_backups())
            if (t->begin < b.last && b.first < *active)
                backups.push_back(std::move(b));
        // Consecutive backups meet; together they must reach from the begin to the active log.
        Lsn covered = t->begin;
        for (const LogBackup &b : backups)
            if (!(covered < b.first))
                covered = b.last;
        if (covered < *active)
            throw dts::Error("55000",
                             "the records of the transaction committed at " +
                                 commit.to_log_string() + " in " + db_ + " from LSN " +
                                 covered.to_log_string() +
                                 " are gone: truncated from the active log (which starts at " +
                                 active->to_log_string() + ") and in no log backup",
                             {},
                             "Restore the missing log backup's history and file, or restart the "
                             "task with a full stage.");
    }
    const std::string match =
        " WHERE [Transaction ID] = " + dts::tsql::quote_literal(xact_text(t->xact)) + " AND ";
    for (const Table &tb : tables_) {
        if (tb.cdc->kind != TableKind::Synced)
            continue;
        auto st = tx.stream(tb.cdc->apply);
        // Keys of this transaction in the stage already, in a fixed-size filter (1 MiB for any
        // number of rows: a false "maybe" only sends a row to be re-read, which is always right).
        dts::KeyFilter staged;
        Lsn at = t->begin;
        for (size_t source = 0; source <= backups.size(); ++source) {
            bool more = true;
            while (more) {
                const std::string from =
                    source < backups.size()
                        ? dump_dblog(backups[source], at, commit)
                        : "sys.fn_dblog(" + (at < *active ? std::string("NULL") : dblog_lsn(at)) +
                              ", " + dblog_lsn(commit) + ")";
                auto rows =
                    read_rows("SELECT TOP (" + std::to_string(read_limit_) + ") " + columns_sql() +
                              " FROM " + from + match + units_sql(&tb) + " ORDER BY [Current LSN]");
                more = rows.size() >= static_cast<size_t>(read_limit_);
                std::vector<Pending> pending;
                for (const auto &r : rows) {
                    if (!(at < r.lsn) && !(r.lsn == t->begin))
                        continue; // the last record of the previous read, or of the backup
                    at = r.lsn;
                    if (std::binary_search(t->kept.begin(), t->kept.end(), r.lsn))
                        decode(commit, r, pending);
                }
                std::vector<LogChange> changes;
                complete(pending, changes, &staged);
                const auto in = inside(tb, changes);
                for (size_t i = 0; i < changes.size(); ++i) {
                    const LogChange &c = changes[i];
                    Values key;
                    for (size_t kp : tb.key_apply)
                        key.push_back(c.values[kp]);
                    staged.add(std::hash<std::string>{}(key_string(key)));
                    write(st, c, in[i]);
                }
            }
        }
        st.finish();
        n += st.changes();
    }
    // The active log was read from `active` on; had a log backup truncated past it meanwhile,
    // records read as absent may have been there. The batch is then not applied (the caller's
    // transaction rolls back) and the retry reads them from that backup.
    const std::optional<Lsn> now = active_log_start();
    if (!now || *active < *now)
        throw dts::Error("40001",
                         "the transaction log of " + db_ + " was truncated (active log now from " +
                             (now ? now->to_log_string() : std::string("nowhere")) +
                             ") while the transaction committed at " + commit.to_log_string() +
                             " was read from it",
                         {}, "Retried from the log backups.");
    ++stats_.streamed;
    return n;
}

} // namespace sidecar
