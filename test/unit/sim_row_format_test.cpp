// The simulator's FixedVar encoder (sql/row_format.cpp) against byte vectors computed by hand
// from the format rules (research brief §3.1/3.2), and the fn_dblog content the engine writes.
#include "engine.hpp"
#include "sql/row_format.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace sim;
using namespace sim::sql;

namespace {

std::string hex(const std::string &b) {
    static const char *d = "0123456789abcdef";
    std::string o;
    for (unsigned char c : b) {
        o.push_back(d[c >> 4]);
        o.push_back(d[c & 15]);
    }
    return o;
}

PhysColumn col(int id, SqlType t, bool nullable = true) {
    PhysColumn c;
    c.column_id = id;
    c.name = "c" + std::to_string(id);
    c.type = t;
    c.nullable = nullable;
    return c;
}

ColumnInput in(Value v) {
    ColumnInput i;
    i.value = std::move(v);
    return i;
}

SqlType T(TypeId id, int32_t len = 0, uint8_t p = 0, uint8_t s = 0) {
    return {id, len, p, s};
}

std::string fixed(SqlType t, Value v) {
    return hex(encode_fixed(t, v));
}

} // namespace

// int + char(10) + varchar(20): the textbook record.
TEST(SimRowFormat, IntCharVarchar) {
    auto l = make_layout(
        {col(1, T(TypeId::Int)), col(2, T(TypeId::Char, 10)), col(3, T(TypeId::VarChar, 20))});
    EXPECT_EQ(l.cols[0].leaf_offset, 4);
    EXPECT_EQ(l.cols[1].leaf_offset, 8);
    EXPECT_EQ(l.cols[2].leaf_offset, -1);
    EXPECT_EQ(l.fixed_end, 18);
    std::string r =
        encode_record(l, {in(Value::integer(1)), in(Value::text("abc")), in(Value::text("xy"))});
    // status 0x30, F = 18, id, 'abc' + 7 blanks, N = 3, bitmap 0, V = 1, end 27, 'xy'
    EXPECT_EQ(hex(r), "30001200"
                      "01000000"
                      "61626320202020202020"
                      "0300"
                      "00"
                      "0100"
                      "1b00"
                      "7879");
}

// A trailing NULL variable column is not stored; unused bitmap bits carry garbage.
TEST(SimRowFormat, TrailingNullVarOmittedAndGarbageBits) {
    auto l = make_layout(
        {col(1, T(TypeId::Int)), col(2, T(TypeId::Char, 10)), col(3, T(TypeId::VarChar, 20))});
    EncodeOptions o;
    o.garbage = 0xF8;
    std::string r =
        encode_record(l, {in(Value::integer(1)), in(Value::text("abc")), in(Value::null())}, o);
    EXPECT_EQ(hex(r), "10001200010000006162632020202020202003"
                      "00fc");
}

// Records are at least 9 bytes long.
TEST(SimRowFormat, NineByteMinimum) {
    auto l = make_layout({col(1, T(TypeId::TinyInt))});
    std::string r = encode_record(l, {in(Value::null())});
    EXPECT_EQ(hex(r), "100005000001000100");
}

// Bit columns share a byte placed where the first bit column falls.
TEST(SimRowFormat, BitsPacked) {
    auto l = make_layout({col(1, T(TypeId::Bit)), col(2, T(TypeId::Int)), col(3, T(TypeId::Bit))});
    EXPECT_EQ(l.cols[0].leaf_offset, 4);
    EXPECT_EQ(l.cols[2].leaf_offset, 4);
    EXPECT_EQ(l.cols[2].leaf_bit_position, 1);
    EXPECT_EQ(l.cols[1].leaf_offset, 5);
    std::string r =
        encode_record(l, {in(Value::integer(1)), in(Value::integer(7)), in(Value::integer(1))});
    EXPECT_EQ(hex(r), "100009000307000000030000");
}

// A non-unique clustered index's uniquifier is the first variable column.
TEST(SimRowFormat, UniquifierIsFirstVariableColumn) {
    PhysColumn u = col(0, T(TypeId::Int));
    u.is_uniqueifier = true;
    auto l = make_layout({col(1, T(TypeId::Int)), u, col(2, T(TypeId::VarChar, 10))});
    EXPECT_EQ(l.cols[1].leaf_offset, -1);
    EXPECT_EQ(l.cols[2].leaf_offset, -2);
    std::string r =
        encode_record(l, {in(Value::integer(5)), in(Value::integer(1)), in(Value::text("a"))});
    // V = 2: uniquifier 01000000 ends at 19, 'a' at 20
    // N = 3 at 8, bitmap at 10, V = 2 at 11, ends at 13 and 15; uniquifier 1 ends at 21,
    // 'a' at 22
    EXPECT_EQ(hex(r), "300008000500000003000002001500160001000000"
                      "61");
}

TEST(SimRowFormat, FixedTypeEncodings) {
    EXPECT_EQ(fixed(T(TypeId::SmallInt), Value::integer(-2)), "feff");
    EXPECT_EQ(fixed(T(TypeId::BigInt), Value::integer(1)), "0100000000000000");
    EXPECT_EQ(fixed(T(TypeId::Decimal, 0, 5, 2), Value::text("123.45")), "0139300000");
    EXPECT_EQ(fixed(T(TypeId::Numeric, 0, 10, 2), Value::text("-1.00")), "006400000000000000");
    EXPECT_EQ(fixed(T(TypeId::Money), Value::text("1.0000")), "1027000000000000");
    EXPECT_EQ(fixed(T(TypeId::SmallMoney), Value::text("-0.0001")), "ffffffff");
    EXPECT_EQ(fixed(T(TypeId::Real), Value::real(1.0)), "0000803f");
    EXPECT_EQ(fixed(T(TypeId::Float), Value::real(2.0)), "0000000000000040");
    EXPECT_EQ(fixed(T(TypeId::Date), Value::text("2000-01-01")), "07240b");
    EXPECT_EQ(fixed(T(TypeId::Time, 0, 0, 7), Value::text("00:00:01.0000000")), "8096980000");
    EXPECT_EQ(fixed(T(TypeId::Time, 0, 0, 0), Value::text("00:01:00.0000000")), "3c0000");
    EXPECT_EQ(fixed(T(TypeId::DateTime), Value::text("1900-01-01 00:00:01.0000000")),
              "2c01000000000000");
    EXPECT_EQ(fixed(T(TypeId::DateTime), Value::text("1900-01-02 00:00:00.0030000")),
              "0100000001000000");
    EXPECT_EQ(fixed(T(TypeId::SmallDateTime), Value::text("1900-01-02 00:01:00.0000000")),
              "01000100");
    EXPECT_EQ(fixed(T(TypeId::DateTime2, 0, 0, 3), Value::text("0001-01-01 00:00:00.0010000")),
              "01000000000000");
    // datetimeoffset: UTC time and date, then the offset in minutes
    EXPECT_EQ(fixed(T(TypeId::DateTimeOffset, 0, 0, 0),
                    Value::text("2000-01-01 01:00:00.0000000 +01:00")),
              "00000007240b3c00");
    EXPECT_EQ(
        fixed(T(TypeId::UniqueIdentifier), Value::text("6F9619FF-8B86-D011-B42D-00C04FC964FF")),
        "ff19966f868b11d0b42d00c04fc964ff");
    EXPECT_EQ(fixed(T(TypeId::NChar, 3), Value::text("a")), "610020002000");
    EXPECT_EQ(fixed(T(TypeId::Char, 2), Value::text("\xc3\xa9")), "e920");
    EXPECT_EQ(fixed(T(TypeId::Binary, 3), Value::blob("\x01")), "010000");
    EXPECT_EQ(hex(encode_var(T(TypeId::NVarChar, 10), Value::text("ab"))), "61006200");
}

// Over 8060 bytes the largest variable value leaves the row: a 24-byte row-overflow pointer
// with the complex bit in its offset entry.
TEST(SimRowFormat, RowOverflowPointer) {
    auto l = make_layout({col(1, T(TypeId::VarChar, 8000)), col(2, T(TypeId::VarChar, 8000))});
    std::string stored;
    OffRow off;
    off.store = [&](int kind, bool textptr, const std::string &data) {
        EXPECT_EQ(kind, 2);
        EXPECT_FALSE(textptr);
        stored = data;
        return std::string(24, '\x02');
    };
    EncodeOptions o;
    o.off_row = &off;
    std::string r = encode_record(
        l, {in(Value::text(std::string(5000, 'a'))), in(Value::text(std::string(4000, 'b')))}, o);
    EXPECT_EQ(stored, std::string(5000, 'a'));
    EXPECT_EQ(r.size(), 4u + 2 + 1 + 2 + 4 + 24 + 4000);
    auto c = stored_column(l, r, 0);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->complex);
    EXPECT_EQ(c->bytes.size(), 24u);
}

// text / ntext / image / xml always live behind a 16-byte text pointer.
TEST(SimRowFormat, TextPointer) {
    auto l = make_layout({col(1, T(TypeId::Int)), col(2, T(TypeId::Text))});
    std::string r = encode_record(l, {in(Value::integer(1)), in(Value::text("x"))});
    auto c = stored_column(l, r, 1);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->complex);
    EXPECT_EQ(c->bytes.size(), 16u);
}

// The clustered key as an index record (RowLog Contents 2).
TEST(SimRowFormat, IndexRecord) {
    EXPECT_EQ(hex(encode_index_record({{T(TypeId::Int), Value::integer(1)}})), "160100000001"
                                                                               "0000");
    EXPECT_EQ(hex(encode_index_record({{T(TypeId::Int), Value::integer(2)},
                                       {T(TypeId::VarChar, 5), Value::text("ab")}})),
              "36020000000200000100"
              "0e00"
              "6162");
}

// ---- fn_dblog through the engine ------------------------------------------------------------

namespace {
struct Sink : ResultSink {
    std::vector<std::vector<ColumnInfo>> sets;
    std::vector<std::vector<std::vector<Value>>> rows;
    std::vector<Message> messages;
    void columns(const std::vector<ColumnInfo> &c) override {
        sets.push_back(c);
        rows.emplace_back();
    }
    bool row(const std::vector<Value> &v) override {
        rows.back().push_back(v);
        return true;
    }
    void end_statement(std::optional<uint64_t>, bool) override {}
    void message(const Message &m) override { messages.push_back(m); }
    void database_changed(const std::string &, const std::string &) override {}
    void transaction_began(uint64_t) override {}
    void transaction_ended(uint64_t, bool) override {}
    void return_value(const std::string &, const SqlType &, const Value &) override {}
    void return_status(int32_t) override {}
    bool cancelled() override { return false; }
};

class SimDblog : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("sqlsim-dblog-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        ServerSettings s;
        s.data_dir = dir_.string();
        s.logins = {LoginDef{"sa", "pw", true}};
        engine_ = open_engine(s);
        session_ = engine_->open_session(LoginInfo{"sa", "pw", "master", "unit", "host"});
        run("CREATE DATABASE u; USE u");
    }
    void TearDown() override {
        session_.reset();
        engine_.reset();
        std::filesystem::remove_all(dir_);
    }
    Sink run(const std::string &sql) {
        Sink r;
        session_->execute_batch(sql, r);
        for (const auto &m : r.messages)
            EXPECT_LE(m.severity, 10) << sql << ": " << m.text;
        return r;
    }
    // "Operation Context [Transaction Name] Offset/Size hex(RC0) hex(RC1)" of the records of
    // user tables and transactions after `from`.
    std::vector<Value> last_row(const Sink &s) { return s.rows.back().back(); }
    std::filesystem::path dir_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<Session> session_;
};

std::string s(const Value &v) {
    if (v.is_null())
        return "NULL";
    if (v.kind == Value::Kind::Int)
        return std::to_string(v.i);
    if (v.kind == Value::Kind::Blob)
        return hex(v.s);
    return v.s;
}
} // namespace

TEST_F(SimDblog, ColumnsAndInsertUpdateDelete) {
    run("CREATE TABLE dbo.orders (id int NOT NULL CONSTRAINT PK_orders PRIMARY KEY, qty int, "
        "name varchar(20), note varchar(20))");
    auto start = last_row(run("SELECT MAX([Current LSN]) FROM fn_dblog(NULL, NULL)"))[0].s;
    run("INSERT INTO dbo.orders VALUES (1, 10, 'abc', 'n')");
    run("UPDATE dbo.orders SET qty = 11 WHERE id = 1");
    run("UPDATE dbo.orders SET name = 'abcdef' WHERE id = 1");
    run("UPDATE dbo.orders SET qty = 12, note = 'm' WHERE id = 1");
    run("DELETE FROM dbo.orders WHERE id = 1");
    Sink all = run("SELECT * FROM sys.fn_dblog(NULL, NULL)");
    ASSERT_EQ(all.sets.size(), 1u);
    EXPECT_EQ(all.sets[0][0].name, "Current LSN");
    EXPECT_EQ(all.sets[0][0].type.id, TypeId::NVarChar);
    EXPECT_EQ(all.sets[0][0].type.length, 23);
    EXPECT_EQ(all.sets[0].back().name, "Log Record");
    Sink r = run("SELECT Operation, Context, [Transaction Name], [Offset in Row], [Modify Size], "
                 "[RowLog Contents 0], [RowLog Contents 1], [RowLog Contents 2], AllocUnitName, "
                 "Description FROM ::fn_dblog(N'0x" +
                 start +
                 "', NULL) WHERE Operation IN ('LOP_BEGIN_XACT', 'LOP_INSERT_ROWS', "
                 "'LOP_MODIFY_ROW', 'LOP_MODIFY_COLUMNS', 'LOP_DELETE_ROWS') AND "
                 "Context <> 'LCX_PFS' AND (Context <> 'LCX_NULL' OR [Transaction Name] IN "
                 "('INSERT', 'UPDATE', "
                 "'DELETE')) ORDER BY [Current LSN]");
    std::vector<std::string> got;
    for (const auto &row : r.rows[0]) {
        std::string l;
        for (const auto &v : row)
            l += (l.empty() ? "" : " ") + s(v);
        got.push_back(l);
    }
    // Record: 30 00 | F = 12 | id | qty | N = 4 | bitmap (garbage e0) | V = 2 | ends | data
    ASSERT_EQ(got.size(), 10u) << ::testing::PrintToString(got);
    EXPECT_EQ(got[0], "LOP_BEGIN_XACT LCX_NULL INSERT NULL NULL NULL NULL NULL NULL NULL");
    EXPECT_EQ(got[1].substr(0, 30), "LOP_INSERT_ROWS LCX_CLUSTERED ");
    EXPECT_NE(got[1].find("dbo.orders.PK_orders"), std::string::npos);
    // qty 10 -> 11: one byte at offset 8; RC2 = the key as an index record
    EXPECT_EQ(got[1], "LOP_INSERT_ROWS LCX_CLUSTERED NULL NULL NULL "
                      "30000c00010000000a0000000400e00200180019006162636e NULL NULL "
                      "dbo.orders.PK_orders NULL");
    EXPECT_EQ(got[3], "LOP_MODIFY_ROW LCX_CLUSTERED NULL 8 1 0a 0b 160100000001"
                      "0000 dbo.orders.PK_orders NULL");
    // name grows: from the first var offset entry to the end of the record
    EXPECT_EQ(got[5].substr(0, 32), "LOP_MODIFY_ROW LCX_CLUSTERED NUL");
    EXPECT_EQ(got[5], "LOP_MODIFY_ROW LCX_CLUSTERED NULL 17 8 180019006162636e "
                      "1b001c006162636465666e 1601000000010000 dbo.orders.PK_orders NULL");
    // qty and note change, far apart: two ranges
    // RC0 (offset before, offset after) pairs, RC1 lengths
    EXPECT_EQ(got[7], "LOP_MODIFY_COLUMNS LCX_CLUSTERED NULL 8 20 080008001b001b00 01000100 "
                      "1601000000010000 dbo.orders.PK_orders NULL");
    EXPECT_EQ(got[9].substr(0, 34), "LOP_DELETE_ROWS LCX_MARK_AS_GHOST ");
}

TEST_F(SimDblog, RollbackAndSavepointWriteCompensation) {
    run("CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v int)");
    run("INSERT INTO dbo.t VALUES (1, 1)");
    auto start = last_row(run("SELECT MAX([Current LSN]) FROM fn_dblog(NULL, NULL)"))[0].s;
    run("BEGIN TRAN; UPDATE dbo.t SET v = 2 WHERE id = 1; ROLLBACK");
    run("BEGIN TRAN; INSERT INTO dbo.t VALUES (2, 2); SAVE TRAN sp; INSERT INTO dbo.t VALUES (3, "
        "3); ROLLBACK TRAN sp; COMMIT");
    Sink r = run("SELECT Operation, Context, Description, [RowLog Contents 0], [RowLog Contents "
                 "1] FROM fn_dblog(N'0x" +
                 start + "', NULL) WHERE [Current LSN] > '" + start +
                 "' AND (Context IN ('LCX_CLUSTERED', 'LCX_MARK_AS_GHOST') OR "
                 "Operation IN ('LOP_ABORT_XACT', 'LOP_COMMIT_XACT')) ORDER BY [Current "
                 "LSN]");
    std::vector<std::string> got;
    for (const auto &row : r.rows[0])
        got.push_back(s(row[0]) + " " + s(row[1]) + " " + s(row[2]) + " " + s(row[4]));
    std::vector<std::string> want = {
        "LOP_MODIFY_ROW LCX_CLUSTERED NULL 02",
        "LOP_MODIFY_ROW LCX_CLUSTERED COMPENSATION 01",
        "LOP_ABORT_XACT LCX_NULL NULL NULL",
        "LOP_INSERT_ROWS LCX_CLUSTERED NULL NULL",
        "LOP_INSERT_ROWS LCX_CLUSTERED NULL NULL",
        "LOP_DELETE_ROWS LCX_MARK_AS_GHOST COMPENSATION NULL",
        "LOP_COMMIT_XACT LCX_NULL NULL NULL",
    };
    EXPECT_EQ(got, want);
    EXPECT_EQ(s(r.rows[0][1][3]), ""); // the CLR's RC0 is empty
    Sink t = run("SELECT COUNT(*) FROM dbo.t");
    EXPECT_EQ(t.rows[0][0][0].i, 2);
}

TEST_F(SimDblog, CheckpointTruncatesInSimpleAndLogBackupInFull) {
    run("CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY)");
    run("ALTER DATABASE u SET RECOVERY SIMPLE");
    run("INSERT INTO dbo.t VALUES (1)");
    auto before = last_row(run("SELECT MIN([Current LSN]) FROM fn_dblog(NULL, NULL)"))[0].s;
    run("CHECKPOINT");
    auto ops = run("SELECT Operation FROM fn_dblog(NULL, NULL) ORDER BY [Current LSN]");
    ASSERT_EQ(ops.rows[0].size(), 3u);
    EXPECT_EQ(ops.rows[0][0][0].s, "LOP_BEGIN_CKPT");
    EXPECT_EQ(ops.rows[0][2][0].s, "LOP_END_CKPT");
    run("ALTER DATABASE u SET RECOVERY FULL");
    const std::string full = (dir_ / "full.bak").string(), lg = (dir_ / "log.trn").string();
    run("BACKUP DATABASE u TO DISK = N'" + full + "'");
    run("INSERT INTO dbo.t VALUES (2)");
    run("CHECKPOINT");
    auto kept = run("SELECT COUNT(*) FROM fn_dblog(NULL, NULL) WHERE Operation = "
                    "'LOP_INSERT_ROWS' AND Context = 'LCX_CLUSTERED'");
    EXPECT_GE(kept.rows[0][0][0].i, 1); // FULL after a backup keeps the log at checkpoint
    auto wait = run("SELECT log_reuse_wait_desc FROM sys.databases WHERE name = 'u'");
    EXPECT_EQ(wait.rows[0][0][0].s, "LOG_BACKUP");
    run("BACKUP LOG u TO DISK = N'" + lg + "'");
    auto gone = run("SELECT COUNT(*) FROM fn_dblog(NULL, NULL) WHERE Operation = "
                    "'LOP_INSERT_ROWS' AND Context = 'LCX_CLUSTERED'");
    EXPECT_EQ(gone.rows[0][0][0].i, 0);
    std::string defaults;
    for (int i = 0; i < 63; ++i)
        defaults += ", DEFAULT";
    auto dump =
        run("SELECT COUNT(*) FROM sys.fn_dump_dblog(NULL, NULL, N'DISK', 1, N'" + lg + "'" +
            defaults + ") WHERE Operation = 'LOP_INSERT_ROWS' AND Context = 'LCX_CLUSTERED'");
    EXPECT_EQ(dump.rows[0][0][0].i, 1);
    auto bs = run("SELECT type, first_lsn, last_lsn FROM msdb.dbo.backupset b JOIN "
                  "msdb.dbo.backupmediafamily m ON m.media_set_id = b.media_set_id WHERE "
                  "m.physical_device_name = N'" +
                  lg + "'");
    ASSERT_EQ(bs.rows[0].size(), 1u);
    EXPECT_EQ(bs.rows[0][0][0].s, "L");
    // last_lsn is the next record after the backup, where the next log backup starts.
    const std::string lg2 = (dir_ / "log2.trn").string();
    run("INSERT INTO dbo.t VALUES (3)");
    run("BACKUP LOG u TO DISK = N'" + lg2 + "'");
    auto chain = run("SELECT CAST(b.first_lsn AS varchar(30)), CAST(b.last_lsn AS varchar(30)) "
                     "FROM msdb.dbo.backupset b WHERE b.database_name = N'u' AND b.type = 'L' "
                     "ORDER BY b.backup_set_id");
    ASSERT_EQ(chain.rows[0].size(), 2u);
    EXPECT_EQ(chain.rows[0][1][0].s, chain.rows[0][0][1].s);
    EXPECT_LT(chain.rows[0][1][0].s, chain.rows[0][1][1].s);
    auto dump2 =
        run("SELECT COUNT(*) FROM sys.fn_dump_dblog(NULL, NULL, N'DISK', 1, N'" + lg2 + "'" +
            defaults + ") WHERE Operation = 'LOP_INSERT_ROWS' AND Context = 'LCX_CLUSTERED'");
    EXPECT_EQ(dump2.rows[0][0][0].i, 1);
    (void)before;
}

// Records become visible in LSN order only: a reader's snapshot is always a prefix.
TEST_F(SimDblog, LsnsIncreaseAndArgumentsParse) {
    run("CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v varchar(10))");
    for (int i = 0; i < 20; ++i)
        run("INSERT INTO dbo.t VALUES (" + std::to_string(i) + ", 'x')");
    auto all = run("SELECT [Current LSN] FROM fn_dblog(NULL, NULL)");
    ASSERT_GT(all.rows[0].size(), 40u);
    for (size_t i = 1; i < all.rows[0].size(); ++i)
        EXPECT_LT(all.rows[0][i - 1][0].s, all.rows[0][i][0].s);
    const std::string mid = all.rows[0][all.rows[0].size() / 2][0].s;
    unsigned a = 0, b = 0, c = 0;
    ASSERT_EQ(std::sscanf(mid.c_str(), "%x:%x:%x", &a, &b, &c), 3);
    auto dec = run("SELECT TOP 1 [Current LSN] FROM fn_dblog('" + std::to_string(a) + ":" +
                   std::to_string(b) + ":" + std::to_string(c) + "', DEFAULT)");
    EXPECT_EQ(dec.rows[0][0][0].s, mid);
    auto hx = run("SELECT COUNT(*) FROM fn_dblog('0x" + mid + "', '0x" + mid + "')");
    EXPECT_EQ(hx.rows[0][0][0].i, 1);
}
