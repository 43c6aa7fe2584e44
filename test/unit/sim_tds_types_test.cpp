// Row-value and type-info encodings of the simulator for the types and limits the older codec
// test does not cover (MS-TDS 2.2.5.4/2.2.5.5): extremes, code pages, LOB tokens, sql_variant,
// UDTs, rowversion.
#include "tds/bytes.hpp"
#include "tds/type_codec.hpp"

#include <gtest/gtest.h>

using namespace sim;
using namespace sim::tds;

namespace {
std::string hex(std::string_view b) {
    static const char *d = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : b) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

ColumnCodec codec(TypeId id, bool nullable = true, int32_t len = 0, uint8_t p = 0, uint8_t s = 0,
                  std::string table = {}) {
    ColumnInfo ci;
    ci.type = SqlType{id, len, p, s};
    ci.nullable = nullable;
    ci.table_name = std::move(table);
    return make_codec(ci);
}

std::string value(const ColumnCodec &c, const Value &v) {
    ByteWriter w;
    write_value(w, c, v);
    return hex(w.buffer());
}

std::string type_info(const ColumnCodec &c) {
    ByteWriter w;
    write_column_type(w, c, true);
    return hex(w.buffer());
}
} // namespace

TEST(TdsTypes, IntegerAndMoneyExtremes) {
    EXPECT_EQ(value(codec(TypeId::BigInt, false), Value::integer(INT64_MIN)), "0000000000000080");
    EXPECT_EQ(value(codec(TypeId::SmallInt), Value::integer(-32768)), "020080");
    EXPECT_EQ(value(codec(TypeId::Money, false), Value::text("-922337203685477.5808")),
              "0000008000000000");
    EXPECT_EQ(value(codec(TypeId::Money), Value::text("922337203685477.5807")),
              "08FFFFFF7FFFFFFFFF");
    EXPECT_EQ(value(codec(TypeId::SmallMoney), Value::text("214748.3647")), "04FFFFFF7F");
    EXPECT_EQ(value(codec(TypeId::Money), Value::null()), "00");
}

TEST(TdsTypes, DecimalOfMaximumPrecision) {
    EXPECT_EQ(value(codec(TypeId::Decimal, true, 0, 38, 0),
                    Value::text("99999999999999999999999999999999999999")),
              "1101FFFFFFFF3F228A097AC4865AA84C3B4B");
    EXPECT_EQ(type_info(codec(TypeId::Numeric, true, 0, 19, 4)), "00000000"
                                                                 "0900"
                                                                 "6C091304");
}

TEST(TdsTypes, FloatsAreIeeeLittleEndian) {
    EXPECT_EQ(value(codec(TypeId::Real), Value::real(1.5)), "040000C03F");
    EXPECT_EQ(value(codec(TypeId::Float, false), Value::real(1.0)), "000000000000F03F");
    EXPECT_EQ(type_info(codec(TypeId::Real)), "00000000"
                                              "0900"
                                              "6D04");
}

TEST(TdsTypes, DateAndTimeExtremes) {
    EXPECT_EQ(value(codec(TypeId::Date), Value::text("0001-01-01")), "03000000");
    EXPECT_EQ(value(codec(TypeId::Date), Value::text("9999-12-31")), "03DAB937");
    EXPECT_EQ(value(codec(TypeId::Time, true, 0, 0, 0), Value::text("23:59:59.0000000")),
              "037F5101");
    EXPECT_EQ(value(codec(TypeId::SmallDateTime, false), Value::text("1900-01-02 00:01:00")),
              "01000100");
    EXPECT_EQ(value(codec(TypeId::DateTime), Value::text("1900-01-01 00:00:00.0000000")),
              "080000000000000000");
    // datetimeoffset travels as UTC plus the offset in minutes.
    EXPECT_EQ(value(codec(TypeId::DateTimeOffset, true, 0, 0, 7),
                    Value::text("2024-01-01 00:30:00.0000000 +01:00")),
              "0A008C87F9C444460B3C00");
    EXPECT_EQ(value(codec(TypeId::DateTimeOffset, true, 0, 0, 7), Value::null()), "00");
}

TEST(TdsTypes, CharacterDataInCodePageAndUtf16) {
    // é and € exist in code page 1252; the emoji does not and becomes '?'.
    EXPECT_EQ(value(codec(TypeId::VarChar, true, 10), Value::text("é€😀")), "0300E9803F");
    EXPECT_EQ(value(codec(TypeId::NVarChar, true, 10), Value::text("😀")), "04003DD800DE");
    EXPECT_EQ(value(codec(TypeId::Char, false, 3), Value::text("a")), "0300612020");
    EXPECT_EQ(value(codec(TypeId::NChar, true, 2), Value::text("a")), "040061002000");
    EXPECT_EQ(value(codec(TypeId::VarChar, true, 10), Value::null()), "FFFF");
    EXPECT_EQ(value(codec(TypeId::VarChar, true, 10), Value::text("")), "0000");
}

TEST(TdsTypes, LegacyLobsCarryTextPointerAndTableName) {
    ColumnCodec t = codec(TypeId::Text, true, 0, 0, 0, "dbo.t");
    EXPECT_EQ(value(t, Value::null()), "00");
    EXPECT_EQ(value(t, Value::text("ab")),
              "10" + std::string(32, '0').replace(0, 32, "01010101010101010101010101010101") +
                  "0000000000000000" + "02000000" + "6162");
    EXPECT_EQ(type_info(t), "00000000"
                            "0900"
                            "23"
                            "FFFFFF7F"
                            "0904D00034"
                            "01"
                            "0500" +
                                hex(utf8_to_utf16le("dbo.t")));
    EXPECT_EQ(type_info(codec(TypeId::Image)), "00000000"
                                               "0900"
                                               "22"
                                               "FFFFFF7F"
                                               "00");
}

TEST(TdsTypes, RowversionIsBinary8WithUserType80) {
    EXPECT_EQ(type_info(codec(TypeId::Timestamp, false)), "50000000"
                                                          "0800"
                                                          "AD"
                                                          "0800");
    EXPECT_EQ(
        value(codec(TypeId::Timestamp, false), Value::blob(std::string("\0\0\0\0\0\0\x07\xD1", 8))),
        "0800"
        "00000000000007D1");
}

TEST(TdsTypes, SqlVariantBaseTypeFollowsTheValueKind) {
    ColumnCodec v = codec(TypeId::SqlVariant);
    EXPECT_EQ(value(v, Value::null()), "00000000");
    EXPECT_EQ(value(v, Value::integer(5)), "06000000"
                                           "3800"
                                           "05000000");
    EXPECT_EQ(value(v, Value::integer(1LL << 40)), "0A000000"
                                                   "7F00"
                                                   "0000000000010000");
    EXPECT_EQ(value(v, Value::real(1.0)), "0A000000"
                                          "3E00"
                                          "000000000000F03F");
    EXPECT_EQ(value(v, Value::text("a")), "0B000000"
                                          "E707"
                                          "0904D00034"
                                          "0200"
                                          "6100");
    EXPECT_EQ(value(v, Value::blob("\x01")), "05000000"
                                             "A502"
                                             "0100"
                                             "01");
    EXPECT_EQ(type_info(v), "00000000"
                            "0900"
                            "62"
                            "501F0000");
}

TEST(TdsTypes, XmlAndUdtAreSentAsPlp) {
    EXPECT_EQ(value(codec(TypeId::Xml), Value::text("<a/>")), "0800000000000000"
                                                              "08000000"
                                                              "3C0061002F003E00"
                                                              "00000000");
    EXPECT_EQ(value(codec(TypeId::HierarchyId), Value::blob("\x58")), "0100000000000000"
                                                                      "01000000"
                                                                      "58"
                                                                      "00000000");
    std::string ti = type_info(codec(TypeId::HierarchyId));
    // UserType, Flags, UDT, MaxByteSize 892, then "master", "sys", "hierarchyid"
    EXPECT_EQ(ti.substr(0, 20), "00000000"
                                "0900"
                                "F0"
                                "7C03"
                                "06");
    EXPECT_NE(ti.find(hex(utf8_to_utf16le("hierarchyid"))), std::string::npos);
    EXPECT_EQ(type_info(codec(TypeId::Geography)).substr(14, 4), "FFFF");
}
