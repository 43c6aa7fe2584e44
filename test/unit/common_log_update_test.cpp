// Updates in the transaction log: the clustered key of RowLog Contents 2, LOP_MODIFY_COLUMNS
// payloads and the fixed-column patches derived from byte ranges (row_decoder.hpp), on payloads
// built byte by byte from the rules of ../shared/research/sql-server-log-format.md §2.3.
#include "common_log_test_util.hpp"
#include "row_decoder.hpp"

#include <gtest/gtest.h>

using namespace dts::logrec;
using logtest::Bytes;
using logtest::col;

namespace {

// T(id int NOT NULL PRIMARY KEY CLUSTERED, amount decimal(10,2), flag bit, f2 bit, name
// varchar(20)): fixed data id [4,8), amount [8,17), bits at 17 (flag bit 0, f2 bit 1); F = 18.
Layout table() {
    PhysColumn f2 = col("f2", 4, 104, 17, 4, 1);
    f2.leaf_bit_position = 1;
    return logtest::id_amount_flag({f2, col("name", 5, 167, -1, 5, 20)});
}

TEST(LogClusteredKey, IntKeyIndexRecord) {
    const std::string rc2 = Bytes()
                                .u8(0x16) // index record with NULL bitmap
                                .u32(7)   // id
                                .u16(1)   // 1 key column
                                .u8(0);   // NULL bitmap
    EXPECT_EQ(decode_clustered_key(table(), rc2), std::vector<Value>{"7"});
    // Garbage in the unused bitmap bits is masked.
    EXPECT_EQ(decode_clustered_key(table(), Bytes().u8(0x16).u32(7).u16(1).u8(0xFE)),
              std::vector<Value>{"7"});
}

TEST(LogClusteredKey, CompositeKeyWithVariableColumnInKeyOrder) {
    // Key (b char(3), a int, v varchar(10)) declared in the table as a, b, v.
    Layout l;
    l.columns.push_back(col("a", 1, 56, 4, 1, 4));
    l.columns.back().key_ordinal = 2;
    l.columns.push_back(col("b", 2, 175, 8, 2, 3));
    l.columns.back().key_ordinal = 1;
    l.columns.push_back(col("v", 3, 167, -1, 3, 10));
    l.columns.back().key_ordinal = 3;
    l.columns.push_back(col("other", 4, 56, 11, 4, 4));
    const std::string rc2 = Bytes()
                                .u8(0x36)   // index record, NULL bitmap, variable columns
                                .raw("ab ") // 1: b, key ordinal 1
                                .u32(9)     // 4: a, key ordinal 2
                                .u16(3)     // 8: 3 key columns
                                .u8(0)      // 10: NULL bitmap
                                .u16(1)     // 11: 1 variable column
                                .u16(17)    // 13: v ends at 17
                                .raw("xy"); // 15: v
    EXPECT_EQ(decode_clustered_key(l, rc2), (std::vector<Value>{"ab ", "9", "xy"}));
    // One byte short or long, a NULL key, a wrong count, another status: refused.
    EXPECT_THROW(decode_clustered_key(l, rc2.substr(0, 16)), DecodeError);
    EXPECT_THROW(decode_clustered_key(l, rc2 + "z"), DecodeError);
    std::string bad = rc2;
    bad[10] = 0x04;
    EXPECT_THROW(decode_clustered_key(l, bad), DecodeError);
    bad = rc2;
    bad[8] = 2;
    EXPECT_THROW(decode_clustered_key(l, bad), DecodeError);
    bad = rc2;
    bad[0] = 0x16;
    EXPECT_THROW(decode_clustered_key(l, bad), DecodeError);
    bad = rc2;
    bad[14] = static_cast<char>(0x80); // complex
    EXPECT_THROW(decode_clustered_key(l, bad), DecodeError);
}

TEST(LogClusteredKey, UniquifierKey) {
    Layout l;
    l.columns.push_back(col("", 1, 56, -1, 1, 4));
    l.columns.back().is_uniqueifier = true;
    l.columns.back().key_ordinal = 2;
    l.columns.push_back(col("k", 2, 56, 4, 2, 4));
    l.columns.back().key_ordinal = 1;
    // Uniquifier 0: not stored, no variable part.
    EXPECT_EQ(decode_clustered_key(l, Bytes().u8(0x16).u32(3).u16(2).u8(0)),
              (std::vector<Value>{"3", "0"}));
    // Uniquifier 5.
    EXPECT_EQ(decode_clustered_key(l, Bytes().u8(0x36).u32(3).u16(2).u8(0).u16(1).u16(16).u32(5)),
              (std::vector<Value>{"3", "5"}));
}

TEST(LogClusteredKey, RefusesWhatItCannotRead) {
    Layout none = table();
    none.columns[0].key_ordinal = 0;
    EXPECT_THROW(decode_clustered_key(none, Bytes().u8(0x16).u32(7).u16(1).u8(0)), DecodeError);
    EXPECT_THROW(decode_clustered_key(table(), ""), DecodeError);
    Layout bit_key = table();
    bit_key.columns[0].key_ordinal = 0;
    bit_key.columns[2].key_ordinal = 1;
    EXPECT_THROW(decode_clustered_key(bit_key, Bytes().u8(0x16).u8(1).u16(1).u8(0)), DecodeError);
    EXPECT_THROW(decode_clustered_key(table(), Bytes().u8(0x06).u32(7)), DecodeError);
    EXPECT_THROW(decode_clustered_key(table(), Bytes().u8(0x10).u32(7).u16(1).u8(0)), DecodeError);
}

// A raw log record as fn_dblog's [Log Record] shows it: header with the element count at 0x3E and
// the element lengths at 0x40, elements padded to 4 bytes, then `tail`.
std::string log_record(const std::vector<std::string> &elements, const std::string &tail) {
    Bytes b;
    b.fill(0x3E, 0xAA); // header fields the decoder does not read
    b.u16(static_cast<unsigned>(elements.size()));
    for (const std::string &e : elements)
        b.u16(static_cast<unsigned>(e.size()));
    b.pad4();
    for (const std::string &e : elements)
        b.raw(e).pad4();
    return b.raw(tail);
}

TEST(LogModifyColumns, TwoRangesAfterTheFourElements) {
    const std::string rc0 = Bytes()
                                .u16(4)
                                .u16(4) // range 1 at 4 before and after
                                .u16(17)
                                .u16(17);          // range 2 at 17
    const std::string rc1 = Bytes().u16(4).u16(1); // lengths 4 and 1
    const std::string rc2 = Bytes().u8(0x16).u32(7).u16(1).u8(0);
    const std::string rc3 = "\x01\x02\x03";
    const std::string data = Bytes()
                                 .u32(7)
                                 .u32(8) // range 1: old id 7, new id 8
                                 .u8(0x01)
                                 .fill(3) // range 2 old bit byte, padded
                                 .u8(0x02)
                                 .fill(3); // range 2 new bit byte, padded
    const auto ranges = modify_columns_ranges(rc0, rc1, log_record({rc0, rc1, rc2, rc3}, data), 4);
    ASSERT_EQ(ranges.size(), 2u);
    EXPECT_EQ(ranges[0].offset, 4);
    EXPECT_EQ(ranges[0].before, Bytes().u32(7).s);
    EXPECT_EQ(ranges[0].after, Bytes().u32(8).s);
    EXPECT_EQ(ranges[1].offset, 17);
    EXPECT_EQ(ranges[1].before, "\x01");
    EXPECT_EQ(ranges[1].after, "\x02");

    const auto p = patch_from_ranges(table(), ranges);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (std::vector<std::pair<size_t, Value>>{{0, "8"}, {2, "false"}, {3, "true"}}));
}

TEST(LogModifyColumns, OldAndNewValuesAsElements) {
    const std::string rc0 = Bytes().u16(8).u16(8);
    const std::string rc1 = Bytes().u16(9);
    const std::string old_amount = Bytes().u8(1).u64(100).s, new_amount = Bytes().u8(0).u64(250).s;
    const auto ranges = modify_columns_ranges(
        rc0, rc1, log_record({rc0, rc1, "k", "", old_amount, new_amount}, ""), 6);
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].before, old_amount);
    EXPECT_EQ(ranges[0].after, new_amount);
    const auto p = patch_from_ranges(table(), ranges);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (std::vector<std::pair<size_t, Value>>{{1, "-2.50"}}));
}

TEST(LogModifyColumns, LastNewValueRunsToTheEndOfTheRecord) {
    // The last new value runs to the end of the record, which is padded: "abc" padded to 4 cannot
    // be told from "ab" padded to 4, so the range is taken as equal-length and flagged inexact.
    const std::string rc0 = Bytes().u16(27).u16(27);
    const std::string rc1 = Bytes().u16(2);
    const std::string rec =
        log_record({rc0, rc1, "k", "x"}, Bytes().raw("ab").fill(2).raw("abc").fill(1));
    const ModifyColumns mc = parse_modify_columns(rc0, rc1, rec, 4);
    ASSERT_EQ(mc.ranges.size(), 1u);
    EXPECT_FALSE(mc.last_after_exact);
    EXPECT_EQ(mc.ranges[0].after, "ab");
    EXPECT_EQ(mc.after_offsets, std::vector<uint16_t>{27});
    // In the variable part: never a patch.
    EXPECT_FALSE(patch_from_ranges(table(), mc.ranges));
    // A rest that is no padded old length is taken whole: a length change, never a patch.
    const ModifyColumns longer = parse_modify_columns(
        rc0, rc1, log_record({rc0, rc1, "k", "x"}, Bytes().raw("ab").fill(2).raw("abcde")), 4);
    EXPECT_EQ(longer.ranges[0].after, "abcde");
    EXPECT_FALSE(patch_from_ranges(table(), longer.ranges));
}

TEST(LogModifyColumns, LaterRangesShiftedByEarlierLengthChanges) {
    // As elements: range 1 at 25 grows from 2 to 3 bytes, so range 2 moves from 30 to 31.
    const std::string rc0 = Bytes().u16(25).u16(25).u16(30).u16(31);
    const std::string rc1 = Bytes().u16(2).u16(1);
    const ModifyColumns mc = parse_modify_columns(
        rc0, rc1, log_record({rc0, rc1, "k", "x", "ab", "abc", "z", "y"}, ""), 8);
    ASSERT_EQ(mc.ranges.size(), 2u);
    EXPECT_TRUE(mc.last_after_exact);
    EXPECT_EQ(mc.ranges[0].after, "abc");
    EXPECT_EQ(mc.ranges[1].offset, 30);
    EXPECT_EQ(mc.after_offsets, (std::vector<uint16_t>{25, 31}));
    EXPECT_EQ(mc.ranges[1].after, "y");
    // The same after the 4 elements: range 1's new length (3) follows from range 2's offsets.
    const ModifyColumns tail = parse_modify_columns(
        rc0, rc1,
        log_record({rc0, rc1, "k", "x"},
                   Bytes().raw("ab").fill(2).raw("abc").fill(1).raw("z").fill(3).raw("y").fill(3)),
        4);
    EXPECT_EQ(tail.ranges[0].before, "ab");
    EXPECT_EQ(tail.ranges[0].after, "abc");
    EXPECT_EQ(tail.ranges[1].before, "z");
    EXPECT_EQ(tail.ranges[1].after, "y");
    // Range 2 claimed unshifted although range 1 grew.
    const std::string unshifted = Bytes().u16(25).u16(25).u16(30).u16(30);
    EXPECT_THROW(
        parse_modify_columns(unshifted, rc1,
                             log_record({unshifted, rc1, "k", "x", "ab", "abc", "z", "y"}, ""), 8),
        DecodeError);
    // An old value whose element length is not RC1's.
    EXPECT_THROW(parse_modify_columns(
                     rc0, rc1, log_record({rc0, rc1, "k", "x", "abc", "abc", "z", "y"}, ""), 8),
                 DecodeError);
}

TEST(LogModifyColumns, MalformedPayloadsAreRefused) {
    const std::string rc0 = Bytes().u16(4).u16(4);
    const std::string rc1 = Bytes().u16(4);
    const std::string data = Bytes().u32(7).u32(8);
    const std::string rec = log_record({rc0, rc1, "k", "x"}, data);
    EXPECT_NO_THROW(modify_columns_ranges(rc0, rc1, rec, 4));
    EXPECT_THROW(modify_columns_ranges(rc0, rc1, rec, 5), DecodeError);              // count
    EXPECT_THROW(modify_columns_ranges(rc0.substr(0, 3), rc1, rec, 4), DecodeError); // RC0 size
    EXPECT_THROW(modify_columns_ranges(rc0, rc1 + "xx", rec, 4), DecodeError);       // RC1 size
    EXPECT_THROW(modify_columns_ranges(Bytes().u16(5).u16(5), rc1, rec, 4),
                 DecodeError); // != el. 0
    EXPECT_THROW(modify_columns_ranges(rc0, rc1, rec.substr(0, 0x40), 4), DecodeError);
    // Data missing.
    EXPECT_THROW(modify_columns_ranges(rc0, rc1, log_record({rc0, rc1, "k", "x"}, "ab"), 4),
                 DecodeError);
    // Before/after offsets that differ without a length change before them.
    const std::string shifted = Bytes().u16(4).u16(6);
    EXPECT_THROW(modify_columns_ranges(shifted, rc1, log_record({shifted, rc1, "k", "x"}, data), 4),
                 DecodeError);
    // Overlapping ranges.
    const std::string two = Bytes().u16(4).u16(4).u16(6).u16(6);
    const std::string lens = Bytes().u16(4).u16(1);
    EXPECT_THROW(
        modify_columns_ranges(
            two, lens, log_record({two, lens, "k", "x"}, Bytes().u32(1).u32(2).u32(1).u32(2)), 4),
        DecodeError);
}

TEST(LogPatch, FixedColumnsFullyCoveredAreDecoded) {
    // LOP_MODIFY_ROW: id 7 -> 9, from the first to the last differing byte.
    EXPECT_EQ(patch_from_ranges(table(), {{4, Bytes().u8(7), Bytes().u8(9)}}), std::nullopt)
        << "a range covering one byte of the int";
    auto p = patch_from_ranges(table(), {{4, Bytes().u32(7), Bytes().u32(9)}});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (std::vector<std::pair<size_t, Value>>{{0, "9"}}));
    // A range over id and amount where only amount changed: id is not listed.
    p = patch_from_ranges(table(), {{4, Bytes().u32(7).u8(1).u64(5), Bytes().u32(7).u8(1).u64(6)}});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (std::vector<std::pair<size_t, Value>>{{1, "0.06"}}));
    // A partly covered column whose covered bytes did not change is no obstacle.
    p = patch_from_ranges(table(), {{6, Bytes().u16(0).u8(1).u64(5), Bytes().u16(0).u8(1).u64(7)}});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (std::vector<std::pair<size_t, Value>>{{1, "0.07"}}));
    // ... but a changed one is.
    EXPECT_FALSE(patch_from_ranges(table(), {{6, Bytes().u16(0).u8(1), Bytes().u16(1).u8(1)}}));
}

TEST(LogPatch, BitColumnsAreComparedBitByBit) {
    auto p = patch_from_ranges(table(), {{17, "\x01", "\x02"}});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (std::vector<std::pair<size_t, Value>>{{2, "false"}, {3, "true"}}));
    // Bit 2 belongs to no column: its change cannot be explained.
    EXPECT_FALSE(patch_from_ranges(table(), {{17, "\x01", "\x05"}}));
}

TEST(LogPatch, AnythingOutsideTheFixedColumnsMeansReadTheRowAgain) {
    const Layout l = table();
    EXPECT_FALSE(patch_from_ranges(l, {{0, "\x30", "\x10"}}));                   // status bits
    EXPECT_FALSE(patch_from_ranges(l, {{2, Bytes().u16(18), Bytes().u16(19)}})); // F
    EXPECT_FALSE(patch_from_ranges(l, {{18, Bytes().u16(5), Bytes().u16(6)}}));  // column count
    EXPECT_FALSE(patch_from_ranges(l, {{20, "\x00", "\x10"}}));                  // NULL bitmap
    EXPECT_FALSE(patch_from_ranges(l, {{27, "ab", "cd"}}));                      // variable data
    EXPECT_FALSE(patch_from_ranges(l, {{16, "\x00\x01\x05", "\x00\x01\x06"}}));  // crosses F
    EXPECT_FALSE(patch_from_ranges(l, {{4, Bytes().u32(7), Bytes().u32(7).u8(0)}})); // length
    EXPECT_FALSE(patch_from_ranges(l, {{4, "", ""}}));
    EXPECT_THROW(patch_from_ranges(
                     l, {{4, Bytes().u32(7), Bytes().u32(8)}, {6, Bytes().u16(0), Bytes().u16(1)}}),
                 DecodeError); // overlapping ranges
}

TEST(LogPatch, DroppedAndLaterAddedColumns) {
    Layout l;
    l.columns.push_back(col("a", 1, 56, 4, 1, 4));
    l.columns.push_back(col("", 2, 56, 8, 2, 4)); // dropped int at [8,12)
    l.columns.back().is_dropped = true;
    l.columns.push_back(col("b", 3, 56, 12, 3, 4));
    l.columns.push_back(col("d", 4, 56, 16, 4, 4)); // added later with a default
    l.columns.back().default_value = "0";
    // Over a, the dropped bytes (unchanged) and b.
    auto p =
        patch_from_ranges(l, {{4, Bytes().u32(1).u32(5).u32(2), Bytes().u32(3).u32(5).u32(2)}});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (std::vector<std::pair<size_t, Value>>{{0, "3"}}));
    // Changed bytes of the dropped column: not explained.
    EXPECT_FALSE(patch_from_ranges(l, {{8, Bytes().u32(5), Bytes().u32(6)}}));
    // d may be missing from older records: its bytes there are the column count and NULL bitmap.
    EXPECT_FALSE(patch_from_ranges(l, {{16, Bytes().u32(5), Bytes().u32(6)}}));
    p = patch_from_ranges(l, {{12, Bytes().u32(5), Bytes().u32(6)}});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (std::vector<std::pair<size_t, Value>>{{2, "6"}}));
}

} // namespace
