// open_engine: the SQLite store, its catalogs, and login checks.
#include "cdc.hpp"
#include "dblog.hpp"
#include "engine_state.hpp"
#include "errors.hpp"
#include "functions.hpp"
#include "principals.hpp"
#include "session.hpp"
#include "sqlite_db.hpp"

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

namespace sim {

namespace {

class SqlEngine final : public Engine {
public:
    explicit SqlEngine(const ServerSettings &s) : state_(s) {
        std::filesystem::create_directories(s.data_dir);
        state_.db_path = (std::filesystem::path(s.data_dir) / "sqlsim.db").string();
        sqlite3 *db = nullptr;
        if (sqlite3_open(state_.db_path.c_str(), &db) != SQLITE_OK)
            throw std::runtime_error("cannot open " + state_.db_path);
        // Functions and collations the catalog tables and views use.
        sql::SqlSession *none = nullptr;
        sql::register_functions(db, none);
        sql::exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF");
        sql::exec(db, "BEGIN IMMEDIATE");
        sql::bootstrap_catalog(db);
        sql::principals_bootstrap(db, state_.settings);
        sql::exec(db, "COMMIT");
        for (const auto &d : sql::all_databases(db))
            state_.set_logging(d.id, d.recovery_model == 1 && d.has_full_backup);
        {
            sql::Stmt q(db, "SELECT database_id FROM \"$databases\" WHERE is_cdc_enabled = 1");
            while (q.step())
                state_.set_cdc(static_cast<int>(q.int_col(0)), true);
        }
        {
            sql::Stmt q(db, "SELECT COUNT(*) FROM \"$log\"");
            q.step();
            state_.init_lsn(static_cast<uint64_t>(q.int_col(0)) * 2 + 16);
        }
        {
            // Past every LSN already handed out (the physical log has more records).
            sql::Stmt q(db, "SELECT MAX(lsn) FROM \"$log\"");
            if (q.step())
                state_.init_lsn_at_least(q.value_col(0).s);
            sql::Stmt p(db, "SELECT MAX(lsn) FROM \"$dblog\"");
            if (p.step() && !p.text_col(0).empty())
                state_.init_lsn_at_least(sql::lsn_binary(p.text_col(0)));
        }
        {
            sql::Stmt q(db, "SELECT MAX(xact_id) FROM \"$log\"");
            if (q.step())
                state_.init_xact_at_least(static_cast<uint64_t>(q.int_col(0)));
            // "hhhh:hhhhhhhh", fixed width: text order is number order.
            sql::Stmt p(db, "SELECT MAX(xact) FROM \"$dblog\"");
            if (p.step() && p.text_col(0).size() == 13)
                state_.init_xact_at_least(std::stoull(p.text_col(0).substr(0, 4), nullptr, 16)
                                              << 32 |
                                          std::stoull(p.text_col(0).substr(5), nullptr, 16));
        }
        // Kept open for the engine's life: when the last connection to a WAL database closes,
        // SQLite checkpoints and deletes the log under an exclusive lock, which stalls logins
        // arriving meanwhile (seconds after a large load).
        anchor_ = db;
        capture_ = std::thread([this] { capture_loop(); });
    }

    ~SqlEngine() override {
        {
            std::lock_guard<std::mutex> g(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        capture_.join();
        sqlite3_close_v2(anchor_);
    }

    std::unique_ptr<Session> open_session(const LoginInfo &login) override {
        const LoginDef *def = nullptr;
        for (const auto &l : state_.settings.logins)
            if (l.name == login.user)
                def = &l;
        sqlite3 *raw = nullptr;
        sqlite3_open_v2(state_.db_path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
        std::unique_ptr<sqlite3, int (*)(sqlite3 *)> db(raw, sqlite3_close_v2);
        sql::configure_connection(db.get());
        sql::register_functions(db.get(), nullptr);
        // CREATE LOGIN's logins, and server roles granted to any login since (the store's copy
        // of a --login one has its current password and roles).
        std::optional<LoginDef> stored = sql::find_login(db.get(), login.user);
        if (stored)
            def = &*stored;
        if (!def || def->password != login.password)
            throw sql::sql_error(18456, 1, 14, "Login failed for user '" + login.user + "'.");
        std::string dbname = login.database.empty() ? def->default_database : login.database;
        auto d = sql::find_database(db.get(), dbname);
        if (!d)
            throw sql::sql_error(4060, 1, 11,
                                 "Cannot open database \"" + dbname +
                                     "\" requested by the login. The login failed.");
        return std::make_unique<sql::SqlSession>(state_, *def, *d, login);
    }

    const ServerSettings &settings() const override { return state_.settings; }

private:
    // The CDC capture process (the capture job): every cdc_poll_ms, each CDC-enabled database's
    // committed log records not captured yet go to its change tables.
    void capture_loop() {
        sqlite3 *db = nullptr;
        if (sqlite3_open_v2(state_.db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) !=
            SQLITE_OK) {
            sqlite3_close_v2(db);
            return;
        }
        sql::configure_connection(db);
        sql::register_functions(db, nullptr);
        std::unique_lock<std::mutex> lk(mu_);
        while (!stop_) {
            cv_.wait_for(lk, std::chrono::milliseconds(state_.settings.cdc_poll_ms),
                         [this] { return stop_; });
            if (stop_)
                break;
            lk.unlock();
            try {
                for (const auto &d : sql::all_databases(db)) {
                    if (!sql::cdc_pending(db, d.id))
                        continue;
                    sql::exec(db, "BEGIN IMMEDIATE");
                    try {
                        sql::cdc_capture(db, d);
                        sql::exec(db, "COMMIT");
                    } catch (...) {
                        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
                        throw;
                    }
                }
            } catch (const std::exception &e) {
                // Retried at the next poll; said on stderr so that a capture that keeps failing
                // (or keeps waiting for a lock a session holds) shows in the simulator's output.
                std::fprintf(stderr, "sqlsim: CDC capture scan failed (%s), retrying\n", e.what());
            } catch (...) {
                std::fprintf(stderr, "sqlsim: CDC capture scan failed, retrying\n");
            }
            lk.lock();
        }
        sqlite3_close_v2(db);
    }

    sql::EngineState state_;
    sqlite3 *anchor_ = nullptr;
    std::thread capture_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
};

} // namespace

std::unique_ptr<Engine> open_engine(const ServerSettings &settings) {
    return std::make_unique<SqlEngine>(settings);
}

} // namespace sim
