#include "chunk_plan.hpp"
#include "copy_text.hpp"

#include <gtest/gtest.h>

#include <limits>

using dts::chunks::Range;
using dts::chunks::split;

TEST(CopyText, EscapesWhatEndsAFieldOrRow) {
    std::string out;
    dts::copy::append_field(out, "plain");
    EXPECT_EQ(out, "plain");
    out.clear();
    dts::copy::append_field(out, "a\tb\nc\rd\\e");
    EXPECT_EQ(out, "a\\tb\\nc\\rd\\\\e");
    out.clear();
    dts::copy::append_field(out, "\\x0102"); // bytea hex input keeps its backslash
    EXPECT_EQ(out, "\\\\x0102");
    out.clear();
    dts::copy::append_null(out);
    EXPECT_EQ(out, "\\N");
    out.clear();
    dts::copy::append_field(out, std::string_view("\0x", 2).substr(1));
    EXPECT_EQ(out, "x");
}

TEST(ChunkPlan, SmallTableIsOneOpenRange) {
    auto r = split(1, 100, 100, 1000);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_FALSE(r[0].lower);
    EXPECT_FALSE(r[0].upper);
    EXPECT_EQ(split(5, 5, 10'000'000, 1000).size(), 1u); // one key value
}

TEST(ChunkPlan, RangesCoverEveryKeyWithoutOverlap) {
    auto r = split(1, 200000, 200000, 10000);
    ASSERT_GE(r.size(), 19u);
    ASSERT_LE(r.size(), 21u);
    EXPECT_FALSE(r.front().lower);
    EXPECT_FALSE(r.back().upper);
    for (size_t i = 1; i < r.size(); ++i)
        EXPECT_EQ(*r[i].lower, *r[i - 1].upper);
    // Every key lands in exactly one range.
    for (int64_t k : {int64_t{-5}, int64_t{1}, int64_t{9999}, int64_t{10001}, int64_t{200000},
                      int64_t{300000}}) {
        int hits = 0;
        for (const Range &x : r)
            hits += (!x.lower || k >= *x.lower) && (!x.upper || k < *x.upper);
        EXPECT_EQ(hits, 1) << k;
    }
}

TEST(ChunkPlan, ExtremeKeysDoNotOverflow) {
    const int64_t lo = std::numeric_limits<int64_t>::min(),
                  hi = std::numeric_limits<int64_t>::max();
    auto r = split(lo, hi, 1000, 100);
    ASSERT_GE(r.size(), 2u);
    for (size_t i = 1; i < r.size(); ++i)
        EXPECT_LT(*r[i - 1].upper, i + 1 < r.size() ? *r[i].upper : hi);
}

TEST(ChunkPlan, IntegerKeyTypes) {
    EXPECT_TRUE(dts::chunks::integer_key_type("int"));
    EXPECT_TRUE(dts::chunks::integer_key_type("bigint"));
    EXPECT_FALSE(dts::chunks::integer_key_type("uniqueidentifier"));
    EXPECT_FALSE(dts::chunks::integer_key_type("decimal"));
}

#include "tds_connection.hpp"

#include <sybdb.h>

#include <cstring>

namespace {
template <typename T> std::string copy_of(int type, T v, int scale = 0) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof v);
    std::string out;
    dts::tds::append_copy_text(out, type, b, sizeof v, scale);
    return out;
}
} // namespace

TEST(CopyText, ValuesAsCopyFields) {
    EXPECT_EQ(copy_of<int32_t>(SYBINT4, -2147483647 - 1), "-2147483648");
    EXPECT_EQ(copy_of<int64_t>(SYBINT8, 9223372036854775807LL), "9223372036854775807");
    EXPECT_EQ(copy_of<int16_t>(SYBINT2, -5), "-5");
    EXPECT_EQ(copy_of<uint8_t>(SYBINT1, 255), "255");
    EXPECT_EQ(copy_of<uint8_t>(SYBBIT, 1), "t");
    EXPECT_EQ(copy_of<double>(SYBFLT8, 0.5), "0.5");
    std::string out;
    const char text[] = "tab\there\\";
    dts::tds::append_copy_text(out, SYBVARCHAR, reinterpret_cast<const uint8_t *>(text),
                               static_cast<int>(std::strlen(text)), 0);
    EXPECT_EQ(out, "tab\\there\\\\");
    out.clear();
    const uint8_t bin[] = {0xDE, 0xAD, 0x01};
    dts::tds::append_copy_text(out, SYBVARBINARY, bin, 3, 0);
    EXPECT_EQ(out, "\\\\xdead01");
    // The fast paths agree with value_to_text escaped.
    for (int32_t v : {0, 1, -1, 123456789}) {
        std::string expect;
        uint8_t b[4];
        std::memcpy(b, &v, 4);
        dts::copy::append_field(expect, dts::tds::value_to_text(SYBINT4, b, 4, 0));
        EXPECT_EQ(copy_of<int32_t>(SYBINT4, v), expect);
    }
}
