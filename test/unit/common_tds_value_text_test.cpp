#include "tds_connection.hpp"

#include <sybdb.h>

#include <gtest/gtest.h>

#include <cstring>

using dts::tds::value_to_text;

namespace {
template <typename T> std::string text_of(int type, const T &v, int scale = 0) {
    return value_to_text(type, reinterpret_cast<const uint8_t *>(&v), sizeof v, scale);
}
} // namespace

TEST(TdsValueText, Integers) {
    EXPECT_EQ(text_of(SYBINT1, uint8_t{255}), "255");
    EXPECT_EQ(text_of(SYBINT2, int16_t{-32768}), "-32768");
    EXPECT_EQ(text_of(SYBINT4, int32_t{-2147483647 - 1}), "-2147483648");
    EXPECT_EQ(text_of(SYBINT8, int64_t{INT64_MAX}), "9223372036854775807");
    EXPECT_EQ(text_of(SYBBIT, uint8_t{1}), "true");
}

TEST(TdsValueText, ExactNumbersKeepEveryDigit) {
    DBMONEY m{};
    m.mnyhigh = -1; // -0.0001 * 2^32 ... build -1.2345 exactly below instead
    int64_t units = -12345;
    m.mnyhigh = static_cast<DBINT>(units >> 32);
    m.mnylow = static_cast<DBUINT>(units & 0xFFFFFFFF);
    EXPECT_EQ(text_of(SYBMONEY, m), "-1.2345");
    DBNUMERIC n{};
    n.precision = 10;
    n.scale = 2;
    n.array[0] = 1; // negative
    n.array[4] = 0x30;
    n.array[5] = 0x39; // 12345 in the 5 magnitude bytes of precision 10
    EXPECT_EQ(text_of(SYBDECIMAL, n), "-123.45");
    DBNUMERIC big{};
    big.precision = 38;
    big.scale = 0;
    std::memset(big.array + 1, 0, 16);
    big.array[16] = 1;
    EXPECT_EQ(text_of(SYBNUMERIC, big), "1");
}

TEST(TdsValueText, DatesAndTimes) {
    DBDATETIME dt{};
    dt.dtdays = 45349;                                  // 2024-02-29
    dt.dttime = (13 * 3600 + 14 * 60 + 15) * 300 + 299; // .997
    EXPECT_EQ(text_of(SYBDATETIME, dt), "2024-02-29 13:14:15.997");
    DBDATETIMEALL a{};
    a.date = 45349;
    a.time = 10000000ULL * 3600 + 1234567;
    EXPECT_EQ(text_of(SYBMSDATETIME2, a), "2024-02-29 01:00:00.123456");
    EXPECT_EQ(text_of(SYBMSDATE, a), "2024-02-29");
    EXPECT_EQ(text_of(SYBMSTIME, a), "01:00:00.123456");
    EXPECT_EQ(text_of(SYBMSDATETIMEOFFSET, a), "2024-02-29 01:00:00.123456+00");
}

// Review finding #21: 0001-01-01 00:00 +14:00 is before 0001-01-01 in UTC; DB-Library's day
// number wraps (year 45935). An error, never a wrong date.
TEST(TdsValueText, DatesOutsideTheRangeAreErrors) {
    DBDATETIMEALL a{};
    a.date = -693595; // 0001-01-01
    EXPECT_EQ(text_of(SYBMSDATETIMEOFFSET, a), "0001-01-01 00:00:00.000000+00");
    a.date = 2958463; // 9999-12-31
    EXPECT_EQ(text_of(SYBMSDATE, a), "9999-12-31");
    a.date = 16083620; // the wrapped day of 0000-12-31
    EXPECT_THROW(text_of(SYBMSDATETIMEOFFSET, a), dts::Error);
    a.date = -693596;
    EXPECT_THROW(text_of(SYBMSDATETIME2, a), dts::Error);
}

TEST(TdsValueText, BinaryGuidAndText) {
    const uint8_t bin[] = {0xde, 0xad, 0x00};
    EXPECT_EQ(value_to_text(SYBVARBINARY, bin, 3, 0), "\\xdead00");
    const uint8_t guid[] = {0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0,
                            0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF};
    EXPECT_EQ(value_to_text(36, guid, 16, 0), "6f9619ff-8b86-d011-b42d-00c04fc964ff");
    const char *s = "h\xC3\xA9";
    EXPECT_EQ(value_to_text(SYBCHAR, reinterpret_cast<const uint8_t *>(s), 3, 0), "h\xC3\xA9");
}

TEST(TdsValueText, IntegersReadAsNumbersInPlace) {
    auto num = [](int type, const auto &v) {
        return dts::tds::value_to_integer(type, reinterpret_cast<const uint8_t *>(&v), sizeof v);
    };
    EXPECT_EQ(num(SYBINT1, uint8_t{200}), 200);
    EXPECT_EQ(num(SYBINT2, int16_t{-3}), -3);
    EXPECT_EQ(num(SYBINT4, int32_t{-70000}), -70000);
    EXPECT_EQ(num(SYBINT8, int64_t{72057594043170816}), 72057594043170816);
    EXPECT_EQ(num(SYBINT4, int16_t{5}), std::nullopt); // a length that is not the type's
    EXPECT_EQ(num(SYBCHAR, int32_t{5}), std::nullopt); // not an integer type: the caller parses
    EXPECT_TRUE(dts::tds::is_string_type(SYBVARCHAR));
    EXPECT_TRUE(dts::tds::is_string_type(231));
    EXPECT_FALSE(dts::tds::is_string_type(SYBINT8));
    EXPECT_FALSE(dts::tds::is_string_type(SYBVARBINARY));
}
