// INSERT BULK and the bulk load rows that follow it (MS-TDS packet type 7), as bcp clients
// (FreeTDS freebcp, python-tds copy_to, ...) send them.
#include "session.hpp"

#include "check_state.hpp"
#include "errors.hpp"
#include "fk_state.hpp"

#include <strings.h>

namespace sim::sql {

namespace {

bool has_option(const Statement &s, const char *opt) {
    size_t at = 0;
    const std::string &list = s.option_value;
    while (at <= list.size()) {
        size_t end = list.find(',', at);
        if (end == std::string::npos)
            end = list.size();
        if (list.compare(at, end - at, opt) == 0)
            return true;
        at = end + 1;
    }
    return false;
}

// Passes everything on but the end of each inner INSERT, whose row counts it adds up: the bulk
// load reports one DONE for all its rows.
class CountingSink final : public ResultSink {
public:
    explicit CountingSink(ResultSink &out) : out_(out) {}
    uint64_t count = 0;
    void columns(const std::vector<ColumnInfo> &c) override { out_.columns(c); }
    bool row(const std::vector<Value> &v) override { return out_.row(v); }
    bool failed = false;
    void end_statement(std::optional<uint64_t> n, bool error) override {
        count += n.value_or(0);
        failed = failed || error;
    }
    void message(const Message &m) override { out_.message(m); }
    void database_changed(const std::string &a, const std::string &b) override {
        out_.database_changed(a, b);
    }
    void transaction_began(uint64_t d) override { out_.transaction_began(d); }
    void transaction_ended(uint64_t d, bool c) override { out_.transaction_ended(d, c); }
    void return_value(const std::string &n, const SqlType &t, const Value &v) override {
        out_.return_value(n, t, v);
    }
    void return_status(int32_t s) override { out_.return_status(s); }
    bool cancelled() override { return out_.cancelled(); }

private:
    ResultSink &out_;
};

SqlError bad_stream() {
    return sql_error(4002, 1, 16,
                     "The incoming tabular data stream (TDS) protocol stream is "
                     "incorrect.");
}

} // namespace

void SqlSession::do_insert_bulk(const Statement &s, ResultSink &sink) {
    TableMeta t = table_for_write(s.table);
    check_permission(t, "INSERT");
    for (const auto &n : s.columns) {
        const ColumnMeta *c = t.column(n);
        if (!c)
            throw sql_error(207, 1, 16, "Invalid column name '" + n + "'.");
        if (c->computed || c->rowversion)
            throw sql_error(4816, 1, 16,
                            "Invalid column type from bcp client for colid " +
                                std::to_string(c->column_id) + ".");
    }
    pending_bulk_ = std::make_shared<Statement>(s);
    sink.end_statement(std::nullopt, false);
}

void SqlSession::bulk_load(const BulkRows &rows, ResultSink &sink) {
    auto pending = std::move(pending_bulk_);
    pending_bulk_.reset();
    if (!pending) { // rows without INSERT BULK before them
        sink.message(bad_stream().msg);
        sink.end_statement(std::nullopt, true);
        return;
    }
    auto st = std::make_shared<Statement>(*pending);
    st->k = Statement::K::BulkRows;
    struct Reset {
        const BulkRows *&p;
        ~Reset() { p = nullptr; }
    } reset{bulk_rows_};
    const size_t batch =
        st->top ? static_cast<size_t>(std::max<int64_t>(0, std::atoll(st->top->text.c_str()))) : 0;
    if (batch == 0 || rows.rows.size() <= batch || trancount_ > 0) {
        bulk_rows_ = &rows;
        return run({st}, sink);
    }
    // BATCHSIZE: each batch of rows is its own transaction (in autocommit mode); a failing batch
    // rolls back alone, the ones before it stay, the rest is not loaded. One DONE for the load.
    CountingSink counted(sink);
    BulkRows part;
    part.columns = rows.columns;
    part.types = rows.types;
    for (size_t at = 0; at < rows.rows.size() && !counted.failed; at += batch) {
        part.rows.assign(rows.rows.begin() + static_cast<std::ptrdiff_t>(at),
                         rows.rows.begin() +
                             static_cast<std::ptrdiff_t>(std::min(at + batch, rows.rows.size())));
        bulk_rows_ = &part;
        run({st}, counted);
    }
    sink.end_statement(counted.failed || nocount_ ? std::nullopt
                                                  : std::optional<uint64_t>(counted.count),
                       counted.failed);
}

// SQL Server's bulk load rules: an identity column's values are ignored unless KEEPIDENTITY; a
// NULL goes to a column with a default as that default unless KEEP_NULLS; CHECK and FOREIGN KEY
// constraints are not checked unless CHECK_CONSTRAINTS, and the foreign keys are then not
// trusted any more.
void SqlSession::do_bulk_rows(const Statement &s, ResultSink &sink) {
    if (!bulk_rows_ || bulk_rows_->columns.size() != s.columns.size())
        throw bad_stream();
    const BulkRows &data = *bulk_rows_;
    TableMeta t = table_for_write(s.table);
    const bool keep_identity = has_option(s, "KEEPIDENTITY");
    const bool keep_nulls = has_option(s, "KEEP_NULLS");
    std::vector<size_t> used;
    std::vector<const ColumnMeta *> meta;
    for (size_t i = 0; i < s.columns.size(); ++i) {
        const ColumnMeta *c = t.column(s.columns[i]);
        if (!c)
            throw sql_error(207, 1, 16, "Invalid column name '" + s.columns[i] + "'.");
        if (c->identity && !keep_identity)
            continue;
        used.push_back(i);
        meta.push_back(c);
    }
    std::vector<std::string> fks; // enabled now, not checked during the load
    if (!has_option(s, "CHECK_CONSTRAINTS")) {
        for (const auto &f : foreign_keys(db_, t.database_id))
            if (f.parent_object_id == t.object_id && !f.disabled)
                fks.push_back(f.name);
        for (const auto &c : enabled_check_constraint_names(db_, t))
            fks.push_back(c);
    }
    const DatabaseMeta d = database_of(s.table);
    if (!fks.empty())
        set_foreign_keys_enabled(db_, d, t, fks, false, false);
    auto saved_identity = identity_insert_;
    if (keep_identity)
        identity_insert_ = std::make_pair(t.database_id, t.object_id);
    struct Restore {
        SqlSession &self;
        std::optional<std::pair<int, int>> identity;
        ~Restore() { self.identity_insert_ = identity; }
    } restore{*this, saved_identity};
    CountingSink counted(sink);
    constexpr size_t kChunk = 200;
    for (size_t at = 0; at < data.rows.size(); at += kChunk) {
        Statement ins;
        ins.k = Statement::K::Insert;
        ins.line = s.line;
        ins.table = s.table;
        for (size_t i : used)
            ins.columns.push_back(s.columns[i]);
        std::vector<std::string> names;
        for (size_t r = at; r < std::min(at + kChunk, data.rows.size()); ++r) {
            const auto &row = data.rows[r];
            if (row.size() != data.columns.size())
                throw bad_stream();
            std::vector<ExprPtr> values;
            for (size_t k = 0; k < used.size(); ++k) {
                const size_t i = used[k];
                auto e = std::make_shared<Expr>();
                if (row[i].is_null()) {
                    e->k = keep_nulls || !meta[k]->has_default ? Expr::K::Null : Expr::K::Default;
                } else {
                    e->k = Expr::K::Var;
                    e->text = "@__BULK_" + std::to_string(r - at) + "_" + std::to_string(i);
                    vars_[e->text] = Var{data.types[i], row[i]};
                    var_types_[e->text] = data.types[i];
                    names.push_back(e->text);
                }
                values.push_back(std::move(e));
            }
            ins.values.push_back(std::move(values));
        }
        try {
            do_insert(ins, counted);
        } catch (...) {
            for (const auto &n : names)
                vars_.erase(n), var_types_.erase(n);
            throw;
        }
        for (const auto &n : names)
            vars_.erase(n), var_types_.erase(n);
    }
    if (!fks.empty())
        set_foreign_keys_enabled(db_, d, t, fks, true, false);
    sink.end_statement(nocount_ ? std::nullopt : std::optional<uint64_t>(counted.count), false);
}

} // namespace sim::sql
