// Values decoded from on-disk bytes (row_decoder.hpp's column_text) are the same text the CDC path
// produces for the same SQL Server value read over TDS (dts::tds::value_to_text): each case builds
// both encodings of one value by hand and compares.
#include "common_log_test_util.hpp"
#include "row_decoder.hpp"
#include "tds_connection.hpp"

#include <sybdb.h>

#include <gtest/gtest.h>

#include <cstring>

using namespace dts::logrec;
using dts::tds::value_to_text;
using logtest::Bytes;
using logtest::col;

namespace {

template <typename T> std::string tds(int type, const T &v, int scale = 0) {
    return value_to_text(type, reinterpret_cast<const uint8_t *>(&v), sizeof v, scale);
}
std::string tds_bytes(int type, const std::string &b) {
    return value_to_text(type, reinterpret_cast<const uint8_t *>(b.data()),
                         static_cast<int>(b.size()), 0);
}

PhysColumn typed(int type, int max_length, int precision = 0, int scale = 0) {
    PhysColumn c = col("c", 1, type, 4, 1, max_length);
    c.precision = precision;
    c.scale = scale;
    return c;
}

// decimal(p,s) on disk: sign byte (1 = positive) + little-endian magnitude of 4/8/12/16 bytes.
std::string disk_decimal(bool negative, unsigned __int128 mag, int precision) {
    const int n = precision <= 9 ? 4 : precision <= 19 ? 8 : precision <= 28 ? 12 : 16;
    Bytes b;
    b.u8(negative ? 0 : 1);
    for (int i = 0; i < n; ++i, mag >>= 8)
        b.u8(static_cast<unsigned>(mag & 0xff));
    return b;
}
// The same over TDS as FreeTDS hands it over: sign (1 = negative) + big-endian magnitude.
DBNUMERIC tds_decimal(bool negative, unsigned __int128 mag, int precision, int scale) {
    DBNUMERIC n{};
    n.precision = static_cast<BYTE>(precision);
    n.scale = static_cast<BYTE>(scale);
    static const int bytes_per_prec[] = {1,  2,  2,  3,  3,  4,  4,  4,  5,  5,  6,  6,  6,
                                         7,  7,  8,  8,  9,  9,  9,  10, 10, 11, 11, 11, 12,
                                         12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 16, 17, 17};
    const int nb = bytes_per_prec[precision];
    n.array[0] = negative ? 1 : 0;
    for (int i = nb - 1; i >= 1; --i, mag >>= 8)
        n.array[i] = static_cast<BYTE>(mag & 0xff);
    return n;
}

TEST(LogValueText, IntegersAndBit) {
    EXPECT_EQ(column_text(typed(48, 1), Bytes().u8(255)), tds(SYBINT1, uint8_t{255}));
    EXPECT_EQ(column_text(typed(52, 2), Bytes().u16(0x8000)), tds(SYBINT2, int16_t{-32768}));
    EXPECT_EQ(column_text(typed(56, 4), Bytes().u32(0xFFFFFFFF)), tds(SYBINT4, int32_t{-1}));
    EXPECT_EQ(column_text(typed(127, 8), Bytes().u64(0x7FFFFFFFFFFFFFFFULL)),
              tds(SYBINT8, int64_t{INT64_MAX}));
    PhysColumn bit = typed(104, 1);
    bit.leaf_bit_position = 3;
    EXPECT_EQ(column_text(bit, Bytes().u8(0x08)), tds(SYBBIT, uint8_t{1}));
    EXPECT_EQ(column_text(bit, Bytes().u8(0xF7)), tds(SYBBIT, uint8_t{0}));
}

TEST(LogValueText, DecimalAllStorageSizes) {
    struct Case {
        int p, s;
        bool neg;
        unsigned __int128 mag;
    };
    const unsigned __int128 big = static_cast<unsigned __int128>(0x4B3B4CA85A86C47AULL) << 64 |
                                  0x098A223FFFFFFFFFULL; // 10^38 - 1
    for (const Case &k :
         {Case{5, 2, true, 12345}, Case{9, 0, false, 999999999}, Case{15, 4, true, 1},
          Case{19, 19, false, 5}, Case{25, 3, false, (static_cast<unsigned __int128>(1) << 70) + 7},
          Case{38, 0, false, big}, Case{38, 10, true, big}, Case{10, 2, false, 0},
          Case{10, 2, true, 0}}) {
        const PhysColumn c = typed(106,
                                   k.p <= 9    ? 5
                                   : k.p <= 19 ? 9
                                   : k.p <= 28 ? 13
                                               : 17,
                                   k.p, k.s);
        EXPECT_EQ(column_text(c, disk_decimal(k.neg, k.mag, k.p)),
                  tds(SYBDECIMAL, tds_decimal(k.neg, k.mag, k.p, k.s)))
            << "decimal(" << k.p << "," << k.s << ")";
    }
    EXPECT_EQ(column_text(typed(108, 5, 5, 2), disk_decimal(true, 12345, 5)), "-123.45");
    // 10^5 does not fit decimal(5,2).
    EXPECT_THROW(column_text(typed(106, 5, 5, 2), disk_decimal(false, 100000, 5)), DecodeError);
}

TEST(LogValueText, MoneyIsAPlainLittleEndianIntegerOnDisk) {
    for (int64_t units : {int64_t{-12345}, int64_t{0}, int64_t{1}, INT64_MIN, INT64_MAX,
                          int64_t{123456789012345}}) {
        DBMONEY m{};
        m.mnyhigh = static_cast<DBINT>(units >> 32);
        m.mnylow = static_cast<DBUINT>(units & 0xFFFFFFFF);
        EXPECT_EQ(column_text(typed(60, 8), Bytes().u64(static_cast<uint64_t>(units))),
                  tds(SYBMONEY, m));
    }
    for (int32_t units : {-2147483647 - 1, -1, 0, 2147483647, 10000}) {
        EXPECT_EQ(column_text(typed(122, 4), Bytes().u32(static_cast<uint32_t>(units))),
                  tds(SYBMONEY4, units));
    }
    EXPECT_EQ(column_text(typed(60, 8), Bytes().u64(static_cast<uint64_t>(-12345))), "-1.2345");
}

TEST(LogValueText, RealAndFloat) {
    for (float f : {0.1f, -3.4e38f, 1.0f, 1e-45f}) {
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        EXPECT_EQ(column_text(typed(59, 4), Bytes().u32(bits)), tds(SYBREAL, f));
    }
    for (double d : {0.1, -1.7976931348623157e308, 2.5, 4.9e-324}) {
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        EXPECT_EQ(column_text(typed(62, 8), Bytes().u64(bits)), tds(SYBFLT8, d));
    }
}

TEST(LogValueText, DateAndTimeTypes) {
    // date: days since 0001-01-01; over TDS (FreeTDS) days since 1900-01-01.
    DBDATETIMEALL a{};
    for (int64_t d : {int64_t{0}, int64_t{693595}, int64_t{739000}, int64_t{3652058}}) {
        a.date = static_cast<DBINT>(d - 693595);
        EXPECT_EQ(column_text(typed(40, 3), Bytes().u24(static_cast<unsigned>(d))),
                  tds(SYBMSDATE, a));
    }
    EXPECT_EQ(column_text(typed(40, 3), Bytes().u24(0)), "0001-01-01");
    // time(n): 10^-n s units in 3/4/5 bytes; TDS in 100 ns units.
    const uint64_t secs = 13 * 3600 + 14 * 60 + 15;
    for (int n = 0; n <= 7; ++n) {
        uint64_t p = 1;
        for (int i = 0; i < n; ++i)
            p *= 10;
        const uint64_t units = secs * p + (p > 1 ? p - 1 : 0); // .999... at that scale
        const int size = n <= 2 ? 3 : n <= 4 ? 4 : 5;
        Bytes b;
        for (int i = 0; i < size; ++i)
            b.u8(static_cast<unsigned>(units >> (8 * i)));
        a.time = units;
        for (int i = n; i < 7; ++i)
            a.time *= 10;
        EXPECT_EQ(column_text(typed(41, size, 8 + n, n), b), tds(SYBMSTIME, a))
            << "time(" << n << ")";
        // datetime2(n) = time(n) bytes + 3-byte date.
        a.date = 45349; // 2024-02-29
        b.u24(45349 + 693595);
        EXPECT_EQ(column_text(typed(42, size + 3, 19 + n, n), b), tds(SYBMSDATETIME2, a));
        // datetimeoffset(n) = UTC datetime2(n) + int16 minutes offset; text is the UTC instant.
        b.u16(static_cast<unsigned>(-330));
        EXPECT_EQ(column_text(typed(43, size + 5, 26 + n, n), b), tds(SYBMSDATETIMEOFFSET, a));
    }
    EXPECT_EQ(column_text(typed(41, 5, 16, 7), Bytes().u32(1234567).u8(0)), "00:00:00.123456");
    // datetime: ticks of 1/300 s FIRST, then days since 1900-01-01.
    for (int32_t ticks : {0, 1, 2, 299, 300 * 86400 - 1}) {
        for (int32_t days : {-53690, 0, 45349, 2958463}) {
            DBDATETIME dt{};
            dt.dtdays = days;
            dt.dttime = ticks;
            EXPECT_EQ(
                column_text(
                    typed(61, 8),
                    Bytes().u32(static_cast<uint32_t>(ticks)).u32(static_cast<uint32_t>(days))),
                tds(SYBDATETIME, dt));
        }
    }
    EXPECT_EQ(
        column_text(typed(61, 8), Bytes().u32((13 * 3600 + 14 * 60 + 15) * 300 + 299).u32(45349)),
        "2024-02-29 13:14:15.997");
    // smalldatetime: uint16 minutes, then uint16 days.
    DBDATETIME4 sd{};
    sd.days = 45349;
    sd.minutes = 1439;
    EXPECT_EQ(column_text(typed(58, 4), Bytes().u16(1439).u16(45349)), tds(SYBDATETIME4, sd));
    // Out of range values are refused.
    EXPECT_THROW(column_text(typed(61, 8), Bytes().u32(300 * 86400).u32(0)), DecodeError);
    EXPECT_THROW(column_text(typed(58, 4), Bytes().u16(1440).u16(0)), DecodeError);
    EXPECT_THROW(column_text(typed(40, 3), Bytes().u24(3652059)), DecodeError);
    EXPECT_THROW(column_text(typed(41, 3, 8, 0), Bytes().u24(86400)), DecodeError);
    EXPECT_THROW(column_text(typed(43, 10, 34, 7), Bytes().u32(0).u8(0).u24(0).u16(841)),
                 DecodeError);
}

TEST(LogValueText, UniqueidentifierBinaryAndText) {
    const std::string guid = Bytes()
                                 .u32(0x6F9619FF) // first group, little-endian
                                 .u16(0x8B86)     // second
                                 .u16(0xD011)     // third
                                 .u8(0xB4)
                                 .u8(0x2D)
                                 .u8(0x00)
                                 .u8(0xC0)
                                 .u8(0x4F)
                                 .u8(0xC9)
                                 .u8(0x64)
                                 .u8(0xFF); // last 8 as written
    EXPECT_EQ(column_text(typed(36, 16), guid), tds_bytes(36, guid));
    EXPECT_EQ(column_text(typed(36, 16), guid), "6f9619ff-8b86-d011-b42d-00c04fc964ff");
    const std::string bin("\xde\xad\x00\x01", 4);
    EXPECT_EQ(column_text(typed(173, 4), bin), tds_bytes(SYBBINARY, bin));
    EXPECT_EQ(column_text(typed(165, 10), bin), tds_bytes(SYBVARBINARY, bin));
    EXPECT_EQ(column_text(typed(189, 8), bin + bin), tds_bytes(SYBBINARY, bin + bin));
    EXPECT_EQ(column_text(typed(165, -1), ""), "\\x");
    // char(6) in code page 1252 with its padding; over TDS the client charset is UTF-8.
    EXPECT_EQ(column_text(typed(175, 6), "\x80\xE9t\xE9  "),
              tds_bytes(SYBCHAR, "\xE2\x82\xAC\xC3\xA9t\xC3\xA9  "));
    EXPECT_EQ(column_text(typed(167, 20), "\x9F\xFF"), tds_bytes(SYBVARCHAR, "\xC5\xB8\xC3\xBF"));
    // nchar(3) / nvarchar: UTF-16LE with surrogate pairs.
    EXPECT_EQ(column_text(typed(239, 6), Bytes().u16('a').u16(0x20AC).u16(' ')),
              tds_bytes(SYBNVARCHAR, "a\xE2\x82\xAC "));
    EXPECT_EQ(column_text(typed(231, 20), Bytes().u16(0xD83D).u16(0xDE00).u16('!')),
              tds_bytes(SYBNVARCHAR, "\xF0\x9F\x98\x80!"));
    EXPECT_THROW(column_text(typed(231, 20), Bytes().u16(0xD83D).u16('x')), DecodeError);
    EXPECT_THROW(column_text(typed(231, 20), Bytes().u16(0xDE00)), DecodeError);
    EXPECT_THROW(column_text(typed(231, 20), std::string("a", 1)), DecodeError);
    EXPECT_THROW(column_text(typed(167, 20), std::string("a\0", 2)), DecodeError);
    EXPECT_THROW(column_text(typed(175, 2), "\x8D "), DecodeError);
    // A fixed value of the wrong size.
    EXPECT_THROW(column_text(typed(56, 4), Bytes().u16(1)), DecodeError);
}

} // namespace
