#include "session.hpp"

#include "alias_types.hpp"
#include "check_state.hpp"
#include "fk_state.hpp"

#include "codegen.hpp"
#include "dblog.hpp"
#include "errors.hpp"
#include "parser.hpp"
#include "permissions.hpp"
#include "phys_layout.hpp"
#include "sessions.hpp"
#include "sqlite_db.hpp"
#include "sqltypes.hpp"
#include "tds/temporal.hpp"

#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

namespace sim::sql {

namespace {

std::string xml_escape(const std::string &v, bool attr = false) {
    std::string out;
    for (char c : v) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (attr && c == '"')
            out += "&quot;";
        else
            out += c;
    }
    return out;
}

Message info(int number, const std::string &text, int state = 1) {
    Message m;
    m.number = number;
    m.state = static_cast<uint8_t>(state);
    m.severity = 0;
    m.text = text;
    return m;
}

bool any_named(const std::vector<std::string> &cols, const std::vector<std::string> *among) {
    if (!among)
        return true;
    for (const auto &c : cols)
        for (const auto &a : *among)
            if (strcasecmp(c.c_str(), a.c_str()) == 0)
                return true;
    return false;
}

// The foreign key a failed statement on t most likely violated; reference is set when the
// conflict is with a key referencing t (or a table a cascade reached) rather than t's own key.
const ForeignKeyInfo *violated_fk(sqlite3 *db, const std::vector<ForeignKeyInfo> &fks,
                                  const TableMeta &t, const std::string &verb,
                                  const std::vector<std::string> *updated, bool &reference) {
    reference = verb == "DELETE";
    if (verb == "DELETE") {
        // A deleted row (t's, or one an ON DELETE CASCADE removed) is still referenced through a
        // NO ACTION key.
        std::vector<int> tables{t.object_id};
        for (int x : cascade_delete_targets(db, t.database_id, t.object_id))
            tables.push_back(x);
        for (int x : tables)
            for (const auto &f : fks)
                if (f.referenced_object_id == x && f.delete_action == FkAction::NoAction)
                    return &f;
        for (const auto &f : fks)
            if (f.referenced_object_id == t.object_id)
                return &f;
        return nullptr;
    }
    if (verb == "UPDATE")
        for (const auto &f : fks)
            if (f.referenced_object_id == t.object_id && f.update_action == FkAction::NoAction &&
                updated && any_named(f.referenced_columns, updated)) {
                reference = true;
                return &f;
            }
    for (const auto &f : fks)
        if (f.parent_object_id == t.object_id && any_named(f.columns, updated))
            return &f;
    for (const auto &f : fks)
        if (f.parent_object_id == t.object_id)
            return &f;
    return nullptr;
}

// SQLite's constraint messages become SQL Server's.
[[noreturn]] void translate_constraint(sqlite3 *db, const std::string &msg, const TableMeta &t,
                                       const char *verb,
                                       const std::vector<std::string> *updated = nullptr) {
    if (msg.rfind("NOT NULL constraint failed: ", 0) == 0) {
        std::string col = msg.substr(msg.rfind('.') + 1);
        throw sql_error(515, 2, 16,
                        "Cannot insert the value NULL into column '" + col + "', table '" + t.db +
                            "." + t.schema + "." + t.name + "'; column does not allow nulls. " +
                            verb + " fails.");
    }
    if (msg.find("FOREIGN KEY constraint failed") != std::string::npos) {
        // Name the constraint: the table's own FK for INSERT/UPDATE, a referencing FK for DELETE
        // (or for an UPDATE of a referenced key).
        auto fks = foreign_keys(db, t.database_id);
        bool reference = false;
        const ForeignKeyInfo *f = violated_fk(db, fks, t, verb, updated, reference);
        std::string fk = "FK", other = t.name, schema = t.schema;
        if (f) {
            fk = f->name;
            if (auto o = table_by_id(db, t.database_id,
                                     reference ? f->parent_object_id : f->referenced_object_id)) {
                other = o->name;
                schema = o->schema;
            }
        }
        throw sql_error(547, 0, 16,
                        std::string("The ") + verb + " statement conflicted with the " +
                            (reference ? "REFERENCE" : "FOREIGN KEY") + " constraint \"" + fk +
                            "\". The conflict occurred in database \"" + t.db + "\", table \"" +
                            schema + "." + other + "\".");
    }
    if (auto e = check_violation(db, msg, t, verb))
        throw *e;
    if (msg.find("UNIQUE constraint failed") != std::string::npos)
        throw sql_error(2627, 1, 14,
                        "Violation of UNIQUE KEY constraint. Cannot insert duplicate "
                        "key in object '" +
                            t.schema + "." + t.name + "'.");
    throw sql_error(50000, 1, 16, "simulator storage error: " + msg);
}

std::vector<std::pair<std::string, SqlType>> parse_declaration(const std::string &decl,
                                                               std::vector<bool> *outputs) {
    std::vector<std::pair<std::string, SqlType>> out;
    int depth = 0;
    std::string cur;
    auto flush = [&]() {
        std::string s = cur;
        cur.clear();
        size_t a = s.find_first_not_of(" \t\r\n");
        if (a == std::string::npos)
            return;
        s = s.substr(a);
        size_t sp = s.find_first_of(" \t\r\n");
        if (sp == std::string::npos)
            throw syntax_error(s);
        std::string name = s.substr(0, sp);
        std::string type = s.substr(sp + 1);
        bool output = false;
        for (const char *kw : {" OUTPUT", " OUT", " output", " out"}) {
            size_t at = type.rfind(kw);
            if (at != std::string::npos &&
                at + std::string(kw).size() == type.find_last_not_of(" \t") + 1) {
                type = type.substr(0, at);
                output = true;
            }
        }
        size_t eq = type.find('=');
        if (eq != std::string::npos)
            type = type.substr(0, eq);
        for (auto &c : name)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out.emplace_back(name, parse_type_name(type));
        if (outputs)
            outputs->push_back(output);
    };
    for (char c : decl) {
        if (c == '(')
            ++depth;
        if (c == ')')
            --depth;
        if (c == ',' && depth == 0)
            flush();
        else
            cur += c;
    }
    flush();
    return out;
}

std::string upper(std::string s) {
    for (auto &c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// Cancels long statements when the client sends an ATTENTION.
int progress(void *p) {
    auto *sink = static_cast<ResultSink *>(p);
    return sink && sink->cancelled() ? 1 : 0;
}

} // namespace

SqlSession::SqlSession(EngineState &state, LoginDef login, const DatabaseMeta &db, LoginInfo info)
    : state_(state), login_(std::move(login)), info_(std::move(info)), current_(db),
      spid_(state.next_spid()) {
    int rc = sqlite3_open_v2(state.db_path.c_str(), &db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK)
        throw sql_error(4060, 1, 11, "Cannot open the simulator store.");
    configure_connection(db_);
    register_functions(db_, this);
    stmts_ = std::make_unique<StmtCache>(db_);
    exec(db_, "PRAGMA foreign_keys = ON; PRAGMA recursive_triggers = OFF");
    descriptor_ = (static_cast<uint64_t>(spid_) << 32) | 1;
    state_.use_database(current_.id, 1);
    phys_ = std::make_unique<PhysXact>(db_, phys_hooks());
    SessionEntry e;
    e.spid = spid_;
    e.login_name = login_.name;
    e.host_name = info_.host_name;
    e.program_name = info_.app_name;
    {
        Stmt q(db_, "SELECT sim_conv(sim_localnow(), 'datetime', '')");
        q.step();
        e.login_time = q.text_col(0);
    }
    e.database_id = current_.id;
    session_register(e);
}

PhysHooks SqlSession::phys_hooks() {
    PhysHooks h;
    h.next_lsn = [this] { return state_.next_lsn(); };
    h.next_xact_num = [this] { return static_cast<int64_t>(state_.next_xact_id()); };
    return h;
}

void SqlSession::phys_capture() {
    if (xact_id_ == 0)
        return;
    // The transaction's logical records all come after its BEGIN's LSN (sim_lsn() takes the
    // transaction id first): starting there keeps the read off the older "$log", which is
    // never truncated and would otherwise be scanned by every transaction's first statement.
    const std::string &after = phys_seen_.empty() ? begin_lsn_ : phys_seen_;
    phys_seen_ = phys_->capture(current_.id, xact_id_, after);
}

PhysXact::Header SqlSession::phys_header() {
    PhysXact::Header h;
    h.database_id = current_.id;
    if (xact_id_ == 0) {
        // DDL only: no logical record took an id and a begin LSN.
        xact_id_ = static_cast<int64_t>(state_.next_xact_id());
        begin_lsn_.clear();
    }
    h.xact_num = xact_id_;
    h.begin_lsn = begin_lsn_;
    h.name =
        explicit_tx_ ? (tran_name_.empty() ? "user_transaction" : tran_name_) : phys_->first_verb();
    if (h.name.empty())
        h.name = "user_transaction";
    h.spid = spid_;
    h.begin_time = phys_begin_time_.empty() ? dblog_time_now() : phys_begin_time_;
    h.sid = login_.sysadmin && strcasecmp(login_.name.c_str(), "sa") == 0 ? std::string(1, '\x01')
                                                                          : std::string(16, '\x02');
    return h;
}

void SqlSession::phys_reset() {
    if (xact_id_)
        dblog_close_xact(xact_id_);
    phys_->clear();
    phys_seen_.clear();
    phys_begin_time_.clear();
    phys_savepoints_.clear();
    xstart_ = false;
}

// DDL leaves records on the system tables' allocation units, in a transaction named after the
// statement (CREATE TABLE, ALTER TABLE, DROPOBJ, CREATE INDEX) when it runs on its own.
void SqlSession::phys_note_ddl(const Statement &s, const std::optional<TableMeta> &before) {
    std::string verb;
    switch (s.k) {
    case Statement::K::CreateTable:
        verb = "CREATE TABLE";
        break;
    case Statement::K::DropTable:
        verb = "DROPOBJ";
        break;
    case Statement::K::AlterTableAdd:
    case Statement::K::AlterTableDropColumn:
    case Statement::K::AlterTableAddConstraint:
    case Statement::K::AlterTableDropConstraint:
        verb = "ALTER TABLE";
        break;
    case Statement::K::CreateIndex:
    case Statement::K::DropIndex:
        verb = "CREATE INDEX";
        break;
    default:
        return;
    }
    std::optional<TableMeta> t = before;
    if (s.k != Statement::K::DropTable) {
        try {
            t = table_for_write(s.table);
        } catch (...) {
        }
    }
    if (!t)
        return;
    if (phys_begin_time_.empty())
        phys_begin_time_ = dblog_time_now();
    int cols = s.k == Statement::K::AlterTableAdd          ? static_cast<int>(s.coldefs.size())
               : s.k == Statement::K::AlterTableDropColumn ? static_cast<int>(s.columns.size())
               : s.k == Statement::K::CreateTable || s.k == Statement::K::DropTable
                   ? static_cast<int>(t->columns.size())
                   : 0;
    phys_->note_ddl(t->database_id, verb, t->object_id, t->name, cols);
}

SqlSession::~SqlSession() {
    session_unregister(spid_);
    if (trancount_ > 0)
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    state_.use_database(current_.id, -1);
    stmts_.reset();
    sqlite3_close_v2(db_);
}

int64_t SqlSession::xact_id() {
    if (xact_id_ == 0) {
        xact_id_ = static_cast<int64_t>(state_.next_xact_id());
        begin_lsn_ = state_.next_lsn();
        if (phys_begin_time_.empty())
            phys_begin_time_ = dblog_time_now();
        dblog_open_xact(xact_id_, current_.id, begin_lsn_, phys_begin_time_);
    }
    return xact_id_;
}

int64_t SqlSession::next_identity(int database_id, int object_id) {
    int64_t seed = 1, inc = 1;
    std::optional<int64_t> last;
    if (!state_.identity_known(database_id, object_id)) {
        Stmt q(db_, "SELECT seed, increment, identity_last FROM \"$columns\" WHERE database_id = "
                    "? AND object_id = ? AND is_identity = 1");
        q.bind(1, database_id).bind(2, object_id);
        if (q.step()) {
            seed = q.int_col(0);
            inc = q.int_col(1);
            if (sqlite3_column_type(q.get(), 2) != SQLITE_NULL)
                last = q.int_col(2);
        }
    }
    int64_t v = state_.next_identity(database_id, object_id, seed, inc, last);
    last_identity_ = v;
    return v;
}

std::optional<int64_t> SqlSession::ident_current(int database_id, int object_id) {
    auto v = state_.identity_current(database_id, object_id);
    if (v)
        return v;
    Stmt q(db_, "SELECT identity_last FROM \"$columns\" WHERE database_id = ? AND object_id = ? "
                "AND is_identity = 1 AND identity_last IS NOT NULL");
    q.bind(1, database_id).bind(2, object_id);
    if (q.step())
        return q.int_col(0);
    return std::nullopt;
}

// ---- batches ---------------------------------------------------------------------------------

void SqlSession::execute_batch(const std::string &sql, ResultSink &sink) {
    std::vector<StatementPtr> stmts;
    try {
        stmts = parse_batch(sql, [this](const std::string &schema, const std::string &name) {
            auto a = find_alias_type(db_, current_.id, schema, name);
            return a ? std::optional<AliasType>(a->type) : std::nullopt;
        });
    } catch (const SqlError &e) {
        sink.message(e.msg);
        sink.end_statement(std::nullopt, true);
        return;
    }
    session_set_state(spid_, true, trancount_);
    struct Idle {
        SqlSession *s;
        ~Idle() { session_set_state(s->spid_, false, s->trancount_); }
    } idle{this};
    run(stmts, sink);
}

void SqlSession::run(const std::vector<StatementPtr> &stmts, ResultSink &sink) {
    tds::set_date_order(dateformat_); // conversions read the running session's DATEFORMAT
    for (const auto &s : stmts) {
        if (sink.cancelled())
            return;
        try {
            run_statement(*s, sink);
        } catch (const SqlError &e) {
            Message m = e.msg;
            m.line = s->line;
            error_ = m.number;
            if (sink.cancelled())
                return;
            sink.message(m);
            sink.end_statement(std::nullopt, true);
            // RAISERROR does not honor XACT_ABORT.
            if (xact_abort_ && trancount_ > 0 && s->k != Statement::K::Raiserror) {
                if (trigger_depth_ > 0)
                    trigger_error_ = true;
                rollback_tran(sink);
                return;
            }
            if (aborts_batch(m.number) || s->k == Statement::K::Throw)
                return;
        }
    }
}

bool SqlSession::writes(const Statement &s) const {
    switch (s.k) {
    case Statement::K::Select:
    case Statement::K::Use:
    case Statement::K::Begin:
    case Statement::K::Commit:
    case Statement::K::Rollback:
    case Statement::K::Save:
    case Statement::K::Set:
    case Statement::K::Declare:
    case Statement::K::SetVar:
    case Statement::K::Print:
    case Statement::K::WaitFor:
    case Statement::K::Raiserror:
    case Statement::K::Throw:
    case Statement::K::If:
    case Statement::K::Block:
    case Statement::K::Return:
    case Statement::K::Noop:
    case Statement::K::Exec:
    case Statement::K::CreateDatabase:
    case Statement::K::DropDatabase:
    case Statement::K::Backup:
    case Statement::K::InsertBulk:
        return false;
    default:
        return true;
    }
}

// Each statement is atomic: its own transaction in autocommit mode, a savepoint inside a user
// transaction, so a failing statement leaves nothing behind and the batch can go on.
void SqlSession::run_statement(const Statement &s, ResultSink &sink) {
    active_sink_ = &sink;
    sqlite3_progress_handler(db_, 100000, progress, &sink);
    struct Reset {
        sqlite3 *db;
        ~Reset() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
    } reset{db_};
    if (!writes(s)) {
        start_pending(false);
        dispatch(s, sink);
        return;
    }
    if (s.k == Statement::K::AlterDatabase && s.option_flag) {
        // WITH ROLLBACK IMMEDIATE / AFTER: the other sessions in the database are ended (their
        // transactions roll back) before the change, which may then wait for their locks.
        auto d =
            s.name.empty() ? std::optional<DatabaseMeta>(current_) : find_database(db_, s.name);
        if (d)
            for (uint16_t other : sessions_in_database(d->id, spid_))
                session_kill(other);
    }
    const bool own = trancount_ == 0;
    start_pending(true);
    exec(db_, own ? "BEGIN IMMEDIATE" : "SAVEPOINT stmt");
    try {
        std::optional<TableMeta> ddl_target;
        if (s.k == Statement::K::DropTable) {
            try {
                ddl_target = table_for_write(s.table);
            } catch (...) {
            }
        }
        dispatch(s, sink);
        phys_capture();
        phys_note_ddl(s, ddl_target);
        if (trigger_depth_ == 0 && trigger_rollback_) {
            // A trigger ended the transaction: the statement's work is gone, the batch ends.
            const bool err = trigger_error_;
            trigger_rollback_ = trigger_error_ = trigger_user_tx_ = false;
            if (err)
                throw sql_error(3616, 2, 16,
                                "An error was raised during trigger execution. The batch has "
                                "been aborted and the user transaction, if any, has been rolled "
                                "back.");
            throw sql_error(3609, 1, 16,
                            "The transaction ended in the trigger. The batch has been aborted.");
        }
        if (own) {
            write_commit_log();
            exec(db_, "COMMIT");
        } else {
            exec(db_, "RELEASE stmt");
        }
    } catch (...) {
        if (own) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            xact_id_ = 0;
            begin_lsn_.clear();
            phys_reset();
        } else {
            sqlite3_exec(db_, "ROLLBACK TO stmt; RELEASE stmt", nullptr, nullptr, nullptr);
        }
        throw;
    }
}

// DDL on a table tracked by CDC: the capture process first takes what the log holds with the old
// row layout, and cdc.ddl_history records the statement.
void SqlSession::cdc_before_ddl(const TableMeta &t, const std::string &command) {
    if (!cdc_tracked(db_, t.database_id, t.object_id))
        return;
    auto d = find_database(db_, t.database_id);
    if (!d)
        return;
    cdc_capture(db_, *d);
    cdc_ddl(db_, *d, t.object_id, command, state_.next_lsn());
}

void SqlSession::write_commit_log() {
    phys_capture();
    std::string commit_lsn;
    if (!phys_->empty())
        commit_lsn = phys_->flush(phys_header(), true);
    phys_reset();
    if (xact_id_ == 0 || begin_lsn_.empty()) {
        xact_id_ = 0;
        begin_lsn_.clear();
        return;
    }
    Stmt ins(db_, "INSERT INTO \"$log\"(lsn, database_id, xact_id, operation, object_id, "
                  "row_before, row_after, log_time) VALUES (?, ?, ?, ?, 0, NULL, NULL, sim_now())");
    ins.bind(1, Value::blob(begin_lsn_)).bind(2, current_.id).bind(3, xact_id_);
    ins.bind(4, std::string("LOP_BEGIN_XACT"));
    ins.step();
    ins.reset();
    // The logical commit shares the physical commit's LSN (CDC's __$start_lsn = fn_dblog's
    // LOP_COMMIT_XACT).
    ins.bind(1, Value::blob(commit_lsn.empty() ? state_.next_lsn() : commit_lsn))
        .bind(2, current_.id)
        .bind(3, xact_id_);
    ins.bind(4, std::string("LOP_COMMIT_XACT"));
    ins.step();
    xact_id_ = 0;
    begin_lsn_.clear();
}

void SqlSession::start_pending(bool write) {
    if (!begin_pending_)
        return;
    exec(db_, write ? "BEGIN IMMEDIATE" : "BEGIN");
    // A rollback undoes the data back to here but keeps the write lock, to log the work, its
    // compensation records and LOP_ABORT_XACT before committing.
    exec(db_, "SAVEPOINT \"x$start\"");
    xstart_ = true;
    begin_pending_ = false;
}

void SqlSession::begin_tran(ResultSink &sink) {
    if (trancount_ == 0) {
        explicit_tx_ = true;
        tran_name_.clear();
        begin_pending_ = true;
        ++descriptor_;
        sink.transaction_began(descriptor_);
    }
    ++trancount_;
}

void SqlSession::commit_tran(ResultSink &sink) {
    if (trancount_ == 0)
        throw sql_error(3902, 1, 16,
                        "The COMMIT TRANSACTION request has no corresponding BEGIN "
                        "TRANSACTION.");
    if (--trancount_ == 0) {
        if (begin_pending_) {
            begin_pending_ = false; // nothing ran inside it
            explicit_tx_ = false;
            sink.transaction_ended(descriptor_, true);
            return;
        }
        try {
            write_commit_log();
            exec(db_, "COMMIT");
            explicit_tx_ = false;
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            xact_id_ = 0;
            phys_reset();
            explicit_tx_ = false;
            sink.transaction_ended(descriptor_, false);
            throw;
        }
        sink.transaction_ended(descriptor_, true);
    }
}

void SqlSession::rollback_tran(ResultSink &sink) {
    if (trancount_ == 0)
        throw sql_error(3903, 1, 16,
                        "The ROLLBACK TRANSACTION request has no corresponding BEGIN "
                        "TRANSACTION.");
    trancount_ = 0;
    begin_pending_ = false;
    bool logged = false;
    try {
        phys_capture();
        if (!phys_->empty() && xstart_ && sqlite3_get_autocommit(db_) == 0) {
            // SQL Server logs the work, its undo as compensation records, then the abort.
            phys_->compensate(0);
            exec(db_, "ROLLBACK TO \"x$start\"");
            phys_->flush(phys_header(), false);
            exec(db_, "COMMIT");
            logged = true;
        }
    } catch (...) {
    }
    if (!logged)
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    phys_reset();
    explicit_tx_ = false;
    xact_id_ = 0;
    begin_lsn_.clear();
    refresh_current();
    if (trigger_depth_ > 0) {
        // Inside a trigger @@TRANCOUNT is at least 1 even in autocommit mode; only a user
        // transaction's end is reported to the client.
        trigger_rollback_ = true;
        if (trigger_user_tx_)
            sink.transaction_ended(descriptor_, false);
        trigger_user_tx_ = false;
        return;
    }
    sink.transaction_ended(descriptor_, false);
}

void SqlSession::tm_begin(ResultSink &sink) {
    try {
        begin_tran(sink);
    } catch (const SqlError &e) {
        sink.message(e.msg);
    }
}

void SqlSession::tm_commit(ResultSink &sink, bool begin_new) {
    try {
        if (trancount_ > 0) {
            trancount_ = 1;
            commit_tran(sink);
        }
        if (begin_new)
            begin_tran(sink);
    } catch (const SqlError &e) {
        sink.message(e.msg);
    }
}

void SqlSession::tm_rollback(ResultSink &sink, bool begin_new) {
    try {
        if (trancount_ > 0)
            rollback_tran(sink);
        if (begin_new)
            begin_tran(sink);
    } catch (const SqlError &e) {
        sink.message(e.msg);
    }
}

void SqlSession::refresh_current() {
    if (auto d = find_database(db_, current_.id))
        current_ = *d;
}

// ---- helpers ---------------------------------------------------------------------------------

void SqlSession::bind_variables(sqlite3_stmt *st) {
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= n; ++i) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        if (!name)
            continue;
        auto it = vars_.find(upper(name));
        if (it != vars_.end())
            bind_value(st, i, it->second.value);
    }
}

// @@ globals as expressions see them.
Value SqlSession::global_value(const std::string &g) {
    if (g == "@@VERSION")
        return Value::text(version_string(state_.settings));
    if (g == "@@SERVERNAME" || g == "@@SERVICENAME")
        return Value::text(g == "@@SERVERNAME" ? state_.settings.server_name : "MSSQLSERVER");
    if (g == "@@SPID")
        return Value::integer(spid_);
    if (g == "@@TRANCOUNT")
        return Value::integer(trancount_);
    if (g == "@@ROWCOUNT")
        return Value::integer(rowcount_);
    if (g == "@@ERROR")
        return Value::integer(error_);
    if (g == "@@IDENTITY")
        return last_identity_ ? Value::integer(*last_identity_) : Value::null();
    if (g == "@@LANGUAGE")
        return Value::text("us_english");
    if (g == "@@MAX_PRECISION")
        return Value::integer(38);
    if (g == "@@DBTS")
        return Value::blob(state_.next_rowversion());
    if (g == "@@OPTIONS")
        return Value::integer(5496);
    if (g == "@@TEXTSIZE")
        return Value::integer(2147483647);
    return Value::null();
}

Value SqlSession::eval(const Expr &e, SqlType *type) {
    CodegenContext ctx{db_, current_, &var_types_, nullptr};
    ctx.global = [this](const std::string &g) { return global_value(g); };
    check_reads(ctx);
    Codegen g(ctx);
    Ty ty;
    std::string sql = "SELECT " + g.expr(e, &ty);
    Stmt st(db_, sql);
    bind_variables(st.get());
    Value v = st.step() ? st.value_col(0) : Value::null();
    if (type)
        *type = ty.known ? ty.t : type_of_value(v);
    return v;
}

DatabaseMeta SqlSession::database_of(const std::vector<std::string> &parts) {
    if (parts.size() >= 3 && !parts[parts.size() - 3].empty()) {
        auto d = find_database(db_, parts[parts.size() - 3]);
        if (!d)
            throw sql_error(911, 1, 16,
                            "Database '" + parts[parts.size() - 3] +
                                "' does not exist. Make sure that the name is entered "
                                "correctly.");
        return *d;
    }
    return current_;
}

std::string SqlSession::schema_of(const std::vector<std::string> &parts) const {
    if (parts.size() >= 2 && !parts[parts.size() - 2].empty())
        return parts[parts.size() - 2];
    return "dbo";
}

TableMeta SqlSession::table_for_write(const std::vector<std::string> &parts) {
    CodegenContext ctx{db_, current_, &var_types_,
                       [](const std::string &) { return Value::null(); }};
    Codegen g(ctx);
    TableMeta t = g.resolve_table(parts);
    if (t.system_view)
        throw sql_error(259, 1, 16, "Ad hoc updates to system catalogs are not allowed.");
    if (t.is_view)
        throw sql_error(50000, 1, 16,
                        "The simulator does not modify data or structure through a view ('" +
                            t.display() + "'); use its base table.");
    return t;
}

int64_t SqlSession::run_dml(const std::string &sql, const TableMeta &t, const char *verb,
                            const std::vector<std::string> *updated) {
    sqlite3_stmt *st = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr);
    if (rc != SQLITE_OK)
        raise_sqlite(db_, rc, sql);
    bind_variables(st);
    rc = sqlite3_step(st);
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        Message m;
        if (decode_error(msg, m))
            throw SqlError(m);
        if ((rc & 0xFF) == SQLITE_CONSTRAINT)
            translate_constraint(db_, msg, t, verb, updated);
        raise_sqlite(db_, rc, sql);
    }
    return sqlite3_changes64(db_);
}

// ---- statements ------------------------------------------------------------------------------

void SqlSession::dispatch(const Statement &s, ResultSink &sink) {
    using K = Statement::K;
    switch (s.k) {
    case K::Select:
        return do_select(s, sink);
    case K::Insert:
        return do_insert(s, sink);
    case K::Update:
        return do_update(s, sink);
    case K::Delete:
        return do_delete(s, sink);
    case K::Truncate: {
        TableMeta t = table_for_write(s.table);
        for (const auto &f : foreign_keys(db_, t.database_id))
            if (f.referenced_object_id == t.object_id && f.parent_object_id != t.object_id)
                throw sql_error(4712, 1, 16,
                                "Cannot truncate table '" + t.display() +
                                    "' because it is being referenced by a FOREIGN KEY "
                                    "constraint.");
        run_dml("DELETE FROM " + qi(t.sqlite_name), t, "DELETE");
        set_row_count(db_, t.database_id, t.object_id, 0);
        state_.reset_identity(t.database_id, t.object_id);
        Stmt up(db_, "UPDATE \"$columns\" SET identity_last = NULL WHERE database_id = ? AND "
                     "object_id = ?");
        up.bind(1, t.database_id).bind(2, t.object_id);
        up.step();
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::CreateTable: {
        DatabaseMeta d = database_of(s.table);
        create_table(db_, d, schema_of(s.table), s);
        fire_ddl({"CREATE_TABLE", d, schema_of(s.table), s.table.back(), "TABLE", "", "", "",
                  s.command_text},
                 sink);
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::DropTable: {
        auto d = database_of(s.table);
        auto t = find_table(db_, d, schema_of(s.table), s.table.back());
        if (!t && find_view(db_, d, schema_of(s.table), s.table.back()))
            throw sql_error(3705, 1, 16,
                            "Cannot use DROP TABLE with '" + s.table.back() + "' because '" +
                                s.table.back() + "' is a view. Use DROP VIEW.");
        if (!t || t->system_view) {
            if (s.if_exists) {
                sink.end_statement(std::nullopt, false);
                return;
            }
            throw sql_error(3701, 5, 11,
                            "Cannot drop the table '" + s.table.back() +
                                "', because it does not exist or you do not have "
                                "permission.");
        }
        drop_table(db_, *t);
        state_.reset_identity(t->database_id, t->object_id);
        fire_ddl({"DROP_TABLE", d, t->schema, t->name, "TABLE", "", "", "", s.command_text}, sink);
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::AlterTableAdd: {
        TableMeta t = table_for_write(s.table);
        cdc_before_ddl(t, "ALTER TABLE " + t.display() + " ADD ...");
        add_columns(db_, database_of(s.table), t, s);
        {
            std::string cols, cons;
            for (const auto &c : s.coldefs)
                cols += "<Name>" + xml_escape(c.name) + "</Name>";
            for (const auto &c : s.constraints)
                if (!c.name.empty())
                    cons += "<Name>" + xml_escape(c.name) + "</Name>";
            std::string create = (cols.empty() ? "" : "<Columns>" + cols + "</Columns>") +
                                 (cons.empty() ? "" : "<Constraints>" + cons + "</Constraints>");
            fire_ddl({"ALTER_TABLE", database_of(s.table), t.schema, t.name, "TABLE", "", "",
                      create.empty() ? "" : "<Create>" + create + "</Create>", s.command_text},
                     sink);
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::AlterTableDropColumn: {
        TableMeta t = table_for_write(s.table);
        std::vector<std::string> cols;
        for (const auto &c : s.columns)
            if (!s.if_exists || t.column(c))
                cols.push_back(c);
        {
            std::string shown;
            for (const auto &c : cols)
                shown += (shown.empty() ? "" : ", ") + c;
            cdc_before_ddl(t, "ALTER TABLE " + t.display() + " DROP COLUMN " + shown);
        }
        drop_columns(db_, database_of(s.table), t, cols);
        {
            std::string names;
            for (const auto &c : cols)
                names += "<Name>" + xml_escape(c) + "</Name>";
            fire_ddl({"ALTER_TABLE", database_of(s.table), t.schema, t.name, "TABLE", "", "",
                      "<Drop><Columns>" + names + "</Columns></Drop>", s.command_text},
                     sink);
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::AlterColumn: {
        TableMeta t = table_for_write(s.table);
        alter_column(db_, database_of(s.table), t, s.coldefs.at(0),
                     [&](const std::string &sql) { run_dml(sql, t, "ALTER TABLE"); });
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::AlterTableAddConstraint: {
        TableMeta t = table_for_write(s.table);
        add_constraints(db_, database_of(s.table), t, s);
        {
            std::string names;
            for (const auto &c : s.constraints)
                if (!c.name.empty())
                    names += "<Name>" + xml_escape(c.name) + "</Name>";
            fire_ddl(
                {"ALTER_TABLE", database_of(s.table), t.schema, t.name, "TABLE", "", "",
                 names.empty() ? "" : "<Create><Constraints>" + names + "</Constraints></Create>",
                 s.command_text},
                sink);
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::AlterTableDropConstraint: {
        TableMeta t = table_for_write(s.table);
        drop_constraint(db_, database_of(s.table), t, s.name, s.if_exists);
        fire_ddl({"ALTER_TABLE", database_of(s.table), t.schema, t.name, "TABLE", "", "",
                  "<Drop><Constraints><Name>" + xml_escape(s.name) + "</Name></Constraints></Drop>",
                  s.command_text},
                 sink);
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::CreateIndex: {
        TableMeta t = table_for_write(s.table);
        create_index(db_, database_of(s.table), t, s);
        fire_ddl({"CREATE_INDEX", database_of(s.table), t.schema, s.name, "INDEX", t.name, "TABLE",
                  "", s.command_text},
                 sink);
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::DropIndex: {
        TableMeta t = table_for_write(s.table);
        drop_index(db_, database_of(s.table), t, s.name, s.if_exists);
        fire_ddl({"DROP_INDEX", database_of(s.table), t.schema, s.name, "INDEX", t.name, "TABLE",
                  "", s.command_text},
                 sink);
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::CreateView:
        return do_create_view(s, sink);
    case K::CreateModule:
        return do_create_module(s, sink);
    case K::DropModule:
        return do_drop_module(s, sink);
    case K::CreateDatabase: {
        if (trancount_ > 0)
            throw sql_error(226, 6, 16,
                            "CREATE DATABASE statement not allowed within "
                            "multi-statement transaction.");
        exec(db_, "BEGIN IMMEDIATE");
        try {
            int id = create_database(db_, s.name);
            exec(db_, "COMMIT");
            state_.set_logging(id, false);
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::DropDatabase: {
        if (trancount_ > 0)
            throw sql_error(574, 0, 16,
                            "DROP DATABASE statement cannot be used inside a user "
                            "transaction.");
        auto d = find_database(db_, s.name);
        if (!d) {
            if (s.if_exists) {
                sink.end_statement(std::nullopt, false);
                return;
            }
            throw sql_error(3701, 11, 11,
                            "Cannot drop the database '" + s.name +
                                "', because it does not exist or you do not have "
                                "permission.");
        }
        if (d->id <= 4)
            throw sql_error(3708, 1, 16,
                            "Cannot drop the database '" + s.name +
                                "' because it is a system database.");
        if (state_.users_of(d->id) > 0)
            throw sql_error(3702, 4, 16,
                            "Cannot drop database \"" + s.name +
                                "\" because it is currently in use.");
        exec(db_, "BEGIN IMMEDIATE");
        try {
            drop_database(db_, *d);
            exec(db_, "COMMIT");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::InsertBulk:
        return do_insert_bulk(s, sink);
    case K::BulkRows:
        return do_bulk_rows(s, sink);
    case K::CheckConstraints: {
        TableMeta t = table_for_write(s.table);
        const bool enable = s.name == "CHECK";
        set_foreign_keys_enabled(db_, database_of(s.table), t, s.columns, enable,
                                 enable && s.option_value == "CHECK");
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::CreateType: {
        const ColumnDef &c = s.coldefs.at(0);
        create_alias_type(db_, database_of(s.table).id,
                          s.table.size() > 1 ? schema_of(s.table) : "", s.table.back(),
                          AliasType{c.type, c.nullable.value_or(true)});
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::DropType:
        drop_alias_type(db_, database_of(s.table).id, s.table.size() > 1 ? schema_of(s.table) : "",
                        s.table.back(), s.if_exists);
        sink.end_statement(std::nullopt, false);
        return;
    case K::CreateSchema:
        create_schema(db_, current_.id, s.name);
        sink.end_statement(std::nullopt, false);
        return;
    case K::DropSchema: {
        auto sid = find_schema(db_, current_.id, s.name);
        if (!sid) {
            if (!s.if_exists)
                throw sql_error(3701, 15, 11,
                                "Cannot drop the schema '" + s.name +
                                    "', because it does not exist or you do not "
                                    "have permission.");
        } else {
            Stmt del(db_, "DELETE FROM \"$schemas\" WHERE database_id = ? AND schema_id = ?");
            del.bind(1, current_.id).bind(2, *sid);
            del.step();
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::Use:
        return do_use(s.name, sink);
    case K::Begin:
        begin_tran(sink);
        if (trancount_ == 1 && !s.name.empty())
            tran_name_ = s.name;
        sink.end_statement(std::nullopt, false);
        return;
    case K::Commit:
        commit_tran(sink);
        sink.end_statement(std::nullopt, false);
        return;
    case K::Rollback: {
        // ROLLBACK TRAN savepoint: the work since SAVE TRAN is undone and logged as
        // compensation records inside the transaction, which goes on.
        auto sp =
            std::find_if(phys_savepoints_.rbegin(), phys_savepoints_.rend(), [&](const auto &p) {
                return strcasecmp(p.first.c_str(), s.name.c_str()) == 0;
            });
        if (!s.name.empty() && trancount_ > 0 && sp != phys_savepoints_.rend()) {
            phys_capture();
            phys_->compensate(sp->second);
            exec(db_, "ROLLBACK TO " + qi("u$" + sp->first));
            phys_savepoints_.erase(sp.base(), phys_savepoints_.end());
            sink.end_statement(std::nullopt, false);
            return;
        }
        rollback_tran(sink);
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::Save:
        if (trancount_ == 0)
            throw sql_error(628, 0, 16,
                            "Cannot issue SAVE TRANSACTION when there is no active "
                            "transaction.");
        start_pending(false);
        exec(db_, "SAVEPOINT " + qi("u$" + s.name));
        phys_capture();
        phys_savepoints_.push_back({s.name, phys_->mark()});
        sink.end_statement(std::nullopt, false);
        return;
    case K::Set:
        return do_set(s, sink);
    case K::Declare:
        for (size_t i = 0; i < s.declares.size(); ++i) {
            const auto &[name, type] = s.declares[i];
            var_types_[name] = type;
            vars_[name] = Var{type, Value::null()};
            if (s.exprs[i])
                vars_[name].value = convert_value(eval(*s.exprs[i]), type);
        }
        return;
    case K::SetVar: {
        auto it = vars_.find(s.name);
        if (it == vars_.end())
            throw sql_error(137, 1, 15, "Must declare the scalar variable \"" + s.name + "\".");
        it->second.value = convert_value(eval(*s.exprs[0]), it->second.type);
        return;
    }
    case K::Print: {
        Value v = eval(*s.exprs[0]);
        sink.message(
            info(0, v.is_null() ? "" : convert_value(v, SqlType{TypeId::NVarChar, 4000, 0, 0}).s));
        return;
    }
    case K::WaitFor: {
        Value v = eval(*s.exprs[0]);
        auto t = tds::parse_temporal(v.kind == Value::Kind::Text ? v.s : "");
        if (!t)
            throw sql_error(148, 1, 15,
                            "Incorrect time syntax in time string '" + v.s +
                                "' used with WAITFOR.");
        auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(t->ticks / 10);
        while (std::chrono::steady_clock::now() < deadline) {
            if (sink.cancelled())
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return;
    }
    case K::Exec:
        return do_exec(s, sink);
    case K::AlterDatabase: {
        auto d =
            s.name.empty() ? std::optional<DatabaseMeta>(current_) : find_database(db_, s.name);
        if (!d)
            throw sql_error(5011, 9, 14,
                            "User does not have permission to alter database '" + s.name +
                                "', the database does not exist, or the "
                                "database is not in a state that allows "
                                "access checks.");
        if (s.option_value == "OWNER") {
            // Login SIDs: sa is 0x01 as on SQL Server; other SQL logins get a 16-byte SID.
            const std::string &principal = s.exprs[0]->text;
            const auto &logins = state_.settings.logins;
            auto it = std::find_if(logins.begin(), logins.end(), [&](const LoginDef &l) {
                return strcasecmp(l.name.c_str(), principal.c_str()) == 0;
            });
            if (it == logins.end())
                throw sql_error(15151, 1, 16,
                                "Cannot find the principal '" + principal +
                                    "', because it does not exist or you do not have permission.");
            std::string sid(1, '\x01');
            if (strcasecmp(it->name.c_str(), "sa") != 0) {
                sid.assign(16, '\0');
                sid[15] = static_cast<char>(2 + (it - logins.begin()));
            }
            Stmt up(db_, "UPDATE \"$databases\" SET owner_sid = ? WHERE database_id = ?");
            up.bind(1, Value::blob(sid)).bind(2, d->id);
            up.step();
        }
        if ((s.option_value == "READ_COMMITTED_SNAPSHOT" ||
             s.option_value == "ALLOW_SNAPSHOT_ISOLATION") &&
            !s.exprs.empty())
            dblog_set_versioning(db_, d->id, s.option_value, s.exprs[0]->text == "ON");
        if (s.option_value == "RECOVERY") {
            std::string v = s.exprs[0]->text;
            int model = v == "FULL" ? 1 : v == "BULK_LOGGED" ? 2 : 3;
            Stmt up(db_, "UPDATE \"$databases\" SET recovery_model = ?, has_full_backup = CASE "
                         "WHEN ? = 3 THEN 0 ELSE has_full_backup END WHERE database_id = ?");
            up.bind(1, model).bind(2, model).bind(3, d->id);
            up.step();
            auto now = find_database(db_, d->id);
            state_.set_logging(d->id, now->recovery_model == 1 && now->has_full_backup);
            refresh_current();
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::Backup:
        return do_backup(s, sink);
    case K::Server:
        return do_server(s, sink);
    case K::Permission:
        return do_permission(s, sink);
    case K::Checkpoint:
        dblog_checkpoint(db_, phys_hooks(), current_.id,
                         trancount_ > 0 && !begin_lsn_.empty() ? lsn_string(begin_lsn_) : "");
        sink.end_statement(std::nullopt, false);
        return;
    case K::Rebuild: {
        // The rows are rewritten without dropped columns and with every column stored.
        auto t = table_for_write(s.table);
        phys_rebuild_layout(db_, t.database_id, t.object_id);
        exec(db_,
             "DELETE FROM \"$phys_rows\" WHERE database_id = " + std::to_string(t.database_id) +
                 " AND object_id = " + std::to_string(t.object_id));
        if (phys_begin_time_.empty())
            phys_begin_time_ = dblog_time_now();
        phys_->note_ddl(t.database_id, "ALTER INDEX", t.object_id, t.name, 0);
        // ALTER INDEX ... REBUILD is an ALTER_INDEX event, ALTER TABLE ... REBUILD an ALTER_TABLE
        // one (DDL Events, Transact-SQL).
        if (!s.name.empty())
            fire_ddl({"ALTER_INDEX", database_of(s.table), t.schema, s.name, "INDEX", t.name,
                      "TABLE", "", s.command_text},
                     sink);
        else
            fire_ddl({"ALTER_TABLE", database_of(s.table), t.schema, t.name, "TABLE", "", "", "",
                      s.command_text},
                     sink);
        sink.end_statement(std::nullopt, false);
        return;
    }
    case K::Raiserror: {
        Value msg = eval(*s.exprs[0]);
        int sev = s.exprs.size() > 1 ? static_cast<int>(eval(*s.exprs[1]).i) : 16;
        int st = s.exprs.size() > 2 ? static_cast<int>(eval(*s.exprs[2]).i) : 1;
        std::string text = msg.kind == Value::Kind::Int ? "Error " + std::to_string(msg.i) : msg.s;
        if (sev <= 10) {
            sink.message(info(50000, text, st));
            return;
        }
        throw sql_error(msg.kind == Value::Kind::Int ? static_cast<int>(msg.i) : 50000, st, sev,
                        text);
    }
    case K::Throw: {
        if (s.exprs.empty())
            throw sql_error(10704, 1, 15,
                            "To rethrow an error, a THROW statement must be used "
                            "inside a CATCH block.");
        throw sql_error(static_cast<int>(eval(*s.exprs[0]).i),
                        static_cast<int>(eval(*s.exprs[2]).i), 16, eval(*s.exprs[1]).s);
    }
    case K::If: {
        Expr cond;
        cond.k = Expr::K::Case;
        cond.args = {s.exprs[0], std::make_shared<Expr>(), std::make_shared<Expr>()};
        cond.args[1]->k = Expr::K::Int;
        cond.args[1]->text = "1";
        cond.args[2]->k = Expr::K::Int;
        cond.args[2]->text = "0";
        cond.has_else = true;
        Value v = eval(cond);
        run(v.i ? s.body : s.else_body, sink);
        return;
    }
    case K::Block:
        run(s.body, sink);
        return;
    case K::EnableTrigger:
        return do_enable_trigger(s, sink);
    case K::Return:
    case K::Noop:
        return;
    }
}

void SqlSession::do_use(const std::string &name, ResultSink &sink) {
    auto d = find_database(db_, name);
    if (!d)
        throw sql_error(911, 1, 16,
                        "Database '" + name +
                            "' does not exist. Make sure that the "
                            "name is entered correctly.");
    std::string old = current_.name;
    state_.use_database(current_.id, -1);
    state_.use_database(d->id, 1);
    session_set_database(spid_, d->id);
    current_ = *d;
    sink.database_changed(d->name, old);
    sink.message(info(5701, "Changed database context to '" + d->name + "'."));
}

void SqlSession::do_set(const Statement &s, ResultSink &sink) {
    const std::string &o = s.name;
    bool on = s.option_value == "ON";
    if (o == "NOCOUNT")
        nocount_ = on;
    else if (o == "FMTONLY")
        fmtonly_ = on;
    else if (o == "XACT_ABORT")
        xact_abort_ = on;
    else if (o == "ANSI_NULLS")
        ansi_nulls_ = on;
    else if (o == "QUOTED_IDENTIFIER")
        quoted_identifier_ = on;
    else if (o == "DATEFORMAT") {
        std::string order = s.exprs.empty() ? s.option_value : eval(*s.exprs[0]).s;
        for (auto &c : order)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!tds::valid_date_order(order))
            throw sql_error(2741, 1, 16, "SET DATEFORMAT date order '" + order + "' is invalid.");
        dateformat_ = order;
        tds::set_date_order(order);
    } else if (o == "IDENTITY_INSERT") {
        TableMeta t = table_for_write(s.table);
        bool has_identity = false;
        for (const auto &c : t.columns)
            has_identity = has_identity || c.identity;
        if (!has_identity)
            throw sql_error(8106, 1, 16,
                            "Table '" + t.display() +
                                "' does not have the identity property. Cannot "
                                "perform SET operation.");
        if (on && identity_insert_ &&
            *identity_insert_ != std::make_pair(t.database_id, t.object_id))
            throw sql_error(8107, 1, 16,
                            "IDENTITY_INSERT is already ON for table '" + t.display() +
                                "'. Cannot perform SET operation for table '" + t.display() + "'.");
        if (on)
            identity_insert_ = std::make_pair(t.database_id, t.object_id);
        else
            identity_insert_.reset();
    } else if (o == "LOCK_TIMEOUT") {
        int ms = std::atoi(s.option_value.c_str());
        wait_for_locks(db_, ms);
    }
    (void)sink;
}

void SqlSession::do_select(const Statement &s, ResultSink &sink) {
    CodegenContext ctx{db_, current_, &var_types_, nullptr};
    ctx.global = [this](const std::string &g) -> Value {
        if (g == "@@VERSION")
            return Value::text(version_string(state_.settings));
        if (g == "@@SERVERNAME")
            return Value::text(state_.settings.server_name);
        if (g == "@@SERVICENAME")
            return Value::text("MSSQLSERVER");
        if (g == "@@SPID")
            return Value::integer(spid_);
        if (g == "@@TRANCOUNT")
            return Value::integer(trancount_);
        if (g == "@@ROWCOUNT")
            return Value::integer(rowcount_);
        if (g == "@@ERROR")
            return Value::integer(error_);
        if (g == "@@IDENTITY")
            return last_identity_ ? Value::integer(*last_identity_) : Value::null();
        if (g == "@@LANGUAGE")
            return Value::text("us_english");
        if (g == "@@MAX_PRECISION")
            return Value::integer(38);
        if (g == "@@DBTS")
            return Value::blob(state_.next_rowversion());
        if (g == "@@TEXTSIZE")
            return Value::integer(2147483647);
        return Value::integer(0);
    };
    check_reads(ctx);
    Codegen g(ctx);
    CompiledSelect cs = g.select(*s.select);
    bool assigns = !s.select->items.empty() && !s.select->items[0].assign_var.empty();
    if (fmtonly_ && !assigns) {
        sink.columns(cs.columns);
        sink.end_statement(std::nullopt, false);
        return;
    }
    Stmt st(db_, cs.sql);
    bind_variables(st.get());
    uint64_t n = 0;
    int ncols = sqlite3_column_count(st.get());
    std::vector<Value> row(static_cast<size_t>(ncols));
    bool has_row = st.step();
    if (assigns) {
        while (has_row) {
            ++n;
            for (size_t i = 0; i < s.select->items.size(); ++i) {
                auto it = vars_.find(s.select->items[i].assign_var);
                if (it == vars_.end())
                    throw sql_error(137, 1, 15,
                                    "Must declare the scalar variable \"" +
                                        s.select->items[i].assign_var + "\".");
                it->second.value =
                    convert_value(st.value_col(static_cast<int>(i)), it->second.type);
            }
            has_row = st.step();
        }
        rowcount_ = static_cast<int64_t>(n);
        sink.end_statement(nocount_ ? std::nullopt : std::optional<uint64_t>(n), false);
        return;
    }
    // Columns whose type only the data can tell take it from the first row.
    for (int i = 0; i < ncols && i < static_cast<int>(cs.columns.size()); ++i) {
        if (!cs.known[static_cast<size_t>(i)]) {
            Value v = has_row ? st.value_col(i) : Value::null();
            cs.columns[static_cast<size_t>(i)].type =
                v.is_null() ? SqlType{TypeId::Int, 0, 0, 0} : type_of_value(v);
            if (v.kind == Value::Kind::Text)
                cs.columns[static_cast<size_t>(i)].type = SqlType{TypeId::NVarChar, 4000, 0, 0};
        }
    }
    sink.columns(cs.columns);
    while (has_row) {
        for (int i = 0; i < ncols; ++i)
            row[static_cast<size_t>(i)] = column_value(st.get(), i);
        ++n;
        if (!sink.row(row))
            return;
        has_row = st.step();
    }
    rowcount_ = static_cast<int64_t>(n);
    sink.end_statement(nocount_ ? std::nullopt : std::optional<uint64_t>(n), false);
}

void SqlSession::do_insert(const Statement &s, ResultSink &sink) {
    TableMeta t = table_for_write(s.table);
    check_permission(t, "INSERT");
    std::vector<const ColumnMeta *> cols;
    if (s.columns.empty()) {
        for (const auto &c : t.columns)
            if (!c.computed && !c.rowversion &&
                !(c.identity && !(identity_insert_ &&
                                  *identity_insert_ == std::make_pair(t.database_id, t.object_id))))
                cols.push_back(&c);
    } else {
        for (const auto &n : s.columns) {
            const ColumnMeta *c = t.column(n);
            if (!c)
                throw sql_error(207, 1, 16, "Invalid column name '" + n + "'.");
            if (c->computed)
                throw sql_error(271, 1, 16,
                                "The column \"" + c->name +
                                    "\" cannot be modified because it is either a "
                                    "computed column or is the result of a UNION "
                                    "operator.");
            if (c->rowversion)
                throw sql_error(273, 1, 16,
                                "Cannot insert an explicit value into a timestamp "
                                "column. Use INSERT with a column list to exclude the "
                                "timestamp column, or insert a DEFAULT into the "
                                "timestamp column.");
            cols.push_back(c);
        }
    }
    const ColumnMeta *identity = nullptr;
    for (const auto &c : t.columns)
        if (c.identity)
            identity = &c;
    bool explicit_identity = false;
    for (auto *c : cols)
        explicit_identity = explicit_identity || c->identity;
    bool insert_on =
        identity_insert_ && *identity_insert_ == std::make_pair(t.database_id, t.object_id);
    if (explicit_identity && !insert_on)
        throw sql_error(544, 1, 16,
                        "Cannot insert explicit value for identity column in table '" + t.name +
                            "' when IDENTITY_INSERT is set to OFF.");
    if (!explicit_identity && insert_on && identity)
        throw sql_error(545, 1, 16,
                        "Explicit value must be specified for identity column in "
                        "table '" +
                            t.name +
                            "' either when IDENTITY_INSERT is set "
                            "to ON or when a replication user is inserting into a NOT FOR "
                            "REPLICATION identity column.");

    CodegenContext ctx{db_, current_, &var_types_,
                       [this](const std::string &g) { return global_value(g); }};
    check_reads(ctx);
    Codegen g(ctx);
    std::string collist;
    for (auto *c : cols)
        collist += (collist.empty() ? "" : ", ") + qi(c->name);
    bool add_identity = identity && !explicit_identity;
    if (add_identity)
        collist += (collist.empty() ? "" : ", ") + qi(identity->name);
    const std::string ident_sql = identity ? "sim_identity(" + std::to_string(t.database_id) +
                                                 ", " + std::to_string(t.object_id) + ")"
                                           : "";
    auto conv = [&](const std::string &sql, const ColumnMeta &c, const Ty &from) {
        return "sim_conv(" + sql + ", " + ql(type_to_string(c.type)) + ", " +
               ql(from.known ? type_name(from.t.id) : "") + ")";
    };
    // A column's default is the catalog's (ADD [CONSTRAINT] DEFAULT ... FOR and DROP CONSTRAINT
    // change it after the table was made), so every omitted column gets it, or NULL, here.
    auto default_of = [&](const ColumnMeta &c) -> std::string {
        if (c.rowversion)
            return "sim_rowversion()";
        if (!c.has_default)
            return "NULL";
        Stmt q(db_, "SELECT default_definition FROM \"$columns\" WHERE database_id = ? AND "
                    "object_id = ? AND column_id = ?");
        q.bind(1, t.database_id).bind(2, t.object_id).bind(3, c.column_id);
        if (!q.step() || sqlite3_column_type(q.get(), 0) == SQLITE_NULL)
            return "NULL";
        auto parsed = parse_batch("SELECT " + q.text_col(0));
        Ty ty;
        return conv(g.expr(*parsed[0]->select->items[0].expr, &ty), c, ty);
    };
    std::string omitted_cols, omitted_vals;
    for (const auto &c : t.columns) {
        if (c.identity || c.computed || c.rowversion ||
            std::find(cols.begin(), cols.end(), &c) != cols.end())
            continue;
        omitted_cols += ", " + qi(c.name);
        omitted_vals += ", " + default_of(c);
    }
    if (!omitted_cols.empty()) {
        collist += collist.empty() ? omitted_cols.substr(2) : omitted_cols;
    }
    auto with_omitted = [&](std::string vals) {
        return omitted_vals.empty() ? vals
               : vals.empty()       ? omitted_vals.substr(2)
                                    : vals + omitted_vals;
    };
    std::string sql;
    if (s.default_values) {
        std::string vals = with_omitted(add_identity ? ident_sql : "");
        sql = "INSERT INTO " + qi(t.sqlite_name) +
              (vals.empty()
                   ? " DEFAULT VALUES"
                   : " (" +
                         (add_identity ? qi(identity->name) + (omitted_cols.empty() ? "" : ", ")
                                       : std::string()) +
                         (omitted_cols.empty() ? "" : omitted_cols.substr(2)) + ") VALUES (" +
                         vals + ")");
    } else if (!s.values.empty()) {
        sql = "INSERT INTO " + qi(t.sqlite_name) + " (" + collist + ") VALUES ";
        for (size_t r = 0; r < s.values.size(); ++r) {
            const auto &row = s.values[r];
            if (row.size() != cols.size())
                throw sql_error(row.size() > cols.size() ? 110 : 109, 1, 15,
                                row.size() > cols.size()
                                    ? "There are fewer columns in the INSERT statement than "
                                      "values specified in the VALUES clause. The number of "
                                      "values in the VALUES clause must match the number of "
                                      "columns specified in the INSERT statement."
                                    : "There are more columns in the INSERT statement than "
                                      "values specified in the VALUES clause. The number of "
                                      "values in the VALUES clause must match the number of "
                                      "columns specified in the INSERT statement.");
            std::string vals;
            for (size_t i = 0; i < row.size(); ++i) {
                std::string v;
                if (row[i]->k == Expr::K::Default) {
                    v = default_of(*cols[i]);
                } else {
                    Ty ty;
                    v = conv(g.expr(*row[i], &ty), *cols[i], ty);
                }
                vals += (i ? ", " : "") + v;
            }
            if (add_identity)
                vals += (vals.empty() ? "" : ", ") + ident_sql;
            sql += (r ? ", (" : "(") + with_omitted(vals) + ")";
        }
    } else {
        CompiledSelect src = g.select(*s.select);
        if (src.columns.size() != cols.size())
            throw sql_error(121, 1, 15,
                            "The select list for the INSERT statement contains " +
                                std::string(src.columns.size() > cols.size() ? "more" : "fewer") +
                                " items than the insert list. The number of SELECT "
                                "values must match the number of INSERT columns.");
        std::string names, proj;
        for (size_t i = 0; i < cols.size(); ++i) {
            std::string n = "c" + std::to_string(i + 1);
            names += (i ? ", " : "") + n;
            Ty from{src.columns[i].type, static_cast<bool>(src.known[i]), true};
            proj += (i ? ", " : "") + conv(qi("$src") + "." + n, *cols[i], from);
        }
        if (add_identity)
            proj += (proj.empty() ? "" : ", ") + ident_sql;
        proj = with_omitted(proj);
        sql = "WITH " + qi("$src") + "(" + names + ") AS (" + src.sql + ") INSERT INTO " +
              qi(t.sqlite_name) + " (" + collist + ") SELECT " + proj + " FROM " + qi("$src");
    }
    int64_t n = run_dml(sql, t, "INSERT");
    add_row_count(db_, t.database_id, t.object_id, n);
    if (identity) {
        auto cur = state_.identity_current(t.database_id, t.object_id);
        if (explicit_identity) {
            Stmt q(db_, "SELECT MAX(" + qi(identity->name) + ") FROM " + qi(t.sqlite_name));
            if (q.step() && sqlite3_column_type(q.get(), 0) != SQLITE_NULL)
                cur = q.int_col(0);
        }
        if (cur) {
            Stmt up(db_, "UPDATE \"$columns\" SET identity_last = ? WHERE database_id = ? AND "
                         "object_id = ? AND is_identity = 1");
            up.bind(1, *cur).bind(2, t.database_id).bind(3, t.object_id);
            up.step();
        }
    }
    rowcount_ = n;
    sink.end_statement(nocount_ ? std::nullopt : std::optional<uint64_t>(static_cast<uint64_t>(n)),
                       false);
}

// SQL Server checks unique indexes when a statement ends, SQLite row by row (the unique indexes
// and the duplicate-key triggers): an UPDATE that moves keys over each other (SET id = id + 1)
// runs again without those per-row checks, which are then put back, and the keys are checked
// once, over the whole table (NULL keys as the per-row check treats them).
int64_t SqlSession::update_deferring_uniqueness(const std::string &sql, const TableMeta &t,
                                                const std::vector<std::string> &updated) {
    const std::string oid = std::to_string(t.object_id);
    std::vector<std::pair<std::string, std::string>> checks; // {DROP ..., CREATE ...}
    {
        Stmt q(db_, "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND ((type = "
                    "'index' AND sql LIKE 'CREATE UNIQUE INDEX%') OR (type = 'trigger' AND name "
                    "LIKE ?))");
        q.bind(1, t.sqlite_name).bind(2, "u$" + oid + "$%$u");
        while (q.step())
            checks.emplace_back((q.text_col(0) == "index" ? "DROP INDEX " : "DROP TRIGGER ") +
                                    qi(q.text_col(1)),
                                q.text_col(2));
    }
    for (const auto &c : checks)
        exec(db_, c.first);
    int64_t n = run_dml(sql, t, "UPDATE", &updated);
    struct Key {
        std::string name;
        bool primary, constraint;
        std::vector<std::string> cols;
    };
    std::vector<Key> keys;
    {
        Stmt q(db_, "SELECT index_id, name, is_primary_key, is_unique_constraint FROM \"$indexes\" "
                    "WHERE database_id = ? AND object_id = ? AND is_unique = 1");
        q.bind(1, t.database_id).bind(2, t.object_id);
        std::vector<int> ids;
        while (q.step()) {
            ids.push_back(static_cast<int>(q.int_col(0)));
            keys.push_back(
                {q.text_col(1), q.int_col(2) != 0, q.int_col(2) != 0 || q.int_col(3) != 0, {}});
        }
        for (size_t i = 0; i < ids.size(); ++i) {
            Stmt c(db_,
                   "SELECT c.name FROM \"$index_columns\" ic JOIN \"$columns\" c ON "
                   "c.database_id = ic.database_id AND c.object_id = ic.object_id AND "
                   "c.column_id = ic.column_id WHERE ic.database_id = ? AND ic.object_id = ? "
                   "AND ic.index_id = ? AND ic.is_included_column = 0 ORDER BY ic.key_ordinal");
            c.bind(1, t.database_id).bind(2, t.object_id).bind(3, ids[i]);
            while (c.step())
                keys[i].cols.push_back(c.text_col(0));
        }
    }
    for (const auto &k : keys) {
        std::string cols, not_null;
        for (const auto &c : k.cols) {
            cols += (cols.empty() ? "" : ", ") + qi(c);
            not_null += (not_null.empty() ? "" : " AND ") + qi(c) + " IS NOT NULL";
        }
        if (cols.empty())
            continue;
        run_dml("SELECT sim_raise_duplicate(" + std::to_string(k.constraint ? 2627 : 2601) + ", " +
                    ql(k.primary ? "PRIMARY KEY" : "UNIQUE KEY") + ", " + ql(k.name) + ", " +
                    ql(t.schema + "." + t.name) + ", " + cols + ") FROM (SELECT " + cols +
                    " FROM " + qi(t.sqlite_name) + " WHERE " + not_null + " GROUP BY " + cols +
                    " HAVING COUNT(*) > 1 LIMIT 1)",
                t, "UPDATE", &updated);
    }
    for (const auto &c : checks)
        exec(db_, c.second);
    return n;
}

void SqlSession::do_update(const Statement &s, ResultSink &sink) {
    TableMeta t = table_for_write(s.table);
    check_permission(t, "UPDATE");
    CodegenContext ctx{db_, current_, &var_types_,
                       [this](const std::string &g) { return global_value(g); }};
    check_reads(ctx);
    Codegen g(ctx);
    g.push_table_scope(t, t.name);
    std::string from = s.from.empty() ? "" : " FROM " + g.from_list(s.from);
    std::string sets;
    std::vector<std::string> updated;
    for (const auto &[col, e] : s.sets) {
        if (col[0] == '@') {
            throw sql_error(102, 1, 15, "Incorrect syntax near '" + col + "'.");
        }
        const ColumnMeta *c = t.column(col);
        if (!c)
            throw sql_error(207, 1, 16, "Invalid column name '" + col + "'.");
        if (c->identity)
            throw sql_error(8102, 1, 16, "Cannot update identity column '" + c->name + "'.");
        if (c->computed || c->rowversion)
            throw sql_error(271, 1, 16,
                            "The column \"" + c->name +
                                "\" cannot be modified because it is either a computed "
                                "column or is the result of a UNION operator.");
        updated.push_back(c->name);
        Ty ty;
        std::string v = g.expr(*e, &ty);
        sets += (sets.empty() ? "" : ", ") + qi(c->name) + " = sim_conv(" + v + ", " +
                ql(type_to_string(c->type)) + ", " + ql(ty.known ? type_name(ty.t.id) : "") + ")";
    }
    std::string where = s.where ? g.expr(*s.where) : "";
    g.pop_scope();
    std::string sql = "UPDATE " + qi(t.sqlite_name) + " AS " + qi(t.name) + " SET " + sets + from;
    if (s.top) {
        std::string lim = g.expr(*s.top);
        sql += " WHERE rowid IN (SELECT " + qi(t.name) + ".rowid FROM " + qi(t.sqlite_name) +
               " AS " + qi(t.name) + (where.empty() ? "" : " WHERE " + where) + " LIMIT " + lim +
               ")";
    } else if (!where.empty()) {
        sql += " WHERE " + where;
    }
    int64_t n = 0;
    try {
        n = run_dml(sql, t, "UPDATE", &updated);
    } catch (const SqlError &e) {
        if (e.msg.number != 2627 && e.msg.number != 2601)
            throw;
        n = update_deferring_uniqueness(sql, t, updated);
    }
    rowcount_ = n;
    sink.end_statement(nocount_ ? std::nullopt : std::optional<uint64_t>(static_cast<uint64_t>(n)),
                       false);
}

void SqlSession::do_delete(const Statement &s, ResultSink &sink) {
    TableMeta t = table_for_write(s.table);
    check_permission(t, "DELETE");
    CodegenContext ctx{db_, current_, &var_types_,
                       [this](const std::string &g) { return global_value(g); }};
    check_reads(ctx);
    Codegen g(ctx);
    g.push_table_scope(t, t.name);
    if (!s.from.empty())
        throw sql_error(102, 1, 15, "Incorrect syntax near 'FROM'.");
    std::string where = s.where ? g.expr(*s.where) : "";
    std::string sql = "DELETE FROM " + qi(t.sqlite_name) + " AS " + qi(t.name);
    if (s.top) {
        std::string lim = g.expr(*s.top);
        sql += " WHERE rowid IN (SELECT rowid FROM " + qi(t.sqlite_name) + " AS " + qi(t.name) +
               (where.empty() ? "" : " WHERE " + where) + " LIMIT " + lim + ")";
    } else if (!where.empty()) {
        sql += " WHERE " + where;
    }
    g.pop_scope();
    int64_t n = run_dml(sql, t, "DELETE");
    add_row_count(db_, t.database_id, t.object_id, -n);
    if (n > 0) // rows ON DELETE CASCADE removed elsewhere
        for (int oid : cascade_delete_targets(db_, t.database_id, t.object_id))
            if (auto c = table_by_id(db_, t.database_id, oid)) {
                Stmt q(db_, "SELECT COUNT(*) FROM " + qi(c->sqlite_name));
                q.step();
                set_row_count(db_, t.database_id, oid, q.int_col(0));
            }
    rowcount_ = n;
    sink.end_statement(nocount_ ? std::nullopt : std::optional<uint64_t>(static_cast<uint64_t>(n)),
                       false);
}

void SqlSession::do_backup(const Statement &s, ResultSink &sink) {
    if (trancount_ > 0)
        throw sql_error(3021, 0, 16,
                        "Cannot perform a backup or restore operation within a "
                        "transaction.");
    auto d = find_database(db_, s.name);
    if (!d)
        throw sql_error(911, 11, 16,
                        "Database '" + s.name +
                            "' does not exist. Make sure that "
                            "the name is entered correctly.");
    bool log = s.option_value == "L";
    if (log && d->recovery_model == 3)
        throw sql_error(4208, 1, 16,
                        "The statement BACKUP LOG is not allowed while the recovery "
                        "model is SIMPLE. Use BACKUP DATABASE or change the recovery "
                        "model using ALTER DATABASE.");
    if (log && !d->has_full_backup)
        throw sql_error(4214, 1, 16,
                        "BACKUP LOG cannot be performed because there is no current "
                        "database backup.");
    Value path = eval(*s.exprs[0]);
    exec(db_, "BEGIN IMMEDIATE");
    try {
        Stmt ins(db_, "INSERT INTO \"$backupset\"(name, database_name, type, backup_start_date, "
                      "backup_finish_date, recovery_model, physical_device_name) VALUES (?, ?, ?, "
                      "sim_now(), sim_now(), ?, ?)");
        ins.bind(1, d->name + (log ? "-Log Backup" : "-Full Database Backup")).bind(2, d->name);
        ins.bind(3, std::string(log ? "L" : "D"));
        ins.bind(4, std::string(d->recovery_model == 1   ? "FULL"
                                : d->recovery_model == 2 ? "BULK-LOGGED"
                                                         : "SIMPLE"));
        ins.bind(5, path.s);
        ins.step();
        const int64_t set_id = sqlite3_last_insert_rowid(db_);
        // LSNs in msdb's numeric form; a log backup copies the records since the previous one
        // to the file (fn_dump_dblog reads it) and truncates the log.
        std::string first, last;
        auto hooks = phys_hooks();
        if (log) {
            std::tie(first, last) = dblog_backup_log(db_, hooks, d->id, path.s);
        } else {
            dblog_checkpoint(db_, hooks, d->id);
            first = last = lsn_string(state_.current_lsn());
        }
        std::string full;
        {
            Stmt q(db_, "SELECT last_full_lsn FROM \"$logstate\" WHERE database_id = ?");
            q.bind(1, d->id);
            if (q.step())
                full = q.text_col(0);
        }
        if (!log) {
            Stmt up(db_, "INSERT INTO \"$logstate\"(database_id, last_full_lsn) VALUES (?1, ?2) "
                         "ON CONFLICT(database_id) DO UPDATE SET last_full_lsn = ?2");
            up.bind(1, d->id).bind(2, first);
            up.step();
            full = first;
        }
        {
            Stmt up(db_, "UPDATE \"$backupset\" SET first_lsn = ?, last_lsn = ?, "
                         "database_backup_lsn = ? WHERE backup_set_id = ?");
            up.bind(1, lsn_numeric(first)).bind(2, lsn_numeric(last));
            if (full.empty())
                up.bind(3, Value::null());
            else
                up.bind(3, lsn_numeric(full));
            up.bind(4, set_id);
            up.step();
        }
        if (!log) {
            Stmt up(db_, "UPDATE \"$databases\" SET has_full_backup = 1 WHERE database_id = ?");
            up.bind(1, d->id);
            up.step();
        }
        exec(db_, "COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    state_.set_logging(d->id, d->recovery_model == 1);
    refresh_current();
    sink.message(info(4035, "Processed 1 pages for database '" + d->name + "', file '" + d->name +
                                (log ? "_log" : "") + "' on file 1."));
    sink.message(
        info(3014, std::string(log ? "BACKUP LOG" : "BACKUP DATABASE") +
                       " successfully processed 1 pages in 0.010 seconds (0.781 MB/sec)."));
    sink.end_statement(std::nullopt, false);
}

void SqlSession::do_exec(const Statement &s, ResultSink &sink) {
    if (s.name == "sp_executesql") {
        std::vector<RpcParam> params;
        for (const auto &[name, e] : s.exec_args) {
            SqlType t;
            Value v = eval(*e, &t);
            params.push_back(RpcParam{name, t, v, false});
        }
        if (params.empty())
            throw sql_error(201, 4, 16,
                            "Procedure or function 'sp_executesql' expects parameter "
                            "'@statement', which was not supplied.");
        std::string decl = params.size() > 1 ? params[1].value.s : "";
        std::vector<RpcParam> values(params.begin() + std::min<size_t>(2, params.size()),
                                     params.end());
        executesql(params[0].value.s, decl, values, sink);
        return;
    }
    if (s.name == "(dynamic)") {
        Value v = eval(*s.exprs[0]);
        execute_batch(v.s, sink);
        return;
    }
    if (s.name == "sp_configure" &&
        (s.table.size() == 1 || strcasecmp(s.table[s.table.size() - 2].c_str(), "sys") == 0 ||
         strcasecmp(s.table[s.table.size() - 2].c_str(), "dbo") == 0))
        return do_sp_configure(s, sink);
    if (s.name.rfind("sp_cdc_", 0) == 0 &&
        (s.table.size() == 1 ||
         (s.table.size() >= 2 && strcasecmp(s.table[s.table.size() - 2].c_str(), "sys") == 0))) {
        std::vector<CdcArg> args;
        for (const auto &[name, e] : s.exec_args)
            args.push_back({name, eval(*e)});
        if (cdc_call(s.name, args))
            return;
    }
    if (!s.table.empty()) {
        std::string shown;
        for (size_t i = 0; i < s.table.size(); ++i)
            shown += (i ? "." : "") + s.table[i];
        user_procedure(s.table, shown);
    }
    throw sql_error(2812, 62, 16, "Could not find stored procedure '" + s.name + "'.");
}

// sys.sp_cdc_*: one atomic unit (its own transaction, or a savepoint in the caller's).
bool SqlSession::cdc_call(const std::string &proc, const std::vector<CdcArg> &args) {
    const bool own = trancount_ == 0;
    start_pending(true);
    exec(db_, own ? "BEGIN IMMEDIATE" : "SAVEPOINT cdc");
    try {
        bool known = cdc_procedure(db_, current_, proc, args, [&] { return state_.next_lsn(); });
        if (own) {
            write_commit_log();
            exec(db_, "COMMIT");
        } else {
            exec(db_, "RELEASE cdc");
        }
        refresh_current();
        {
            Stmt q(db_, "SELECT is_cdc_enabled FROM \"$databases\" WHERE database_id = ?");
            q.bind(1, current_.id);
            state_.set_cdc(current_.id, q.step() && q.int_col(0) != 0);
        }
        return known;
    } catch (...) {
        if (own) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            xact_id_ = 0;
            begin_lsn_.clear();
            phys_reset();
        } else {
            sqlite3_exec(db_, "ROLLBACK TO cdc; RELEASE cdc", nullptr, nullptr, nullptr);
        }
        throw;
    }
}

void SqlSession::executesql(const std::string &stmt, const std::string &decl,
                            const std::vector<RpcParam> &values, ResultSink &sink) {
    std::vector<bool> outputs;
    auto declared = parse_declaration(decl, &outputs);
    auto saved_vars = vars_;
    auto saved_types = var_types_;
    for (size_t i = 0; i < declared.size(); ++i) {
        const auto &[name, type] = declared[i];
        Value v = Value::null();
        bool found = false;
        for (size_t k = 0; k < values.size(); ++k) {
            std::string pn = upper(values[k].name);
            if ((!pn.empty() && pn == name) || (pn.empty() && k == i)) {
                v = values[k].value;
                found = true;
                break;
            }
        }
        if (!found && !outputs[i])
            throw sql_error(8178, 1, 16,
                            "The parameterized query '(" + decl + ")' expects the parameter '" +
                                name + "', which was not supplied.");
        vars_[name] = Var{type, convert_value(v, type)};
        var_types_[name] = type;
    }
    execute_batch(stmt, sink);
    for (size_t i = 0; i < declared.size(); ++i)
        if (outputs[i])
            sink.return_value(declared[i].first, declared[i].second,
                              vars_[declared[i].first].value);
    vars_ = saved_vars;
    var_types_ = saved_types;
}

void SqlSession::execute_rpc(const std::string &proc, const std::vector<RpcParam> &params,
                             ResultSink &sink) {
    std::string p = proc;
    for (auto &c : p)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (p.rfind("sys.", 0) == 0)
        p = p.substr(4);
    if (p.rfind("dbo.", 0) == 0)
        p = p.substr(4);
    try {
        if (p == "sp_executesql") {
            if (params.empty())
                throw sql_error(201, 4, 16,
                                "Procedure or function 'sp_executesql' expects "
                                "parameter '@statement', which was not supplied.");
            std::string decl = params.size() > 1 ? params[1].value.s : "";
            std::vector<RpcParam> values(params.begin() + std::min<size_t>(2, params.size()),
                                         params.end());
            executesql(params[0].value.s, decl, values, sink);
        } else if (p == "sp_prepare" || p == "sp_prepexec") {
            // @handle OUTPUT, @params, @stmt [, values...]
            int h = next_handle_++;
            std::string decl = params.size() > 1 ? params[1].value.s : "";
            std::string stmt = params.size() > 2 ? params[2].value.s : "";
            prepared_[h] = {stmt, decl};
            SqlType it{TypeId::Int, 0, 0, 0};
            if (p == "sp_prepexec") {
                std::vector<RpcParam> values(params.begin() + std::min<size_t>(3, params.size()),
                                             params.end());
                executesql(stmt, decl, values, sink);
            }
            sink.return_value(params.empty() ? "@handle" : params[0].name, it, Value::integer(h));
        } else if (p == "sp_execute") {
            int h = params.empty() ? 0 : static_cast<int>(params[0].value.i);
            auto it = prepared_.find(h);
            if (it == prepared_.end())
                throw sql_error(8179, 1, 16,
                                "Could not find prepared statement with handle " +
                                    std::to_string(h) + ".");
            std::vector<RpcParam> values(params.begin() + 1, params.end());
            executesql(it->second.first, it->second.second, values, sink);
        } else if (p == "sp_unprepare") {
            if (!params.empty())
                prepared_.erase(static_cast<int>(params[0].value.i));
        } else if (p.rfind("sp_cdc_", 0) == 0 && [&] {
                       std::vector<CdcArg> args;
                       for (const auto &rp : params)
                           args.push_back({upper(rp.name), rp.value});
                       return cdc_call(p, args);
                   }()) {
        } else {
            // [db].[schema].[name] as the client sent it
            std::vector<std::string> parts(1);
            bool bracket = false;
            for (char ch : proc) {
                if (bracket) {
                    if (ch == ']')
                        bracket = false;
                    else
                        parts.back() += ch;
                } else if (ch == '[') {
                    bracket = true;
                } else if (ch == '.') {
                    parts.emplace_back();
                } else if (ch != '"') {
                    parts.back() += ch;
                }
            }
            user_procedure(parts, proc);
            throw sql_error(2812, 62, 16, "Could not find stored procedure '" + proc + "'.");
        }
    } catch (const SqlError &e) {
        sink.message(e.msg);
        sink.end_statement(std::nullopt, true);
    }
    sink.return_status(0);
}

// ---- views, procedures, functions, triggers ------------------------------------------------

namespace {

std::string dotted(const std::vector<std::string> &parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i ? "." : "") + parts[i];
    return out;
}

std::string create_verb(const Statement &s) {
    std::string verb = s.define == ModuleDefinition::Alter ? "ALTER" : "CREATE";
    return s.name == "PROCEDURE" ? "CREATE/ALTER PROCEDURE" : verb + " " + s.name;
}

// The result columns of a view or inline function: named (4511), unique (4506), and as many as
// an explicit column list (8158/8159).
std::vector<ColumnMeta> result_columns(const CompiledSelect &cs,
                                       const std::vector<std::string> &names,
                                       const std::string &object) {
    if (!names.empty() && names.size() < cs.columns.size())
        throw sql_error(8158, 1, 16,
                        "'" + object +
                            "' has more columns than were specified in the column list.");
    if (!names.empty() && names.size() > cs.columns.size())
        throw sql_error(8159, 1, 16,
                        "'" + object +
                            "' has fewer columns than were specified in the column list.");
    std::vector<ColumnMeta> out;
    for (size_t i = 0; i < cs.columns.size(); ++i) {
        ColumnMeta m;
        m.column_id = static_cast<int>(i + 1);
        m.name = names.empty() ? cs.columns[i].name : names[i];
        m.type = cs.columns[i].type;
        m.nullable = cs.columns[i].nullable;
        if (m.name.empty())
            throw sql_error(4511, 1, 16,
                            "Create View or Function failed because no column name was specified "
                            "for column " +
                                std::to_string(i + 1) + ".");
        for (const auto &prev : out)
            if (strcasecmp(prev.name.c_str(), m.name.c_str()) == 0)
                throw sql_error(4506, 1, 16,
                                "Column names in each view or function must be unique. Column "
                                "name '" +
                                    m.name + "' in view or function '" + object +
                                    "' is specified more than once.");
        out.push_back(m);
    }
    return out;
}

void check_order_by(const Select &sel) {
    if (!sel.order_by.empty() && !sel.top && !sel.offset)
        throw sql_error(1033, 1, 15,
                        "The ORDER BY clause is invalid in views, inline functions, derived "
                        "tables, subqueries, and common table expressions, unless TOP, OFFSET or "
                        "FOR XML is also specified.");
}

} // namespace

CodegenContext SqlSession::query_context(const DatabaseMeta &d,
                                         std::map<std::string, SqlType> *vars) {
    CodegenContext ctx{db_, d, vars, nullptr};
    ctx.global = [this](const std::string &g) -> Value {
        if (g == "@@VERSION")
            return Value::text(version_string(state_.settings));
        if (g == "@@SERVERNAME")
            return Value::text(state_.settings.server_name);
        if (g == "@@SERVICENAME")
            return Value::text("MSSQLSERVER");
        if (g == "@@SPID")
            return Value::integer(spid_);
        if (g == "@@TRANCOUNT")
            return Value::integer(trancount_);
        if (g == "@@LANGUAGE")
            return Value::text("us_english");
        if (g == "@@MAX_PRECISION")
            return Value::integer(38);
        return Value::integer(0);
    };
    return ctx;
}

// CREATE VIEW and friends name objects of the current database only (error 166).
DatabaseMeta SqlSession::module_database(const Statement &s) {
    if (s.table.size() >= 3 && !s.table[s.table.size() - 3].empty())
        throw sql_error(166, 1, 15,
                        "'" + create_verb(s) +
                            "' does not allow specifying the database name as a prefix to the "
                            "object name.");
    return current_;
}

// ALTER needs the object (208); CREATE OR ALTER replaces it when it exists; either refuses an
// object of another kind (2010). CREATE leaves the duplicate check (2714) to the catalog.
std::optional<int> SqlSession::module_to_replace(const DatabaseMeta &d, const std::string &schema,
                                                 const Statement &s) {
    if (s.define == ModuleDefinition::Create)
        return std::nullopt;
    auto o = find_object(db_, d.id, schema, s.table.back());
    if (!o) {
        if (s.define == ModuleDefinition::Alter)
            throw sql_error(208, 6, 16, "Invalid object name '" + dotted(s.table) + "'.");
        return std::nullopt;
    }
    const std::string &want = s.option_value;
    if (o->type != want)
        throw sql_error(2010, 1, 16,
                        "Cannot perform alter on '" + dotted(s.table) +
                            "' because it is an incompatible object type.");
    return o->object_id;
}

void SqlSession::do_create_view(const Statement &s, ResultSink &sink) {
    DatabaseMeta d = module_database(s);
    const std::string schema = schema_of(s.table);
    const std::string &name = s.table.back();
    auto sid = find_schema(db_, d.id, schema);
    if (!sid)
        throw sql_error(2760, 1, 16,
                        "The specified schema name \"" + schema +
                            "\" either does not exist or you do not have permission to use it.");
    auto replace = module_to_replace(d, schema, s);
    check_order_by(*s.select);
    // The SELECT binds now, in this database: missing objects or columns fail the CREATE.
    CodegenContext ctx = query_context(d, nullptr);
    Codegen g(ctx);
    CompiledSelect cs = g.select(*s.select);
    ModuleRecord m;
    m.type = "V";
    m.definition = s.definition;
    m.options = s.module;
    m.ansi_nulls = ansi_nulls_;
    m.quoted_identifier = quoted_identifier_;
    m.columns = result_columns(cs, s.columns, name);
    define_module(db_, d, *sid, name, m, replace);
    fire_ddl(
        {replace ? "ALTER_VIEW" : "CREATE_VIEW", d, schema, name, "VIEW", "", "", "", s.definition},
        sink);
    sink.end_statement(std::nullopt, false);
}

void SqlSession::do_create_module(const Statement &s, ResultSink &sink) {
    if (s.on_database)
        return do_create_ddl_trigger(s, sink);
    DatabaseMeta d = module_database(s);
    std::string schema = schema_of(s.table);
    const std::string &name = s.table.back();
    ModuleRecord m;
    m.type = s.option_value;
    m.definition = s.definition;
    m.options = s.module;
    resolve_execute_as(m.options, d, false);
    m.ansi_nulls = ansi_nulls_;
    m.quoted_identifier = quoted_identifier_;
    if (m.type == "TR") {
        // A DML trigger belongs to its table's schema; the table must be in this database.
        DatabaseMeta td = database_of(s.target);
        auto target = find_object(db_, td.id, schema_of(s.target), s.target.back());
        if (td.id != d.id || !target || (target->type != "U" && target->type != "V") ||
            (target->type == "V" && !s.module.instead_of))
            throw sql_error(8197, 4, 16,
                            "The object '" + dotted(s.target) +
                                "' does not exist or is invalid for this operation.");
        if (s.table.size() >= 2 && !s.table[s.table.size() - 2].empty() &&
            strcasecmp(s.table[s.table.size() - 2].c_str(), target->schema.c_str()) != 0)
            throw sql_error(2108, 1, 15,
                            "Cannot create trigger on '" + dotted(s.target) +
                                "' as the target is not in the same schema as the trigger.");
        schema = target->schema;
        m.parent_object_id = target->object_id;
    }
    auto sid = find_schema(db_, d.id, schema);
    if (!sid)
        throw sql_error(2760, 1, 16,
                        "The specified schema name \"" + schema +
                            "\" either does not exist or you do not have permission to use it.");
    Statement scoped = s;
    if (m.type == "TR" && scoped.table.size() < 2)
        scoped.table.insert(scoped.table.begin(), schema);
    auto replace = module_to_replace(d, schema, scoped);
    if (m.type == "IF" && s.select) {
        // An inline function binds like a view; its parameters are in scope.
        check_order_by(*s.select);
        std::map<std::string, SqlType> params(s.declares.begin(), s.declares.end());
        CodegenContext ctx = query_context(d, &params);
        Codegen g(ctx);
        m.columns = result_columns(g.select(*s.select), {}, name);
    } else if (m.type == "TF") {
        int id = 0;
        for (const auto &c : s.coldefs) {
            ColumnMeta cm;
            cm.column_id = ++id;
            cm.name = c.name;
            cm.type = c.has_type ? c.type : SqlType{TypeId::Int, 0, 0, 0};
            cm.nullable = c.nullable.value_or(!(c.identity || c.primary_key));
            m.columns.push_back(cm);
        }
    }
    define_module(db_, d, *sid, name, m, replace);
    const std::string kind = s.name == "PROCEDURE" ? "PROCEDURE"
                             : s.name == "TRIGGER" ? "TRIGGER"
                                                   : "FUNCTION";
    std::string target, target_type;
    if (m.type == "TR") {
        target = s.target.back();
        auto o = table_by_id(db_, d.id, m.parent_object_id);
        target_type = o && o->is_view ? "VIEW" : "TABLE";
        if (o)
            target = o->name;
    }
    fire_ddl({(replace ? "ALTER_" : "CREATE_") + kind, d, schema, name, kind, target, target_type,
              "", s.definition},
             sink);
    sink.end_statement(std::nullopt, false);
}

void SqlSession::do_drop_module(const Statement &s, ResultSink &sink) {
    const std::string word = s.name == "PROCEDURE"  ? "procedure"
                             : s.name == "FUNCTION" ? "function"
                             : s.name == "TRIGGER"  ? "trigger"
                                                    : "view";
    if (s.on_database) {
        for (const auto &parts : s.objects) {
            auto t = find_ddl_trigger(db_, current_.id, parts.back());
            if (!t) {
                if (s.if_exists)
                    continue;
                throw sql_error(3701, 5, 11,
                                "Cannot drop the trigger '" + dotted(parts) +
                                    "', because it does not exist or you do not have "
                                    "permission.");
            }
            drop_module(db_, current_.id, t->object_id);
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    for (const auto &parts : s.objects) {
        DatabaseMeta d = database_of(parts);
        auto o = find_object(db_, d.id, schema_of(parts), parts.back());
        bool match =
            o && (s.name == "VIEW"        ? o->type == "V"
                  : s.name == "PROCEDURE" ? o->type == "P"
                  : s.name == "TRIGGER"   ? o->type == "TR"
                                        : (o->type == "FN" || o->type == "IF" || o->type == "TF"));
        if (o && !match && s.name == "VIEW" && o->type == "U")
            throw sql_error(3705, 1, 16,
                            "Cannot use DROP VIEW with '" + parts.back() + "' because '" +
                                parts.back() + "' is a table. Use DROP TABLE.");
        if (!match) {
            if (s.if_exists)
                continue;
            throw sql_error(3701, 5, 11,
                            "Cannot drop the " + word + " '" + dotted(parts) +
                                "', because it does not exist or you do not have permission.");
        }
        std::string target, target_type;
        if (o->type == "TR") {
            if (auto p = table_by_id(db_, d.id, o->parent_object_id)) {
                target = p->name;
                target_type = p->is_view ? "VIEW" : "TABLE";
            }
        }
        drop_module(db_, d.id, o->object_id);
        const std::string kind = s.name == "PROCEDURE" ? "PROCEDURE" : s.name;
        fire_ddl(
            {"DROP_" + kind, d, o->schema, o->name, kind, target, target_type, "", s.command_text},
            sink);
    }
    sink.end_statement(std::nullopt, false);
}

// CREATE [OR ALTER] | ALTER TRIGGER name ON DATABASE { FOR | AFTER } event [, ...] AS body
void SqlSession::do_create_ddl_trigger(const Statement &s, ResultSink &sink) {
    if (s.table.size() >= 2 && !s.table[s.table.size() - 2].empty())
        throw sql_error(2103, 1, 15,
                        "Cannot create trigger '" + dotted(s.table) +
                            "' because its schema is different from the schema of the target "
                            "table or view.");
    const std::string &name = s.table.back();
    // Every event must be one the simulator knows (an event type or an event group).
    size_t i = 0;
    const std::string &evs = s.module.events;
    while (i <= evs.size()) {
        size_t e = evs.find(',', i);
        if (e == std::string::npos)
            e = evs.size();
        std::string item = evs.substr(i, e - i);
        bool known = false;
        for (const auto &t : ddl_event_types())
            known = known || item == t.name;
        for (const auto &g : ddl_event_groups())
            known = known || item == g.name;
        if (!known)
            throw sql_error(1084, 1, 15, "'" + item + "' is an invalid event type.");
        i = e + 1;
    }
    // The body must parse now (its names resolve when it runs).
    parse_batch(s.definition.substr(s.body_offset));
    auto existing = find_ddl_trigger(db_, current_.id, name);
    if (existing && s.define == ModuleDefinition::Create)
        throw sql_error(2714, 2, 16,
                        "There is already an object named '" + name + "' in the database.");
    if (!existing && s.define == ModuleDefinition::Alter)
        throw sql_error(208, 6, 16, "Invalid object name '" + name + "'.");
    ModuleRecord m;
    m.type = "TR";
    m.definition = s.definition;
    m.options = s.module;
    resolve_execute_as(m.options, current_, true);
    m.ansi_nulls = ansi_nulls_;
    m.quoted_identifier = quoted_identifier_;
    define_module(db_, current_, 0, name, m,
                  existing ? std::optional<int>(existing->object_id) : std::nullopt);
    if (existing && existing->disabled)
        set_trigger_disabled(db_, current_.id, existing->object_id, true);
    sink.end_statement(std::nullopt, false);
}

// { ENABLE | DISABLE } TRIGGER { name [, ...] | ALL } ON { table | DATABASE }
void SqlSession::do_enable_trigger(const Statement &s, ResultSink &sink) {
    const bool disable = s.name == "DISABLE";
    std::vector<int> ids;
    DatabaseMeta d = current_;
    if (s.on_database) {
        if (s.if_exists) {
            for (const auto &t : ddl_triggers(db_, d.id, true))
                ids.push_back(t.object_id);
        } else {
            for (const auto &parts : s.objects) {
                auto t = find_ddl_trigger(db_, d.id, parts.back());
                if (!t)
                    throw sql_error(1088, 11, 16,
                                    "Cannot find the object \"" + parts.back() +
                                        "\" because it does not exist or you do not have "
                                        "permissions.");
                ids.push_back(t->object_id);
            }
        }
    } else {
        d = database_of(s.target);
        auto table = find_object(db_, d.id, schema_of(s.target), s.target.back());
        if (!table || (table->type != "U" && table->type != "V"))
            throw sql_error(1088, 11, 16,
                            "Cannot find the object \"" + dotted(s.target) +
                                "\" because it does not exist or you do not have permissions.");
        if (s.if_exists) {
            Stmt q(db_, "SELECT object_id FROM \"$objects\" WHERE database_id = ? AND "
                        "parent_object_id = ? AND type = 'TR'");
            q.bind(1, d.id).bind(2, table->object_id);
            while (q.step())
                ids.push_back(static_cast<int>(q.int_col(0)));
        } else {
            for (const auto &parts : s.objects) {
                auto t = find_object(db_, d.id, table->schema, parts.back());
                if (!t || t->type != "TR" || t->parent_object_id != table->object_id)
                    throw sql_error(1088, 11, 16,
                                    "Cannot find the object \"" + parts.back() +
                                        "\" because it does not exist or you do not have "
                                        "permissions.");
                ids.push_back(t->object_id);
            }
        }
    }
    for (int id : ids)
        set_trigger_disabled(db_, d.id, id, disable);
    sink.end_statement(std::nullopt, false);
}

std::string SqlSession::event_xml(const DdlEvent &ev) const {
    auto now = std::chrono::system_clock::now();
    std::time_t tt = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    localtime_r(&tt, &tm);
    char when[96];
    std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms.count()));
    auto el = [](const char *n, const std::string &v) {
        return std::string("<") + n + ">" + xml_escape(v) + "</" + n + ">";
    };
    std::string x = "<EVENT_INSTANCE>" + el("EventType", ev.type) + el("PostTime", when) +
                    el("SPID", std::to_string(spid_)) +
                    el("ServerName", state_.settings.server_name) + el("LoginName", login_.name) +
                    el("UserName", login_.sysadmin ? "dbo" : login_.name) +
                    el("DatabaseName", ev.db.name) + el("SchemaName", ev.schema) +
                    el("ObjectName", ev.object) + el("ObjectType", ev.object_type);
    if (!ev.target.empty())
        x += el("TargetObjectName", ev.target) + el("TargetObjectType", ev.target_type);
    if (!ev.actions.empty())
        x += "<AlterTableActionList>" + ev.actions + "</AlterTableActionList>";
    x += std::string("<TSQLCommand><SetOptions ANSI_NULLS=\"") + (ansi_nulls_ ? "ON" : "OFF") +
         "\" ANSI_NULL_DEFAULT=\"ON\" ANSI_PADDING=\"ON\" QUOTED_IDENTIFIER=\"" +
         (quoted_identifier_ ? "ON" : "OFF") + "\" ENCRYPTED=\"FALSE\"/>" +
         el("CommandText", ev.command) + "</TSQLCommand></EVENT_INSTANCE>";
    return x;
}

void SqlSession::fire_ddl(const DdlEvent &ev, ResultSink &sink) {
    std::vector<DdlTrigger> triggers;
    for (auto &t : ddl_triggers(db_, ev.db.id))
        if (ddl_event_matches(t.events, ev.type))
            triggers.push_back(std::move(t));
    if (triggers.empty())
        return;
    const std::string xml = event_xml(ev);
    for (const auto &t : triggers) {
        if (trigger_depth_ >= 32)
            throw sql_error(217, 1, 16,
                            "Maximum stored procedure, function, trigger, or view nesting level "
                            "exceeded (limit 32).");
        auto def = parse_batch(t.definition);
        if (def.empty())
            continue;
        auto body = parse_batch(t.definition.substr(def[0]->body_offset));
        // The trigger has its own variables and SET options, runs in the trigger's database
        // with XACT_ABORT on and @@TRANCOUNT at least 1.
        auto saved_vars = std::move(vars_);
        auto saved_types = std::move(var_types_);
        vars_.clear();
        var_types_.clear();
        const bool saved_xa = xact_abort_, saved_nocount = nocount_;
        const int saved_tc = trancount_;
        const DatabaseMeta saved_db = current_;
        const auto saved_exec_as = exec_as_;
        if (t.execute_as) // WITH EXECUTE AS: the body's permissions are the principal's
            exec_as_ = std::make_pair(ev.db.id, *t.execute_as);
        if (trigger_depth_ == 0)
            trigger_user_tx_ = trancount_ > 0;
        ++trancount_;
        xact_abort_ = true;
        ++trigger_depth_;
        eventdata_.push_back(xml);
        current_ = ev.db;
        auto restore = [&] {
            --trigger_depth_;
            eventdata_.pop_back();
            vars_ = std::move(saved_vars);
            var_types_ = std::move(saved_types);
            xact_abort_ = saved_xa;
            nocount_ = saved_nocount;
            current_ = saved_db;
            exec_as_ = saved_exec_as;
            if (!trigger_rollback_)
                trancount_ = saved_tc;
        };
        try {
            run(body, sink);
        } catch (...) {
            restore();
            throw;
        }
        restore();
        if (trigger_rollback_)
            break;
    }
}

void SqlSession::user_procedure(const std::vector<std::string> &parts, const std::string &shown) {
    if (parts.empty() || parts.back().empty())
        return;
    DatabaseMeta d = current_;
    if (parts.size() >= 3 && !parts[parts.size() - 3].empty()) {
        auto other = find_database(db_, parts[parts.size() - 3]);
        if (!other)
            return;
        d = *other;
    }
    auto o = find_object(db_, d.id, schema_of(parts), parts.back());
    if (o && o->type == "P")
        throw sql_error(50000, 1, 16,
                        "The simulator keeps stored procedure '" + shown +
                            "' in the catalog but does not execute stored procedures.");
}

} // namespace sim::sql
