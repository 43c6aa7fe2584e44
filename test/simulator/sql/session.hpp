// One client session: its SQLite connection, current database, variables, SET options and
// transaction; runs parsed statements with SQL Server's batch, error and transaction semantics.
#pragma once

#include "ast.hpp"
#include "catalog.hpp"
#include "cdc.hpp"
#include "codegen.hpp"
#include "dblog.hpp"
#include "engine_state.hpp"
#include "functions.hpp"
#include "sqlite_db.hpp"

#include <map>

namespace sim::sql {

class SqlSession final : public Session, public FunctionHost {
public:
    SqlSession(EngineState &state, LoginDef login, const DatabaseMeta &db, LoginInfo info);
    ~SqlSession() override;

    // Session
    std::string current_database() const override { return current_.name; }
    void execute_batch(const std::string &sql, ResultSink &sink) override;
    void execute_rpc(const std::string &proc, const std::vector<RpcParam> &params,
                     ResultSink &sink) override;
    void tm_begin(ResultSink &sink) override;
    void tm_commit(ResultSink &sink, bool begin_new) override;
    void tm_rollback(ResultSink &sink, bool begin_new) override;
    uint64_t transaction_descriptor() const override { return trancount_ ? descriptor_ : 0; }
    uint16_t spid() const override { return spid_; }
    void bulk_load(const BulkRows &rows, ResultSink &sink) override;

    // FunctionHost
    sqlite3 *db() override { return db_; }
    DatabaseMeta current_db() override { return current_; }
    const ServerSettings &settings() override { return state_.settings; }
    const LoginDef &login() override { return login_; }
    const std::string &app_name() override { return info_.app_name; }
    const std::string &host_name() override { return info_.host_name; }
    std::string next_lsn() override { return state_.next_lsn(); }
    std::string current_lsn() override { return state_.current_lsn(); }
    int64_t xact_id() override;
    bool logging(int database_id) override { return state_.logging(database_id); }
    std::string next_rowversion() override { return state_.next_rowversion(); }
    int64_t next_identity(int database_id, int object_id) override;
    std::optional<int64_t> ident_current(int database_id, int object_id) override;
    std::optional<std::string> event_data() override {
        if (eventdata_.empty())
            return std::nullopt;
        return eventdata_.back();
    }

private:
    struct Var {
        SqlType type;
        Value value;
    };
    void run(const std::vector<StatementPtr> &stmts, ResultSink &sink);
    // INSERT BULK (session_bulk.cpp): the statement checks its table and columns and waits for
    // the rows, which go in as one statement.
    void do_insert_bulk(const Statement &s, ResultSink &sink);
    void do_bulk_rows(const Statement &s, ResultSink &sink);
    StatementPtr pending_bulk_;
    const BulkRows *bulk_rows_ = nullptr;
    void run_statement(const Statement &s, ResultSink &sink);
    void dispatch(const Statement &s, ResultSink &sink);
    bool writes(const Statement &s) const;

    void do_select(const Statement &s, ResultSink &sink);
    void do_insert(const Statement &s, ResultSink &sink);
    void do_update(const Statement &s, ResultSink &sink);
    int64_t update_deferring_uniqueness(const std::string &sql, const TableMeta &t,
                                        const std::vector<std::string> &updated);
    void do_delete(const Statement &s, ResultSink &sink);
    void do_use(const std::string &name, ResultSink &sink);
    void do_set(const Statement &s, ResultSink &sink);
    void do_backup(const Statement &s, ResultSink &sink);
    void do_exec(const Statement &s, ResultSink &sink);
    // KILL, RECONFIGURE, logins, users and roles (session_server.cpp)
    void do_server(const Statement &s, ResultSink &sink);
    void do_sp_configure(const Statement &s, ResultSink &sink);
    // GRANT / DENY / REVOKE on a table or view (session_server.cpp; permissions.hpp)
    void do_permission(const Statement &s, ResultSink &sink);
    // The database principal whose permissions statements in `database_id` are checked
    // against; nullopt for a sysadmin member (never checked). Inside a module WITH EXECUTE AS,
    // the principal it executes as (guest in other databases).
    std::optional<int> permission_principal(int database_id) const;
    // Throws 229 when the statement may not `perm` (SELECT, INSERT, UPDATE, DELETE) `t`.
    void check_permission(const TableMeta &t, const char *perm);
    // The tables and views a query names directly need SELECT (a view's own tables do not:
    // they belong to the view's owner, as every object does here).
    void check_reads(CodegenContext &ctx);
    // WITH EXECUTE AS of a module being created in `d`: SELF and 'user_name' become principal ids
    // (a DDL trigger takes no OWNER).
    void resolve_execute_as(ModuleOptions &o, const DatabaseMeta &d, bool ddl_trigger);
    void do_create_view(const Statement &s, ResultSink &sink);
    void do_create_module(const Statement &s, ResultSink &sink);
    void do_drop_module(const Statement &s, ResultSink &sink);
    void do_create_ddl_trigger(const Statement &s, ResultSink &sink);
    void do_enable_trigger(const Statement &s, ResultSink &sink);
    // A DDL event: fires the enabled DDL triggers of its database that cover it, after the
    // statement and in its transaction, with EVENTDATA() describing it.
    struct DdlEvent {
        std::string type; // CREATE_TABLE, ...
        DatabaseMeta db;
        std::string schema, object, object_type, target, target_type;
        std::string actions; // ALTER_TABLE: <AlterTableActionList> content
        std::string command;
    };
    void fire_ddl(const DdlEvent &ev, ResultSink &sink);
    std::string event_xml(const DdlEvent &ev) const;
    DatabaseMeta module_database(const Statement &s);
    std::optional<int> module_to_replace(const DatabaseMeta &d, const std::string &schema,
                                         const Statement &s);
    // Raises the simulator's "does not execute" error when parts name a user procedure.
    void user_procedure(const std::vector<std::string> &parts, const std::string &shown);
    CodegenContext query_context(const DatabaseMeta &d, std::map<std::string, SqlType> *vars);
    void executesql(const std::string &stmt, const std::string &decl,
                    const std::vector<RpcParam> &values, ResultSink &sink);

    void begin_tran(ResultSink &sink);
    void commit_tran(ResultSink &sink);
    void rollback_tran(ResultSink &sink);
    void write_commit_log();
    // The physical log (dblog.hpp): statements' changes become log records as they complete.
    void phys_capture();
    PhysXact::Header phys_header();
    void phys_reset();
    void phys_note_ddl(const Statement &s, const std::optional<TableMeta> &before);
    PhysHooks phys_hooks();
    bool cdc_call(const std::string &proc, const std::vector<CdcArg> &args);
    void cdc_before_ddl(const TableMeta &t, const std::string &command);
    Value eval(const Expr &e, SqlType *type = nullptr);
    Value global_value(const std::string &g);
    // updated: the columns an UPDATE sets (names the constraint of a 547 error).
    int64_t run_dml(const std::string &sql, const TableMeta &t, const char *verb,
                    const std::vector<std::string> *updated = nullptr);
    void bind_variables(sqlite3_stmt *st);
    DatabaseMeta database_of(const std::vector<std::string> &parts);
    std::string schema_of(const std::vector<std::string> &parts) const;
    TableMeta table_for_write(const std::vector<std::string> &parts);
    void refresh_current();

    EngineState &state_;
    LoginDef login_;
    LoginInfo info_;
    sqlite3 *db_ = nullptr;
    std::unique_ptr<StmtCache> stmts_; // db_'s statements, finalized before it closes
    DatabaseMeta current_;
    uint16_t spid_;
    std::map<std::string, Var> vars_;
    std::map<std::string, SqlType> var_types_;
    bool nocount_ = false;
    std::string dateformat_ = "mdy"; // SET DATEFORMAT
    bool fmtonly_ = false;
    bool xact_abort_ = false;
    bool ansi_nulls_ = true, quoted_identifier_ = true; // recorded with modules

    std::optional<std::pair<int, int>> identity_insert_;
    int trancount_ = 0;
    // BEGIN TRAN starts the SQLite transaction with its first statement: IMMEDIATE when that
    // statement writes, so a writer waits for the write lock like SQL Server's writers wait for
    // locks (a deferred transaction that read first cannot wait: SQLite refuses its upgrade).
    bool begin_pending_ = false;
    void start_pending(bool write);
    uint64_t descriptor_ = 0;
    int64_t xact_id_ = 0;
    std::string begin_lsn_;
    std::unique_ptr<PhysXact> phys_;
    std::string phys_seen_;       // last logical LSN turned into log records
    std::string phys_begin_time_; // Begin Time of the transaction's LOP_BEGIN_XACT
    std::string tran_name_;       // BEGIN TRAN name
    bool explicit_tx_ = false;
    bool xstart_ = false; // SAVEPOINT x$start taken after BEGIN: a rollback can log its undo
    std::vector<std::pair<std::string, size_t>> phys_savepoints_;
    int64_t rowcount_ = 0;
    std::optional<int64_t> last_identity_;
    int error_ = 0;
    ResultSink *active_sink_ = nullptr;
    std::map<int, std::pair<std::string, std::string>> prepared_;
    // DDL triggers: EVENTDATA() of the triggers running (innermost last), their nesting, and
    // whether one ended the transaction (ROLLBACK, or an error: XACT_ABORT is on in triggers).
    std::vector<std::string> eventdata_;
    int trigger_depth_ = 0;
    // A DDL trigger WITH EXECUTE AS running: {database_id, principal_id} its body runs as.
    std::optional<std::pair<int, int>> exec_as_;
    bool trigger_rollback_ = false, trigger_error_ = false, trigger_user_tx_ = false;
    int next_handle_ = 1;
};

} // namespace sim::sql
