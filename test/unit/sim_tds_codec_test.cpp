// MS-TDS encodings of the simulator's front end, checked byte for byte against the spec's
// layouts (MS-TDS 2.2.5.5 data type definitions, 2.2.6.4 LOGIN7 password obfuscation).
#include "tds/bytes.hpp"
#include "tds/login.hpp"
#include "tds/temporal.hpp"
#include "tds/type_codec.hpp"

#include <gtest/gtest.h>

using namespace sim;
using namespace sim::tds;

namespace {
std::string hex(const std::string &b) {
    static const char *d = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : b) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

std::string encode(TypeId id, const Value &v, bool nullable = true, int32_t len = 0, uint8_t p = 0,
                   uint8_t s = 0) {
    ColumnInfo ci;
    ci.type = SqlType{id, len, p, s};
    ci.nullable = nullable;
    ByteWriter w;
    write_value(w, make_codec(ci), v);
    return hex(w.buffer());
}
} // namespace

TEST(TdsCodec, IntegersUseIntnWhenNullableAndFixedTypesOtherwise) {
    EXPECT_EQ(encode(TypeId::Int, Value::integer(1)), "0401000000");
    EXPECT_EQ(encode(TypeId::Int, Value::null()), "00");
    EXPECT_EQ(encode(TypeId::Int, Value::integer(-2), false), "FEFFFFFF");
    EXPECT_EQ(encode(TypeId::BigInt, Value::integer(1), false), "0100000000000000");
    EXPECT_EQ(encode(TypeId::TinyInt, Value::integer(255)), "01FF");
    EXPECT_EQ(encode(TypeId::Bit, Value::integer(1)), "0101");
    ColumnInfo ci;
    ci.type.id = TypeId::Int;
    ci.nullable = false;
    EXPECT_EQ(make_codec(ci).wire, kInt4);
    ci.nullable = true;
    EXPECT_EQ(make_codec(ci).wire, kIntN);
}

TEST(TdsCodec, DecimalIsSignByteAndLittleEndianMagnitude) {
    // decimal(5,2) -123.45: length 5, sign 0 (negative), 12345 = 0x3039
    EXPECT_EQ(encode(TypeId::Decimal, Value::text("-123.45"), true, 0, 5, 2), "050039300000");
    // decimal(38,0) needs 17 bytes
    EXPECT_EQ(encode(TypeId::Decimal, Value::text("1"), true, 0, 38, 0).substr(0, 6), "110101");
    EXPECT_EQ(encode(TypeId::Numeric, Value::null(), true, 0, 10, 2), "00");
}

TEST(TdsCodec, MoneyIsScaledByTenThousandHighHalfFirst) {
    EXPECT_EQ(encode(TypeId::Money, Value::text("1.0000"), false), "0000000010270000");
    EXPECT_EQ(encode(TypeId::SmallMoney, Value::text("-1.0000"), false), "F0D8FFFF");
    EXPECT_EQ(encode(TypeId::Money, Value::text("922337203685477.5807"), false),
              "FFFFFF7FFFFFFFFF");
}

TEST(TdsCodec, DateTimeFamilies) {
    // datetime: days since 1900-01-01, then 1/300 s ticks
    EXPECT_EQ(encode(TypeId::DateTime, Value::text("1900-01-01 00:00:00.0030000"), false),
              "0000000001000000");
    EXPECT_EQ(encode(TypeId::SmallDateTime, Value::text("1900-01-02 00:01:00"), false), "01000100");
    // date: 3 bytes of days since 0001-01-01
    EXPECT_EQ(encode(TypeId::Date, Value::text("0001-01-02")), "03010000");
    // time(7) 00:00:01 = 10^7 units in 5 bytes
    EXPECT_EQ(encode(TypeId::Time, Value::text("00:00:01.0000000"), true, 0, 0, 7), "058096980000");
    // time(0): 3 bytes of seconds
    EXPECT_EQ(encode(TypeId::Time, Value::text("00:01:00"), true, 0, 0, 0), "033C0000");
    // datetimeoffset(0): UTC time, UTC date, offset minutes
    EXPECT_EQ(
        encode(TypeId::DateTimeOffset, Value::text("0001-01-01 01:00:00 +01:00"), true, 0, 0, 0),
        "080000000000003C00");
}

TEST(TdsCodec, GuidBytesAreMixedEndian) {
    EXPECT_EQ(encode(TypeId::UniqueIdentifier, Value::text("6F9619FF-8B86-D011-B42D-00C04FC964FF")),
              "10FF19966F868B11D0B42D00C04FC964FF");
    EXPECT_EQ(guid_from_wire(guid_to_wire("6F9619FF-8B86-D011-B42D-00C04FC964FF")),
              "6F9619FF-8B86-D011-B42D-00C04FC964FF");
}

TEST(TdsCodec, CharacterData) {
    // nvarchar: USHORT byte length, UTF-16LE with surrogate pairs
    EXPECT_EQ(encode(TypeId::NVarChar, Value::text("\xC3\xA9"), true, 10), "0200E900");
    EXPECT_EQ(encode(TypeId::NVarChar, Value::text("\xF0\x9F\x98\x80"), true, 10), "04003DD800DE");
    // varchar: code page 1252 (the euro sign is 0x80), '?' for what it cannot hold
    EXPECT_EQ(encode(TypeId::VarChar, Value::text("\xE2\x82\xAC"), true, 10), "010080");
    EXPECT_EQ(encode(TypeId::VarChar, Value::text("\xE6\x97\xA5"), true, 10), "01003F");
    // char(3) is blank padded; NULL is 0xFFFF
    EXPECT_EQ(encode(TypeId::Char, Value::text("a"), true, 3), "0300612020");
    EXPECT_EQ(encode(TypeId::VarChar, Value::null(), true, 3), "FFFF");
}

TEST(TdsCodec, MaxTypesArePartiallyLengthPrefixed) {
    EXPECT_EQ(encode(TypeId::NVarChar, Value::text("ab"), true, SqlType::kMax), "0400000000000000"
                                                                                "04000000"
                                                                                "61006200"
                                                                                "00000000");
    EXPECT_EQ(encode(TypeId::VarBinary, Value::null(), true, SqlType::kMax), "FFFFFFFFFFFFFFFF");
}

TEST(TdsCodec, ColumnMetadataCarriesCollationAndName) {
    ColumnInfo ci;
    ci.name = "n";
    ci.type = SqlType{TypeId::NVarChar, 10, 0, 0};
    ByteWriter w;
    write_colmetadata(w, {make_codec(ci)});
    // token, count, usertype, flags(nullable|updateable), NVARCHAR, 20 bytes, collation, name
    EXPECT_EQ(hex(w.buffer()), "810100000000000900E714000904D00034016E00");
}

TEST(TdsCodec, RpcParametersDecodeToCanonicalValues) {
    // INTN(4) 7
    std::string b("\x26\x04\x04\x07\x00\x00\x00", 7);
    ByteReader r(b);
    ParamType t = read_param_type(r);
    EXPECT_EQ(t.sql.id, TypeId::Int);
    Value v = read_param_value(r, t);
    EXPECT_EQ(v.i, 7);
    // DECIMALN(5) precision 10 scale 2, value 123.45
    std::string d = std::string("\x6A\x05\x0A\x02\x05\x01\x39\x30\x00\x00", 10);
    ByteReader rd(d);
    ParamType td = read_param_type(rd);
    EXPECT_EQ(read_param_value(rd, td).s, "123.45");
    // DATETIME2N scale 3, 1 ms after 0001-01-01 00:00
    std::string dt = std::string("\x2A\x03\x07\x01\x00\x00\x00\x00\x00\x00", 10);
    ByteReader rt(dt);
    ParamType tt = read_param_type(rt);
    EXPECT_EQ(read_param_value(rt, tt).s, "0001-01-01 00:00:00.0010000");
}

TEST(TdsLogin, PasswordObfuscationIsNibbleSwapThenXor) {
    // 'a' = 61 00 -> swap nibbles 16 00 -> xor A5 -> B3 A5
    EXPECT_EQ(decode_password(std::string("\xB3\xA5", 2)), "a");
}

TEST(TdsLogin, EncryptionNegotiationFollowsTheSpecTable) {
    uint8_t answer = 0;
    EXPECT_EQ(negotiate_encryption(kEncryptNotSup, false, answer), TlsUse::None);
    EXPECT_EQ(answer, kEncryptNotSup);
    EXPECT_EQ(negotiate_encryption(kEncryptOff, false, answer), TlsUse::LoginOnly);
    EXPECT_EQ(answer, kEncryptOff);
    EXPECT_EQ(negotiate_encryption(kEncryptOn, false, answer), TlsUse::Full);
    EXPECT_EQ(answer, kEncryptOn);
    EXPECT_EQ(negotiate_encryption(kEncryptNotSup, true, answer), TlsUse::Refuse);
    EXPECT_EQ(answer, kEncryptReq);
    EXPECT_EQ(negotiate_encryption(kEncryptOff, true, answer), TlsUse::Full);
}

TEST(TdsLogin, PreloginOptionsAreFoundByOffset) {
    // VERSION at 11 (6 bytes), ENCRYPTION at 17 (1 byte), terminator
    std::string p = std::string("\x00\x00\x0B\x00\x06\x01\x00\x11\x00\x01\xFF", 11) +
                    std::string("\x0F\x00\x00\x00\x00\x00", 6) + std::string("\x01", 1);
    EXPECT_EQ(parse_prelogin(p).encryption, kEncryptOn);
    std::string resp = build_prelogin_response(kEncryptOff, "15.0.4365.2");
    EXPECT_EQ(parse_prelogin(resp).encryption, kEncryptOff);
}

TEST(TdsTemporal, CalendarRoundTrip) {
    EXPECT_EQ(days_from_civil(1, 1, 1), 0);
    EXPECT_EQ(days_from_civil(1900, 1, 1), kDays1900);
    auto t = parse_temporal("2024-02-29 13:14:15.1234567 -08:00");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_datetime(t->days, t->ticks), "2024-02-29 13:14:15.1234567");
    EXPECT_EQ(t->offset_minutes, -480);
    EXPECT_FALSE(parse_temporal("2023-02-30"));
    EXPECT_FALSE(parse_temporal("24:00:00"));
}
