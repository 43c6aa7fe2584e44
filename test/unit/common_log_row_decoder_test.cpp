// The FixedVar record decoder (row_decoder.hpp) on records built byte by byte from the format
// rules (../shared/research/sql-server-log-format.md §3.1).
#include "common_log_test_util.hpp"
#include "row_decoder.hpp"

#include <gtest/gtest.h>

using namespace dts::logrec;
using logtest::Bytes;
using logtest::col;

namespace {

// T(id int NOT NULL PRIMARY KEY CLUSTERED, amount decimal(10,2), flag bit, name varchar(20),
//   note nvarchar(10))
Layout sample_layout() {
    return logtest::id_amount_flag(
        {col("name", 4, 167, -1, 4, 20), col("note", 5, 231, -2, 5, 20)});
}

// (7, -123.45, 1, 'Café' in code page 1252, N'hé'), with `bitmap` as the NULL bitmap byte.
std::string sample_record(unsigned bitmap = 0x00) {
    return Bytes()
        .u8(0x30)       // status A: NULL bitmap + variable columns, type 0
        .u8(0x00)       // status B
        .u16(18)        // F: fixed data ends at 18 (4 + int 4 + decimal 9 + bit byte 1)
        .u32(7)         // 4: id
        .u8(0)          // 8: amount sign 0 = negative
        .u64(12345)     // 9: magnitude 12345, scale 2
        .u8(0x01)       // 17: bit byte, flag at bit 0
        .u16(5)         // 18: N = 5 columns
        .u8(bitmap)     // 20: NULL bitmap (bits 0-4 used)
        .u16(2)         // 21: V = 2 variable columns
        .u16(31)        // 23: name ends at 31
        .u16(35)        // 25: note ends at 35
        .raw("Caf\xE9") // 27: name, code page 1252
        .raw(std::string("h\0\xE9\0", 4)); // 31: note, UTF-16LE
}

TEST(LogRowDecoder, FixedAndVariableColumns) {
    const DecodedRow r = decode_record(sample_layout(), sample_record());
    ASSERT_EQ(r.values.size(), 5u);
    EXPECT_EQ(r.values[0], "7");
    EXPECT_EQ(r.values[1], "-123.45");
    EXPECT_EQ(r.values[2], "true");
    EXPECT_EQ(r.values[3], "Caf\xC3\xA9");
    EXPECT_EQ(r.values[4], "h\xC3\xA9");
    for (Cell c : r.cells)
        EXPECT_EQ(c, Cell::Value);
    EXPECT_FALSE(r.ghost);
    EXPECT_FALSE(r.versioned);
}

TEST(LogRowDecoder, RecordCutByFnDblogLeavesTheTailColumnsCut) {
    // fn_dblog returns at most 8000 bytes of a row: the record ends inside `note`, then inside
    // `name`. Accepted only when the caller says the record may be cut.
    const std::string whole = sample_record();
    const std::string in_note = whole.substr(0, 33), in_name = whole.substr(0, 29);
    EXPECT_THROW(decode_record(sample_layout(), in_note), DecodeError);
    DecodedRow r = decode_record(sample_layout(), in_note, true);
    EXPECT_TRUE(r.cut);
    EXPECT_EQ(r.values[0], "7");
    EXPECT_EQ(r.values[3], "Caf\xC3\xA9");
    EXPECT_EQ(r.cells[3], Cell::Value);
    EXPECT_EQ(r.cells[4], Cell::Cut);
    EXPECT_EQ(r.values[4], std::nullopt);
    r = decode_record(sample_layout(), in_name, true);
    EXPECT_EQ(r.cells[3], Cell::Cut);
    EXPECT_EQ(r.cells[4], Cell::Cut);
    // A whole record is not cut, may_be_cut or not.
    EXPECT_FALSE(decode_record(sample_layout(), whole, true).cut);
    // Cut inside the variable offsets array: still refused.
    EXPECT_THROW(decode_record(sample_layout(), whole.substr(0, 24), true), DecodeError);
}

TEST(LogRowDecoder, UnusedNullBitmapBitsAreMasked) {
    // Bits 5-7 of the only bitmap byte belong to no column: garbage, ignored.
    const DecodedRow r = decode_record(sample_layout(), sample_record(0xE0));
    EXPECT_EQ(r.values[0], "7");
    EXPECT_EQ(r.values[4], "h\xC3\xA9");
}

TEST(LogRowDecoder, NullsInTheMiddleAndTrailingVariableColumnsOmitted) {
    // (7, NULL, NULL, NULL, N'x'): name NULL in the middle (zero length), fixed NULLs keep bytes.
    std::string rec = Bytes()
                          .u8(0x30)
                          .u8(0)
                          .u16(18)  // F
                          .u32(7)   // id
                          .u8(1)    // amount bytes, ignored: NULL
                          .u64(99)  //
                          .u8(0x01) // flag byte: bit set but the column is NULL
                          .u16(5)   // N
                          .u8(0x0E) // bitmap: amount, flag, name NULL (bits 1-3)
                          .u16(2)   // V
                          .u16(27)  // name ends where it starts: NULL, empty
                          .u16(29)  // note ends at 29
                          .raw(std::string("x\0", 2));
    DecodedRow r = decode_record(sample_layout(), rec);
    EXPECT_EQ(r.values[0], "7");
    EXPECT_EQ(r.values[1], std::nullopt);
    EXPECT_EQ(r.values[2], std::nullopt);
    EXPECT_EQ(r.values[3], std::nullopt);
    EXPECT_EQ(r.values[4], "x");
    // (7, 0.00, 0, 'ab', NULL): the trailing NULL note is not stored (V = 1).
    rec = Bytes()
              .u8(0x30)
              .u8(0)
              .u16(18)
              .u32(7)
              .u8(1) // amount +0
              .u64(0)
              .u8(0x00) // flag 0
              .u16(5)
              .u8(0x10) // bitmap: note NULL
              .u16(1)   // V = 1
              .u16(27)  // name ends at 27 (data from 25)
              .raw("ab");
    r = decode_record(sample_layout(), rec);
    EXPECT_EQ(r.values[1], "0.00");
    EXPECT_EQ(r.values[2], "false");
    EXPECT_EQ(r.values[3], "ab");
    EXPECT_EQ(r.values[4], std::nullopt);
    // No variable columns at all (status without 0x20): both variable columns NULL.
    rec = Bytes().u8(0x10).u8(0).u16(18).u32(7).u8(1).u64(5).u8(0).u16(5).u8(0x18);
    r = decode_record(sample_layout(), rec);
    EXPECT_EQ(r.values[1], "0.05");
    EXPECT_EQ(r.values[3], std::nullopt);
    EXPECT_EQ(r.values[4], std::nullopt);
    // ... but a NOT NULL bit for an unstored variable column is an error.
    rec = Bytes().u8(0x10).u8(0).u16(18).u32(7).u8(1).u64(5).u8(0).u16(5).u8(0x08);
    EXPECT_THROW(decode_record(sample_layout(), rec), DecodeError);
}

TEST(LogRowDecoder, BitColumnsShareOneByte) {
    Layout l;
    l.columns.push_back(col("a", 1, 104, 4, 1, 1));
    l.columns.push_back(col("b", 2, 104, 4, 2, 1));
    l.columns.back().leaf_bit_position = 1;
    l.columns.push_back(col("c", 3, 104, 4, 3, 1));
    l.columns.back().leaf_bit_position = 2;
    l.columns.push_back(col("d", 4, 48, 5, 4, 1));
    const std::string rec = Bytes()
                                .u8(0x10)  // status A: bitmap, no variable columns
                                .u8(0)     //
                                .u16(6)    // F
                                .u8(0x05)  // 4: a = 1 (bit 0), b = 0 (bit 1), c = 1 (bit 2)
                                .u8(200)   // 5: d tinyint 200
                                .u16(4)    // N
                                .u8(0xF0); // bitmap: bits 4-7 garbage
    const DecodedRow r = decode_record(l, rec);
    EXPECT_EQ(r.values[0], "true");
    EXPECT_EQ(r.values[1], "false");
    EXPECT_EQ(r.values[2], "true");
    EXPECT_EQ(r.values[3], "200");
}

TEST(LogRowDecoder, DroppedColumnsOccupyBytesAndAreSkipped) {
    // (a int, x bigint dropped, b smallint, y varchar dropped, s varchar(10))
    Layout l;
    l.columns.push_back(col("a", 1, 56, 4, 1, 4));
    l.columns.push_back(col("", 2, 127, 8, 2, 8));
    l.columns.back().is_dropped = true;
    l.columns.push_back(col("b", 3, 52, 16, 3, 2));
    l.columns.push_back(col("", 4, 167, -1, 4, 10));
    l.columns.back().is_dropped = true;
    l.columns.push_back(col("s", 5, 167, -2, 5, 10));
    const std::string rec = Bytes()
                                .u8(0x30)
                                .u8(0)
                                .u16(18)       // F
                                .u32(1)        // 4: a
                                .u64(0xFFFFFF) // 8: dropped bigint, still there
                                .u16(0xFFFE)   // 16: b = -2
                                .u16(5)        // 18: N
                                .u8(0)         // 20: bitmap
                                .u16(2)        // 21: V
                                .u16(30)       // 23: dropped varchar ends at 30
                                .u16(32)       // 25: s ends at 32
                                .raw("old")    // 27: dropped data
                                .raw("ok");    // 30: s
    const DecodedRow r = decode_record(l, rec);
    EXPECT_EQ(r.values[0], "1");
    EXPECT_EQ(r.values[1], std::nullopt);
    EXPECT_EQ(r.values[2], "-2");
    EXPECT_EQ(r.values[3], std::nullopt);
    EXPECT_EQ(r.values[4], "ok");
}

TEST(LogRowDecoder, ColumnsAddedLaterAreNullOrTheirDefault) {
    Layout l;
    l.columns.push_back(col("a", 1, 56, 4, 1, 4));
    l.columns.push_back(col("added_null", 2, 56, 8, 2, 4));
    l.columns.push_back(col("added_default", 3, 56, 12, 3, 4));
    l.columns.back().is_nullable = false;
    l.columns.back().default_value = "42";
    l.columns.push_back(col("added_var", 4, 167, -1, 4, 10));
    // Written when only `a` existed: F = 8, N = 1.
    const std::string rec = Bytes().u8(0x10).u8(0).u16(8).u32(5).u16(1).u8(0xFE);
    const DecodedRow r = decode_record(l, rec);
    EXPECT_EQ(r.values[0], "5");
    EXPECT_EQ(r.values[1], std::nullopt);
    EXPECT_EQ(r.values[2], "42");
    EXPECT_EQ(r.values[3], std::nullopt);
    // Data for a column beyond the column count: the record contradicts itself.
    EXPECT_THROW(decode_record(l, Bytes().u8(0x10).u8(0).u16(12).u32(5).u32(1).u16(1).u8(0)),
                 DecodeError);
    EXPECT_THROW(decode_record(l, Bytes().u8(0x30).u8(0).u16(8).u32(5).u16(1).u8(0).u16(1).u16(15)),
                 DecodeError);
    // A NOT NULL column added without a default cannot be missing.
    l.columns[2].default_value.reset();
    EXPECT_THROW(decode_record(l, rec), DecodeError);
}

TEST(LogRowDecoder, UniquifierIsTheFirstVariableColumnWhenNotZero) {
    // Non-unique clustered index on k: uniquifier at variable slot 1, s at slot 2.
    Layout l;
    l.columns.push_back(col("", 1, 56, -1, 1, 4));
    l.columns.back().is_uniqueifier = true;
    l.columns.back().key_ordinal = 2;
    l.columns.push_back(col("k", 2, 56, 4, 2, 4));
    l.columns.back().key_ordinal = 1;
    l.columns.push_back(col("s", 3, 167, -2, 3, 10));
    // First row with k = 3: uniquifier 0, not stored, no other variable column stored either.
    std::string rec = Bytes().u8(0x10).u8(0).u16(8).u32(3).u16(3).u8(0x04);
    DecodedRow r = decode_record(l, rec);
    EXPECT_EQ(r.values[0], "0");
    EXPECT_EQ(r.values[1], "3");
    EXPECT_EQ(r.values[2], std::nullopt);
    // Second row with k = 3: uniquifier 1 stored as the first variable column.
    rec = Bytes()
              .u8(0x30)
              .u8(0)
              .u16(8)  // F
              .u32(3)  // k
              .u16(3)  // N
              .u8(0)   // bitmap
              .u16(2)  // V
              .u16(21) // uniquifier ends at 21 (data from 17)
              .u16(23) // s ends at 23
              .u32(1)  // 17: uniquifier
              .raw("hi");
    r = decode_record(l, rec);
    EXPECT_EQ(r.values[0], "1");
    EXPECT_EQ(r.values[2], "hi");
    // Uniquifier 0 with s stored: an empty first slot.
    rec = Bytes().u8(0x30).u8(0).u16(8).u32(3).u16(3).u8(0).u16(2).u16(17).u16(19).raw("hi");
    r = decode_record(l, rec);
    EXPECT_EQ(r.values[0], "0");
    EXPECT_EQ(r.values[2], "hi");
    // A uniquifier of 2 bytes is impossible.
    rec = Bytes().u8(0x30).u8(0).u16(8).u32(3).u16(3).u8(0).u16(2).u16(19).u16(19).u16(1);
    EXPECT_THROW(decode_record(l, rec), DecodeError);
}

TEST(LogRowDecoder, VersioningTagIsStrippedAndGhostsFlagged) {
    std::string rec = sample_record();
    rec[0] = 0x70;                                             // + versioning tag
    rec += Bytes().u64(0x1122334455667788ULL).u32(1).u16(2).s; // 14-byte tag
    DecodedRow r = decode_record(sample_layout(), rec);
    EXPECT_TRUE(r.versioned);
    EXPECT_EQ(r.values[4], "h\xC3\xA9");
    rec = sample_record();
    rec[0] = 0x3C; // type 6: ghost data record
    r = decode_record(sample_layout(), rec);
    EXPECT_TRUE(r.ghost);
    EXPECT_EQ(r.values[0], "7");
}

TEST(LogRowDecoder, NineByteMinimumRecordIsPadded) {
    Layout l;
    l.columns.push_back(col("t", 1, 48, 4, 1, 1));
    // 4 + tinyint 1 + N 2 + bitmap 1 = 8 bytes, padded to 9.
    const std::string rec = Bytes().u8(0x10).u8(0).u16(5).u8(9).u16(1).u8(0).u8(0);
    EXPECT_EQ(decode_record(l, rec).values[0], "9");
    // Not padded: shorter than any record on a page.
    EXPECT_THROW(decode_record(l, rec.substr(0, 8)), DecodeError);
    // Padding past 9 bytes is no padding.
    EXPECT_THROW(decode_record(l, rec + '\0'), DecodeError);
}

TEST(LogRowDecoder, ComplexColumnIsOffRow) {
    Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.push_back(col("doc", 2, 167, -1, 2, -1)); // varchar(max)
    const std::string ptr = Bytes().u8(2).fill(23).s;   // 24-byte row-overflow pointer
    const std::string rec = Bytes()
                                .u8(0x30)
                                .u8(0)
                                .u16(8)
                                .u32(1)
                                .u16(2)
                                .u8(0)
                                .u16(1)
                                .u16(0x8000 | 39) // complex: ends at 15 + 24 = 39
                                .raw(ptr);
    const DecodedRow r = decode_record(l, rec);
    EXPECT_EQ(r.cells[1], Cell::OffRow);
    EXPECT_EQ(r.values[1], std::nullopt);
    EXPECT_EQ(r.cells[0], Cell::Value);
    // A 5-byte "pointer" is no pointer.
    std::string bad = Bytes().u8(0x30).u8(0).u16(8).u32(1).u16(2).u8(0).u16(1).u16(0x8000 | 20);
    bad += "abcde";
    EXPECT_THROW(decode_record(l, bad), DecodeError);
}

TEST(LogRowDecoder, MaxTypesInRowAreDecodedLikeTheirShortForms) {
    Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.push_back(col("t", 2, 231, -1, 2, -1));
    l.columns.push_back(col("b", 3, 165, -2, 3, -1));
    // N'😀' = U+1F600 = D83D DE00 in UTF-16LE; varbinary(max) 0x00ff.
    const std::string rec = Bytes()
                                .u8(0x30)
                                .u8(0)
                                .u16(8)
                                .u32(1)
                                .u16(3)
                                .u8(0)
                                .u16(2)
                                .u16(21) // 17 + 4
                                .u16(23) // + 2
                                .u16(0xD83D)
                                .u16(0xDE00)
                                .u8(0x00)
                                .u8(0xFF);
    const DecodedRow r = decode_record(l, rec);
    EXPECT_EQ(r.values[1], "\xF0\x9F\x98\x80");
    EXPECT_EQ(r.values[2], "\\x00ff");
}

// The message of the DecodeError `f` throws.
template <typename F> std::string error_of(F f) {
    try {
        f();
    } catch (const DecodeError &e) {
        return e.what();
    }
    return "(no error)";
}

TEST(LogRowDecoder, MalformedRecordsAreRefusedWithWhereAndWhat) {
    const Layout l = sample_layout();
    const std::string good = sample_record();
    auto with = [&](size_t at, unsigned v) {
        std::string s = good;
        s[at] = static_cast<char>(v);
        return s;
    };
    // Record types other than a primary data record.
    EXPECT_NE(error_of([&] { decode_record(l, with(0, 0x04)); }).find("forwarding stub"),
              std::string::npos);
    EXPECT_NE(error_of([&] { decode_record(l, with(0, 0x36)); }).find("index record"),
              std::string::npos);
    EXPECT_NE(error_of([&] { decode_record(l, with(0, 0x32)); }).find("forwarded"),
              std::string::npos);
    // No NULL bitmap.
    EXPECT_NE(error_of([&] { decode_record(l, with(0, 0x20)); }).find("no NULL bitmap"),
              std::string::npos);
    // F past the end.
    EXPECT_NE(error_of([&] { decode_record(l, with(2, 200)); }).find("record byte 2"),
              std::string::npos);
    // N larger than the layout.
    EXPECT_NE(error_of([&] { decode_record(l, with(18, 6)); }).find("column count 6"),
              std::string::npos);
    // Variable offsets that decrease, and one past the end.
    const std::string dec = error_of([&] { decode_record(l, with(25, 30)); });
    EXPECT_NE(dec.find("offsets decrease"), std::string::npos) << dec;
    EXPECT_NE(dec.find("record byte 25"), std::string::npos) << dec;
    EXPECT_NE(error_of([&] { decode_record(l, with(25, 36)); }).find("past the end"),
              std::string::npos);
    // Truncated and over-long records.
    EXPECT_THROW(decode_record(l, good.substr(0, good.size() - 1)), DecodeError);
    EXPECT_THROW(decode_record(l, good + "x"), DecodeError);
    // More variable columns than the layout has.
    EXPECT_THROW(decode_record(l, with(21, 3)), DecodeError);
    // A NULL variable column that holds bytes.
    EXPECT_NE(error_of([&] { decode_record(l, with(20, 0x08)); }).find("column 'name'"),
              std::string::npos);
    // NULL bit on the NOT NULL id.
    EXPECT_THROW(decode_record(l, with(20, 0x01)), DecodeError);
    // Decimal sign byte 2.
    const std::string sign = error_of([&] { decode_record(l, with(8, 2)); });
    EXPECT_NE(sign.find("record byte 8, column 'amount'"), std::string::npos) << sign;
    // Code page 1252 has no character 0x81.
    EXPECT_NE(error_of([&] { decode_record(l, with(30, 0x81)); }).find("code page 1252"),
              std::string::npos);
    // A varchar(20) value longer than 20 bytes cannot be in the record.
    Layout small = l;
    small.columns[3].max_length = 3;
    EXPECT_NE(error_of([&] { decode_record(small, good); }).find("maximum length 3"),
              std::string::npos);
}

TEST(LogRowDecoder, FixedColumnPastTheFixedDataIsRefused) {
    Layout l = sample_layout();
    std::string rec = sample_record();
    // Claim F = 17: the bit byte is then past the fixed data (and the record does not parse).
    rec[2] = 17;
    EXPECT_THROW(decode_record(l, rec), DecodeError);
}

} // namespace
