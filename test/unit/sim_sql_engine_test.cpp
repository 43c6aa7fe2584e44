// The simulator's SQL engine driven directly through Session with a recording sink: T-SQL
// semantics, catalogs, errors, transactions and the LSN-stamped log, without sockets.
#include "engine.hpp"
#include "sql/functions.hpp"
#include "sql/txlog.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

using namespace sim;

namespace {

struct Recorder : ResultSink {
    std::vector<std::vector<ColumnInfo>> sets;
    std::vector<std::vector<std::vector<Value>>> rows;
    std::vector<Message> messages;
    std::vector<std::optional<uint64_t>> counts;
    void columns(const std::vector<ColumnInfo> &c) override {
        sets.push_back(c);
        rows.emplace_back();
    }
    bool row(const std::vector<Value> &v) override {
        rows.back().push_back(v);
        return true;
    }
    void end_statement(std::optional<uint64_t> c, bool) override { counts.push_back(c); }
    void message(const Message &m) override { messages.push_back(m); }
    void database_changed(const std::string &, const std::string &) override {}
    void transaction_began(uint64_t) override {}
    void transaction_ended(uint64_t, bool) override {}
    void return_value(const std::string &, const SqlType &, const Value &) override {}
    void return_status(int32_t) override {}
    bool cancelled() override { return false; }
    std::vector<int> errors() const {
        std::vector<int> out;
        for (const auto &m : messages)
            if (m.severity > 10)
                out.push_back(m.number);
        return out;
    }
};

class SqlEngine : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("sqlsim-unit-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        ServerSettings s;
        s.data_dir = dir_.string();
        s.logins = {LoginDef{"sa", "pw", true}, LoginDef{"reader", "rpw", false}};
        engine_ = open_engine(s);
        session_ = engine_->open_session(LoginInfo{"sa", "pw", "master", "unit", "host"});
        run("CREATE DATABASE u; USE u");
    }
    void TearDown() override {
        session_.reset();
        engine_.reset();
        std::filesystem::remove_all(dir_);
    }
    Recorder run(const std::string &sql) {
        Recorder r;
        session_->execute_batch(sql, r);
        return r;
    }
    std::filesystem::path dir_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<Session> session_;
};

} // namespace

TEST_F(SqlEngine, LoginChecksPasswordAndDatabase) {
    try {
        engine_->open_session(LoginInfo{"sa", "wrong", "", "", ""});
        FAIL();
    } catch (const SqlError &e) {
        EXPECT_EQ(e.msg.number, 18456);
        EXPECT_EQ(e.msg.text, "Login failed for user 'sa'.");
    }
    try {
        engine_->open_session(LoginInfo{"sa", "pw", "nope", "", ""});
        FAIL();
    } catch (const SqlError &e) {
        EXPECT_EQ(e.msg.number, 4060);
    }
}

TEST_F(SqlEngine, ResultColumnsCarrySqlServerTypes) {
    run("CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, d decimal(9,3), s nvarchar(20), "
        "w datetime2(2)); INSERT INTO dbo.t VALUES (1, 2.5, N'x', '2020-01-02 03:04:05.678')");
    Recorder r =
        run("SELECT id, d, s, w, COUNT(*) OVER () AS n, CAST(id AS bigint) AS b FROM dbo.t");
    ASSERT_EQ(r.sets.size(), 1u);
    const auto &c = r.sets[0];
    EXPECT_EQ(c[0].type.id, TypeId::Int);
    EXPECT_FALSE(c[0].nullable);
    EXPECT_EQ(c[1].type.id, TypeId::Decimal);
    EXPECT_EQ(c[1].type.precision, 9);
    EXPECT_EQ(c[1].type.scale, 3);
    EXPECT_EQ(c[2].type.id, TypeId::NVarChar);
    EXPECT_EQ(c[2].type.length, 20);
    EXPECT_EQ(c[3].type.id, TypeId::DateTime2);
    EXPECT_EQ(c[5].type.id, TypeId::BigInt);
    ASSERT_EQ(r.rows[0].size(), 1u);
    EXPECT_EQ(r.rows[0][0][1].s, "2.500");
    EXPECT_EQ(r.rows[0][0][3].s, "2020-01-02 03:04:05.6800000");
}

TEST_F(SqlEngine, StringComparisonIsCaseAndTrailingBlankInsensitive) {
    run("CREATE TABLE dbo.s (v varchar(10)); INSERT INTO dbo.s VALUES ('Abc'), ('abd')");
    Recorder r = run("SELECT COUNT(*) FROM dbo.s WHERE v = 'ABC  '; SELECT v FROM dbo.s WHERE v "
                     "LIKE 'ab[c-d]' ORDER BY v");
    EXPECT_EQ(r.rows[0][0][0].i, 1);
    EXPECT_EQ(r.rows[1].size(), 2u);
}

TEST_F(SqlEngine, ErrorsHaveSqlServerNumbersAndStatementErrorsDoNotStopTheBatch) {
    Recorder r = run("SELECT * FROM dbo.missing");
    EXPECT_EQ(r.errors(), std::vector<int>{208});
    EXPECT_EQ(r.messages[0].text, "Invalid object name 'dbo.missing'.");
    run("CREATE TABLE dbo.k (id int CONSTRAINT PK_k PRIMARY KEY)");
    r = run(
        "INSERT INTO dbo.k VALUES (1); INSERT INTO dbo.k VALUES (1); INSERT INTO dbo.k VALUES (2)");
    ASSERT_EQ(r.errors(), std::vector<int>{2627});
    EXPECT_EQ(r.messages[0].text,
              "Violation of PRIMARY KEY constraint 'PK_k'. Cannot insert "
              "duplicate key in object 'dbo.k'. The duplicate key value is (1).");
    r = run("SELECT COUNT(*) FROM dbo.k");
    EXPECT_EQ(r.rows[0][0][0].i, 2);
    r = run("SELEC 1");
    EXPECT_EQ(r.errors(), std::vector<int>{102});
}

TEST_F(SqlEngine, ConversionErrorsAndTruncation) {
    run("CREATE TABLE dbo.c (s varchar(3), i int, t tinyint)");
    EXPECT_EQ(run("INSERT INTO dbo.c (s) VALUES ('abcd')").errors(), std::vector<int>{8152});
    EXPECT_EQ(run("INSERT INTO dbo.c (s) VALUES ('abc   ')").errors(), std::vector<int>{});
    EXPECT_EQ(run("INSERT INTO dbo.c (i) VALUES ('x1')").errors(), std::vector<int>{245});
    EXPECT_EQ(run("INSERT INTO dbo.c (t) VALUES (256)").errors(), std::vector<int>{8115});
}

TEST_F(SqlEngine, TransactionsRollBackWholly) {
    run("CREATE TABLE dbo.x (id int)");
    run("BEGIN TRAN; INSERT INTO dbo.x VALUES (1); INSERT INTO dbo.x VALUES (2); ROLLBACK");
    EXPECT_EQ(run("SELECT COUNT(*) FROM dbo.x").rows[0][0][0].i, 0);
    run("BEGIN TRAN; INSERT INTO dbo.x VALUES (1); BEGIN TRAN; INSERT INTO dbo.x VALUES (2); "
        "COMMIT; COMMIT");
    EXPECT_EQ(run("SELECT COUNT(*), @@TRANCOUNT FROM dbo.x").rows[0][0][0].i, 2);
}

TEST_F(SqlEngine, PrecheckHeapAndClusteredQueries) {
    run("CREATE TABLE dbo.h (id int NOT NULL); CREATE TABLE dbo.p (id int NOT NULL "
        "PRIMARY KEY NONCLUSTERED, k int); CREATE CLUSTERED INDEX cx ON dbo.p (k); "
        "CREATE TABLE dbo.ok (id int PRIMARY KEY)");
    Recorder heap =
        run("SELECT s.name AS schema_name, t.name AS table_name FROM sys.schemas s INNER JOIN "
            "sys.tables t ON s.schema_id = t.schema_id AND t.type = 'U' AND s.name NOT IN ('cdc', "
            "'sys') AND t.name NOT IN ('systranschemas') AND t.object_id IN (SELECT object_id FROM "
            "sys.indexes WHERE index_id = 0);");
    ASSERT_EQ(heap.rows[0].size(), 1u);
    EXPECT_EQ(heap.rows[0][0][1].s, "h");
    Recorder pk = run(
        "SELECT s.name AS schema_name, t.name AS table_name FROM sys.schemas s INNER JOIN "
        "sys.tables t ON s.schema_id = t.schema_id WHERE t.type = 'U' AND s.name NOT IN ('cdc', "
        "'sys') AND t.name NOT IN ('systranschemas') AND t.object_id IN ( SELECT "
        "pk_columns.object_id FROM ( SELECT sic.object_id, sic.column_id FROM sys.index_columns "
        "sic, sys.indexes sis WHERE sic.object_id = sis.object_id AND sic.index_id = "
        "sis.index_id AND sis.is_primary_key = 'true' ) pk_columns LEFT JOIN ( SELECT "
        "sic.object_id, sic.column_id FROM sys.index_columns sic, sys.indexes sis WHERE "
        "sic.object_id = sis.object_id AND sic.index_id = sis.index_id AND sis.index_id = 1 ) "
        "cluster_columns ON pk_columns.object_id = cluster_columns.object_id WHERE "
        "pk_columns.column_id != cluster_columns.column_id );");
    ASSERT_EQ(pk.rows[0].size(), 1u);
    EXPECT_EQ(pk.rows[0][0][1].s, "p");
}

TEST_F(SqlEngine, CommittedChangesAreLoggedWithIncreasingLsnsOnceTheLogIsKept) {
    run("CREATE TABLE dbo.l (id int PRIMARY KEY, v nvarchar(10))");
    run("INSERT INTO dbo.l VALUES (1, N'early')");
    run("ALTER DATABASE u SET RECOVERY FULL; BACKUP DATABASE u TO DISK = N'/dev/null'");
    run("BEGIN TRAN; INSERT INTO dbo.l VALUES (2, N'x'); UPDATE dbo.l SET v = N'y' WHERE id = 2; "
        "COMMIT; DELETE FROM dbo.l WHERE id = 1; BEGIN TRAN; INSERT INTO dbo.l VALUES (3, N'z'); "
        "ROLLBACK");
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "sqlsim.db").c_str(), &db), SQLITE_OK);
    sim::sql::register_functions(db, nullptr); // the catalog's collations
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(db, "SELECT database_id FROM \"$databases\" WHERE name = 'u'", -1, &st,
                       nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    int dbid = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    auto log = sim::sql::read_log(db, dbid);
    sqlite3_close(db);
    std::vector<std::string> ops;
    for (const auto &r : log)
        ops.push_back(r.operation);
    EXPECT_EQ(ops, (std::vector<std::string>{"LOP_BEGIN_XACT", "LOP_INSERT_ROWS", "LOP_MODIFY_ROW",
                                             "LOP_COMMIT_XACT", "LOP_BEGIN_XACT", "LOP_DELETE_ROWS",
                                             "LOP_COMMIT_XACT"}));
    for (size_t i = 1; i < log.size(); ++i)
        EXPECT_LT(log[i - 1].lsn, log[i].lsn);
    EXPECT_EQ(log[0].xact_id, log[3].xact_id);
    ASSERT_EQ(log[2].after.size(), 2u);
    EXPECT_EQ(log[2].before[1].s, "x");
    EXPECT_EQ(log[2].after[1].s, "y");
    EXPECT_EQ(sim::sql::lsn_text(log[0].lsn).size(), 22u);
}
