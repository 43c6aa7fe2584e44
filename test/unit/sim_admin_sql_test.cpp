// What acceptance tests send the simulator as a DBA would: logins, users and roles, KILL and
// sys.dm_exec_sessions, sp_configure / RECONFIGURE, ALTER DATABASE ... WITH ROLLBACK IMMEDIATE,
// defaults added and dropped after the table was made, constraint syntax variants, and the date
// functions CURRENT_TIMESTAMP and SWITCHOFFSET.
#include "sim_engine_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace sim;
using sim_test::lines;
using sim_test::Recorder;
using sim_test::SqlEngine;

namespace {

using Lines = std::vector<std::string>;
using Errors = std::vector<int>;

TEST_F(SqlEngine, CurrentTimestampAndSwitchoffset) {
    auto r = run("SELECT CASE WHEN ABS(DATEDIFF(second, CURRENT_TIMESTAMP, GETDATE())) < 5 THEN "
                 "'ok' END");
    EXPECT_EQ(r.errors(), Errors{});
    EXPECT_EQ(lines(r), Lines{"ok"});
    r = run("SELECT SWITCHOFFSET(CAST('2024-01-01 23:30:00 +00:00' AS datetimeoffset(0)), "
            "'+05:00'), SWITCHOFFSET(CAST('2024-01-01 01:30:00.5 +02:00' AS datetimeoffset(1)), "
            "-120), SWITCHOFFSET(NULL, '+01:00')");
    EXPECT_EQ(r.errors(), Errors{});
    EXPECT_EQ(lines(r), Lines{"2024-01-02 04:30:00.0000000 +05:00|2023-12-31 21:30:00.5000000 "
                              "-02:00|NULL"});
    EXPECT_EQ(run("SELECT SWITCHOFFSET(SYSDATETIMEOFFSET(), '+15:00')").errors(), Errors{9812});
    EXPECT_EQ(run("SELECT SWITCHOFFSET(SYSDATETIMEOFFSET(), 'x')").errors(), Errors{9812});
    // Also in a column default.
    EXPECT_EQ(run("CREATE TABLE ts (id int, at datetime DEFAULT CURRENT_TIMESTAMP); INSERT INTO "
                  "ts (id) VALUES (1)")
                  .errors(),
              Errors{});
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM ts WHERE at IS NOT NULL")), Lines{"1"});
}

TEST_F(SqlEngine, TableConstraintAfterColumnWithoutComma) {
    auto r = run("CREATE TABLE a (id int NOT NULL, v varchar(10) PRIMARY KEY (id));"
                 "CREATE TABLE b (id int NOT NULL, v varchar(10) NOT NULL CONSTRAINT pk_b "
                 "PRIMARY KEY CLUSTERED (id, v) UNIQUE (v))");
    EXPECT_EQ(r.errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT OBJECT_NAME(i.object_id), i.type_desc, COL_NAME(c.object_id, "
                        "c.column_id) FROM sys.indexes i JOIN sys.index_columns c ON c.object_id "
                        "= i.object_id AND c.index_id = i.index_id WHERE i.is_primary_key = 1 "
                        "ORDER BY 1, c.key_ordinal")),
              (Lines{"a|CLUSTERED|id", "b|CLUSTERED|id", "b|CLUSTERED|v"}));
    EXPECT_EQ(lines(run("SELECT name FROM sys.key_constraints WHERE parent_object_id = "
                        "OBJECT_ID('b') ORDER BY type")),
              (Lines{"pk_b",
                     lines(run("SELECT name FROM sys.key_constraints WHERE type = 'UQ'")).at(0)}));
    // The column-level PRIMARY KEY still is one.
    EXPECT_EQ(run("CREATE TABLE c (id int PRIMARY KEY, v int)").errors(), Errors{});
    EXPECT_EQ(run("INSERT INTO a VALUES (1, 'x'), (1, 'y')").errors(), Errors{2627});
}

TEST_F(SqlEngine, DefaultsAddedAndDroppedAfterCreate) {
    run("CREATE TABLE d (id int NOT NULL PRIMARY KEY, w int, x int, y datetime, z varchar(5) "
        "CONSTRAINT df_z DEFAULT 'z')");
    EXPECT_EQ(run("ALTER TABLE d ADD DEFAULT 5 FOR w").errors(), Errors{});
    EXPECT_EQ(run("ALTER TABLE d ADD CONSTRAINT df_x DEFAULT (7) FOR x").errors(), Errors{});
    EXPECT_EQ(run("ALTER TABLE d ADD CONSTRAINT df_y DEFAULT GETDATE() FOR y").errors(), Errors{});
    auto r = run("INSERT INTO d (id) VALUES (1); INSERT INTO d (id) SELECT 2; INSERT INTO d (id, "
                 "w) VALUES (3, DEFAULT); INSERT INTO d (id, w, x) VALUES (4, NULL, 0)");
    EXPECT_EQ(r.errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT id, w, x, CASE WHEN y IS NULL THEN 'null' ELSE 'now' END, z FROM "
                        "d ORDER BY id")),
              (Lines{"1|5|7|now|z", "2|5|7|now|z", "3|5|7|now|z", "4|NULL|0|now|z"}));
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM sys.default_constraints WHERE parent_object_id = "
                        "OBJECT_ID('d')")),
              Lines{"4"});
    // A dropped default no longer applies, the created-with-the-table one included.
    EXPECT_EQ(
        run("ALTER TABLE d DROP CONSTRAINT df_x; ALTER TABLE d DROP CONSTRAINT df_z").errors(),
        Errors{});
    run("INSERT INTO d (id) VALUES (5)");
    EXPECT_EQ(lines(run("SELECT w, x, z FROM d WHERE id = 5")), Lines{"5|NULL|NULL"});
    EXPECT_EQ(run("ALTER TABLE d ADD DEFAULT 1 FOR nope").errors(), Errors{1752});
}

TEST_F(SqlEngine, LoginsUsersAndRoles) {
    auto r = run("CREATE LOGIN app WITH PASSWORD = 'Str0ng!pw', CHECK_POLICY = OFF, "
                 "DEFAULT_DATABASE = u; CREATE USER app FOR LOGIN app WITH DEFAULT_SCHEMA = dbo; "
                 "ALTER ROLE db_datareader ADD MEMBER app; ALTER ROLE db_owner ADD MEMBER app");
    EXPECT_EQ(r.errors(), Errors{});
    EXPECT_EQ(run("CREATE LOGIN app WITH PASSWORD = 'x'").errors(), Errors{15025});
    EXPECT_EQ(run("CREATE USER app2 FOR LOGIN nobody").errors(), Errors{15007});
    EXPECT_EQ(run("CREATE USER app FOR LOGIN app").errors(), Errors{15023});
    EXPECT_EQ(run("ALTER ROLE db_nothing ADD MEMBER app").errors(), Errors{15151});
    EXPECT_EQ(run("ALTER ROLE db_owner ADD MEMBER nobody").errors(), Errors{15151});
    EXPECT_EQ(lines(run("SELECT r.name FROM sys.database_role_members m JOIN "
                        "sys.database_principals r ON r.principal_id = m.role_principal_id JOIN "
                        "sys.database_principals p ON p.principal_id = m.member_principal_id "
                        "WHERE p.name = 'app' ORDER BY r.name")),
              (Lines{"db_datareader", "db_owner"}));
    EXPECT_EQ(lines(run("SELECT name, type_desc, default_database_name FROM sys.server_principals "
                        "WHERE name = 'app'")),
              Lines{"app|SQL_LOGIN|u"});
    EXPECT_EQ(lines(run("SELECT USER_ID('app'), DATABASE_PRINCIPAL_ID('db_owner'), USER_ID(), "
                        "SUSER_ID('sa'), SUSER_ID('sysadmin'), USER_ID('nobody')")),
              Lines{"5|16384|1|1|3|NULL"});
    // The login connects, with its default database; not a sysadmin until granted.
    auto s = engine_->open_session(LoginInfo{"app", "Str0ng!pw", "", "unit", "host"});
    EXPECT_EQ(s->current_database(), "u");
    Recorder r2;
    s->execute_batch("SELECT IS_SRVROLEMEMBER('sysadmin'), USER_ID(), SUSER_ID() - 255", r2);
    EXPECT_EQ(lines(r2), Lines{"0|5|2"});
    EXPECT_THROW(engine_->open_session(LoginInfo{"app", "wrong", "", "unit", "host"}), SqlError);
    EXPECT_EQ(run("ALTER SERVER ROLE sysadmin ADD MEMBER app").errors(), Errors{});
    s = engine_->open_session(LoginInfo{"app", "Str0ng!pw", "", "unit", "host"});
    Recorder r3;
    s->execute_batch("SELECT IS_SRVROLEMEMBER('sysadmin')", r3);
    EXPECT_EQ(lines(r3), Lines{"1"});
    s.reset();
    EXPECT_EQ(run("ALTER LOGIN app DISABLE").errors(), Errors{});
    EXPECT_THROW(engine_->open_session(LoginInfo{"app", "Str0ng!pw", "", "unit", "host"}),
                 SqlError);
    // Kept in the store: a restarted server knows them.
    session_.reset();
    engine_.reset();
    ServerSettings st;
    st.data_dir = dir_.string();
    st.logins = {LoginDef{"sa", "pw", true}, LoginDef{"reader", "rpw", false}};
    engine_ = open_engine(st);
    session_ = engine_->open_session(LoginInfo{"sa", "pw", "u", "unit", "host"});
    EXPECT_EQ(lines(run("SELECT name FROM sys.database_principals WHERE type = 'S' AND "
                        "principal_id > 4")),
              Lines{"app"});
    EXPECT_EQ(run("ALTER LOGIN app ENABLE; DROP USER app; DROP LOGIN app").errors(), Errors{});
    EXPECT_EQ(run("DROP USER IF EXISTS app").errors(), Errors{});
    EXPECT_EQ(run("DROP LOGIN app").errors(), Errors{15151});
    // Only a sysadmin manages principals.
    auto reader = engine_->open_session(LoginInfo{"reader", "rpw", "u", "unit", "host"});
    Recorder denied;
    reader->execute_batch("CREATE LOGIN r2 WITH PASSWORD = 'pw2'", denied);
    EXPECT_EQ(denied.errors(), Errors{15247});
}

TEST_F(SqlEngine, KillAndExecSessions) {
    auto other = engine_->open_session(LoginInfo{"reader", "rpw", "u", "unit-app", "box"});
    std::atomic<int> killed{0};
    set_session_killer(other->spid(), [&] { ++killed; });
    auto r = run("SELECT login_name, program_name, host_name, status, DB_NAME(database_id), "
                 "open_transaction_count, is_user_process FROM sys.dm_exec_sessions WHERE "
                 "session_id = " +
                 std::to_string(other->spid()));
    EXPECT_EQ(r.errors(), Errors{});
    EXPECT_EQ(lines(r), Lines{"reader|unit-app|box|sleeping|u|0|1"});
    EXPECT_EQ(lines(run("SELECT status FROM sys.dm_exec_sessions WHERE session_id = @@SPID")),
              Lines{"running"});
    EXPECT_EQ(run("KILL @@SPID").errors(), Errors{6104});
    EXPECT_EQ(run("KILL 2000").errors(), Errors{6106});
    EXPECT_EQ(run("KILL 5").errors(), Errors{6107});
    EXPECT_EQ(run("BEGIN TRAN; KILL " + std::to_string(other->spid())).errors(), Errors{6115});
    run("ROLLBACK");
    Recorder denied;
    other->execute_batch("KILL " + std::to_string(other->spid() - 1), denied);
    EXPECT_EQ(denied.errors(), Errors{6102});
    EXPECT_EQ(run("KILL " + std::to_string(other->spid())).errors(), Errors{});
    EXPECT_EQ(killed.load(), 1);
    // ALTER DATABASE ... WITH ROLLBACK IMMEDIATE ends the other sessions in the database only.
    auto elsewhere = engine_->open_session(LoginInfo{"reader", "rpw", "master", "unit", "box"});
    std::atomic<int> killed2{0};
    set_session_killer(elsewhere->spid(), [&] { ++killed2; });
    EXPECT_EQ(run("ALTER DATABASE u SET SINGLE_USER WITH ROLLBACK IMMEDIATE").errors(), Errors{});
    EXPECT_EQ(killed.load(), 2);
    EXPECT_EQ(killed2.load(), 0);
    EXPECT_EQ(run("ALTER DATABASE u SET MULTI_USER WITH ROLLBACK AFTER 5 SECONDS; ALTER DATABASE "
                  "u SET MULTI_USER WITH NO_WAIT")
                  .errors(),
              Errors{});
    other.reset();
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM sys.dm_exec_sessions WHERE login_name = 'reader'")),
              Lines{"1"});
}

TEST_F(SqlEngine, SpConfigureAndReconfigure) {
    EXPECT_EQ(run("EXEC sp_configure 'xp_cmdshell', 1").errors(), Errors{15123});
    auto r = run("EXEC sp_configure 'show advanced options', 1");
    EXPECT_EQ(r.errors(), Errors{});
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].number, 15457);
    EXPECT_EQ(run("RECONFIGURE").errors(), Errors{});
    EXPECT_EQ(run("EXEC sp_configure 'xp_cmd', 1").errors(), Errors{});
    EXPECT_EQ(lines(run("EXEC sp_configure 'xp_cmdshell'")), Lines{"xp_cmdshell|0|1|1|0"});
    EXPECT_EQ(lines(run("SELECT CAST(value AS int), CAST(value_in_use AS int) FROM "
                        "sys.configurations WHERE name = 'xp_cmdshell'")),
              Lines{"1|0"});
    EXPECT_EQ(run("RECONFIGURE WITH OVERRIDE").errors(), Errors{});
    EXPECT_EQ(lines(run("EXEC sys.sp_configure @configname = 'xp_cmdshell'")),
              Lines{"xp_cmdshell|0|1|1|1"});
    EXPECT_EQ(run("EXEC sp_configure 'xp_cmdshell', 2").errors(), Errors{15129});
    EXPECT_EQ(run("EXEC sp_configure 'max', 2").errors(), Errors{15125});
    EXPECT_GT(lines(run("EXEC sp_configure")).size(), 10u);
}

} // namespace

namespace {

// LSNs after a restart are above every LSN handed out before, even when the log records that
// held the highest ones are gone (log backup, DROP DATABASE).
TEST_F(SqlEngine, LsnsNeverGoBackwardsAfterRestart) {
    auto max_lsn = [&] {
        auto l = lines(run("SELECT MAX([Current LSN]) FROM sys.fn_dblog(NULL, NULL)"));
        return l.empty() ? std::string() : l[0];
    };
    run("ALTER DATABASE u SET RECOVERY FULL; BACKUP DATABASE u TO DISK = N'/tmp/sim-unit-u.bak'");
    run("CREATE TABLE l (id int, v varchar(100)); INSERT INTO l SELECT a.n * 10 + b.n, 'x' FROM "
        "(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) a(n) CROSS JOIN (VALUES "
        "(0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) b(n); UPDATE l SET v = 'y'; DELETE FROM l");
    const std::string before = max_lsn();
    ASSERT_FALSE(before.empty());
    run("CHECKPOINT; BACKUP LOG u TO DISK = N'/tmp/sim-unit-u.trn'; USE master; DROP DATABASE u");
    session_.reset();
    engine_.reset();
    ServerSettings st;
    st.data_dir = dir_.string();
    st.logins = {LoginDef{"sa", "pw", true}};
    engine_ = open_engine(st);
    session_ = engine_->open_session(LoginInfo{"sa", "pw", "master", "unit", "host"});
    run("CREATE DATABASE v; USE v; ALTER DATABASE v SET RECOVERY FULL; BACKUP DATABASE v TO DISK "
        "= N'/tmp/sim-unit-v.bak'; CREATE TABLE l (id int); INSERT INTO l VALUES (1)");
    const std::string after = max_lsn();
    EXPECT_GT(after, before);
}

// The same for CDC: a change made after the restart gets a commit LSN above the last one
// captured before it (a reader resuming from its checkpoint would skip it otherwise).
TEST_F(SqlEngine, CdcLsnsNeverGoBackwardsAfterRestart) {
    auto reopen = [&] {
        session_.reset();
        engine_.reset();
        ServerSettings st;
        st.data_dir = dir_.string();
        st.logins = {LoginDef{"sa", "pw", true}};
        st.cdc_poll_ms = 20;
        engine_ = open_engine(st);
        session_ = engine_->open_session(LoginInfo{"sa", "pw", "u", "unit", "host"});
    };
    auto captured = [&](size_t n) {
        std::vector<std::string> l;
        for (int i = 0; i < 250 && l.size() < n; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            l = lines(run("SELECT CONVERT(varchar(22), __$start_lsn, 1) FROM cdc.dbo_c_CT ORDER "
                          "BY __$start_lsn"));
        }
        return l;
    };
    reopen();
    run("EXEC sys.sp_cdc_enable_db; CREATE TABLE dbo.c (id int PRIMARY KEY, v int)");
    run("EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'c', @role_name = "
        "NULL");
    for (int i = 1; i <= 3; ++i)
        run("INSERT INTO dbo.c VALUES (" + std::to_string(i) + ", 0)");
    auto before = captured(3);
    ASSERT_EQ(before.size(), 3u);
    reopen();
    run("INSERT INTO dbo.c VALUES (4, 0)");
    auto after = captured(4);
    ASSERT_EQ(after.size(), 4u);
    EXPECT_GT(after[3], before[2]);
}

// Unique keys are checked when the statement ends: keys that move over each other pass.
TEST_F(SqlEngine, UniquenessIsCheckedAtStatementEnd) {
    run("CREATE TABLE k (id int PRIMARY KEY, code varchar(5) NOT NULL CONSTRAINT uq_k_code UNIQUE, "
        "v int); INSERT INTO k VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)");
    auto r = run("UPDATE k SET id = id + 1");
    EXPECT_EQ(r.errors(), Errors{});
    EXPECT_EQ(r.counts.back(), std::optional<uint64_t>(3));
    EXPECT_EQ(lines(run("SELECT id, code FROM k ORDER BY id")), (Lines{"2|a", "3|b", "4|c"}));
    EXPECT_EQ(run("UPDATE k SET code = CASE code WHEN 'a' THEN 'b' WHEN 'b' THEN 'a' ELSE code END")
                  .errors(),
              Errors{});
    EXPECT_EQ(lines(run("SELECT id, code FROM k ORDER BY id")), (Lines{"2|b", "3|a", "4|c"}));
    // A duplicate left at the end is refused, with the key, and nothing changes.
    r = run("UPDATE k SET id = 3 WHERE id = 2");
    ASSERT_EQ(r.errors(), Errors{2627});
    EXPECT_EQ(r.messages[0].text, "Violation of PRIMARY KEY constraint '" +
                                      lines(run("SELECT name FROM sys.key_constraints WHERE type "
                                                "= 'PK'"))[0] +
                                      "'. Cannot insert duplicate key in object 'dbo.k'. The "
                                      "duplicate key value is (3).");
    r = run("UPDATE k SET id = id + 1, code = 'z'");
    ASSERT_EQ(r.errors(), Errors{2627});
    EXPECT_NE(r.messages[0].text.find("uq_k_code"), std::string::npos);
    EXPECT_EQ(lines(run("SELECT id, code FROM k ORDER BY id")), (Lines{"2|b", "3|a", "4|c"}));
    // The per-row checks are back afterwards, in and out of a transaction.
    EXPECT_EQ(run("INSERT INTO k VALUES (2, 'q', 0)").errors(), Errors{2627});
    EXPECT_EQ(run("BEGIN TRAN; UPDATE k SET id = id - 1; COMMIT").errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT id FROM k ORDER BY id")), (Lines{"1", "2", "3"}));
    EXPECT_EQ(run("INSERT INTO k VALUES (5, 'a', 0)").errors(), Errors{2627});
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM sys.indexes WHERE object_id = OBJECT_ID('k') AND "
                        "is_unique = 1")),
              Lines{"2"});
}

TEST_F(SqlEngine, SpRenameRenamesTablesColumnsIndexesAndConstraints) {
    run("CREATE TABLE dbo.p (id int CONSTRAINT pk_p PRIMARY KEY, q int CONSTRAINT ck_p_q CHECK (q "
        "> 0), note varchar(10)); CREATE INDEX ix_p_q ON dbo.p (q); INSERT INTO dbo.p VALUES (1, "
        "1, 'a'); CREATE TABLE dbo.ch (pid int CONSTRAINT fk_ch_p REFERENCES dbo.p (id))");
    auto r = run("EXEC sp_rename 'dbo.p', 'parent'");
    EXPECT_EQ(r.errors(), Errors{});
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].number, 15477);
    EXPECT_EQ(lines(run("SELECT id FROM dbo.parent")), Lines{"1"});
    EXPECT_EQ(run("SELECT * FROM dbo.p").errors(), Errors{208});
    EXPECT_EQ(run("EXEC sp_rename @objname = N'parent.q', @newname = N'qty', @objtype = 'COLUMN'")
                  .errors(),
              Errors{});
    EXPECT_EQ(run("EXEC sp_rename N'[dbo].[parent].[ix_p_q]', N'ix_parent_qty', N'INDEX'").errors(),
              Errors{});
    EXPECT_EQ(run("EXEC sp_rename 'pk_p', 'pk_parent'").errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT COL_NAME(OBJECT_ID('parent'), 2), (SELECT name FROM sys.indexes "
                        "WHERE object_id = OBJECT_ID('parent') AND index_id = 1), (SELECT name "
                        "FROM sys.indexes WHERE name LIKE 'ix_parent%'), (SELECT definition FROM "
                        "sys.check_constraints)")),
              Lines{"qty|pk_parent|ix_parent_qty|([qty]>(0))"});
    // Constraints, keys and the foreign key follow the renamed table and column.
    EXPECT_EQ(run("INSERT INTO dbo.parent (id, qty) VALUES (1, 5)").errors(), Errors{2627});
    EXPECT_EQ(run("INSERT INTO dbo.parent (id, qty) VALUES (2, 0)").errors(), Errors{547});
    EXPECT_EQ(run("INSERT INTO dbo.ch VALUES (9)").errors(), Errors{547});
    EXPECT_EQ(run("INSERT INTO dbo.ch VALUES (1); UPDATE dbo.parent SET qty = 7").errors(),
              Errors{});
    EXPECT_EQ(lines(run("SELECT OBJECT_NAME(referenced_object_id) FROM sys.foreign_keys")),
              Lines{"parent"});
    EXPECT_EQ(run("EXEC sp_rename 'nothing', 'x'").errors(), Errors{15248});
    EXPECT_EQ(run("EXEC sp_rename 'parent.nope', 'x', 'COLUMN'").errors(), Errors{15248});
    EXPECT_EQ(run("EXEC sp_rename 'parent.qty', 'note', 'COLUMN'").errors(), Errors{15335});
    EXPECT_EQ(run("EXEC sp_rename 'parent', 'ch'").errors(), Errors{15335});
}

TEST_F(SqlEngine, AlterColumnChangesTypeAndNullability) {
    run("CREATE TABLE a (id int PRIMARY KEY, n int NULL, s varchar(5) NULL, d decimal(5,2) NULL, "
        "code varchar(4) NOT NULL CONSTRAINT uq_a_code UNIQUE); INSERT INTO a VALUES (1, 7, 'abc', "
        "1.25, 'x'), (2, NULL, '012', NULL, 'y')");
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN n varchar(10) NOT NULL").errors(), Errors{515});
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN n bigint NULL").errors(), Errors{});
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN s nvarchar(20) NOT NULL").errors(), Errors{});
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN d decimal(9, 3)").errors(), Errors{});
    EXPECT_EQ(
        lines(run("SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, "
                  "NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE FROM "
                  "INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'a' AND COLUMN_NAME IN "
                  "('n', 's', 'd') ORDER BY ORDINAL_POSITION")),
        (Lines{"n|bigint|NULL|19|0|YES", "s|nvarchar|20|NULL|NULL|NO", "d|decimal|NULL|9|3|YES"}));
    // Stored values converted: '012' stays a string, 1.25 gets the new scale.
    EXPECT_EQ(lines(run("SELECT id, n, s, d FROM a ORDER BY id")),
              (Lines{"1|7|abc|1.250", "2|NULL|012|NULL"}));
    EXPECT_EQ(run("INSERT INTO a (id, s, code) VALUES (3, NULL, 'z')").errors(), Errors{515});
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN s int").errors(), Errors{245});
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN s varchar(2)").errors(), Errors{8152});
    // Keys: only a longer type of the same kind.
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN id bigint NOT NULL").errors(), Errors{5074});
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN code varchar(10) NOT NULL").errors(), Errors{});
    EXPECT_EQ(run("INSERT INTO a (id, s, code) VALUES (3, 'q', 'x')").errors(), Errors{2627});
    EXPECT_EQ(run("INSERT INTO a (id, s, code) VALUES (3, 'q', 'longercode')").errors(), Errors{});
    EXPECT_EQ(run("ALTER TABLE a ALTER COLUMN nope int").errors(), Errors{4924});
}

} // namespace
