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

TEST_F(SqlEngine, ForeignKeyReferentialActionsAreInTheCatalog) {
    Recorder r = run(
        "CREATE TABLE dbo.p (id int NOT NULL CONSTRAINT PK_p PRIMARY KEY, k int NOT NULL "
        "CONSTRAINT UQ_p_k UNIQUE);"
        "CREATE TABLE dbo.c_col (id int, pid int CONSTRAINT FK_col REFERENCES dbo.p (id) ON "
        "DELETE CASCADE NOT NULL);"
        "CREATE TABLE dbo.c_tab (id int, pid int DEFAULT (1), CONSTRAINT FK_tab FOREIGN KEY (pid) "
        "REFERENCES dbo.p (id) ON UPDATE SET NULL ON DELETE SET DEFAULT NOT FOR REPLICATION);"
        "CREATE TABLE dbo.c_none (id int, pid int, CONSTRAINT FK_none FOREIGN KEY (pid) "
        "REFERENCES dbo.p (id) ON DELETE NO ACTION ON UPDATE NO ACTION);"
        "CREATE TABLE dbo.c_alt (id int, pk int);"
        "ALTER TABLE dbo.c_alt ADD CONSTRAINT FK_alt FOREIGN KEY (pk) REFERENCES dbo.p (k) ON "
        "UPDATE CASCADE");
    ASSERT_EQ(r.errors(), std::vector<int>{}) << r.messages[0].text;
    r = run("SELECT name, delete_referential_action, delete_referential_action_desc, "
            "update_referential_action, update_referential_action_desc, is_not_for_replication "
            "FROM sys.foreign_keys ORDER BY name");
    ASSERT_EQ(r.errors(), std::vector<int>{}) << r.messages[0].text;
    ASSERT_EQ(r.sets.size(), 1u);
    EXPECT_EQ(r.sets[0][1].type.id, TypeId::TinyInt);
    EXPECT_EQ(r.sets[0][2].type.id, TypeId::NVarChar);
    EXPECT_EQ(r.sets[0][5].type.id, TypeId::Bit);
    struct Row {
        std::string name;
        int64_t del;
        std::string del_desc;
        int64_t upd;
        std::string upd_desc;
        int64_t nfr;
        bool operator==(const Row &o) const {
            return name == o.name && del == o.del && del_desc == o.del_desc && upd == o.upd &&
                   upd_desc == o.upd_desc && nfr == o.nfr;
        }
    };
    std::vector<Row> got;
    for (const auto &v : r.rows[0])
        got.push_back({v[0].s, v[1].i, v[2].s, v[3].i, v[4].s, v[5].i});
    std::vector<Row> want = {{"FK_alt", 0, "NO_ACTION", 1, "CASCADE", 0},
                             {"FK_col", 1, "CASCADE", 0, "NO_ACTION", 0},
                             {"FK_none", 0, "NO_ACTION", 0, "NO_ACTION", 0},
                             {"FK_tab", 3, "SET_DEFAULT", 2, "SET_NULL", 1}};
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
        EXPECT_TRUE(got[i] == want[i]) << "row " << i << ": " << got[i].name;
    // Dropping the constraint drops its actions too.
    run("ALTER TABLE dbo.c_alt DROP CONSTRAINT FK_alt; DROP TABLE dbo.c_tab");
    r = run("SELECT name FROM sys.foreign_keys ORDER BY name");
    ASSERT_EQ(r.rows[0].size(), 2u);
    EXPECT_EQ(r.rows[0][0][0].s, "FK_col");
}

TEST_F(SqlEngine, ForeignKeyDeleteActionsCascadeAndSetNull) {
    run("CREATE TABLE dbo.p (id int NOT NULL PRIMARY KEY);"
        "CREATE TABLE dbo.c (id int PRIMARY KEY, pid int NOT NULL REFERENCES dbo.p (id) ON DELETE "
        "CASCADE);"
        "CREATE TABLE dbo.gc (id int PRIMARY KEY, cid int, CONSTRAINT FK_gc_c FOREIGN KEY (cid) "
        "REFERENCES dbo.c (id) ON DELETE CASCADE);"
        "CREATE TABLE dbo.n (id int PRIMARY KEY, pid int, CONSTRAINT FK_n_p FOREIGN KEY (pid) "
        "REFERENCES dbo.p (id) ON DELETE SET NULL);"
        "INSERT INTO dbo.p VALUES (1), (2);"
        "INSERT INTO dbo.c VALUES (10, 1), (11, 1), (20, 2);"
        "INSERT INTO dbo.gc VALUES (100, 10), (200, 20);"
        "INSERT INTO dbo.n VALUES (1, 1), (2, 2)");
    Recorder r = run("DELETE FROM dbo.p WHERE id = 1");
    ASSERT_EQ(r.errors(), std::vector<int>{}) << r.messages[0].text;
    EXPECT_EQ(r.counts.back(), std::optional<uint64_t>(1)); // only the target's rows count
    r = run("SELECT id FROM dbo.c ORDER BY id; SELECT id FROM dbo.gc ORDER BY id; "
            "SELECT id, pid FROM dbo.n ORDER BY id");
    ASSERT_EQ(r.rows.size(), 3u);
    ASSERT_EQ(r.rows[0].size(), 1u);
    EXPECT_EQ(r.rows[0][0][0].i, 20);
    ASSERT_EQ(r.rows[1].size(), 1u);
    EXPECT_EQ(r.rows[1][0][0].i, 200);
    ASSERT_EQ(r.rows[2].size(), 2u);
    EXPECT_EQ(r.rows[2][0][1].kind, Value::Kind::Null);
    EXPECT_EQ(r.rows[2][1][1].i, 2);
    // sys.partitions follows the rows the cascade removed.
    r = run("SELECT OBJECT_NAME(object_id), SUM(rows) FROM sys.partitions WHERE index_id IN "
            "(0, 1) AND object_id IN (OBJECT_ID('dbo.c'), OBJECT_ID('dbo.gc')) GROUP BY "
            "object_id ORDER BY 1");
    ASSERT_EQ(r.rows[0].size(), 2u);
    EXPECT_EQ(r.rows[0][0][1].i, 1);
    EXPECT_EQ(r.rows[0][1][1].i, 1);
    // A rolled-back cascade restores the children.
    run("BEGIN TRAN; DELETE FROM dbo.p; ROLLBACK");
    EXPECT_EQ(run("SELECT COUNT(*) FROM dbo.gc").rows[0][0][0].i, 1);
}

TEST_F(SqlEngine, ForeignKeyUpdateActionsAndNoActionStillFails) {
    run("CREATE TABLE dbo.p (id int NOT NULL PRIMARY KEY);"
        "CREATE TABLE dbo.u (id int, pid int REFERENCES dbo.p (id) ON UPDATE CASCADE);"
        "CREATE TABLE dbo.d (id int, pid int CONSTRAINT DF_d DEFAULT (0) CONSTRAINT FK_d_p "
        "REFERENCES dbo.p (id) ON UPDATE SET DEFAULT);"
        "INSERT INTO dbo.p VALUES (0), (1), (2);"
        "INSERT INTO dbo.u VALUES (1, 1); INSERT INTO dbo.d VALUES (1, 2)");
    ASSERT_EQ(
        run("UPDATE dbo.p SET id = 5 WHERE id = 1; UPDATE dbo.p SET id = 6 WHERE id = 2").errors(),
        std::vector<int>{});
    Recorder r = run("SELECT pid FROM dbo.u; SELECT pid FROM dbo.d");
    EXPECT_EQ(r.rows[0][0][0].i, 5);
    EXPECT_EQ(r.rows[1][0][0].i, 0);

    // NO ACTION keeps failing with 547, naming the referencing key, also behind a cascade.
    run("CREATE TABLE dbo.q (id int PRIMARY KEY);"
        "CREATE TABLE dbo.c (id int PRIMARY KEY, qid int REFERENCES dbo.q (id) ON DELETE "
        "CASCADE);"
        "CREATE TABLE dbo.gc (id int, cid int CONSTRAINT FK_gc_c REFERENCES dbo.c (id));"
        "INSERT INTO dbo.q VALUES (5); INSERT INTO dbo.c VALUES (7, 5); "
        "INSERT INTO dbo.gc VALUES (1, 7)");
    r = run("DELETE FROM dbo.q WHERE id = 5");
    ASSERT_EQ(r.errors(), std::vector<int>{547});
    EXPECT_EQ(r.messages[0].text,
              "The DELETE statement conflicted with the REFERENCE constraint \"FK_gc_c\". The "
              "conflict occurred in database \"u\", table \"dbo.gc\".");
    EXPECT_EQ(run("SELECT COUNT(*) FROM dbo.c").rows[0][0][0].i, 1);
    r = run("UPDATE dbo.c SET id = 8");
    ASSERT_EQ(r.errors(), std::vector<int>{547});
    EXPECT_NE(r.messages[0].text.find("REFERENCE constraint \"FK_gc_c\""), std::string::npos);
    r = run("INSERT INTO dbo.gc VALUES (2, 99)");
    ASSERT_EQ(r.errors(), std::vector<int>{547});
    EXPECT_NE(r.messages[0].text.find("FOREIGN KEY constraint \"FK_gc_c\""), std::string::npos);
    r = run("DELETE FROM dbo.p WHERE id = 5");
    ASSERT_EQ(r.errors(), std::vector<int>{547});
    EXPECT_NE(r.messages[0].text.find("table \"dbo.u\""), std::string::npos);
    EXPECT_EQ(run("TRUNCATE TABLE dbo.q").errors(), std::vector<int>{4712});
    EXPECT_EQ(run("SELECT COUNT(*) FROM dbo.c").rows[0][0][0].i, 1);
}

TEST_F(SqlEngine, ForeignKeyActionsFollowSqlServerRules) {
    run("CREATE TABLE dbo.p (id int NOT NULL PRIMARY KEY)");
    Recorder r = run("CREATE TABLE dbo.c (id int, pid int NOT NULL CONSTRAINT FK_c REFERENCES "
                     "dbo.p (id) ON DELETE SET NULL)");
    ASSERT_EQ(r.errors(), std::vector<int>{1761});
    EXPECT_EQ(r.messages[0].text,
              "Cannot create the foreign key \"FK_c\" with the SET NULL referential action, "
              "because one or more referencing columns are not nullable.");
    EXPECT_EQ(run("SELECT COUNT(*) FROM sys.tables WHERE name = 'c'").rows[0][0][0].i, 0);
    // A self-reference, or two paths from one table to another, may not both cascade.
    r = run("CREATE TABLE dbo.tree (id int PRIMARY KEY, parent int CONSTRAINT FK_tree REFERENCES "
            "dbo.tree (id) ON DELETE CASCADE)");
    ASSERT_EQ(r.errors(), std::vector<int>{1785});
    EXPECT_EQ(r.messages[0].text,
              "Introducing FOREIGN KEY constraint 'FK_tree' on table 'tree' may cause cycles or "
              "multiple cascade paths. Specify ON DELETE NO ACTION or ON UPDATE NO ACTION, or "
              "modify other FOREIGN KEY constraints.");
    run("CREATE TABLE dbo.a (id int PRIMARY KEY, pid int REFERENCES dbo.p (id) ON DELETE "
        "CASCADE)");
    r = run("CREATE TABLE dbo.b (id int, aid int, pid int, CONSTRAINT FK_b_p FOREIGN KEY (pid) "
            "REFERENCES dbo.p (id) ON DELETE CASCADE, CONSTRAINT FK_b_a FOREIGN KEY (aid) "
            "REFERENCES dbo.a (id) ON DELETE CASCADE)");
    ASSERT_EQ(r.errors(), std::vector<int>{1785});
    EXPECT_NE(r.messages[0].text.find("'FK_b_a' on table 'b'"), std::string::npos);
    // ... but different statements' trees are independent.
    r = run("CREATE TABLE dbo.b (id int, aid int, pid int, CONSTRAINT FK_b_p FOREIGN KEY (pid) "
            "REFERENCES dbo.p (id) ON DELETE CASCADE, CONSTRAINT FK_b_a FOREIGN KEY (aid) "
            "REFERENCES dbo.a (id) ON UPDATE CASCADE)");
    EXPECT_EQ(r.errors(), std::vector<int>{});
    // Syntax: each action once.
    EXPECT_EQ(run("CREATE TABLE dbo.x (pid int REFERENCES dbo.p (id) ON DELETE CASCADE ON DELETE "
                  "NO ACTION)")
                  .errors(),
              std::vector<int>{102});
}
