#include "apply_writer.hpp"

#include "copy_text.hpp"
#include "pg_quote.hpp"

namespace sidecar {

namespace {

void field(std::string &out, const dts::changes::Value &v) {
    if (v)
        dts::copy::append_field(out, *v);
    else
        dts::copy::append_null(out);
}

// One stage line: __seq, __op, then the row (or, for key-only deletes, the key in its columns).
void line(std::string &out, long long seq, char op, const TableChanges &t,
          const dts::changes::Values &row, bool key_only) {
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

} // namespace

bool apply_batch(PgConnection &pg, const Batch &batch) {
    const std::string id = std::to_string(batch.task_id);
    pg.exec("BEGIN");
    try {
        auto fresh = pg.query_rows("SELECT dts._apply_begin($1, $2, $3)",
                                   {id, batch.source_db, batch.first_commit.to_log_string()});
        if (fresh.at(0)[0] != "t") {
            pg.exec("ROLLBACK");
            return false;
        }
        long long changes = 0;
        for (const TableChanges &t : batch.tables) {
            if (t.changes.empty())
                continue;
            changes += static_cast<long long>(t.changes.size());
            std::string stage =
                *pg.query_rows("SELECT dts._apply_stage($1::regclass)", {t.target}).at(0)[0];
            std::string cols;
            for (const auto &c : t.columns)
                cols += ", " + dts::pg::quote_ident(c);
            std::string data;
            long long seq = 0;
            if (!t.key_positions.empty()) {
                auto compacted = dts::changes::compact(t.changes, t.dml);
                for (const auto &key : compacted.deletes)
                    line(data, ++seq, 'D', t, key, true);
                for (const auto &row : compacted.upserts)
                    line(data, ++seq, 'U', t, row, false);
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
                }
            }
            if (seq == 0)
                continue;
            pg.copy_begin("COPY " + stage + " (__seq, __op" + cols + ") FROM STDIN");
            pg.copy_put(data);
            pg.copy_end();
            std::string keys = "{";
            for (size_t k = 0; k < t.key_positions.size(); ++k) {
                // Array literal elements are double-quoted with \ and " escaped.
                std::string name;
                for (char ch : t.columns[t.key_positions[k]]) {
                    if (ch == '"' || ch == '\\')
                        name += '\\';
                    name += ch;
                }
                keys += (k ? ",\"" : "\"") + name + "\"";
            }
            keys += "}";
            pg.exec("SELECT * FROM dts._apply_table($1::regclass, $2, $3::text[])",
                    {t.target, stage, keys});
        }
        pg.exec("SELECT dts._apply_commit($1, $2, $3, $4, $5)",
                {id, batch.source_db, batch.last_commit.to_log_string(),
                 std::to_string(batch.transactions), std::to_string(changes)});
        pg.exec("COMMIT");
        return true;
    } catch (...) {
        if (pg.healthy()) {
            try {
                pg.exec("ROLLBACK");
            } catch (...) {
            }
        }
        throw;
    }
}

} // namespace sidecar
