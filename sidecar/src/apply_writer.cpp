#include "apply_writer.hpp"

#include "metrics.hpp"

#include "copy_text.hpp"
#include "error.hpp"
#include "nul_policy.hpp"
#include "pg_quote.hpp"

#include <algorithm>

namespace sidecar {

namespace {

constexpr size_t kFlushBytes = 1 << 20;
constexpr size_t kCopyPiece = 256 << 10;
// 'N' rows (plain INSERT of keys new at the source) cost the destination a subtransaction per
// table: worth it from this many rows on, and for at most this many tables per transaction
// (PostgreSQL caches 64 subtransactions per transaction; past that, other sessions' snapshots
// get slower while it runs).
constexpr long kPlainInsertMin = 100;
constexpr int kPlainInsertTables = 32;

void field(std::string &out, const dts::changes::Value &v) {
    if (v)
        dts::copy::append_field(out, *v);
    else
        dts::copy::append_null(out);
}

// A row with a NUL in a value: the stripped row under nul_policy 'strip', else the error naming
// the table, key and column (COPY would refuse the byte, naming none of them).
dts::changes::Values without_nul(const TableChanges &t, const dts::changes::Values &row,
                                 bool key_only) {
    dts::changes::Values out = row;
    for (size_t i = 0; i < row.size(); ++i) {
        if (!row[i] || !dts::nul::contains(*row[i]))
            continue;
        if (t.strip_nul) {
            out[i] = dts::nul::strip(*row[i]);
            continue;
        }
        std::vector<std::string> names;
        std::vector<std::optional<std::string>> key;
        for (size_t k = 0; k < t.key_positions.size(); ++k) {
            names.push_back(t.columns[t.key_positions[k]]);
            const size_t at = key_only ? k : t.key_positions[k];
            key.push_back(at < row.size() ? row[at] : std::nullopt);
        }
        const size_t col = key_only && i < t.key_positions.size() ? t.key_positions[i] : i;
        throw dts::nul::error(t.task_name, t.source_name,
                              col < t.columns.size() ? t.columns[col] : "?",
                              dts::nul::describe_key(names, key));
    }
    return out;
}

// One stage line: __seq, __op, then the row (or, for key-only deletes, the key in its columns).
void line(std::string &out, long long seq, char op, const TableChanges &t,
          const dts::changes::Values &row, bool key_only) {
    for (const auto &v : row)
        if (v && dts::nul::contains(*v))
            return line(out, seq, op, t, without_nul(t, row, key_only), key_only);
    out += std::to_string(seq);
    out += '\t';
    out += op;
    for (size_t c = 0; c < t.columns.size(); ++c) {
        out += '\t';
        if (!key_only) {
            field(out, c < row.size() ? row[c] : dts::changes::Value());
            continue;
        }
        dts::changes::Value v;
        for (size_t k = 0; k < t.key_positions.size(); ++k)
            if (t.key_positions[k] == c && k < row.size())
                v = row[k];
        field(out, v);
    }
    out += '\n';
}

// A text[] literal: elements double-quoted with \ and " escaped.
std::string text_array(const std::vector<std::string> &items) {
    std::string out = "{";
    for (size_t k = 0; k < items.size(); ++k) {
        out += k ? ",\"" : "\"";
        for (char ch : items[k]) {
            if (ch == '"' || ch == '\\')
                out += '\\';
            out += ch;
        }
        out += '"';
    }
    return out + "}";
}

std::string key_array(const TableChanges &t) {
    std::vector<std::string> keys;
    for (size_t k : t.key_positions)
        keys.push_back(t.columns[k]);
    return text_array(keys);
}

std::string copy_sql(const TableChanges &t, const std::string &stage) {
    std::string cols;
    for (const auto &c : t.columns)
        cols += ", " + dts::pg::quote_ident(c);
    return "COPY " + stage + " (__seq, __op" + cols + ") FROM STDIN";
}

bool same_key(const TableChanges &t, const dts::changes::Values &a, const dts::changes::Values &b) {
    for (size_t p : t.key_positions)
        if ((p < a.size() ? a[p] : dts::changes::Value()) !=
            (p < b.size() ? b[p] : dts::changes::Value()))
            return false;
    return true;
}

} // namespace

ApplyTransaction::ApplyTransaction(PgConnection &pg, int64_t task_id, std::string task_name,
                                   std::string source_db)
    : pg_(pg), task_id_(task_id), task_name_(std::move(task_name)), db_(std::move(source_db)) {}

ApplyTransaction::~ApplyTransaction() {
    if (open_ && pg_.healthy()) {
        try {
            pg_.exec("ROLLBACK");
        } catch (...) {
        }
    }
}

void ApplyTransaction::fail(const std::exception &e, const std::string &table) {
    if (open_ && pg_.healthy()) {
        try {
            pg_.exec("ROLLBACK");
        } catch (...) {
        }
    }
    open_ = false;
    std::string where = "task \"" + task_name_ + "\", source database " + db_ +
                        (table.empty() ? "" : ", source table " + table) +
                        ", source transactions at LSN " + first_.to_log_string() +
                        (last_ == first_ ? "" : " to " + last_.to_log_string());
    if (const auto *d = dynamic_cast<const dts::Error *>(&e))
        throw dts::Error(d->sqlstate, "applying changes failed (" + where + "): " + d->what(),
                         d->detail,
                         d->sqlstate.rfind("08", 0) == 0
                             ? d->hint
                             : "Nothing of these source transactions was applied. Fix the "
                               "cause at the destination and start the task again.");
    throw dts::Error("XX000", "applying changes failed (" + where + "): " + e.what());
}

bool ApplyTransaction::begin(const dts::Lsn &first, const dts::Lsn &last) {
    first_ = first;
    last_ = last;
    applied_.clear();
    began_ = std::chrono::steady_clock::now();
    try {
        pg_.exec("BEGIN");
        open_ = true;
        auto fresh = pg_.query_rows("SELECT dts._apply_begin($1, $2, $3)",
                                    {std::to_string(task_id_), db_, first.to_log_string()});
        if (fresh.at(0)[0] != "t") {
            pg_.exec("ROLLBACK");
            open_ = false;
            return false;
        }
        return true;
    } catch (const std::exception &e) {
        fail(e, "");
    }
}

void ApplyTransaction::begin_in_place() {
    try {
        pg_.exec("BEGIN");
        open_ = true;
        auto cp =
            pg_.query_rows("SELECT lsn FROM dts.checkpoints WHERE (task_id, source_db, stage) "
                           "= ($1, $2, 'incremental') FOR UPDATE",
                           {std::to_string(task_id_), db_});
        if (!cp.empty() && cp[0][0])
            if (auto l = dts::Lsn::parse(*cp[0][0]))
                first_ = last_ = *l;
    } catch (const std::exception &e) {
        fail(e, "");
    }
}

void ApplyTransaction::commit_in_place() {
    try {
        pg_.exec("COMMIT");
        open_ = false;
    } catch (const std::exception &e) {
        fail(e, "");
    }
}

void ApplyTransaction::apply_stage(const TableChanges &t, const std::string &stage,
                                   bool compacted) {
    pg_.exec("SELECT * FROM dts._apply_table($1::regclass, $2, $3::text[], $4, $5::text[], "
             "$6::text[])",
             {t.target, stage, key_array(t), compacted ? "true" : "false", text_array(t.columns),
              text_array(t.lob_columns)});
}

void ApplyTransaction::apply_changes(const TableChanges &t) {
    if (t.changes.empty())
        return;
    for (const auto &c : t.changes) {
        using dts::changes::Op;
        if (c.op == Op::Insert && t.dml.insert)
            count(t.source_name, "insert");
        else if (c.op == Op::Update && t.dml.update)
            count(t.source_name, "update");
        else if (c.op == Op::Delete && t.dml.del)
            count(t.source_name, "delete");
    }
    try {
        std::string stage =
            *pg_.query_rows("SELECT dts._apply_stage($1::regclass)", {t.target}).at(0)[0];
        std::string data;
        long long seq = 0;
        bool copying = false;
        // The stage's lines go out as they are made, so that PostgreSQL parses one piece while
        // the next is formatted.
        auto flush = [&](size_t at_least) {
            if (data.size() < at_least || data.empty())
                return;
            if (!copying)
                pg_.copy_begin(copy_sql(t, stage));
            copying = true;
            pg_.copy_put(data);
            data.clear();
        };
        if (!t.key_positions.empty()) {
            auto compacted = dts::changes::compact(t.changes, t.dml);
            const bool plain_inserts =
                plain_insert_tables_ < kPlainInsertTables &&
                std::count_if(compacted.upserts.begin(), compacted.upserts.end(),
                              [](const auto &u) { return u.fresh; }) >= kPlainInsertMin;
            plain_insert_tables_ += plain_inserts;
            for (const auto *key : compacted.deletes) {
                line(data, ++seq, 'D', t, *key, true);
                flush(kCopyPiece);
            }
            for (const auto &u : compacted.upserts) {
                line(data, ++seq, plain_inserts && u.fresh ? 'N' : 'U', t, *u.row, false);
                flush(kCopyPiece);
            }
        } else {
            // Whole-row apply in order; an update is the old image out, the new one in.
            for (const auto &c : t.changes) {
                using dts::changes::Op;
                if ((c.op == Op::Insert && !t.dml.insert) ||
                    (c.op == Op::Update && !t.dml.update) || (c.op == Op::Delete && !t.dml.del))
                    continue;
                if (c.op != Op::Insert)
                    line(data, ++seq, 'D', t, c.key, false);
                if (c.op != Op::Delete)
                    line(data, ++seq, 'I', t, c.row, false);
                flush(kCopyPiece);
            }
        }
        flush(1);
        if (!copying)
            return;
        pg_.copy_end();
        apply_stage(t, stage, true);
    } catch (const std::exception &e) {
        fail(e, t.source_name);
    }
}

ApplyTransaction::Stream::Stream(ApplyTransaction &tx, const TableChanges &t) : tx_(tx), t_(t) {}

void ApplyTransaction::Stream::line(char op, const dts::changes::Values &row) {
    ::sidecar::line(data_, ++seq_, op, t_, row, false);
    if (data_.size() >= kFlushBytes)
        flush(false);
}

void ApplyTransaction::Stream::flush(bool last) {
    try {
        if (!open_ && !data_.empty()) {
            stage_ =
                *tx_.pg_.query_rows("SELECT dts._apply_stage($1::regclass)", {t_.target}).at(0)[0];
            tx_.pg_.copy_begin(copy_sql(t_, stage_));
            open_ = true;
        }
        if (!data_.empty())
            tx_.pg_.copy_put(data_);
        data_.clear();
        if (last && open_) {
            tx_.pg_.copy_end();
            tx_.apply_stage(t_, stage_, false);
            open_ = false;
        }
    } catch (const std::exception &e) {
        tx_.fail(e, t_.source_name);
    }
}

// Keyed tables: 'U' carries the full row, 'D' the before image (matched on the key); the engine
// keeps the last line of each key. Whole-row tables: 'I' and 'D' of images, in order.
void ApplyTransaction::Stream::insert(const dts::changes::Values &row) {
    if (!t_.dml.insert)
        return;
    ++changes_;
    tx_.count(t_.source_name, "insert");
    line(t_.key_positions.empty() ? 'I' : 'U', row);
}

void ApplyTransaction::Stream::update(const dts::changes::Values &before,
                                      const dts::changes::Values &after) {
    if (!t_.dml.update)
        return;
    ++changes_;
    tx_.count(t_.source_name, "update");
    if (t_.key_positions.empty()) {
        line('D', before);
        line('I', after);
        return;
    }
    // A row that moved to another key leaves its old key (even when deletes are not selected:
    // the row itself still exists, under its new key).
    if (!before.empty() && !same_key(t_, before, after))
        line('D', before);
    line('U', after);
}

void ApplyTransaction::Stream::remove(const dts::changes::Values &row) {
    if (!t_.dml.del)
        return;
    ++changes_;
    tx_.count(t_.source_name, "delete");
    line('D', row);
}

void ApplyTransaction::Stream::finish() {
    flush(true);
}

void ApplyTransaction::heartbeat(const std::string &source_time) {
    try {
        pg_.exec("SELECT dts._apply_heartbeat($1, $2, $3)",
                 {std::to_string(task_id_), db_, source_time});
    } catch (const std::exception &e) {
        fail(e, db_ + ".dbo.dts_sync_progress");
    }
}

std::string ApplyTransaction::ddl(const std::string &event_type, const std::string &schema,
                                  const std::string &object, const std::string &target,
                                  const std::string &command, bool in_user_transaction) {
    try {
        auto r = pg_.query_rows("SELECT dts._apply_ddl($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                                {std::to_string(task_id_), db_, first_.to_log_string(), event_type,
                                 schema, object, target.empty() ? PgConnection::Value() : target,
                                 command, in_user_transaction ? "true" : "false"});
        return r.at(0)[0].value_or("");
    } catch (const std::exception &e) {
        fail(e, db_ + "." + schema + "." + (target.empty() ? object : target));
    }
}

void ApplyTransaction::commit(size_t transactions, size_t changes) {
    try {
        pg_.exec("SELECT dts._apply_commit($1, $2, $3, $4, $5)",
                 {std::to_string(task_id_), db_, last_.to_log_string(),
                  std::to_string(transactions), std::to_string(changes)});
        pg_.exec("COMMIT");
        open_ = false;
    } catch (const std::exception &e) {
        fail(e, "");
    }
    for (const auto &[key, n] : applied_)
        metrics::changes_applied(task_name_, key.first, key.second, n);
    metrics::batch_applied(
        task_name_, changes,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count());
}

void ApplyTransaction::log_restart(const dts::Lsn &lsn) {
    try {
        pg_.exec(
            "INSERT INTO dts.checkpoints AS c (task_id, source_db, stage, lsn) VALUES ($1, $2, "
            "'log_restart', $3) ON CONFLICT (task_id, source_db, stage) DO UPDATE SET lsn = "
            "EXCLUDED.lsn, updated_at = now()",
            {std::to_string(task_id_), db_, lsn.to_log_string()});
    } catch (const std::exception &e) {
        fail(e, "");
    }
}

void ApplyTransaction::log_catalog(const dts::Lsn &lsn, const std::string &snapshot) {
    try {
        pg_.exec("INSERT INTO dts.checkpoints AS c (task_id, source_db, stage, lsn, state) VALUES "
                 "($1, $2, 'log_catalog', $3, $4) ON CONFLICT (task_id, source_db, stage) DO "
                 "UPDATE SET lsn = EXCLUDED.lsn, state = EXCLUDED.state, updated_at = now()",
                 {std::to_string(task_id_), db_, lsn.to_log_string(), snapshot});
    } catch (const std::exception &e) {
        fail(e, "");
    }
}

bool apply_batch(PgConnection &pg, const Batch &batch) {
    ApplyTransaction tx(pg, batch.task_id, batch.task_name, batch.source_db);
    if (!tx.begin(batch.first_commit, batch.last_commit))
        return false;
    size_t changes = 0;
    for (const TableChanges &t : batch.tables) {
        changes += t.changes.size();
        tx.apply_changes(t);
    }
    for (const auto &hb : batch.heartbeats)
        tx.heartbeat(hb);
    if (batch.log_restart)
        tx.log_restart(*batch.log_restart);
    tx.commit(batch.transactions, changes);
    return true;
}

} // namespace sidecar
