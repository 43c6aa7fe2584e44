#include "type_codec.hpp"

#include "temporal.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace sim::tds {

const char kCollation[5] = {0x09, 0x04, static_cast<char>(0xD0), 0x00, 0x34};

namespace {

constexpr uint64_t kPlpNull = 0xFFFFFFFFFFFFFFFFULL;
constexpr size_t kPlpChunk = 1 << 20;

uint8_t decimal_length(int precision) {
    return precision <= 9 ? 5 : precision <= 19 ? 9 : precision <= 28 ? 13 : 17;
}

uint8_t time_length(int scale) {
    return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

int64_t pow10(int n) {
    int64_t v = 1;
    while (n-- > 0)
        v *= 10;
    return v;
}

int64_t to_int(const Value &v) {
    switch (v.kind) {
    case Value::Kind::Int:
        return v.i;
    case Value::Kind::Real:
        return static_cast<int64_t>(v.d);
    case Value::Kind::Text:
        return std::strtoll(v.s.c_str(), nullptr, 10);
    default:
        return 0;
    }
}

double to_real(const Value &v) {
    switch (v.kind) {
    case Value::Kind::Int:
        return static_cast<double>(v.i);
    case Value::Kind::Real:
        return v.d;
    case Value::Kind::Text:
        return std::strtod(v.s.c_str(), nullptr);
    default:
        return 0;
    }
}

std::string to_text(const Value &v) {
    switch (v.kind) {
    case Value::Kind::Int:
        return std::to_string(v.i);
    case Value::Kind::Real: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", v.d);
        return buf;
    }
    default:
        return v.s;
    }
}

// Value as a scaled integer with `scale` fraction digits (decimal, money).
void scaled(const Value &v, int scale, bool &neg, unsigned __int128 &mant) {
    neg = false;
    mant = 0;
    if (v.kind == Value::Kind::Int) {
        neg = v.i < 0;
        mant = static_cast<unsigned __int128>(neg ? -(v.i + 1) + 1ULL : v.i) *
               static_cast<unsigned __int128>(pow10(scale));
        return;
    }
    if (v.kind == Value::Kind::Real) {
        char buf[80];
        std::snprintf(buf, sizeof buf, "%.*f", scale, v.d);
        parse_scaled(buf, scale, neg, mant);
        return;
    }
    parse_scaled(v.s, scale, neg, mant);
}

Temporal temporal_of(const Value &v) {
    if (v.kind == Value::Kind::Text)
        if (auto t = parse_temporal(v.s))
            return *t;
    return Temporal{};
}

void write_plp(ByteWriter &w, std::string_view data) {
    w.u64(data.size());
    for (size_t off = 0; off < data.size(); off += kPlpChunk) {
        size_t n = std::min(kPlpChunk, data.size() - off);
        w.u32(static_cast<uint32_t>(n));
        w.bytes(data.substr(off, n));
    }
    w.u32(0);
}

std::string char_data(const ColumnCodec &c, const Value &v) {
    bool unicode = c.info.type.id == TypeId::NChar || c.info.type.id == TypeId::NVarChar ||
                   c.info.type.id == TypeId::NText || c.info.type.id == TypeId::Xml;
    std::string text = to_text(v);
    std::string out = unicode ? utf8_to_utf16le(text) : utf8_to_cp1252(text);
    bool fixed = c.info.type.id == TypeId::Char || c.info.type.id == TypeId::NChar;
    if (fixed && c.info.type.length > 0) {
        size_t want = static_cast<size_t>(c.info.type.length) * (unicode ? 2 : 1);
        while (out.size() < want)
            out += unicode ? std::string(" \0", 2) : std::string(" ");
    }
    return out;
}

std::string binary_data(const ColumnCodec &c, const Value &v) {
    std::string out = v.kind == Value::Kind::Blob ? v.s : to_text(v);
    if (c.info.type.id == TypeId::Binary && c.info.type.length > 0)
        out.resize(static_cast<size_t>(c.info.type.length), '\0');
    return out;
}

void write_time_units(ByteWriter &w, int64_t ticks, int scale, uint8_t len) {
    w.le(static_cast<uint64_t>(ticks / pow10(7 - scale)), len);
}

void write_udt_info(ByteWriter &w, TypeId id) {
    const char *name = id == TypeId::HierarchyId ? "hierarchyid"
                       : id == TypeId::Geometry  ? "geometry"
                                                 : "geography";
    const char *cls = id == TypeId::HierarchyId ? "Microsoft.SqlServer.Types.SqlHierarchyId"
                      : id == TypeId::Geometry  ? "Microsoft.SqlServer.Types.SqlGeometry"
                                                : "Microsoft.SqlServer.Types.SqlGeography";
    w.u16(id == TypeId::HierarchyId ? 892 : 0xFFFF);
    w.b_varchar("master");
    w.b_varchar("sys");
    w.b_varchar(name);
    w.us_varchar(std::string(cls) +
                 ", Microsoft.SqlServer.Types, Version=11.0.0.0, Culture=neutral, "
                 "PublicKeyToken=89845dcd8080cc91");
}

void write_variant(ByteWriter &w, const Value &v) {
    if (v.is_null()) {
        w.u32(0);
        return;
    }
    ByteWriter body;
    switch (v.kind) {
    case Value::Kind::Int:
        if (v.i >= INT32_MIN && v.i <= INT32_MAX) {
            body.u8(kInt4);
            body.u8(0);
            body.u32(static_cast<uint32_t>(v.i));
        } else {
            body.u8(kInt8);
            body.u8(0);
            body.u64(static_cast<uint64_t>(v.i));
        }
        break;
    case Value::Kind::Real:
        body.u8(kFlt8);
        body.u8(0);
        {
            uint64_t bits;
            std::memcpy(&bits, &v.d, 8);
            body.u64(bits);
        }
        break;
    case Value::Kind::Text: {
        std::string u = utf8_to_utf16le(v.s);
        body.u8(kNVarChar);
        body.u8(7);
        body.bytes(std::string_view(kCollation, 5));
        body.u16(static_cast<uint16_t>(std::min<size_t>(u.size(), 8000)));
        body.bytes(u);
        break;
    }
    default:
        body.u8(kBigVarBin);
        body.u8(2);
        body.u16(static_cast<uint16_t>(std::min<size_t>(v.s.size(), 8000)));
        body.bytes(v.s);
        break;
    }
    w.u32(static_cast<uint32_t>(body.size()));
    w.bytes(body.buffer());
}

} // namespace

bool parse_scaled(std::string_view s, int scale, bool &negative, unsigned __int128 &mantissa) {
    negative = false;
    mantissa = 0;
    size_t p = 0;
    while (p < s.size() && s[p] == ' ')
        ++p;
    if (p < s.size() && (s[p] == '-' || s[p] == '+'))
        negative = s[p++] == '-';
    int frac_digits = -1;
    bool any = false;
    bool round_up = false;
    for (; p < s.size(); ++p) {
        char c = s[p];
        if (c == '.' && frac_digits < 0) {
            frac_digits = 0;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        any = true;
        if (frac_digits >= 0) {
            if (frac_digits == scale) {
                round_up = round_up || (c >= '5' && frac_digits == scale);
                frac_digits = scale + 1; // further digits ignored
                continue;
            }
            if (frac_digits > scale)
                continue;
            ++frac_digits;
        }
        mantissa = mantissa * 10 + static_cast<unsigned>(c - '0');
    }
    int have = frac_digits < 0 ? 0 : std::min(frac_digits, scale);
    for (int i = have; i < scale; ++i)
        mantissa *= 10;
    if (round_up)
        ++mantissa;
    if (mantissa == 0)
        negative = false;
    return any;
}

std::string format_scaled(bool negative, unsigned __int128 mantissa, int scale) {
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(mantissa % 10)));
        mantissa /= 10;
    } while (mantissa > 0);
    while (static_cast<int>(digits.size()) <= scale)
        digits.insert(digits.begin(), '0');
    if (scale > 0)
        digits.insert(digits.end() - scale, '.');
    return (negative ? "-" : "") + digits;
}

std::string guid_to_wire(std::string_view text) {
    std::string hex;
    for (char c : text)
        if (std::isxdigit(static_cast<unsigned char>(c)))
            hex += c;
    std::string b(16, '\0');
    for (size_t i = 0; i < 16 && 2 * i + 1 < hex.size(); ++i)
        b[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    std::string w = b;
    const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int i = 0; i < 16; ++i)
        w[static_cast<size_t>(i)] = b[static_cast<size_t>(order[i])];
    return w;
}

std::string guid_from_wire(std::string_view w) {
    const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    std::string out;
    char buf[3];
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out += '-';
        std::snprintf(buf, sizeof buf, "%02X",
                      static_cast<uint8_t>(w[static_cast<size_t>(order[i])]));
        out += buf;
    }
    return out;
}

ColumnCodec make_codec(const ColumnInfo &col) {
    ColumnCodec c{col, 0, 0, false};
    const bool n = col.nullable;
    const auto &t = col.type;
    switch (t.id) {
    case TypeId::Bit:
        c.wire = n ? kBitN : kBit, c.length = 1;
        break;
    case TypeId::TinyInt:
        c.wire = n ? kIntN : kInt1, c.length = 1;
        break;
    case TypeId::SmallInt:
        c.wire = n ? kIntN : kInt2, c.length = 2;
        break;
    case TypeId::Int:
        c.wire = n ? kIntN : kInt4, c.length = 4;
        break;
    case TypeId::BigInt:
        c.wire = n ? kIntN : kInt8, c.length = 8;
        break;
    case TypeId::Real:
        c.wire = n ? kFltN : kFlt4, c.length = 4;
        break;
    case TypeId::Float:
        c.wire = n ? kFltN : kFlt8, c.length = 8;
        break;
    case TypeId::Money:
        c.wire = n ? kMoneyN : kMoney, c.length = 8;
        break;
    case TypeId::SmallMoney:
        c.wire = n ? kMoneyN : kMoney4, c.length = 4;
        break;
    case TypeId::DateTime:
        c.wire = n ? kDateTimN : kDateTime, c.length = 8;
        break;
    case TypeId::SmallDateTime:
        c.wire = n ? kDateTimN : kDateTim4, c.length = 4;
        break;
    case TypeId::Decimal:
    case TypeId::Numeric:
        c.wire = t.id == TypeId::Decimal ? kDecimalN : kNumericN;
        c.length = decimal_length(t.precision ? t.precision : 18);
        break;
    case TypeId::Date:
        c.wire = kDateN, c.length = 3;
        break;
    case TypeId::Time:
        c.wire = kTimeN, c.length = time_length(t.scale);
        break;
    case TypeId::DateTime2:
        c.wire = kDateTime2N, c.length = time_length(t.scale);
        break;
    case TypeId::DateTimeOffset:
        c.wire = kDateTimeOffsetN, c.length = time_length(t.scale);
        break;
    case TypeId::Char:
        c.wire = kBigChar;
        break;
    case TypeId::VarChar:
        c.wire = kBigVarChr, c.plp = t.length == SqlType::kMax;
        break;
    case TypeId::NChar:
        c.wire = kNChar;
        break;
    case TypeId::NVarChar:
        c.wire = kNVarChar, c.plp = t.length == SqlType::kMax;
        break;
    case TypeId::Binary:
    case TypeId::Timestamp:
        c.wire = kBigBinary;
        break;
    case TypeId::VarBinary:
        c.wire = kBigVarBin, c.plp = t.length == SqlType::kMax;
        break;
    case TypeId::Text:
        c.wire = kText;
        break;
    case TypeId::NText:
        c.wire = kNText;
        break;
    case TypeId::Image:
        c.wire = kImage;
        break;
    case TypeId::UniqueIdentifier:
        c.wire = kGuid, c.length = 16;
        break;
    case TypeId::Xml:
        c.wire = kXml, c.plp = true;
        break;
    case TypeId::SqlVariant:
        c.wire = kVariant;
        break;
    case TypeId::HierarchyId:
    case TypeId::Geometry:
    case TypeId::Geography:
        c.wire = kUdt, c.plp = true;
        break;
    }
    return c;
}

void write_colmetadata(ByteWriter &w, const std::vector<ColumnCodec> &cols) {
    w.u8(0x81);
    if (cols.empty()) {
        w.u16(0xFFFF); // NoMetaData
        return;
    }
    w.u16(static_cast<uint16_t>(cols.size()));
    for (const auto &c : cols) {
        write_column_type(w, c, true);
        w.b_varchar(c.info.name);
    }
}

void write_column_type(ByteWriter &w, const ColumnCodec &c, bool table_name) {
    const auto &t = c.info.type;
    w.u32(t.id == TypeId::Timestamp ? 80 : 0);
    // usUpdateable (bits 2-3) is 2, "unknown", as SQL Server reports for query results.
    uint16_t flags = (c.info.nullable ? 0x01 : 0) | (c.info.identity ? 0x10 : 0) |
                     (c.info.computed ? 0x20 : 0) | (c.info.identity || c.info.computed ? 0 : 0x08);
    w.u16(flags);
    w.u8(c.wire);
    auto char_len = [&](int per_char) {
        if (t.length == SqlType::kMax)
            return uint16_t{0xFFFF};
        return static_cast<uint16_t>(std::max(1, t.length) * per_char);
    };
    switch (c.wire) {
    case kIntN:
    case kBitN:
    case kFltN:
    case kMoneyN:
    case kDateTimN:
    case kGuid:
        w.u8(c.length);
        break;
    case kDecimalN:
    case kNumericN:
        w.u8(c.length);
        w.u8(t.precision ? t.precision : 18);
        w.u8(t.scale);
        break;
    case kTimeN:
    case kDateTime2N:
    case kDateTimeOffsetN:
        w.u8(t.scale);
        break;
    case kBigChar:
    case kBigVarChr:
        w.u16(char_len(1));
        w.bytes(std::string_view(kCollation, 5));
        break;
    case kNChar:
    case kNVarChar:
        w.u16(char_len(2));
        w.bytes(std::string_view(kCollation, 5));
        break;
    case kBigBinary:
        w.u16(t.id == TypeId::Timestamp ? 8 : static_cast<uint16_t>(std::max(1, t.length)));
        break;
    case kBigVarBin:
        w.u16(char_len(1));
        break;
    case kText:
    case kNText:
    case kImage: {
        w.u32(c.wire == kNText ? 0x7FFFFFFE : 0x7FFFFFFF);
        if (c.wire != kImage)
            w.bytes(std::string_view(kCollation, 5));
        if (!table_name)
            break;
        // TableName: NumParts, then each part; none when the column is not a table column.
        const std::string &tn = c.info.table_name;
        if (tn.empty()) {
            w.u8(0);
        } else {
            w.u8(1);
            w.us_varchar(tn);
        }
        break;
    }
    case kXml:
        w.u8(0); // no schema collection
        break;
    case kVariant:
        w.u32(8016);
        break;
    case kUdt:
        write_udt_info(w, t.id);
        break;
    default:
        break; // fixed-length types carry no more type information
    }
}

void write_value(ByteWriter &w, const ColumnCodec &c, const Value &v) {
    const auto &t = c.info.type;
    const bool null = v.is_null();
    switch (c.wire) {
    case kInt1:
    case kInt2:
    case kInt4:
    case kInt8:
    case kBit:
        w.le(static_cast<uint64_t>(to_int(v)), c.length);
        return;
    case kIntN:
    case kBitN:
        if (null)
            return w.u8(0);
        w.u8(c.length);
        w.le(static_cast<uint64_t>(to_int(v)), c.length);
        return;
    case kFlt4:
    case kFlt8:
    case kFltN: {
        if (null)
            return w.u8(0);
        if (c.wire == kFltN)
            w.u8(c.length);
        if (c.length == 4) {
            float f = static_cast<float>(to_real(v));
            uint32_t bits;
            std::memcpy(&bits, &f, 4);
            w.u32(bits);
        } else {
            double d = to_real(v);
            uint64_t bits;
            std::memcpy(&bits, &d, 8);
            w.u64(bits);
        }
        return;
    }
    case kMoney:
    case kMoney4:
    case kMoneyN: {
        if (null)
            return w.u8(0);
        bool neg;
        unsigned __int128 m;
        scaled(v, 4, neg, m);
        // Two's complement by unsigned arithmetic: -2^63 (money's minimum) has no positive twin.
        auto mag = static_cast<uint64_t>(m);
        auto units = static_cast<int64_t>(neg ? 0 - mag : mag);
        if (c.wire == kMoneyN)
            w.u8(c.length);
        if (c.length == 4) {
            w.u32(static_cast<uint32_t>(units));
        } else {
            w.u32(static_cast<uint32_t>(static_cast<uint64_t>(units) >> 32));
            w.u32(static_cast<uint32_t>(units));
        }
        return;
    }
    case kDateTime:
    case kDateTim4:
    case kDateTimN: {
        if (null)
            return w.u8(0);
        if (c.wire == kDateTimN)
            w.u8(c.length);
        Temporal tv = temporal_of(v);
        int64_t days = tv.days - kDays1900;
        if (c.length == 4) {
            w.u16(static_cast<uint16_t>(days));
            w.u16(static_cast<uint16_t>(tv.ticks / 600000000));
        } else {
            int64_t ticks300 = (tv.ticks * 3 + 50000) / 100000;
            if (ticks300 >= 300LL * 86400) {
                ticks300 -= 300LL * 86400;
                ++days;
            }
            w.u32(static_cast<uint32_t>(days));
            w.u32(static_cast<uint32_t>(ticks300));
        }
        return;
    }
    case kDecimalN:
    case kNumericN: {
        if (null)
            return w.u8(0);
        bool neg;
        unsigned __int128 m;
        scaled(v, t.scale, neg, m);
        w.u8(c.length);
        w.u8(neg ? 0 : 1);
        for (int i = 0; i < c.length - 1; ++i)
            w.u8(static_cast<uint8_t>(m >> (8 * i)));
        return;
    }
    case kDateN: {
        if (null)
            return w.u8(0);
        w.u8(3);
        w.le(static_cast<uint64_t>(temporal_of(v).days), 3);
        return;
    }
    case kTimeN:
    case kDateTime2N:
    case kDateTimeOffsetN: {
        if (null)
            return w.u8(0);
        Temporal tv = temporal_of(v);
        int64_t days = tv.days, ticks = tv.ticks;
        if (c.wire == kDateTimeOffsetN) {
            ticks -= static_cast<int64_t>(tv.offset_minutes) * 600000000;
            if (ticks < 0) {
                ticks += kTicksPerDay;
                --days;
            } else if (ticks >= kTicksPerDay) {
                ticks -= kTicksPerDay;
                ++days;
            }
        }
        uint8_t total =
            c.length + (c.wire == kTimeN ? 0 : 3) + (c.wire == kDateTimeOffsetN ? 2 : 0);
        w.u8(total);
        write_time_units(w, ticks, t.scale, c.length);
        if (c.wire != kTimeN)
            w.le(static_cast<uint64_t>(days), 3);
        if (c.wire == kDateTimeOffsetN)
            w.u16(static_cast<uint16_t>(static_cast<int16_t>(tv.offset_minutes)));
        return;
    }
    case kGuid:
        if (null)
            return w.u8(0);
        w.u8(16);
        w.bytes(v.kind == Value::Kind::Blob && v.s.size() == 16 ? v.s : guid_to_wire(v.s));
        return;
    case kBigChar:
    case kBigVarChr:
    case kNChar:
    case kNVarChar:
    case kBigBinary:
    case kBigVarBin: {
        bool binary = c.wire == kBigBinary || c.wire == kBigVarBin;
        if (c.plp) {
            if (null)
                return w.u64(kPlpNull);
            return write_plp(w, binary ? binary_data(c, v) : char_data(c, v));
        }
        if (null)
            return w.u16(0xFFFF);
        std::string data = binary ? binary_data(c, v) : char_data(c, v);
        w.u16(static_cast<uint16_t>(data.size()));
        w.bytes(data);
        return;
    }
    case kText:
    case kNText:
    case kImage: {
        if (null)
            return w.u8(0);
        w.u8(16);
        w.bytes(std::string(16, '\x01')); // text pointer
        w.bytes(std::string(8, '\0'));    // timestamp
        std::string data = c.wire == kImage ? binary_data(c, v) : char_data(c, v);
        w.u32(static_cast<uint32_t>(data.size()));
        w.bytes(data);
        return;
    }
    case kXml:
        if (null)
            return w.u64(kPlpNull);
        return write_plp(w, utf8_to_utf16le(to_text(v)));
    case kUdt:
        if (null)
            return w.u64(kPlpNull);
        return write_plp(w, v.s);
    case kVariant:
        return write_variant(w, v);
    default:
        return;
    }
}

// ---- RPC parameters ------------------------------------------------------------------------

ParamType read_param_type(ByteReader &r) {
    ParamType p;
    p.wire = r.u8();
    SqlType &s = p.sql;
    switch (p.wire) {
    case kInt1:
        s.id = TypeId::TinyInt;
        break;
    case kInt2:
        s.id = TypeId::SmallInt;
        break;
    case kInt4:
        s.id = TypeId::Int;
        break;
    case kInt8:
        s.id = TypeId::BigInt;
        break;
    case kBit:
        s.id = TypeId::Bit;
        break;
    case kFlt4:
        s.id = TypeId::Real;
        break;
    case kFlt8:
        s.id = TypeId::Float;
        break;
    case kMoney:
        s.id = TypeId::Money;
        break;
    case kMoney4:
        s.id = TypeId::SmallMoney;
        break;
    case kDateTime:
        s.id = TypeId::DateTime;
        break;
    case kDateTim4:
        s.id = TypeId::SmallDateTime;
        break;
    case kIntN:
        p.max_length = r.u8();
        s.id = p.max_length == 1   ? TypeId::TinyInt
               : p.max_length == 2 ? TypeId::SmallInt
               : p.max_length == 4 ? TypeId::Int
                                   : TypeId::BigInt;
        break;
    case kBitN:
        p.max_length = r.u8();
        s.id = TypeId::Bit;
        break;
    case kFltN:
        p.max_length = r.u8();
        s.id = p.max_length == 4 ? TypeId::Real : TypeId::Float;
        break;
    case kMoneyN:
        p.max_length = r.u8();
        s.id = p.max_length == 4 ? TypeId::SmallMoney : TypeId::Money;
        break;
    case kDateTimN:
        p.max_length = r.u8();
        s.id = p.max_length == 4 ? TypeId::SmallDateTime : TypeId::DateTime;
        break;
    case kGuid:
        p.max_length = r.u8();
        s.id = TypeId::UniqueIdentifier;
        break;
    case kDecimalN:
    case kNumericN:
        p.max_length = r.u8();
        p.precision = r.u8();
        p.scale = r.u8();
        s.id = p.wire == kDecimalN ? TypeId::Decimal : TypeId::Numeric;
        s.precision = p.precision;
        s.scale = p.scale;
        break;
    case kDateN:
        s.id = TypeId::Date;
        break;
    case kTimeN:
    case kDateTime2N:
    case kDateTimeOffsetN:
        p.scale = r.u8();
        s.scale = p.scale;
        s.id = p.wire == kTimeN        ? TypeId::Time
               : p.wire == kDateTime2N ? TypeId::DateTime2
                                       : TypeId::DateTimeOffset;
        break;
    case kBigChar:
    case kBigVarChr:
    case kNChar:
    case kNVarChar:
    case kBigBinary:
    case kBigVarBin: {
        p.max_length = r.u16();
        p.plp = p.max_length == 0xFFFF;
        bool unicode = p.wire == kNChar || p.wire == kNVarChar;
        if (p.wire != kBigBinary && p.wire != kBigVarBin)
            r.take(5);
        s.id = p.wire == kBigChar     ? TypeId::Char
               : p.wire == kBigVarChr ? TypeId::VarChar
               : p.wire == kNChar     ? TypeId::NChar
               : p.wire == kNVarChar  ? TypeId::NVarChar
               : p.wire == kBigBinary ? TypeId::Binary
                                      : TypeId::VarBinary;
        s.length = p.plp ? SqlType::kMax : static_cast<int32_t>(p.max_length / (unicode ? 2 : 1));
        break;
    }
    case kText:
    case kNText:
    case kImage:
        p.max_length = r.u32();
        if (p.wire != kImage)
            r.take(5);
        s.id = p.wire == kText ? TypeId::Text : p.wire == kNText ? TypeId::NText : TypeId::Image;
        break;
    case kXml: {
        uint8_t schema_present = r.u8();
        if (schema_present) {
            r.b_varchar();
            r.b_varchar();
            r.us_varchar();
        }
        p.plp = true;
        s.id = TypeId::Xml;
        break;
    }
    case kVariant:
        p.max_length = r.u32();
        s.id = TypeId::SqlVariant;
        break;
    case kUdt:
        r.b_varchar();
        r.b_varchar();
        r.b_varchar();
        p.plp = true;
        s.id = TypeId::VarBinary;
        s.length = SqlType::kMax;
        break;
    default:
        throw ProtocolError("unsupported parameter type 0x" + std::to_string(p.wire));
    }
    return p;
}

namespace {
std::string read_plp(ByteReader &r, bool &is_null) {
    uint64_t total = r.u64();
    is_null = total == kPlpNull;
    std::string out;
    if (is_null)
        return out;
    for (;;) {
        uint32_t n = r.u32();
        if (n == 0)
            break;
        out.append(r.take(n));
    }
    return out;
}

Value char_value(const ParamType &p, std::string_view raw) {
    bool unicode = p.wire == kNChar || p.wire == kNVarChar || p.wire == kNText || p.wire == kXml;
    bool binary =
        p.wire == kBigBinary || p.wire == kBigVarBin || p.wire == kImage || p.wire == kUdt;
    if (binary)
        return Value::blob(std::string(raw));
    return Value::text(unicode ? utf16le_to_utf8(raw) : cp1252_to_utf8(raw));
}

Value temporal_value(const ParamType &p, ByteReader &r, uint8_t len) {
    int scale = p.scale;
    uint8_t tlen = p.wire == kDateN ? 0 : time_length(scale);
    int64_t ticks = 0, days = 0;
    int offset = 0;
    if (tlen)
        ticks = static_cast<int64_t>(r.le(tlen)) * pow10(7 - scale);
    if (p.wire != kTimeN)
        days = static_cast<int64_t>(r.le(3));
    if (p.wire == kDateTimeOffsetN) {
        offset = static_cast<int16_t>(r.u16());
        ticks += static_cast<int64_t>(offset) * 600000000;
        if (ticks < 0) {
            ticks += kTicksPerDay;
            --days;
        } else if (ticks >= kTicksPerDay) {
            ticks -= kTicksPerDay;
            ++days;
        }
    }
    (void)len;
    switch (p.wire) {
    case kDateN:
        return Value::text(format_date(days));
    case kTimeN:
        return Value::text(format_time(ticks));
    case kDateTime2N:
        return Value::text(format_datetime(days, ticks));
    default:
        return Value::text(format_datetime(days, ticks) + " " + format_offset(offset));
    }
}
} // namespace

Value read_param_value(ByteReader &r, const ParamType &p) {
    switch (p.wire) {
    case kInt1:
        return Value::integer(r.u8());
    case kBit:
        return Value::integer(r.u8() ? 1 : 0);
    case kInt2:
        return Value::integer(static_cast<int16_t>(r.u16()));
    case kInt4:
        return Value::integer(static_cast<int32_t>(r.u32()));
    case kInt8:
        return Value::integer(static_cast<int64_t>(r.u64()));
    case kIntN:
    case kBitN: {
        uint8_t len = r.u8();
        if (len == 0)
            return Value::null();
        uint64_t raw = r.le(len);
        int64_t v = len == 1   ? static_cast<int64_t>(raw)
                    : len == 2 ? static_cast<int16_t>(raw)
                    : len == 4 ? static_cast<int32_t>(raw)
                               : static_cast<int64_t>(raw);
        return Value::integer(p.wire == kBitN ? (v != 0) : v);
    }
    case kFlt4:
    case kFlt8:
    case kFltN: {
        uint8_t len = p.wire == kFltN ? r.u8() : (p.wire == kFlt4 ? 4 : 8);
        if (len == 0)
            return Value::null();
        if (len == 4) {
            uint32_t bits = r.u32();
            float f;
            std::memcpy(&f, &bits, 4);
            return Value::real(f);
        }
        uint64_t bits = r.u64();
        double d;
        std::memcpy(&d, &bits, 8);
        return Value::real(d);
    }
    case kMoney:
    case kMoney4:
    case kMoneyN: {
        uint8_t len = p.wire == kMoneyN ? r.u8() : (p.wire == kMoney4 ? 4 : 8);
        if (len == 0)
            return Value::null();
        int64_t units;
        if (len == 4) {
            units = static_cast<int32_t>(r.u32());
        } else {
            uint64_t hi = r.u32(), lo = r.u32();
            units = static_cast<int64_t>(hi << 32 | lo);
        }
        bool neg = units < 0;
        unsigned __int128 m = neg ? static_cast<unsigned __int128>(-(units + 1)) + 1
                                  : static_cast<unsigned __int128>(units);
        return Value::text(format_scaled(neg, m, 4));
    }
    case kDateTime:
    case kDateTim4:
    case kDateTimN: {
        uint8_t len = p.wire == kDateTimN ? r.u8() : (p.wire == kDateTim4 ? 4 : 8);
        if (len == 0)
            return Value::null();
        int64_t days, ticks;
        if (len == 4) {
            days = r.u16();
            ticks = static_cast<int64_t>(r.u16()) * 600000000;
        } else {
            days = static_cast<int32_t>(r.u32());
            int64_t t300 = r.u32();
            // 1/300 s ticks shown rounded to milliseconds, as SQL Server displays datetime.
            int64_t ms = (t300 * 10 + 1) / 3;
            ticks = ms * 10000;
        }
        return Value::text(format_datetime(days + kDays1900, ticks));
    }
    case kGuid: {
        uint8_t len = r.u8();
        if (len == 0)
            return Value::null();
        return Value::text(guid_from_wire(r.take(len)));
    }
    case kDecimalN:
    case kNumericN: {
        uint8_t len = r.u8();
        if (len == 0)
            return Value::null();
        bool positive = r.u8() == 1;
        unsigned __int128 m = 0;
        auto mag = r.take(static_cast<size_t>(len - 1));
        for (int i = static_cast<int>(mag.size()) - 1; i >= 0; --i)
            m = m << 8 | static_cast<uint8_t>(mag[static_cast<size_t>(i)]);
        return Value::text(format_scaled(!positive && m != 0, m, p.scale));
    }
    case kDateN:
    case kTimeN:
    case kDateTime2N:
    case kDateTimeOffsetN: {
        uint8_t len = r.u8();
        if (len == 0)
            return Value::null();
        return temporal_value(p, r, len);
    }
    case kBigChar:
    case kBigVarChr:
    case kNChar:
    case kNVarChar:
    case kBigBinary:
    case kBigVarBin:
    case kXml:
    case kUdt: {
        if (p.plp) {
            bool is_null;
            std::string raw = read_plp(r, is_null);
            return is_null ? Value::null() : char_value(p, raw);
        }
        uint16_t len = r.u16();
        if (len == 0xFFFF)
            return Value::null();
        return char_value(p, r.take(len));
    }
    case kText:
    case kNText:
    case kImage: {
        uint32_t len = r.u32();
        if (len == 0xFFFFFFFF)
            return Value::null();
        return char_value(p, r.take(len));
    }
    case kVariant: {
        uint32_t len = r.u32();
        if (len == 0)
            return Value::null();
        ByteReader body(r.take(len));
        ParamType inner;
        inner.wire = body.u8();
        uint8_t props = body.u8();
        auto prop = body.take(props);
        ByteReader pr(prop);
        size_t data_len = body.remaining();
        switch (inner.wire) {
        case kInt1:
        case kInt2:
        case kInt4:
        case kInt8:
        case kBit:
        case kFlt4:
        case kFlt8:
        case kMoney:
        case kMoney4:
        case kDateTime:
        case kDateTim4:
            return read_param_value(body, inner);
        case kDecimalN:
        case kNumericN: {
            inner.precision = pr.u8();
            inner.scale = pr.u8();
            std::string framed(1, static_cast<char>(data_len));
            framed += std::string(body.take(data_len));
            ByteReader fr(framed);
            return read_param_value(fr, inner);
        }
        default: {
            if (inner.wire == kBigVarChr || inner.wire == kBigChar || inner.wire == kNVarChar ||
                inner.wire == kNChar)
                inner.max_length = 0;
            return char_value(inner, body.take(data_len));
        }
        }
    }
    default:
        throw ProtocolError("unsupported parameter type");
    }
}

} // namespace sim::tds
