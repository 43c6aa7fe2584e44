// What install scripts and bulk-copy clients send the simulator: alias data types, SET
// DATEFORMAT and the date string formats, NOCHECK / CHECK CONSTRAINT, the compatibility views,
// INSERT BULK and its rows.
#include "sim_engine_fixture.hpp"

#include "tds/bulk_load.hpp"
#include "tds/bytes.hpp"
#include "tds/temporal.hpp"
#include "tds/type_codec.hpp"

#include <gtest/gtest.h>

using namespace sim;
using sim_test::lines;
using sim_test::Recorder;
using sim_test::SqlEngine;

using Lines = std::vector<std::string>;
using Errors = std::vector<int>;

TEST_F(SqlEngine, AliasTypesAreCatalogedAndUsedByColumns) {
    auto r = run("EXEC sp_addtype 'phone_t', 'varchar(20)', 'NOT NULL'; "
                 "EXEC sp_addtype @typename = zip_t, @phystype = 'char(5)'");
    EXPECT_EQ(r.errors(), Errors{});
    // CREATE TYPE and a table using it in the same batch, as a script without GO would.
    r = run("CREATE TYPE dbo.amount_t FROM decimal(12,2) NULL\n"
            "CREATE TABLE dbo.cust (id int PRIMARY KEY, phone phone_t, zip zip_t NULL, "
            "bal dbo.amount_t, note varchar(10))");
    EXPECT_EQ(r.errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT name, system_type_id, user_type_id, schema_id, max_length, "
                        "precision, scale, CAST(is_nullable AS int), CAST(is_user_defined AS "
                        "int) FROM sys.types WHERE is_user_defined = 1 ORDER BY user_type_id")),
              (Lines{"phone_t|167|257|1|20|0|0|0|1", "zip_t|175|258|1|5|0|0|1|1",
                     "amount_t|106|259|1|9|12|2|1|1"}));
    EXPECT_EQ(lines(run("SELECT name FROM sys.types WHERE name = 'int' AND is_user_defined = 0")),
              Lines{"int"});
    EXPECT_EQ(
        lines(run("SELECT c.name, c.system_type_id, c.user_type_id, TYPE_NAME(c.user_type_id), "
                  "CAST(c.is_nullable AS int) FROM sys.columns c WHERE c.object_id = "
                  "OBJECT_ID('dbo.cust') ORDER BY c.column_id")),
        (Lines{"id|56|56|int|0", "phone|167|257|phone_t|0", "zip|175|258|zip_t|1",
               "bal|106|259|amount_t|1", "note|167|167|varchar|1"}));
    EXPECT_EQ(lines(run("SELECT TYPE_ID('phone_t'), TYPE_ID('dbo.amount_t'), TYPE_ID('int'), "
                        "TYPE_ID('sys.phone_t')")),
              Lines{"257|259|56|NULL"});
    // The alias type's NOT NULL is the column's default nullability; values take the base type.
    EXPECT_EQ(run("INSERT INTO dbo.cust (id, phone) VALUES (1, NULL)").errors(), Errors{515});
    EXPECT_EQ(run("INSERT INTO dbo.cust (id, phone, bal) VALUES (1, '555', 12.345)").errors(),
              Errors{});
    EXPECT_EQ(lines(run("SELECT phone, bal, CAST(7 AS amount_t) FROM dbo.cust")),
              Lines{"555|12.35|7.00"});
    EXPECT_EQ(run("ALTER TABLE dbo.cust ADD alt phone_t NULL").errors(), Errors{});
    EXPECT_EQ(run("DECLARE @p phone_t = 'x'; SELECT @p").errors(), Errors{});
    // Errors: a taken name, an unknown type, a type in use.
    EXPECT_EQ(run("CREATE TYPE phone_t FROM int").errors(), Errors{219});
    EXPECT_EQ(run("CREATE TYPE int FROM bigint").errors(), Errors{219});
    EXPECT_EQ(run("CREATE TABLE dbo.x (a nosuch_t)").errors(), Errors{2715});
    EXPECT_EQ(run("DROP TYPE phone_t").errors(), Errors{3732});
    EXPECT_EQ(run("DROP TYPE nosuch_t").errors(), Errors{218});
    EXPECT_EQ(run("DROP TYPE IF EXISTS nosuch_t").errors(), Errors{});
    EXPECT_EQ(run("CREATE TYPE dbo.unused_t FROM int; DROP TYPE dbo.unused_t; "
                  "EXEC sp_droptype 'zip_t'")
                  .errors(),
              Errors{3732});
    EXPECT_EQ(run("CREATE TABLE dbo.y (z zip_t)").errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM sys.types WHERE name = 'unused_t'")), Lines{"0"});
    // Alias types belong to their database.
    run("CREATE DATABASE other");
    EXPECT_EQ(run("USE other; CREATE TABLE dbo.t (p phone_t)").errors(), Errors{2715});
}

TEST_F(SqlEngine, DateFormatGovernsNumericDateStrings) {
    auto one = [&](const std::string &sql) {
        auto r = run(sql);
        auto l = lines(r);
        return r.errors().empty() && !l.empty()
                   ? l[0]
                   : "error " + std::to_string(r.errors().empty() ? 0 : r.errors()[0]);
    };
    EXPECT_EQ(one("SELECT CAST('02/13/2024' AS date)"), "2024-02-13");
    EXPECT_EQ(one("SELECT CAST('13/02/2024' AS date)"), "error 241");
    run("SET DATEFORMAT dmy");
    EXPECT_EQ(one("SELECT CAST('13/02/2024' AS date)"), "2024-02-13");
    EXPECT_EQ(one("SELECT CAST('13.02.24' AS date)"), "2024-02-13");
    EXPECT_EQ(one("SELECT CAST('13-02-1999 14:05' AS datetime2(0))"),
              "1999-02-13 14:05:00.0000000");
    // The documented example: with dmy, '12/31/2008' is not a date.
    EXPECT_EQ(one("DECLARE @d datetime2 = '12/31/2008 09:01:01.1234567'; SELECT @d"), "error 241");
    EXPECT_EQ(one("DECLARE @d datetime2 = '31/12/2008 09:01:01.1234567'; SELECT @d"),
              "2008-12-31 09:01:01.1234567");
    // Formats DATEFORMAT does not govern.
    EXPECT_EQ(one("SELECT CAST('2024-02-13' AS date)"), "2024-02-13");
    EXPECT_EQ(one("SELECT CAST('20240213' AS date)"), "2024-02-13");
    EXPECT_EQ(one("SELECT CAST('2024-02-13T10:11:12' AS datetime2(0))"),
              "2024-02-13 10:11:12.0000000");
    EXPECT_EQ(one("SELECT CAST('Feb 13 2024 10:30PM' AS datetime2(0))"),
              "2024-02-13 22:30:00.0000000");
    EXPECT_EQ(one("SELECT CAST('13 February, 2024' AS date)"), "2024-02-13");
    EXPECT_EQ(one("SELECT CAST('2024 FEB 13' AS date)"), "2024-02-13");
    EXPECT_EQ(one("SELECT CAST('12:00 AM' AS time(0))"), "00:00:00.0000000");
    // datetime reads a year-first string with '/' in DATEFORMAT's relative order; date does not.
    EXPECT_EQ(one("SELECT CAST('2024/13/02' AS datetime)"), "2024-02-13 00:00:00.0000000");
    EXPECT_EQ(one("SELECT CAST('2024/02/13' AS date)"), "2024-02-13");
    // So does "YYYY-xx-xx" for datetime and smalldatetime (the newer types read year, month,
    // day), except ISO 8601 with its T.
    EXPECT_EQ(one("SELECT CAST('2024-13-02' AS datetime)"), "2024-02-13 00:00:00.0000000");
    EXPECT_EQ(one("SELECT CAST('2024-13-02 10:30' AS smalldatetime)"),
              "2024-02-13 10:30:00.0000000");
    // Well-formed but out of range: 242 for the older types, 241 for the newer ones.
    EXPECT_EQ(one("SELECT CAST('2024-02-13' AS datetime)"), "error 242");
    EXPECT_EQ(one("SELECT CAST('30/02/2024' AS smalldatetime)"), "error 242");
    EXPECT_EQ(one("SELECT CAST('30/02/2024' AS date)"), "error 241");
    EXPECT_EQ(one("SELECT CAST('2024-xx-13' AS datetime)"), "error 241");
    EXPECT_EQ(one("SELECT CAST('2024-02-13T10:30:00' AS datetime)"), "2024-02-13 10:30:00.0000000");
    EXPECT_EQ(one("SELECT CAST('2024-02-13' AS datetime2(0))"), "2024-02-13 00:00:00.0000000");
    EXPECT_EQ(one("SELECT CAST('2024-02-13 10:30 +01:00' AS datetimeoffset(0))"),
              "2024-02-13 10:30:00.0000000 +01:00");
    run("SET DATEFORMAT mdy");
    EXPECT_EQ(one("SELECT CAST('2024-02-13' AS datetime)"), "2024-02-13 00:00:00.0000000");
    run("SET DATEFORMAT ymd");
    EXPECT_EQ(one("SELECT CAST('24/02/13' AS date)"), "2024-02-13");
    run("DECLARE @f varchar(3) = 'ydm'; SET DATEFORMAT @f");
    EXPECT_EQ(one("SELECT CAST('99/13/02' AS datetime)"), "1999-02-13 00:00:00.0000000");
    EXPECT_EQ(run("SET DATEFORMAT xyz").errors(), Errors{2741});
    // Every session starts with mdy.
    auto other = engine_->open_session(LoginInfo{"sa", "pw", "u", "unit", "host"});
    Recorder r2;
    other->execute_batch("SELECT CAST('02/13/2024' AS date)", r2);
    EXPECT_EQ(lines(r2), Lines{"2024-02-13"});
}

TEST_F(SqlEngine, NocheckConstraintDisablesForeignKeys) {
    run("CREATE TABLE dbo.p (id int PRIMARY KEY); CREATE TABLE dbo.c (id int PRIMARY KEY, pid int "
        "CONSTRAINT fk_c_p FOREIGN KEY REFERENCES dbo.p(id)); INSERT INTO dbo.p VALUES (1)");
    auto flags = [&] {
        return lines(run("SELECT name, CAST(is_disabled AS int), CAST(is_not_trusted AS int) "
                         "FROM sys.foreign_keys ORDER BY name"));
    };
    EXPECT_EQ(flags(), Lines{"fk_c_p|0|0"});
    EXPECT_EQ(run("INSERT INTO dbo.c VALUES (1, 99)").errors(), Errors{547});
    EXPECT_EQ(run("ALTER TABLE dbo.c NOCHECK CONSTRAINT ALL").errors(), Errors{});
    EXPECT_EQ(flags(), Lines{"fk_c_p|1|1"});
    EXPECT_EQ(run("INSERT INTO dbo.c VALUES (1, 99)").errors(), Errors{});
    EXPECT_EQ(run("DELETE FROM dbo.p WHERE id = 1").errors(), Errors{}); // nor the parent side
    EXPECT_EQ(run("ALTER TABLE dbo.c WITH CHECK CHECK CONSTRAINT ALL").errors(), Errors{547});
    EXPECT_EQ(flags(), Lines{"fk_c_p|1|1"});
    // Enabled without checking: enforced again, still not trusted.
    EXPECT_EQ(run("ALTER TABLE dbo.c CHECK CONSTRAINT fk_c_p").errors(), Errors{});
    EXPECT_EQ(flags(), Lines{"fk_c_p|0|1"});
    EXPECT_EQ(run("INSERT INTO dbo.c VALUES (2, 98)").errors(), Errors{547});
    run("INSERT INTO dbo.p VALUES (99)");
    EXPECT_EQ(run("ALTER TABLE dbo.c WITH CHECK CHECK CONSTRAINT ALL").errors(), Errors{});
    EXPECT_EQ(flags(), Lines{"fk_c_p|0|0"});
    EXPECT_EQ(run("ALTER TABLE dbo.c NOCHECK CONSTRAINT nosuch").errors(), Errors{4917});
    // Foreign keys added by ALTER TABLE are enforced too; WITH NOCHECK ADD skips the rows there.
    run("CREATE TABLE dbo.c2 (id int PRIMARY KEY, pid int); INSERT INTO dbo.c2 VALUES (1, 5)");
    EXPECT_EQ(run("ALTER TABLE dbo.c2 WITH CHECK ADD CONSTRAINT fk2 FOREIGN KEY (pid) "
                  "REFERENCES dbo.p (id)")
                  .errors(),
              Errors{547});
    EXPECT_EQ(run("ALTER TABLE [dbo].[c2] WITH NOCHECK ADD CONSTRAINT [fk2] FOREIGN KEY([pid]) "
                  "REFERENCES [dbo].[p] ([id])\nALTER TABLE [dbo].[c2] CHECK CONSTRAINT [fk2]")
                  .errors(),
              Errors{});
    EXPECT_EQ(flags(), (Lines{"fk2|0|1", "fk_c_p|0|0"}));
    EXPECT_EQ(run("INSERT INTO dbo.c2 VALUES (2, 6)").errors(), Errors{547});
    EXPECT_EQ(run("ALTER TABLE dbo.c2 DROP CONSTRAINT fk2").errors(), Errors{});
    EXPECT_EQ(run("INSERT INTO dbo.c2 VALUES (2, 6)").errors(), Errors{});
}

TEST_F(SqlEngine, CheckConstraintsAreKeptAndEnforced) {
    EXPECT_EQ(run("CREATE TABLE c (id int PRIMARY KEY, q int CONSTRAINT ck_q CHECK (q > 0), r "
                  "int, s varchar(5) CHECK (s IN ('a', 'b')), CHECK (r < 10 OR r IS NULL), "
                  "CONSTRAINT ck_qr CHECK (q <> r))")
                  .errors(),
              Errors{});
    EXPECT_EQ(run("INSERT INTO c VALUES (1, -1, 0, 'a')").errors(), Errors{547});
    EXPECT_EQ(run("INSERT INTO c VALUES (2, 1, 11, 'a')").errors(), Errors{547});
    EXPECT_EQ(run("INSERT INTO c VALUES (3, 1, 2, 'c')").errors(), Errors{547});
    // UNKNOWN passes: NULLs satisfy every one of them.
    EXPECT_EQ(run("INSERT INTO c VALUES (4, 1, 2, 'a'), (5, NULL, NULL, NULL)").errors(), Errors{});
    auto r = run("UPDATE c SET q = 0 WHERE id = 4");
    ASSERT_EQ(r.errors(), Errors{547});
    EXPECT_EQ(r.messages[0].text,
              "The UPDATE statement conflicted with the CHECK constraint \"ck_q\". The conflict "
              "occurred in database \"u\", table \"dbo.c\", column 'q'.");
    EXPECT_EQ(lines(run("SELECT name, definition, is_disabled, is_not_trusted, parent_column_id, "
                        "is_system_named, OBJECTPROPERTY(object_id, 'IsCheckCnst') FROM "
                        "sys.check_constraints WHERE name IN ('ck_q', 'ck_qr') ORDER BY name")),
              (Lines{"ck_q|([q]>(0))|0|0|2|0|1", "ck_qr|([q]<>[r])|0|0|0|0|1"}));
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM sys.check_constraints WHERE is_system_named = 1")),
              Lines{"2"});
    // NOCHECK: not enforced, not trusted; WITH CHECK CHECK checks the rows and trusts it again.
    EXPECT_EQ(run("ALTER TABLE c NOCHECK CONSTRAINT ck_q").errors(), Errors{});
    EXPECT_EQ(run("INSERT INTO c VALUES (6, -5, 2, 'a')").errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT is_disabled, is_not_trusted FROM sys.check_constraints WHERE name "
                        "= 'ck_q'")),
              Lines{"1|1"});
    EXPECT_EQ(run("ALTER TABLE c WITH CHECK CHECK CONSTRAINT ALL").errors(), Errors{547});
    EXPECT_EQ(run("ALTER TABLE c CHECK CONSTRAINT ck_q").errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT is_disabled, is_not_trusted FROM sys.check_constraints WHERE name "
                        "= 'ck_q'")),
              Lines{"0|1"});
    run("DELETE FROM c WHERE id = 6");
    EXPECT_EQ(run("ALTER TABLE c WITH CHECK CHECK CONSTRAINT ALL").errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT SUM(CAST(is_not_trusted AS int)) FROM sys.check_constraints")),
              Lines{"0"});
    // Added later: WITH CHECK (the default) checks the rows, WITH NOCHECK does not trust them.
    EXPECT_EQ(run("ALTER TABLE c ADD CONSTRAINT ck_id CHECK (id < 5)").errors(), Errors{547});
    EXPECT_EQ(run("ALTER TABLE c WITH NOCHECK ADD CONSTRAINT ck_id CHECK (id < 5)").errors(),
              Errors{});
    EXPECT_EQ(lines(run("SELECT is_not_trusted FROM sys.check_constraints WHERE name = 'ck_id'")),
              Lines{"1"});
    EXPECT_EQ(run("INSERT INTO c VALUES (7, 1, 2, 'a')").errors(), Errors{547});
    EXPECT_EQ(run("ALTER TABLE c DROP CONSTRAINT ck_id").errors(), Errors{});
    EXPECT_EQ(run("INSERT INTO c VALUES (7, 1, 2, 'a')").errors(), Errors{});
    EXPECT_EQ(run("ALTER TABLE c NOCHECK CONSTRAINT nothing").errors(), Errors{4917});
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM sysobjects WHERE xtype = 'C'")), Lines{"4"});
    EXPECT_EQ(run("CREATE TABLE bad (a int CHECK (nope > 0))").errors(), Errors{207});
    // A column added with its own CHECK.
    EXPECT_EQ(run("ALTER TABLE c ADD w int NULL CONSTRAINT ck_w CHECK (w <> 0)").errors(),
              Errors{});
    EXPECT_EQ(run("UPDATE c SET w = 0 WHERE id = 7").errors(), Errors{547});
    EXPECT_EQ(run("ALTER TABLE c ADD w2 int NOT NULL DEFAULT 0 CHECK (w2 > 0)").errors(),
              Errors{547});
}

TEST_F(SqlEngine, CompatibilityViews) {
    run("CREATE TABLE dbo.t (id int NOT NULL CONSTRAINT pk_t PRIMARY KEY, v varchar(10) NULL); "
        "CREATE INDEX ix_v ON dbo.t (v); INSERT INTO dbo.t VALUES (1, 'a'), (2, 'b')");
    EXPECT_EQ(lines(run("SELECT name, xtype, type FROM sysobjects WHERE parent_obj = "
                        "OBJECT_ID('dbo.t') OR id = OBJECT_ID('dbo.t') ORDER BY name")),
              (Lines{"pk_t|PK|K", "t|U|U"}));
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM dbo.sysobjects WHERE id = OBJECT_ID(N'[dbo].[t]') "
                        "AND OBJECTPROPERTY(id, N'IsUserTable') = 1")),
              Lines{"1"});
    EXPECT_EQ(lines(run("SELECT name, xtype, length, colid, isnullable FROM syscolumns WHERE id = "
                        "OBJECT_ID('dbo.t') ORDER BY colid")),
              (Lines{"id|56|4|1|0", "v|167|10|2|1"}));
    EXPECT_EQ(lines(run("SELECT indid, name, keycnt, rowcnt FROM sys.sysindexes WHERE id = "
                        "OBJECT_ID('dbo.t') ORDER BY indid")),
              (Lines{"1|pk_t|1|2", "2|ix_v|1|2"}));
    EXPECT_EQ(lines(run("SELECT name, cmptlevel FROM master.dbo.sysdatabases WHERE name = 'u'")),
              Lines{"u|150"});
    EXPECT_EQ(lines(run("SELECT fileid, name, filename FROM master..sysaltfiles WHERE dbid = "
                        "DB_ID('u') ORDER BY fileid")),
              (Lines{"1|u|/var/opt/mssql/data/u.mdf", "2|u_log|/var/opt/mssql/data/u_log.ldf"}));
    EXPECT_EQ(run("CREATE USER app_reader WITHOUT LOGIN").errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT uid, name, issqlrole, islogin FROM sysusers WHERE uid < 16384 OR "
                        "name = 'db_datareader' ORDER BY uid")),
              (Lines{"0|public|1|0", "1|dbo|0|1", "2|guest|0|0", "3|INFORMATION_SCHEMA|0|0",
                     "4|sys|0|0", "5|app_reader|0|0", "16390|db_datareader|1|0"}));
    // Only the compatibility views answer to dbo.
    EXPECT_EQ(run("SELECT * FROM dbo.objects").errors(), Errors{208});
}

TEST_F(SqlEngine, InsertBulkLoadsRowsAsBcpClientsSendThem) {
    run("CREATE TABLE dbo.p (id int PRIMARY KEY); INSERT INTO dbo.p VALUES (1); "
        "CREATE TABLE dbo.b (id int IDENTITY(1,1) PRIMARY KEY, name nvarchar(20) NULL, "
        "qty int NOT NULL DEFAULT 5, note varchar(10) NULL DEFAULT 'd', pid int NULL "
        "CONSTRAINT fk_b_p REFERENCES dbo.p(id))");
    SqlType nv{TypeId::NVarChar, 20, 0, 0}, i4{TypeId::Int, 0, 0, 0}, vc{TypeId::VarChar, 10, 0, 0};
    BulkRows rows;
    rows.columns = {"id", "name", "qty", "note", "pid"};
    rows.types = {i4, nv, i4, vc, i4};
    rows.rows = {
        {Value::integer(100), Value::text("a"), Value::integer(1), Value::null(),
         Value::integer(1)},
        {Value::integer(200), Value::null(), Value::null(), Value::text("x"), Value::integer(42)}};
    // Unbracketed two-part name, COLLATE, NULL / NOT NULL and options, as clients write them.
    auto r = run("INSERT BULK dbo.b (id int NOT NULL, name nvarchar(20) COLLATE "
                 "SQL_Latin1_General_CP1_CI_AS NULL, qty int NULL, note varchar(10) NULL, pid "
                 "int NULL) WITH (TABLOCK, ROWS_PER_BATCH = 2, ORDER(id ASC))");
    EXPECT_EQ(r.errors(), Errors{});
    Recorder loaded;
    session_->bulk_load(rows, loaded);
    EXPECT_EQ(loaded.errors(), Errors{});
    EXPECT_EQ(loaded.counts.back(), std::optional<uint64_t>(2));
    // Identity generated (no KEEPIDENTITY), defaults for NULLs (no KEEP_NULLS), the foreign key
    // not checked (no CHECK_CONSTRAINTS) and so no longer trusted.
    EXPECT_EQ(lines(run("SELECT id, name, qty, note, pid FROM dbo.b ORDER BY id")),
              (Lines{"1|a|1|d|1", "2|NULL|5|x|42"}));
    EXPECT_EQ(lines(run("SELECT CAST(is_disabled AS int), CAST(is_not_trusted AS int) FROM "
                        "sys.foreign_keys")),
              Lines{"0|1"});
    EXPECT_EQ(run("INSERT INTO dbo.b (pid) VALUES (43)").errors(), Errors{547});
    // KEEPIDENTITY, KEEP_NULLS, CHECK_CONSTRAINTS.
    run("INSERT BULK [dbo].[b] ([id] int, [name] nvarchar(20), [qty] int, [note] varchar(10), "
        "[pid] int) WITH (KEEPIDENTITY, KEEP_NULLS, CHECK_CONSTRAINTS)");
    rows.rows = {{Value::integer(100), Value::text("k"), Value::integer(3), Value::null(),
                  Value::integer(1)}};
    Recorder kept;
    session_->bulk_load(rows, kept);
    EXPECT_EQ(kept.errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT id, note FROM dbo.b WHERE id = 100")), Lines{"100|NULL"});
    run("INSERT BULK dbo.b (id int, name nvarchar(20), qty int, note varchar(10), pid int) WITH "
        "(KEEPIDENTITY, CHECK_CONSTRAINTS)");
    rows.rows = {{Value::integer(101), Value::text("k"), Value::integer(3), Value::null(),
                  Value::integer(77)}};
    Recorder refused;
    session_->bulk_load(rows, refused);
    EXPECT_EQ(refused.errors(), Errors{547});
    // Rows without an INSERT BULK before them, and INSERT BULK of an unknown column.
    Recorder stray;
    session_->bulk_load(rows, stray);
    EXPECT_EQ(stray.errors(), Errors{4002});
    EXPECT_EQ(run("INSERT BULK dbo.b (nope int)").errors(), Errors{207});
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM dbo.b")), Lines{"3"});
}

TEST_F(SqlEngine, InsertBulkChecksCheckConstraintsOnlyWhenAsked) {
    run("CREATE TABLE dbo.k (id int PRIMARY KEY, qty int CONSTRAINT ck_k_qty CHECK (qty < 50))");
    SqlType i4{TypeId::Int, 0, 0, 0};
    BulkRows rows;
    rows.columns = {"id", "qty"};
    rows.types = {i4, i4};
    rows.rows = {{Value::integer(1), Value::integer(99)}};
    // Not checked without CHECK_CONSTRAINTS, and then not trusted; the other options accepted.
    EXPECT_EQ(run("INSERT BULK dbo.k (id int, qty int) WITH (BATCHSIZE = 1000, FIRE_TRIGGERS, "
                  "ORDER(id ASC), TABLOCK, KILOBYTES_PER_BATCH = 64)")
                  .errors(),
              Errors{});
    Recorder loaded;
    session_->bulk_load(rows, loaded);
    EXPECT_EQ(loaded.errors(), Errors{});
    EXPECT_EQ(lines(run("SELECT CAST(is_disabled AS int), CAST(is_not_trusted AS int) FROM "
                        "sys.check_constraints")),
              Lines{"0|1"});
    EXPECT_EQ(run("INSERT INTO dbo.k VALUES (2, 99)").errors(), Errors{547});
    EXPECT_EQ(run("INSERT BULK dbo.k (id int, qty int) WITH (CHECK_CONSTRAINTS, TABLOCK)").errors(),
              Errors{});
    rows.rows = {{Value::integer(3), Value::integer(98)}};
    Recorder refused;
    session_->bulk_load(rows, refused);
    EXPECT_EQ(refused.errors(), Errors{547});
    EXPECT_EQ(lines(run("SELECT id, qty FROM dbo.k")), Lines{"1|99"});
}

// BATCHSIZE: each batch is a transaction; a failing batch rolls back alone.
TEST_F(SqlEngine, InsertBulkBatchSizeCommitsEachBatch) {
    run("CREATE TABLE dbo.bs (id int PRIMARY KEY)");
    SqlType i4{TypeId::Int, 0, 0, 0};
    BulkRows rows;
    rows.columns = {"id"};
    rows.types = {i4};
    for (int id : {1, 2, 3, 4, 1, 6})
        rows.rows.push_back({Value::integer(id)});
    EXPECT_EQ(run("INSERT BULK dbo.bs (id int)").errors(), Errors{});
    Recorder whole;
    session_->bulk_load(rows, whole);
    EXPECT_EQ(whole.errors(), Errors{2627});
    EXPECT_EQ(lines(run("SELECT COUNT(*) FROM dbo.bs")), Lines{"0"});
    EXPECT_EQ(run("INSERT BULK dbo.bs (id int) WITH (BATCHSIZE = 2, TABLOCK)").errors(), Errors{});
    Recorder batched;
    session_->bulk_load(rows, batched);
    EXPECT_EQ(batched.errors(), Errors{2627});
    EXPECT_EQ(lines(run("SELECT id FROM dbo.bs ORDER BY id")), (Lines{"1", "2", "3", "4"}));
    run("DELETE FROM dbo.bs");
    rows.rows[4] = {Value::integer(5)};
    EXPECT_EQ(run("INSERT BULK dbo.bs (id int) WITH (BATCHSIZE = 4)").errors(), Errors{});
    Recorder ok;
    session_->bulk_load(rows, ok);
    EXPECT_EQ(ok.errors(), Errors{});
    ASSERT_FALSE(ok.counts.empty());
    EXPECT_EQ(ok.counts.back(), std::optional<uint64_t>(6));
    EXPECT_EQ(ok.counts.size(), 1u);
}

TEST(SimBulkLoad, ParsesColmetadataRowsAndDone) {
    tds::ByteWriter w;
    w.u8(0x81);
    w.u16(2);
    w.u32(0);
    w.u16(0);
    w.u8(tds::kInt4);
    w.b_varchar("id");
    w.u32(0);
    w.u16(1);
    w.u8(tds::kNVarChar);
    w.u16(40);
    w.bytes(std::string_view(tds::kCollation, 5));
    w.b_varchar("name");
    for (int i = 1; i <= 2; ++i) {
        w.u8(0xD1);
        w.u32(static_cast<uint32_t>(i));
        if (i == 1) {
            w.u16(4);
            w.bytes(std::string("h\0i\0", 4));
        } else {
            w.u16(0xFFFF);
        }
    }
    w.u8(0xFD);
    w.u16(0);
    w.u16(0);
    w.u64(0);
    BulkRows b = tds::parse_bulk_load(w.buffer());
    EXPECT_EQ(b.columns, (std::vector<std::string>{"id", "name"}));
    ASSERT_EQ(b.rows.size(), 2u);
    EXPECT_EQ(b.rows[0][0].i, 1);
    EXPECT_EQ(b.rows[0][1].s, "hi");
    EXPECT_TRUE(b.rows[1][1].is_null());
    EXPECT_EQ(b.types[1].id, TypeId::NVarChar);
    EXPECT_THROW(tds::parse_bulk_load(std::string("\xD1", 1)), tds::ProtocolError);
}

TEST(SimTemporal, DateOrdersAndTwoDigitYears) {
    auto date = [](const char *s, bool legacy = false) {
        auto t = tds::parse_temporal(s, legacy);
        return t && t->has_date ? tds::format_date(t->days) : std::string("none");
    };
    tds::set_date_order("mdy");
    EXPECT_EQ(date("4/15/96"), "1996-04-15");
    EXPECT_EQ(date("4/15/49"), "2049-04-15");
    EXPECT_EQ(date("4/15/50"), "1950-04-15");
    EXPECT_EQ(date("15/4/1996"), "none");
    EXPECT_EQ(date("Apr 1996"), "1996-04-01");
    EXPECT_EQ(date("April 15, 1996"), "1996-04-15");
    EXPECT_EQ(date("15-Apr-1996"), "1996-04-15");
    EXPECT_EQ(date("960415"), "1996-04-15");
    EXPECT_EQ(date("2023-02-30"), "none");
    EXPECT_EQ(date("Foo 15 1996"), "none");
    tds::set_date_order("myd");
    EXPECT_EQ(date("04/1996/15"), "1996-04-15");
    tds::set_date_order("dym");
    EXPECT_EQ(date("15/1996/04"), "1996-04-15");
    EXPECT_EQ(date("1996/15/04", true), "1996-04-15");
    EXPECT_EQ(date("1996/15/04", false), "none");
    EXPECT_FALSE(tds::valid_date_order("dmy ") || tds::valid_date_order("abc"));
    tds::set_date_order("mdy");
    auto t = tds::parse_temporal("10:30:15:250 PM");
    ASSERT_TRUE(t);
    EXPECT_FALSE(t->has_date);
    EXPECT_EQ(tds::format_time(t->ticks), "22:30:15.2500000");
    EXPECT_FALSE(tds::parse_temporal("13:00 PM"));
}
