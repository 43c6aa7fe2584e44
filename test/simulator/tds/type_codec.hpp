// MS-TDS data type encoding: COLMETADATA type descriptions, row values, and the decoding of RPC
// parameter TYPE_INFO and values. Pure functions over byte buffers, so they are unit-tested
// without sockets.
#pragma once

#include "bytes.hpp"
#include "engine.hpp"

#include <vector>

namespace sim::tds {

// TDS type tokens (MS-TDS 2.2.5.4).
enum Wire : uint8_t {
    kImage = 0x22,
    kText = 0x23,
    kGuid = 0x24,
    kIntN = 0x26,
    kDateN = 0x28,
    kTimeN = 0x29,
    kDateTime2N = 0x2A,
    kDateTimeOffsetN = 0x2B,
    kInt1 = 0x30,
    kBit = 0x32,
    kInt2 = 0x34,
    kInt4 = 0x38,
    kDateTim4 = 0x3A,
    kFlt4 = 0x3B,
    kMoney = 0x3C,
    kDateTime = 0x3D,
    kFlt8 = 0x3E,
    kVariant = 0x62,
    kNText = 0x63,
    kBitN = 0x68,
    kDecimalN = 0x6A,
    kNumericN = 0x6C,
    kFltN = 0x6D,
    kMoneyN = 0x6E,
    kDateTimN = 0x6F,
    kMoney4 = 0x7A,
    kInt8 = 0x7F,
    kBigVarBin = 0xA5,
    kBigVarChr = 0xA7,
    kBigBinary = 0xAD,
    kBigChar = 0xAF,
    kNVarChar = 0xE7,
    kNChar = 0xEF,
    kUdt = 0xF0,
    kXml = 0xF1,
};

// SQL_Latin1_General_CP1_CI_AS.
extern const char kCollation[5];

// How one result column travels; computed once per result set.
struct ColumnCodec {
    ColumnInfo info;
    uint8_t wire = 0;
    uint8_t length = 0; // fixed/N-type data length, or time-part length for the temporal types
    bool plp = false;
};

ColumnCodec make_codec(const ColumnInfo &col);
void write_colmetadata(ByteWriter &w, const std::vector<ColumnCodec> &cols);
// UserType, Flags and TYPE_INFO of one column or RETURNVALUE; text/ntext/image also carry their
// table name in COLMETADATA (`table_name`) but not in RETURNVALUE.
void write_column_type(ByteWriter &w, const ColumnCodec &c, bool table_name);
void write_value(ByteWriter &w, const ColumnCodec &c, const Value &v);

// An RPC parameter's type as the client described it.
struct ParamType {
    uint8_t wire = 0;
    uint32_t max_length = 0;
    uint8_t precision = 0;
    uint8_t scale = 0;
    bool plp = false;
    SqlType sql;
};
ParamType read_param_type(ByteReader &r);
Value read_param_value(ByteReader &r, const ParamType &t);

// Bytes of the canonical uniqueidentifier text in wire order (mixed endian), and back.
std::string guid_to_wire(std::string_view text);
std::string guid_from_wire(std::string_view bytes);

// Decimal text <-> scaled integer helpers shared by money/decimal encodings.
bool parse_scaled(std::string_view text, int scale, bool &negative, unsigned __int128 &mantissa);
std::string format_scaled(bool negative, unsigned __int128 mantissa, int scale);

} // namespace sim::tds
