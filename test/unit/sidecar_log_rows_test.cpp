// sidecar/src/log_rows.hpp: fn_dblog's result columns into LogRows, over a result set in memory
// (the same template reads the live connection and bench/log_decode_bench's captured reads).
#include "log_rows.hpp"

#include <sybdb.h>

#include <gtest/gtest.h>

#include <cstring>

using dts::Lsn;
namespace lr = dts::logrec;

namespace {

// A result set with Connection's reading interface. Cells: nullopt = NULL.
struct Cell {
    int type = SYBVARCHAR;
    std::optional<std::string> bytes;
};
Cell text(const char *s) {
    return {SYBVARCHAR, std::string(s)};
}
Cell null_text() {
    return {SYBVARCHAR, std::nullopt};
}
template <class T> Cell integer(int type, T v) {
    std::string b(sizeof v, '\0');
    std::memcpy(b.data(), &v, sizeof v);
    return {type, b};
}
Cell bytes(const char *s) {
    return {SYBVARBINARY, std::string(s)};
}

class FakeResult {
public:
    std::vector<std::vector<std::vector<Cell>>> sets; // result set, row, column
    bool next_result() {
        row_ = static_cast<size_t>(-1);
        return ++set_ < sets.size();
    }
    int column_count() const { return static_cast<int>(sets[set_].front().size()); }
    dts::tds::ColumnDesc column(int i) const {
        dts::tds::ColumnDesc d;
        d.type = sets[set_].front()[static_cast<size_t>(i - 1)].type;
        return d;
    }
    bool next_row() { return ++row_ < sets[set_].size(); }
    const uint8_t *data(int i) const {
        const auto &c = cell(i);
        return c.bytes ? reinterpret_cast<const uint8_t *>(c.bytes->data()) : nullptr;
    }
    int length(int i) const {
        const auto &c = cell(i);
        return c.bytes ? static_cast<int>(c.bytes->size()) : 0;
    }

private:
    const Cell &cell(int i) const { return sets[set_][row_][static_cast<size_t>(i - 1)]; }
    size_t set_ = static_cast<size_t>(-1), row_ = 0;
};

// The 17 columns of LogStream::columns_sql().
std::vector<Cell> record(const char *lsn, lr::Op op, std::optional<const char *> xact,
                         const char *description = "", const char *name = nullptr,
                         const char *end_time = nullptr, const char *catalog = nullptr,
                         int context_code = 1) {
    return {text(lsn),
            integer(SYBINT4, static_cast<int32_t>(op)),
            integer(SYBINT4, int32_t{context_code}),
            xact ? text(*xact) : null_text(),
            integer(SYBINT8, int64_t{72057594043170816}),
            integer(SYBINT4, int32_t{7}),
            integer(SYBINT2, int16_t{12}),
            integer(SYBINT2, int16_t{4}),
            integer(SYBINT2, int16_t{2}),
            bytes("row0"),
            bytes("r1"),
            {SYBVARBINARY, std::nullopt},
            {SYBVARBINARY, std::nullopt},
            text(description),
            name ? text(name) : null_text(),
            end_time ? text(end_time) : null_text(),
            catalog ? text(catalog) : null_text()};
}

TEST(LogRows, ColumnsBecomeTheAssemblersFields) {
    FakeResult res;
    res.sets.push_back({{text("x")}}); // another result set (fewer columns): skipped
    res.sets.push_back({record("0000002a:00000150:0003", lr::Op::Begin, "0000:000002d6", "",
                               "user_transaction", "2026/01/01 00:00:00:000"),
                        record("0000002a:00000150:0004", lr::Op::Modify, "0000:000002d6",
                               "COMPENSATION", nullptr, nullptr, "sys.sysschobjs.clst"),
                        record("0000002a:00000150:0005", lr::Op::Commit, std::nullopt, "",
                               "ignored", "2026/01/01 00:00:01:000")});
    std::vector<lr::LogRow> out;
    size_t records = 0, bytes = 0;
    sidecar::read_log_rows(res, out, records, bytes);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(records, 3u);
    EXPECT_EQ(bytes, 3u * 6);
    EXPECT_EQ(out[0].lsn, (Lsn{0x2a, 0x150, 3}));
    EXPECT_EQ(out[0].op, lr::Op::Begin);
    EXPECT_EQ(out[0].context, lr::Context::Clustered);
    EXPECT_EQ(out[0].xact, 0x2d6u);
    EXPECT_EQ(out[0].alloc_unit, 72057594043170816);
    EXPECT_EQ(out[0].slot, 7);
    EXPECT_EQ(out[0].offset, 12);
    EXPECT_EQ(out[0].modify_size, 4);
    EXPECT_EQ(out[0].num_elements, 2);
    EXPECT_EQ(out[0].rc0, "row0");
    EXPECT_EQ(out[0].rc1, "r1");
    EXPECT_EQ(out[0].rc2, "");
    EXPECT_EQ(out[0].xact_name, "user_transaction");
    EXPECT_EQ(out[0].end_time, ""); // only a commit's is kept
    EXPECT_FALSE(out[0].compensation);
    EXPECT_FALSE(out[0].catalog);
    EXPECT_EQ(out[1].op, lr::Op::Modify);
    EXPECT_TRUE(out[1].compensation);
    EXPECT_TRUE(out[1].catalog);
    EXPECT_EQ(out[1].xact_name, "");
    EXPECT_EQ(out[2].op, lr::Op::Commit);
    EXPECT_EQ(out[2].xact, 0u); // NULL: outside any transaction
    EXPECT_EQ(out[2].xact_name, "");
    EXPECT_EQ(out[2].end_time, "2026/01/01 00:00:01:000");
}

TEST(LogRows, UnreadableLsnOrTransactionIdIsAnError) {
    FakeResult res;
    res.sets.push_back({record("not an lsn", lr::Op::Begin, "0000:000002d6")});
    std::vector<lr::LogRow> out;
    size_t records = 0, bytes = 0;
    EXPECT_THROW(sidecar::read_log_rows(res, out, records, bytes), dts::Error);
    FakeResult res2;
    res2.sets.push_back({record("0000002a:00000150:0003", lr::Op::Begin, "2d6")});
    EXPECT_THROW(sidecar::read_log_rows(res2, out, records, bytes), dts::Error);
}

TEST(LogRows, OperationAndContextCodes) {
    FakeResult res;
    res.sets.push_back({record("0000002a:00000150:0003", lr::Op::Other, "0000:000002d6", "",
                               nullptr, nullptr, nullptr, 0),
                        record("0000002a:00000150:0004", lr::Op::Delete, "0000:000002d6", "",
                               nullptr, nullptr, nullptr, 2)});
    std::vector<lr::LogRow> out;
    size_t records = 0, bytes = 0;
    sidecar::read_log_rows(res, out, records, bytes);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].op, lr::Op::Other);
    EXPECT_EQ(out[0].context, lr::Context::Other);
    EXPECT_EQ(out[1].op, lr::Op::Delete);
    EXPECT_EQ(out[1].context, lr::Context::MarkAsGhost);
    // A number the reader's CASE never gives: the SQL and the reader disagree, said at once.
    FakeResult bad;
    bad.sets.push_back(
        {record("0000002a:00000150:0003", static_cast<lr::Op>(42), "0000:000002d6")});
    EXPECT_THROW(sidecar::read_log_rows(bad, out, records, bytes), dts::Error);
}

} // namespace
