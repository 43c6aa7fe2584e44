// Partial updates completed from the row before them (patch_with_base, row_decoder.hpp): byte
// ranges of LOP_MODIFY_ROW / LOP_MODIFY_COLUMNS that cover fixed-length columns in part, built
// byte by byte from the rules of ../shared/research/sql-server-log-format.md §2.3 and §3.2, with
// before values in the decoder's text and in PostgreSQL's output forms.
#include "common_log_test_util.hpp"
#include "row_decoder.hpp"
#include "value_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace dts::logrec;
using logtest::Bytes;
using logtest::col;

namespace {

using Set = std::vector<std::pair<size_t, Value>>;

// T(id int, amount decimal(10,2), flag bit, f2 bit, name varchar(20)) as in the update tests:
// id [4,8), amount [8,17), bits at 17 (flag bit 0, f2 bit 1).
Layout table() {
    PhysColumn f2 = col("f2", 4, 104, 17, 4, 1);
    f2.leaf_bit_position = 1;
    return logtest::id_amount_flag({f2, col("name", 5, 167, -1, 5, 20)});
}

// A table of one key int at [4,8) and `c` at 8.
Layout with(PhysColumn c) {
    Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.back().is_nullable = false;
    l.columns.back().key_ordinal = 1;
    c.name = "c";
    c.partition_column_id = 2;
    c.leaf_offset = 8;
    c.leaf_null_bit = 2;
    l.columns.push_back(c);
    return l;
}

PhysColumn typed(int type, int max_length, int precision = 0, int scale = 0) {
    PhysColumn c = col("c", 2, type, 8, 2, max_length);
    c.precision = precision;
    c.scale = scale;
    return c;
}

std::optional<Patch> on_c(const PhysColumn &c, const std::vector<ByteRange> &r, Value before_c,
                          bool known = true) {
    return patch_with_base(with(c), r, {"1", std::move(before_c)}, {true, known});
}

std::vector<Value> base(std::initializer_list<Value> v) {
    return v;
}

TEST(LogPatchBase, IntIncrementLoggedAsOneByte) {
    // UPDATE t SET id = id + 1 where id was 5: bytes 05 -> 06 at offset 4 only.
    const std::vector<ByteRange> r = {{4, "\x05", "\x06"}};
    EXPECT_FALSE(patch_from_ranges(table(), r));
    const auto p = patch_with_base(table(), r, base({"5", "1.00", "t", "f", "x"}),
                                   {true, true, true, true, true});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{0, "6"}}));
    // Negative: -1 (FF FF FF FF) -> -2 (FE FF FF FF).
    EXPECT_EQ(patch_with_base(table(), {{4, "\xFF", "\xFE"}}, base({"-1", "0", "f", "f", {}}),
                              {true, true, true, true, true})
                  ->set,
              (Set{{0, "-2"}}));
}

TEST(LogPatchBase, BigintAcrossAByteBoundary) {
    const PhysColumn c = typed(127, 8);
    // 255 -> 256: FF 00 -> 00 01 at bytes 0..1 of the column.
    auto p = on_c(c, {{8, Bytes().u8(0xFF).u8(0), Bytes().u8(0).u8(1)}}, "255");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "256"}}));
    // 2^40 - 1 -> 2^40: bytes 0..5 (five FF and a 00 -> five 00 and a 01).
    p = on_c(c, {{8, Bytes().fill(5, 0xFF).u8(0), Bytes().fill(5, 0).u8(1)}},
             std::to_string((int64_t{1} << 40) - 1));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, std::to_string(int64_t{1} << 40)}}));
    // Extremes.
    p = on_c(c, {{15, "\x7F", "\x80"}}, "9223372036854775807");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "-9151314442816847873"}})); // 0x80FF...FF
    EXPECT_EQ(on_c(c, {{8, std::string(1, '\0'), "\x01"}}, "-9223372036854775808")->set,
              (Set{{1, "-9223372036854775807"}}));
}

TEST(LogPatchBase, DecimalAndMoney) {
    // decimal(12,2): sign byte + 8-byte magnitude. 12.34 (1234 = 0x04D2) -> 12.35: one byte.
    const PhysColumn d = typed(106, 9, 12, 2);
    for (const char *b : {"12.34", "12.340", "12.3400000"}) {
        const auto p = on_c(d, {{9, "\xD2", "\xD3"}}, b);
        ASSERT_TRUE(p) << b;
        EXPECT_EQ(p->set, (Set{{1, "12.35"}})) << b;
    }
    // 12.3 as PostgreSQL's unconstrained numeric might show it (1230 = 0x04CE).
    EXPECT_EQ(on_c(d, {{9, "\xCE", "\xCF"}}, "12.3")->set, (Set{{1, "12.31"}}));
    EXPECT_FALSE(on_c(d, {{9, "\xCE", "\xCF"}}, "12.301")) << "more decimals than the scale";
    // Negative: -12.34 (sign 0) -> -12.35.
    EXPECT_EQ(on_c(d, {{9, "\xD2", "\xD3"}}, "-12.34")->set, (Set{{1, "-12.35"}}));
    // The sign flips with the magnitude unchanged: the sign byte alone.
    EXPECT_EQ(on_c(d, {{8, "\x01", std::string(1, '\0')}}, "12.34")->set, (Set{{1, "-12.34"}}));
    // Zero reads the same with either sign byte: taken from the record when covered ...
    EXPECT_EQ(on_c(d, {{8, Bytes().u8(0).u8(0), Bytes().u8(0).u8(5)}}, "0.00")->set,
              (Set{{1, "-0.05"}}));
    EXPECT_EQ(on_c(d, {{8, Bytes().u8(1).u8(0), Bytes().u8(1).u8(5)}}, "0.00")->set,
              (Set{{1, "0.05"}}));
    // ... and unknown when not.
    EXPECT_FALSE(on_c(d, {{9, std::string(1, '\0'), "\x05"}}, "0.00"));

    // money: int64 of 1/10000. 1.0000 (0x2710) -> 1.0001; PostgreSQL numeric(19,4) text.
    const PhysColumn m = typed(60, 8);
    EXPECT_EQ(on_c(m, {{8, "\x10", "\x11"}}, "1.0000")->set, (Set{{1, "1.0001"}}));
    // -1.0000 (F0 D8 FF FF ...) -> -0.9999 (F1 D8 ...).
    EXPECT_EQ(on_c(m, {{8, "\xF0", "\xF1"}}, "-1.0000")->set, (Set{{1, "-0.9999"}}));
    EXPECT_EQ(on_c(m, {{8, "\xFF", std::string(1, '\0')}}, "922337203685477.5807")->set,
              (Set{{1, "922337203685477.5552"}}));
    EXPECT_FALSE(on_c(m, {{8, "\xFF", std::string(1, '\0')}}, "922337203685477.5808"))
        << "out of range";
    // Texts of more digits than any value has (no overflow into a false match).
    const PhysColumn d38 = typed(108, 17, 38, 2);
    EXPECT_FALSE(on_c(d38, {{9, "\x01", "\x02"}}, std::string(37, '9') + ".00"));
    EXPECT_FALSE(on_c(d38, {{9, "\x01", "\x02"}}, "1" + std::string(38, '0') + "1.00"));
    EXPECT_EQ(on_c(d38, {{9, "\x01", "\x02"}}, "000.01")->set, (Set{{1, "0.02"}}));
    EXPECT_FALSE(on_c(m, {{8, "\x10", "\x11"}}, "1" + std::string(40, '0')));
    // smallmoney: int32.
    const PhysColumn sm = typed(122, 4);
    EXPECT_EQ(on_c(sm, {{9, "\x27", "\x28"}}, "1")->set, (Set{{1, "1.0256"}}));
}

TEST(LogPatchBase, DatetimeTicksAreRederived) {
    // datetime: int32 1/300 s ticks since midnight, int32 days since 1900-01-01.
    // 2024-01-01 10:00:00.123: tick 10:00:00 x 300 + 37 ((37 x 10 + 1) / 3 = 123).
    const PhysColumn c = typed(61, 8);
    const uint32_t t = 36000 * 300 + 37;
    ASSERT_EQ(dts::text::datetime(45290, t), "2024-01-01 10:00:00.123");
    const auto lo = [](uint32_t v) { return std::string(1, static_cast<char>(v & 0xff)); };
    const std::vector<ByteRange> r = {{8, lo(t), lo(t + 1)}};
    auto p = on_c(c, r, "2024-01-01 10:00:00.123");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "2024-01-01 10:00:00.127"}}));
    // PostgreSQL drops trailing zeros: .12 is tick 36, and 10:00:00 is tick 0.
    EXPECT_EQ(on_c(c, {{8, lo(t - 1), lo(t)}}, "2024-01-01 10:00:00.12")->set,
              (Set{{1, "2024-01-01 10:00:00.123"}}));
    EXPECT_EQ(on_c(c, {{8, lo(t - 37), lo(t - 36)}}, "2024-01-01 10:00:00")->set,
              (Set{{1, "2024-01-01 10:00:00.003"}}));
    // No tick shows .124, .1235 is not whole milliseconds: not a datetime value.
    EXPECT_FALSE(on_c(c, r, "2024-01-01 10:00:00.124"));
    EXPECT_FALSE(on_c(c, r, "2024-01-01 10:00:00.1235"));
    // The day changes alone (bytes 4..7): 2024-01-01 is day 45290 (0xB0EA) -> 45291.
    p = on_c(c, {{12, "\xEA", "\xEB"}}, "2024-01-01 10:00:00.123");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "2024-01-02 10:00:00.123"}}));

    // smalldatetime: uint16 minutes, uint16 days. 2024-01-01 10:00 = minute 600 (0x0258).
    const PhysColumn s = typed(58, 4);
    EXPECT_EQ(on_c(s, {{8, "\x58", "\x59"}}, "2024-01-01 10:00:00")->set,
              (Set{{1, "2024-01-01 10:01:00"}}));
    EXPECT_FALSE(on_c(s, {{8, "\x58", "\x59"}}, "2024-01-01 10:00:30"));
}

TEST(LogPatchBase, Datetime2AndTime) {
    // datetime2(3): 4-byte count of ms since midnight, 3-byte days since 0001-01-01.
    const PhysColumn c = typed(42, 7, 23, 3);
    const uint32_t ms = 36000123; // 10:00:00.123 in ms
    const auto lo = [](uint32_t v) { return std::string(1, static_cast<char>(v & 0xff)); };
    for (const char *b : {"2024-01-01 10:00:00.123", "2024-01-01 10:00:00.123000"}) {
        const auto p = on_c(c, {{8, lo(ms), lo(ms + 1)}}, b);
        ASSERT_TRUE(p) << b;
        EXPECT_EQ(p->set, (Set{{1, "2024-01-01 10:00:00.124000"}})) << b;
    }
    EXPECT_EQ(on_c(c, {{8, lo(ms - 3), lo(ms - 2)}}, "2024-01-01 10:00:00.12")->set,
              (Set{{1, "2024-01-01 10:00:00.121000"}}));
    EXPECT_FALSE(on_c(c, {{8, lo(ms), lo(ms + 1)}}, "2024-01-01 10:00:00.1234"))
        << "not a datetime2(3) value";
    // Day: 2024-01-01 = 738885 days since 0001-01-01 (0x0B4645).
    EXPECT_EQ(on_c(c, {{12, "\x45", "\x46"}}, "2024-01-01 10:00:00.123")->set,
              (Set{{1, "2024-01-02 10:00:00.123000"}}));

    // time(6) and date.
    const PhysColumn t6 = typed(41, 5, 15, 6);
    EXPECT_EQ(on_c(t6, {{8, std::string(1, '\0'), "\x01"}}, "00:00:00")->set,
              (Set{{1, "00:00:00.000001"}}));
    const PhysColumn d = typed(40, 3);
    EXPECT_EQ(on_c(d, {{8, "\x45", "\x46"}}, "2024-01-01")->set, (Set{{1, "2024-01-02"}}));
    EXPECT_FALSE(on_c(d, {{8, "\x45", "\x46"}}, "2024-01-01 BC"));

    // Scale 7: the text lacks the 7th digit, so the bytes are unknown: partial -> nullopt,
    // whole column -> its after bytes.
    const PhysColumn c7 = typed(42, 8, 27, 7);
    EXPECT_FALSE(on_c(c7, {{8, std::string(1, '\0'), "\x01"}}, "2024-01-01 00:00:00"));
    const auto p =
        on_c(c7, {{8, Bytes().u8(0).fill(4).u24(738885), Bytes().u8(1).fill(4).u24(738885)}},
             "2024-01-01 00:00:00");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "2024-01-01 00:00:00.000000"}}));
    // datetimeoffset: the offset is not in the text.
    const PhysColumn o = typed(43, 10, 34, 7);
    EXPECT_FALSE(on_c(o, {{8, std::string(1, '\0'), "\x01"}}, "2024-01-01 00:00:00+00"));
    const PhysColumn o3 = typed(43, 9, 29, 3);
    EXPECT_FALSE(on_c(o3, {{8, std::string(1, '\0'), "\x01"}}, "2024-01-01 00:00:00+00"));
}

TEST(LogPatchBase, RangeOverTheEndOfOneColumnAndTheStartOfTheNext) {
    Layout l;
    l.columns.push_back(col("a", 1, 56, 4, 1, 4));
    l.columns.push_back(col("b", 2, 56, 8, 2, 4));
    // a 0x01000000 -> 0x02000000 (its last byte), b 5 -> 6 (its first byte): bytes 7..8.
    const std::vector<ByteRange> r = {{7, "\x01\x05", "\x02\x06"}};
    EXPECT_FALSE(patch_from_ranges(l, r));
    auto p = patch_with_base(l, r, {"16777216", "5"}, {true, true});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{0, "33554432"}, {1, "6"}}));
    // One of the two unknown: its partial change cannot be completed.
    EXPECT_FALSE(patch_with_base(l, r, {"16777216", {}}, {true, false}));
    // The same as LOP_MODIFY_COLUMNS ranges: a's last byte and b's first byte.
    p = patch_with_base(l, {{7, "\x01", "\x02"}, {8, "\x05", "\x06"}}, {"16777216", "5"},
                        {true, true});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{0, "33554432"}, {1, "6"}}));
}

TEST(LogPatchBase, BaseRowByReference) {
    Layout l;
    l.columns.push_back(col("a", 1, 56, 4, 1, 4));
    l.columns.push_back(col("b", 2, 56, 8, 2, 4));
    const std::vector<ByteRange> r = {{7, "\x01\x05", "\x02\x06"}};
    const Value a = "16777216", b = "5", wrong = "7", null;
    auto p = patch_with_base(l, r, std::vector<const Value *>{&a, &b});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{0, "33554432"}, {1, "6"}}));
    // nullptr: unknown (not completed); a value that is not the record's old bytes, or a NULL
    // whose bytes changed: not this row.
    EXPECT_FALSE(patch_with_base(l, r, std::vector<const Value *>{&a, nullptr}));
    EXPECT_FALSE(patch_with_base(l, r, std::vector<const Value *>{&a, &wrong}));
    EXPECT_FALSE(patch_with_base(l, r, std::vector<const Value *>{&a, &null}));
    EXPECT_THROW(patch_with_base(l, r, std::vector<const Value *>{&a}), DecodeError);
}

TEST(LogPatchBase, BitColumnsSharingAByte) {
    const std::vector<bool> all(5, true);
    // flag 1, f2 0 -> f2 1: byte 17 0x01 -> 0x03. PostgreSQL's t/f and the decoder's true/false.
    for (auto [flag, f2] : {std::pair<const char *, const char *>{"t", "f"}, {"true", "false"}}) {
        const auto p = patch_with_base(table(), {{17, "\x01", "\x03"}},
                                       base({"1", "1.00", flag, f2, {}}), all);
        ASSERT_TRUE(p) << flag;
        EXPECT_EQ(p->set, (Set{{3, "true"}})) << flag;
    }
    // The unchanged bit disagrees with its base value: the base is another row.
    EXPECT_FALSE(
        patch_with_base(table(), {{17, "\x01", "\x03"}}, base({"1", "1.00", "f", "f", {}}), all));
    // The changed one disagrees.
    EXPECT_FALSE(
        patch_with_base(table(), {{17, "\x01", "\x03"}}, base({"1", "1.00", "t", "t", {}}), all));
    // A NULL bit column whose bit changes (its NULL bit untouched): not this row.
    EXPECT_FALSE(
        patch_with_base(table(), {{17, "\x01", "\x03"}}, base({"1", "1.00", "t", {}, {}}), all));
    // Unknown bits are simply not checked.
    EXPECT_EQ(patch_with_base(table(), {{17, "\x01", "\x03"}}, base({"1", "1.00", {}, {}, {}}),
                              {true, true, false, false, true})
                  ->set,
              (Set{{3, "true"}}));
    // A bit no column owns changed.
    EXPECT_FALSE(
        patch_with_base(table(), {{17, "\x01", "\x05"}}, base({"1", "1.00", "t", "f", {}}), all));
}

TEST(LogPatchBase, CharNcharBinaryUuid) {
    // char(10), code page 1252, blank padded. "abc" -> "abd": one byte.
    const PhysColumn c = typed(175, 10);
    PhysColumn cc = c;
    cc.collation_name = "SQL_Latin1_General_CP1_CI_AS";
    for (const char *b : {"abc       ", "abc", "abc  "}) {
        const auto p = on_c(cc, {{10, "c", "d"}}, b);
        ASSERT_TRUE(p) << b;
        EXPECT_EQ(p->set, (Set{{1, "abd       "}})) << b;
    }
    // Code page 1252 above 0x7F: "€é" (80 E9) -> "€è" (80 E8).
    EXPECT_EQ(on_c(cc, {{9, "\xE9", "\xE8"}}, "\xE2\x82\xAC\xC3\xA9")->set,
              (Set{{1, "\xE2\x82\xAC\xC3\xA8        "}}));
    EXPECT_FALSE(on_c(cc, {{10, "c", "d"}}, "ab\xE4\xB8\xAD")) << "not in code page 1252";
    EXPECT_FALSE(on_c(cc, {{10, "c", "d"}}, "abcdefghijk")) << "longer than the column";
    // nchar(4) = 8 bytes UTF-16LE: "ab" -> "ac".
    const PhysColumn n = typed(239, 8);
    EXPECT_EQ(on_c(n, {{10, "b", "c"}}, "ab  ")->set, (Set{{1, "ac  "}}));
    // An astral character is two code units: "😀" + 2 blanks fills nchar(4); PostgreSQL's
    // character(4) pads it to 4 characters ("😀   "), which still encodes the same.
    const std::string smile = "\xF0\x9F\x98\x80";
    EXPECT_EQ(on_c(n, {{12, " ", "x"}}, smile + "   ")->set, (Set{{1, smile + "x "}}));
    // binary(4): "\x" hex, exactly 4 bytes.
    const PhysColumn bin = typed(173, 4);
    EXPECT_EQ(on_c(bin, {{9, "\x02", "\xFF"}}, "\\x010203AA")->set, (Set{{1, "\\x01ff03aa"}}));
    EXPECT_FALSE(on_c(bin, {{9, "\x02", "\xFF"}}, "\\x0102"));
    // uniqueidentifier: first three groups little-endian.
    const PhysColumn u = typed(36, 16);
    EXPECT_EQ(on_c(u, {{8, "\x04", "\x05"}}, "01020304-0506-0708-090A-0B0C0D0E0F10")->set,
              (Set{{1, "01020305-0506-0708-090a-0b0c0d0e0f10"}}));
    EXPECT_EQ(on_c(u, {{23, "\x10", "\x11"}}, "01020304-0506-0708-090a-0b0c0d0e0f10")->set,
              (Set{{1, "01020304-0506-0708-090a-0b0c0d0e0f11"}}));
}

TEST(LogPatchBase, WrongBaseValueIsRefused) {
    const std::vector<bool> all(5, true);
    // The record says the low byte of id was 05; a base of 7 is not the row it changed.
    EXPECT_FALSE(
        patch_with_base(table(), {{4, "\x05", "\x06"}}, base({"7", "1.00", "t", "f", {}}), all));
    // 261 (0x0105) has the same low byte but the range shows byte 1 too.
    EXPECT_FALSE(patch_with_base(table(), {{4, Bytes().u8(5).u8(0), Bytes().u8(6).u8(0)}},
                                 base({"261", "1.00", "t", "f", {}}), all));
    // An unchanged covered column disagrees: amount 1.00 (0x64) but the record shows 0x65.
    EXPECT_FALSE(patch_with_base(table(), {{8, Bytes().u8(1).u8(0x65), Bytes().u8(0).u8(0x65)}},
                                 base({"7", "1.00", "t", "f", {}}), all));
    // A fully covered column is checked too.
    EXPECT_FALSE(patch_with_base(table(), {{4, Bytes().u32(7), Bytes().u32(9)}},
                                 base({"8", "1.00", "t", "f", {}}), all));
    // A known NULL column whose bytes change without its NULL bit: not this row.
    EXPECT_FALSE(patch_with_base(table(), {{4, Bytes().u32(7), Bytes().u32(9)}},
                                 base({{}, "1.00", "t", "f", {}}), all));
    // Text that is no value of the type (a wrong encoder input) cannot complete a partial change.
    EXPECT_FALSE(
        patch_with_base(table(), {{4, "\x05", "\x06"}}, base({"5.0", "1.00", "t", "f", {}}), all));
    EXPECT_FALSE(patch_with_base(table(), {{4, "\x05", "\x06"}},
                                 base({"99999999999", "1.00", "t", "f", {}}), all));
    // The right base for comparison.
    EXPECT_TRUE(
        patch_with_base(table(), {{4, "\x05", "\x06"}}, base({"5", "1.00", "t", "f", {}}), all));
    // Base vectors of the wrong size.
    EXPECT_THROW(patch_with_base(table(), {{4, "\x05", "\x06"}}, base({"5"}), all), DecodeError);
}

TEST(LogPatchBase, UnknownBaseColumn) {
    std::vector<bool> known(5, true);
    known[0] = false;
    const auto b = base({{}, "1.00", "t", "f", {}});
    EXPECT_FALSE(patch_with_base(table(), {{4, "\x05", "\x06"}}, b, known)) << "partly covered";
    const auto p = patch_with_base(table(), {{4, Bytes().u32(5), Bytes().u32(6)}}, b, known);
    ASSERT_TRUE(p) << "fully covered";
    EXPECT_EQ(p->set, (Set{{0, "6"}}));
    // Partly covered but unchanged: no obstacle.
    EXPECT_EQ(patch_with_base(table(),
                              {{6, Bytes().u16(0).u8(1).u8(0x64), Bytes().u16(0).u8(1).u8(0x65)}},
                              b, known)
                  ->set,
              (Set{{1, "1.01"}}));
}

TEST(LogPatchBase, SameRefusalsAsPatchFromRanges) {
    const Layout l = table();
    const auto b = base({"7", "1.00", "t", "f", "x"});
    const std::vector<bool> all(5, true);
    EXPECT_FALSE(patch_with_base(l, {{0, "\x30", "\x10"}}, b, all));                   // status
    EXPECT_FALSE(patch_with_base(l, {{2, Bytes().u16(18), Bytes().u16(19)}}, b, all)); // F
    EXPECT_FALSE(patch_with_base(l, {{18, Bytes().u16(5), Bytes().u16(6)}}, b, all));  // count
    EXPECT_FALSE(patch_with_base(l, {{20, std::string(1, '\0'), "\x10"}}, b, all));    // bitmap
    EXPECT_FALSE(patch_with_base(l, {{27, "ab", "cd"}}, b, all));                      // variable
    EXPECT_FALSE(patch_with_base(l, {{16, Bytes().u8(0).u8(1).u8(5), Bytes().u8(0).u8(1).u8(6)}}, b,
                                 all));                                           // crosses F
    EXPECT_FALSE(patch_with_base(l, {{4, "\x07", Bytes().u8(7).u8(0)}}, b, all)); // length
    EXPECT_THROW(
        patch_with_base(l, {{4, Bytes().u32(7), Bytes().u32(8)}, {6, std::string(1, '\0'), "\x01"}},
                        b, all),
        DecodeError); // overlapping ranges
}

TEST(LogPatchBase, FloatFromPostgresShortestText) {
    // float: 0.1 = 0x3FB999999999999A; PostgreSQL shows "0.1", the decoder "0.10000000000000001".
    const PhysColumn f = typed(62, 8);
    const double next = std::nextafter(0.1, 1.0);
    for (const char *b : {"0.1", "0.10000000000000001", "1e-1"}) {
        const auto p = on_c(f, {{8, "\x9A", "\x9B"}}, b);
        ASSERT_TRUE(p) << b;
        EXPECT_EQ(p->set, (Set{{1, dts::text::double_(next)}})) << b;
    }
    EXPECT_FALSE(on_c(f, {{8, "\x9A", "\x9B"}}, "0.10000000000000002")) << "another double";
    EXPECT_FALSE(on_c(f, {{8, "\x9A", "\x9B"}}, "NaN"));
    // real: 1.1f = 0x3F8CCCCD; PostgreSQL "1.1", the decoder "1.10000002".
    const PhysColumn r = typed(59, 4);
    for (const char *b : {"1.1", "1.10000002"}) {
        const auto p = on_c(r, {{8, "\xCD", "\xCE"}}, b);
        ASSERT_TRUE(p) << b;
        EXPECT_EQ(p->set, (Set{{1, dts::text::real(std::nextafter(1.1f, 2.0f))}})) << b;
    }
    // Large exponents in PostgreSQL's form: 1e+300.
    double big = 1e300;
    uint64_t bits;
    std::memcpy(&bits, &big, 8);
    const std::string lo(1, static_cast<char>(bits & 0xff)),
        lo2(1, static_cast<char>((bits & 0xff) ^ 1));
    EXPECT_TRUE(on_c(f, {{8, lo, lo2}}, "1e+300"));
}

// Every value the decoder writes encodes back to its bytes: a range over the whole column that
// changes nothing is accepted with its decoded text as the base (and refused with another).
TEST(LogPatchBase, DecoderTextEncodesBackToItsBytes) {
    std::mt19937_64 rng(42);
    struct Case {
        PhysColumn c;
        std::function<std::string()> bytes;
    };
    auto le = [](uint64_t v, int n) {
        std::string s;
        for (int i = 0; i < n; ++i, v >>= 8)
            s += static_cast<char>(v & 0xff);
        return s;
    };
    auto any = [&](int n) { return le(rng(), n); };
    auto below = [&](uint64_t limit, int n) { return le(rng() % limit, n); };
    auto dec = [&](int size, int prec) {
        unsigned __int128 lim = 1, m = 0;
        for (int i = 0; i < prec; ++i)
            lim *= 10;
        m = ((static_cast<unsigned __int128>(rng()) << 64) | rng()) % lim;
        if (rng() % 4 == 0)
            m %= 1000;
        std::string s(1, static_cast<char>(rng() % 2));
        for (int i = 1; i < size; ++i, m >>= 8)
            s += static_cast<char>(static_cast<uint8_t>(m));
        return s;
    };
    PhysColumn cp = typed(175, 6);
    cp.collation_name = "SQL_Latin1_General_CP1_CI_AS";
    std::vector<Case> cases = {
        {typed(48, 1), [&] { return any(1); }},
        {typed(52, 2), [&] { return any(2); }},
        {typed(56, 4), [&] { return any(4); }},
        {typed(127, 8), [&] { return any(8); }},
        {typed(106, 5, 9, 0), [&] { return dec(5, 9); }},
        {typed(108, 9, 19, 4), [&] { return dec(9, 19); }},
        {typed(106, 13, 28, 10), [&] { return dec(13, 28); }},
        {typed(106, 17, 38, 38), [&] { return dec(17, 38); }},
        {typed(60, 8), [&] { return any(8); }},
        {typed(122, 4), [&] { return any(4); }},
        {typed(59, 4),
         [&] {
             for (;;) {
                 std::string s = any(4);
                 float v;
                 std::memcpy(&v, s.data(), 4);
                 if (std::isfinite(v))
                     return s;
             }
         }},
        {typed(62, 8),
         [&] {
             for (;;) {
                 std::string s = any(8);
                 double v;
                 std::memcpy(&v, s.data(), 8);
                 if (std::isfinite(v))
                     return s;
             }
         }},
        {typed(40, 3), [&] { return below(3652059, 3); }},
        {typed(61, 8),
         [&] { return below(300 * 86400, 4) + le(rng() % 2958464 - (rng() % 2) * 53690, 4); }},
        {typed(58, 4), [&] { return below(1440, 2) + any(2); }},
        {typed(36, 16), [&] { return any(16); }},
        {cp,
         [&] {
             std::string s;
             for (int i = 0; i < 6; ++i) {
                 uint8_t ch;
                 do
                     ch = static_cast<uint8_t>(rng());
                 while (ch == 0 || ch == 0x81 || ch == 0x8D || ch == 0x8F || ch == 0x90 ||
                        ch == 0x9D);
                 s += static_cast<char>(ch);
             }
             return s;
         }},
        {typed(239, 6),
         [&] {
             std::string s;
             for (int i = 0; i < 3; ++i) {
                 uint16_t u;
                 do
                     u = static_cast<uint16_t>(rng());
                 while (u == 0 || (u >= 0xD800 && u <= 0xDFFF));
                 s += le(u, 2);
             }
             return s;
         }},
        {typed(173, 5), [&] { return any(5); }},
    };
    for (int scale = 0; scale <= 6; ++scale) {
        const int t = scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
        uint64_t units = 86400;
        for (int i = 0; i < scale; ++i)
            units *= 10;
        cases.push_back(
            {typed(41, t, 8 + scale, scale), [=, &rng] { return le(rng() % units, t); }});
        cases.push_back({typed(42, t + 3, 19 + scale, scale),
                         [=, &rng] { return le(rng() % units, t) + le(rng() % 3652059, 3); }});
    }
    for (const Case &k : cases) {
        int spliced = 0;
        for (int n = 0; n < 300; ++n) {
            const std::string b = k.bytes();
            const std::string text = column_text(k.c, b);
            const auto p = on_c(k.c, {{8, b, b}}, text);
            ASSERT_TRUE(p) << describe(k.c) << " type " << k.c.system_type_id << " text " << text;
            EXPECT_TRUE(p->set.empty());
            // Each byte changed alone (when the result is a value of the type) decodes to what
            // the whole changed column decodes to.
            const size_t i = static_cast<size_t>(rng() % b.size());
            std::string changed = b;
            changed[i] = static_cast<char>(changed[i] ^ (1 << (rng() % 8)));
            std::string want;
            try {
                want = column_text(k.c, changed);
            } catch (const DecodeError &) {
                continue;
            }
            // Decimal 0: its sign byte is only known from the record.
            if ((k.c.system_type_id == 106 || k.c.system_type_id == 108) && i != 0 &&
                b.find_first_not_of('\0', 1) == std::string::npos) {
                EXPECT_FALSE(on_c(
                    k.c, {{static_cast<uint16_t>(8 + i), b.substr(i, 1), changed.substr(i, 1)}},
                    text));
                continue;
            }
            const auto q = on_c(
                k.c, {{static_cast<uint16_t>(8 + i), b.substr(i, 1), changed.substr(i, 1)}}, text);
            ASSERT_TRUE(q) << "type " << k.c.system_type_id << " text " << text << " byte " << i;
            ASSERT_EQ(q->set.size(), 1u);
            ++spliced;
            EXPECT_EQ(q->set[0].second, want) << "type " << k.c.system_type_id << " text " << text;
        }
        EXPECT_GT(spliced, 30) << "type " << k.c.system_type_id << ": too few valid changes tried";
    }
}

} // namespace

// Updates that set a fixed column NULL or give it a value again change its NULL bit: with the
// column's bytes, LOP_MODIFY_ROW's one range then runs over the column count into the NULL bitmap
// (§3.1). t(id int NOT NULL, a int, b bigint, n int NOT NULL, c varchar(20)): id [4,8), a [8,12),
// b [12,20), n [20,24), column count at 24 (5), NULL bitmap at 26 (id bit 0, a 1, b 2, n 3, c 4).
namespace {

Layout five(bool n_nullable = false) {
    Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.back().is_nullable = false;
    l.columns.back().key_ordinal = 1;
    l.columns.push_back(col("a", 2, 56, 8, 2, 4));
    l.columns.push_back(col("b", 3, 127, 12, 3, 8));
    l.columns.push_back(col("n", 4, 56, 20, 4, 4));
    l.columns.back().is_nullable = n_nullable;
    l.columns.push_back(col("c", 5, 167, -1, 5, 20));
    return l;
}

// The bytes from a's offset to the end of the NULL bitmap: a, b, n, the column count, the bitmap.
std::string a_to_bitmap(uint32_t a, uint64_t b, unsigned bitmap, unsigned count = 5) {
    return Bytes().u32(a).u64(b).u32(9).u16(count).u8(bitmap);
}

std::vector<bool> all5() {
    return std::vector<bool>(5, true);
}

// T(id int NOT NULL, a int, v varbinary(20)) + x bigint NULL added later: id [4,8), a [8,12),
// x [12,20), count at 20, bitmap at 22 (id 0, a 1, v 2, x 3).
Layout with_x() {
    Layout t;
    t.columns.push_back(col("id", 1, 56, 4, 1, 4));
    t.columns.back().is_nullable = false;
    t.columns.push_back(col("a", 2, 56, 8, 2, 4));
    t.columns.push_back(col("v", 3, 165, -1, 3, 20));
    t.columns.push_back(col("x", 4, 127, 12, 4, 8));
    return t;
}

} // namespace

TEST(LogPatchNullBitmap, FixedColumnSetNullOrGivenAValue) {
    const Layout l = five();
    const std::vector<Value> row = {"1", "5", "7", "9", "x"};
    // a 5 -> 6, b 7 -> NULL (its bytes left as they were).
    const std::vector<ByteRange> to_null = {{8, a_to_bitmap(5, 7, 0x00), a_to_bitmap(6, 7, 0x04)}};
    auto p = patch_with_base(l, to_null, row, all5());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "6"}, {2, {}}}));
    // Without the row before, nothing shows that the record holds n (the fixed area's end).
    EXPECT_FALSE(patch_from_ranges(l, to_null));
    EXPECT_FALSE(patch_with_base(l, to_null, row, {true, true, true, false, true}));
    // b NULL -> 42 (whatever its bytes held while NULL).
    p = patch_with_base(l, {{8, a_to_bitmap(5, 99, 0x04), a_to_bitmap(6, 42, 0x00)}},
                        {"1", "5", {}, "9", "x"}, all5());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "6"}, {2, "42"}}));
    // c's NULL bit shown unchanged; the unused high bits not read, unless they change.
    const std::vector<Value> c_null = {"1", "5", "7", "9", {}};
    p = patch_with_base(l, {{8, a_to_bitmap(5, 7, 0x10 | 0x40), a_to_bitmap(6, 7, 0x14 | 0x40)}},
                        c_null, all5());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "6"}, {2, {}}}));
    EXPECT_FALSE(patch_with_base(l, {{8, a_to_bitmap(5, 7, 0x10 | 0x40), a_to_bitmap(6, 7, 0x14)}},
                                 c_null, all5()));
    // The count and the bitmap in a range of their own (LOP_MODIFY_COLUMNS): the same.
    p = patch_with_base(
        l,
        {{8, Bytes().u32(5), Bytes().u32(6)}, {24, Bytes().u16(5).u8(0), Bytes().u16(5).u8(0x04)}},
        row, all5());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "6"}, {2, {}}}));
}

TEST(LogPatchNullBitmap, TheBaseMustAgreeWithTheBitsBefore) {
    const Layout l = five();
    const std::vector<ByteRange> to_null = {{8, a_to_bitmap(5, 7, 0x00), a_to_bitmap(6, 7, 0x04)}};
    EXPECT_FALSE(patch_with_base(l, to_null, {"1", "5", {}, "9", "x"}, all5()));  // b NULL before
    EXPECT_FALSE(patch_with_base(l, to_null, {"1", "5", "7", "9", {}}, all5()));  // c NULL: bit 0
    EXPECT_FALSE(patch_with_base(l, to_null, {"1", "5", "8", "9", "x"}, all5())); // b's bytes: 7
    // b NULL before: its bit must be set (b's bytes unchanged, so only the bit can say so).
    EXPECT_FALSE(patch_with_base(l, {{8, a_to_bitmap(5, 42, 0x00), a_to_bitmap(6, 42, 0x00)}},
                                 {"1", "5", {}, "9", "x"}, all5()));
}

TEST(LogPatchNullBitmap, WhatTheRangesDoNotShowIsReadAgain) {
    const Layout l = five();
    // With a base row that shows the record holds n: each refusal is for its own reason.
    const std::vector<Value> row = {"1", "5", "7", "9", "x"}, b_null = {"1", "5", {}, "9", "x"};
    auto with_row = [&](const std::vector<ByteRange> &r, const std::vector<Value> &base) {
        return patch_with_base(l, r, base, all5());
    };
    // The column count not covered: the bitmap's place is not shown.
    EXPECT_FALSE(with_row({{26, std::string(1, '\0'), "\x04"}}, row));
    // A count other than the layout's (a variable column added later), or changed.
    EXPECT_FALSE(with_row({{8, a_to_bitmap(5, 7, 0x00, 4), a_to_bitmap(6, 7, 0x04, 4)}}, row));
    EXPECT_FALSE(with_row({{8, a_to_bitmap(5, 7, 0x00), a_to_bitmap(6, 7, 0x04, 6)}}, row));
    // A value given to b, its bytes not shown (nor whole): never taken as NULL or as a guess.
    const std::string count_bitmap_before = Bytes().u16(5).u8(0x04),
                      count_bitmap_after = Bytes().u16(5).u8(0x00);
    EXPECT_FALSE(with_row(
        {{8, Bytes().u32(5), Bytes().u32(6)}, {24, count_bitmap_before, count_bitmap_after}},
        b_null));
    EXPECT_FALSE(with_row({{8, Bytes().u32(5).u32(0), Bytes().u32(6).u32(42)},
                           {24, count_bitmap_before, count_bitmap_after}},
                          b_null));
    // The variable column's bit changes: its data changes too.
    EXPECT_FALSE(with_row({{8, a_to_bitmap(5, 7, 0x00), a_to_bitmap(6, 7, 0x10)}}, row));
    // The NOT NULL key set NULL: not a record of this table.
    EXPECT_FALSE(with_row({{8, a_to_bitmap(5, 7, 0x00), a_to_bitmap(6, 7, 0x01)}}, row));
    // ... or shown NULL before and after (its value unknown to the base).
    EXPECT_FALSE(patch_with_base(l, {{8, a_to_bitmap(5, 7, 0x01), a_to_bitmap(6, 7, 0x05)}}, row,
                                 {false, true, true, true, true}));
    // A NULL column's bytes changing while it stays NULL.
    EXPECT_FALSE(with_row({{8, a_to_bitmap(5, 7, 0x04), a_to_bitmap(6, 8, 0x04)}}, b_null));
    // Past the bitmap: the variable part.
    EXPECT_FALSE(with_row({{8, Bytes().raw(a_to_bitmap(5, 7, 0x00)).u8(1),
                            Bytes().raw(a_to_bitmap(6, 7, 0x04)).u8(2)}},
                          row));
    // A column added with a default: older records lack it, the header is never trusted.
    Layout d = five();
    d.columns.push_back(col("d", 6, 56, 24, 6, 4));
    d.columns.back().default_value = "0";
    EXPECT_FALSE(patch_with_base(d,
                                 {{8, Bytes().u32(5).u64(7).u32(9).u32(0).u16(6).u8(0),
                                   Bytes().u32(6).u64(7).u32(9).u32(0).u16(6).u8(4)}},
                                 {"1", "5", "7", "9", "x", "0"}, std::vector<bool>(6, true)));
}

TEST(LogPatchNullBitmap, TheRecordMustBeShownToHoldTheLastFixedColumn) {
    // n nullable: it may have been added after the row was written (ALTER TABLE ADD, metadata
    // only), and then the record's fixed area ends at 20 and its own count and bitmap are there.
    const Layout l = five(true);
    const std::vector<ByteRange> to_null = {{8, a_to_bitmap(5, 7, 0x00), a_to_bitmap(6, 7, 0x04)}};
    EXPECT_FALSE(patch_from_ranges(l, to_null));
    EXPECT_FALSE(patch_with_base(l, to_null, {"1", "5", "7", {}, "x"}, all5())); // n NULL
    EXPECT_FALSE(patch_with_base(l, to_null, {"1", "5", "7", "9", "x"},
                                 {true, true, true, false, true}));          // n unknown
    auto p = patch_with_base(l, to_null, {"1", "5", "7", "9", "x"}, all5()); // n stored
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "6"}, {2, {}}}));

    // Such a record, and an update of a and of its variable column v: the bytes where the layout
    // puts the count happen to read 4, the "bitmap" byte's bits happen to agree with the base. It
    // must not be read as x (the added column) getting a value.
    // The old record of with_x(): F = 12, count 3 at 12, bitmap 0 at 14, one variable column
    // ending at 23, v = AA 04 00 08 at bytes 19..22.
    const Layout t = with_x();
    const std::string old_tail = Bytes().u16(3).u8(0).u16(1).u16(23).u8(0xAA).u16(4).u8(0x08);
    const std::string new_tail = Bytes().u16(3).u8(0).u16(1).u16(23).u8(0xAA).u16(4).u8(0x00);
    const std::vector<ByteRange> misread = {
        {8, Bytes().u32(5).raw(old_tail), Bytes().u32(6).raw(new_tail)}};
    EXPECT_FALSE(patch_from_ranges(t, misread));
    EXPECT_FALSE(
        patch_with_base(t, misread, {"1", "5", "\\xaa040008", {}}, {true, true, true, true}));
}

TEST(LogPatchNullBitmap, BitColumns) {
    // t(id int NOT NULL, f bit, g bit NOT NULL): id [4,8), f bit 0 and g bit 1 of byte 8, count at
    // 9 (3), bitmap at 11.
    Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.back().is_nullable = false;
    l.columns.push_back(col("f", 2, 104, 8, 2, 1));
    l.columns.push_back(col("g", 3, 104, 8, 3, 1));
    l.columns.back().is_nullable = false;
    l.columns.back().leaf_bit_position = 1;
    const std::vector<bool> all(3, true);
    // f true -> NULL, and NULL -> false (its bit shown).
    auto p = patch_with_base(l, {{8, Bytes().u8(1).u16(3).u8(0), Bytes().u8(1).u16(3).u8(2)}},
                             {"1", "t", "f"}, all);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, {}}}));
    p = patch_with_base(l, {{8, Bytes().u8(1).u16(3).u8(2), Bytes().u8(0).u16(3).u8(0)}},
                        {"1", {}, "f"}, all);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "false"}}));
    // Without g's value nothing shows the record holds the bit byte.
    EXPECT_FALSE(
        patch_from_ranges(l, {{8, Bytes().u8(1).u16(3).u8(2), Bytes().u8(0).u16(3).u8(0)}}));
    // The base says false, the bit before says true.
    EXPECT_FALSE(patch_with_base(l, {{8, Bytes().u8(1).u16(3).u8(0), Bytes().u8(1).u16(3).u8(2)}},
                                 {"1", "f", "f"}, all));
    // f given a value, its byte not shown: read again; set NULL, its byte not shown: NULL.
    EXPECT_FALSE(
        patch_with_base(l, {{9, Bytes().u16(3).u8(2), Bytes().u16(3).u8(0)}}, {"1", {}, "f"}, all));
    p = patch_with_base(l, {{9, Bytes().u16(3).u8(0), Bytes().u16(3).u8(2)}}, {"1", "t", "f"}, all);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, {}}}));
}

TEST(LogPatchNullBitmap, MoreThanEightColumnsAndDroppedOnes) {
    // id int NOT NULL [4,8), a dropped int [8,12), n int NOT NULL [12,16), seven nullable
    // varchars (NULL bits 4..10), z int [16,20) (NULL bit 11: the second byte's bit 2): 11
    // columns, the count at 20, a 2-byte bitmap at 22.
    Layout l;
    l.columns.push_back(col("id", 1, 56, 4, 1, 4));
    l.columns.back().is_nullable = false;
    l.columns.push_back(col("", 2, 56, 8, 2, 4));
    l.columns.back().is_dropped = true;
    l.columns.push_back(col("n", 3, 56, 12, 3, 4));
    l.columns.back().is_nullable = false;
    for (int k = 0; k < 7; ++k)
        l.columns.push_back(col("v" + std::to_string(k), 4 + k, 167, -(k + 1), 4 + k, 20));
    l.columns.push_back(col("z", 11, 56, 16, 11, 4)); // NULL bit 11: the second byte's bit 2
    // n is not last: z ends the fixed area [16,20), and it is nullable; with z's value in the
    // base the record holds it. z 5 -> NULL: count at 20 (11), bitmap at 22..23.
    const std::vector<ByteRange> z_null = {
        {16, Bytes().u32(5).u16(11).u8(0).u8(0), Bytes().u32(5).u16(11).u8(0).u8(0x04)}};
    std::vector<Value> b = {"1", {}, "2", {}, {}, {}, {}, {}, {}, {}, "5"};
    std::vector<bool> known(11, true);
    known[1] = false; // the dropped column
    // The varchars are NULL in the base: their bits must be set.
    EXPECT_FALSE(patch_with_base(l, z_null, b, known));
    const std::vector<ByteRange> z_null2 = {
        {16, Bytes().u32(5).u16(11).u8(0xF8).u8(0x03), Bytes().u32(5).u16(11).u8(0xF8).u8(0x07)}};
    auto p = patch_with_base(l, z_null2, b, known);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{10, {}}}));
    // The dropped column's bit flipping: not explained.
    const std::vector<ByteRange> dropped = {
        {16, Bytes().u32(5).u16(11).u8(0xF8).u8(0x03), Bytes().u32(5).u16(11).u8(0xFA).u8(0x07)}};
    EXPECT_FALSE(patch_with_base(l, dropped, b, known));
}

// The row's own insert record shows its format: decode_record says whether it has the layout's
// column count and fixed-area end, and the reader passes that on (format_shown) to complete later
// updates of the row whose base has the last fixed column NULL.
TEST(LogPatchNullBitmap, AnInsertRecordOfTheLayoutsFormatShowsWhereTheBitmapIs) {
    const Layout t = with_x();
    // Written with x (x NULL): F = 20, count 4, bitmap 0x08, v = AA ending at 28.
    const std::string whole =
        Bytes().u8(0x30).u8(0).u16(20).u32(1).u32(5).u64(0).u16(4).u8(0x08).u16(1).u16(28).u8(0xAA);
    const DecodedRow w = decode_record(t, whole);
    EXPECT_EQ(w.values, (std::vector<Value>{"1", "5", "\\xaa", {}}));
    EXPECT_TRUE(w.layout_format);
    // Written before x was added: F = 12, count 3. It decodes (x NULL), but shows nothing.
    const std::string old =
        Bytes().u8(0x30).u8(0).u16(12).u32(1).u32(5).u16(3).u8(0).u16(1).u16(23).u8(0xAA).u16(4).u8(
            0x08);
    const DecodedRow o = decode_record(t, old);
    EXPECT_EQ(o.values, (std::vector<Value>{"1", "5", "\\xaa040008", {}}));
    EXPECT_FALSE(o.layout_format);

    // a 5 -> 6 and x NULL -> 42 on the row `whole` wrote: the base alone does not show the
    // format (x, which ends the fixed area, is NULL in it); the insert record does.
    const std::vector<ByteRange> give_x = {
        {8, Bytes().u32(5).u64(0).u16(4).u8(0x08), Bytes().u32(6).u64(42).u16(4).u8(0x00)}};
    const std::vector<Value> base = w.values;
    const std::vector<bool> known(4, true);
    EXPECT_FALSE(patch_with_base(t, give_x, base, known));
    auto p = patch_with_base(t, give_x, base, known, true);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{1, "6"}, {3, "42"}}));
    // Everything else is still checked: the count, the base's bits, the variable column's bit.
    EXPECT_FALSE(patch_with_base(
        t, {{8, Bytes().u32(5).u64(0).u16(3).u8(0x08), Bytes().u32(6).u64(42).u16(3).u8(0x00)}},
        base, known, true));
    EXPECT_FALSE(patch_with_base(t, give_x, {"1", "5", "\\xaa", "7"}, known, true));
    EXPECT_FALSE(patch_with_base(
        t, {{8, Bytes().u32(5).u64(0).u16(4).u8(0x08), Bytes().u32(6).u64(42).u16(4).u8(0x04)}},
        base, known, true));
    // Without a base the bytes alone never reach the header.
    EXPECT_FALSE(patch_from_ranges(t, give_x));
}

TEST(LogPatchNullBitmap, AColumnAddedWithADefaultIsInTheRowsShownFormat) {
    // five() + d int NULL DEFAULT 0 at [24,28): a record with 6 columns and F = 28 holds d.
    Layout d = five();
    d.columns.push_back(col("d", 6, 56, 24, 6, 4));
    d.columns.back().default_value = "0";
    const std::string rec =
        Bytes().u8(0x30).u8(0).u16(28).u32(1).u32(5).u64(7).u32(9).u32(3).u16(6).u8(0).u16(1).u16(
            35);
    const DecodedRow r = decode_record(d, rec);
    EXPECT_TRUE(r.layout_format);
    ASSERT_EQ(r.values.size(), 6u);
    EXPECT_EQ(r.values[5], "3");
    EXPECT_EQ(r.values[4], "");
    // d 3 -> 4: inside the fixed area, but at or past a column added with a default, which an
    // older record may lack: only the shown format places it.
    const std::vector<ByteRange> change_d = {{24, Bytes().u32(3), Bytes().u32(4)}};
    const std::vector<bool> known(6, true);
    EXPECT_FALSE(patch_with_base(d, change_d, r.values, known));
    auto p = patch_with_base(d, change_d, r.values, known, true);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->set, (Set{{5, "4"}}));
    // The same record without d (written before it was added) shows nothing.
    const std::string before_d =
        Bytes().u8(0x30).u8(0).u16(24).u32(1).u32(5).u64(7).u32(9).u16(5).u8(0).u16(1).u16(31);
    const DecodedRow b = decode_record(d, before_d);
    EXPECT_FALSE(b.layout_format);
    EXPECT_EQ(b.values[5], "0");
}
