// open_engine: the SQLite store, its catalogs, and login checks.
#include "engine_state.hpp"
#include "errors.hpp"
#include "functions.hpp"
#include "session.hpp"
#include "sqlite_db.hpp"

#include <filesystem>

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
        sql::exec(db, "COMMIT");
        for (const auto &d : sql::all_databases(db))
            state_.set_logging(d.id, d.recovery_model == 1 && d.has_full_backup);
        {
            sql::Stmt q(db, "SELECT COUNT(*) FROM \"$log\"");
            q.step();
            state_.init_lsn(static_cast<uint64_t>(q.int_col(0)) * 2 + 16);
        }
        sqlite3_close(db);
    }

    std::unique_ptr<Session> open_session(const LoginInfo &login) override {
        const LoginDef *def = nullptr;
        for (const auto &l : state_.settings.logins)
            if (l.name == login.user)
                def = &l;
        if (!def || def->password != login.password)
            throw sql::sql_error(18456, 1, 14, "Login failed for user '" + login.user + "'.");
        std::string dbname = login.database.empty() ? def->default_database : login.database;
        sqlite3 *db = nullptr;
        sqlite3_open_v2(state_.db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
        sql::register_functions(db, nullptr);
        auto d = sql::find_database(db, dbname);
        sqlite3_close(db);
        if (!d)
            throw sql::sql_error(4060, 1, 11,
                                 "Cannot open database \"" + dbname +
                                     "\" requested by the login. The login failed.");
        return std::make_unique<sql::SqlSession>(state_, *def, *d, login);
    }

    const ServerSettings &settings() const override { return state_.settings; }

private:
    sql::EngineState state_;
};

} // namespace

std::unique_ptr<Engine> open_engine(const ServerSettings &settings) {
    return std::make_unique<SqlEngine>(settings);
}

} // namespace sim
