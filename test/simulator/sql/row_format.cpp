// FixedVar records from the research brief's rules (§3.1 layout, §3.2 type encodings, §3.4
// pointers). Deliberately independent of the product's decoder: nothing here comes from common/
// or sidecar/, so a test that decodes these bytes with the product proves something.
#include "row_format.hpp"

#include "tds/bytes.hpp"
#include "tds/temporal.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace sim::sql {

namespace {

void put_le(std::string &out, uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void set_le(std::string &out, size_t at, uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
        out[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t get_le(const std::string &s, size_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n && at + static_cast<size_t>(i) < s.size(); ++i)
        v |= static_cast<uint64_t>(static_cast<uint8_t>(s[at + static_cast<size_t>(i)])) << (8 * i);
    return v;
}

// "-123.4500" -> (negative, 1234500); the canonical text always has exactly `scale` digits.
std::pair<bool, unsigned __int128> decimal_digits(const std::string &text) {
    bool neg = false;
    unsigned __int128 v = 0;
    for (char c : text) {
        if (c == '-')
            neg = true;
        else if (c >= '0' && c <= '9')
            v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return {neg && v != 0, v};
}

std::string text_of(const Value &v) {
    if (v.kind == Value::Kind::Int)
        return std::to_string(v.i);
    return v.s;
}

int decimal_bytes(int precision) {
    return precision <= 9 ? 4 : precision <= 19 ? 8 : precision <= 28 ? 12 : 16;
}

int time_bytes(int scale) {
    return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

int64_t pow10(int n) {
    int64_t p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

const int64_t kDays1900 = tds::days_from_civil(1900, 1, 1); // datetime's day 0

tds::Temporal temporal(const Value &v) {
    auto t = tds::parse_temporal(v.s);
    return t ? *t : tds::Temporal{};
}

// uniqueidentifier: the first three groups little-endian, the last 8 bytes as written.
std::string guid_bytes(const std::string &text) {
    std::string hex;
    for (char c : text)
        if (std::isxdigit(static_cast<unsigned char>(c)))
            hex.push_back(c);
    std::string b(16, '\0');
    for (size_t i = 0; i < 16 && 2 * i + 1 < hex.size(); ++i)
        b[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    std::reverse(b.begin(), b.begin() + 4);
    std::reverse(b.begin() + 4, b.begin() + 6);
    std::reverse(b.begin() + 6, b.begin() + 8);
    return b;
}

std::string sql_variant_bytes(const Value &v) {
    std::string out;
    switch (v.kind) {
    case Value::Kind::Int:
        out = {static_cast<char>(127), 1}; // bigint
        put_le(out, static_cast<uint64_t>(v.i), 8);
        break;
    case Value::Kind::Real: {
        out = {static_cast<char>(62), 1}; // float
        uint64_t bits;
        std::memcpy(&bits, &v.d, 8);
        put_le(out, bits, 8);
        break;
    }
    case Value::Kind::Text: {
        std::string u = tds::utf8_to_utf16le(v.s);
        out = {static_cast<char>(231), 1};             // nvarchar
        out += std::string("\x09\x04\xd0\x00\x34", 5); // collation (1252, CI_AS)
        put_le(out, static_cast<uint64_t>(std::max<size_t>(u.size(), 2)), 2); // max length
        out += u;
        break;
    }
    case Value::Kind::Blob:
        out = {static_cast<char>(165), 1}; // varbinary
        put_le(out, static_cast<uint64_t>(std::max<size_t>(v.s.size(), 1)), 2);
        out += v.s;
        break;
    default:
        break;
    }
    return out;
}

} // namespace

int fixed_size(const SqlType &t) {
    switch (t.id) {
    case TypeId::Bit:
        return -1;
    case TypeId::TinyInt:
        return 1;
    case TypeId::SmallInt:
        return 2;
    case TypeId::Int:
    case TypeId::SmallMoney:
    case TypeId::Real:
    case TypeId::SmallDateTime:
        return 4;
    case TypeId::BigInt:
    case TypeId::Money:
    case TypeId::Float:
    case TypeId::DateTime:
    case TypeId::Timestamp:
        return 8;
    case TypeId::Decimal:
    case TypeId::Numeric:
        return 1 + decimal_bytes(t.precision ? t.precision : 18);
    case TypeId::Date:
        return 3;
    case TypeId::Time:
        return time_bytes(t.scale);
    case TypeId::DateTime2:
        return time_bytes(t.scale) + 3;
    case TypeId::DateTimeOffset:
        return time_bytes(t.scale) + 5;
    case TypeId::UniqueIdentifier:
        return 16;
    case TypeId::Char:
    case TypeId::Binary:
        return t.length;
    case TypeId::NChar:
        return 2 * t.length;
    default:
        return 0;
    }
}

bool always_text_pointer(const SqlType &t) {
    return t.id == TypeId::Text || t.id == TypeId::NText || t.id == TypeId::Image ||
           t.id == TypeId::Xml;
}

bool is_max_type(const SqlType &t) {
    return (t.id == TypeId::VarChar || t.id == TypeId::NVarChar || t.id == TypeId::VarBinary) &&
           t.length == SqlType::kMax;
}

std::string encode_fixed(const SqlType &t, const Value &v) {
    std::string out;
    const int size = fixed_size(t);
    switch (t.id) {
    case TypeId::TinyInt:
    case TypeId::SmallInt:
    case TypeId::Int:
    case TypeId::BigInt:
        put_le(out,
               static_cast<uint64_t>(v.kind == Value::Kind::Real ? static_cast<int64_t>(v.d) : v.i),
               size);
        break;
    case TypeId::Decimal:
    case TypeId::Numeric: {
        auto [neg, digits] = decimal_digits(text_of(v));
        out.push_back(neg ? 0 : 1);
        for (int i = 0; i < size - 1; ++i)
            out.push_back(static_cast<char>(static_cast<uint8_t>(digits >> (8 * i))));
        break;
    }
    case TypeId::Money:
    case TypeId::SmallMoney: {
        auto [neg, digits] = decimal_digits(text_of(v));
        int64_t n = static_cast<int64_t>(digits);
        put_le(out, static_cast<uint64_t>(neg ? -n : n), size);
        break;
    }
    case TypeId::Real: {
        float f = static_cast<float>(v.kind == Value::Kind::Int ? static_cast<double>(v.i) : v.d);
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        put_le(out, bits, 4);
        break;
    }
    case TypeId::Float: {
        double d = v.kind == Value::Kind::Int ? static_cast<double>(v.i) : v.d;
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        put_le(out, bits, 8);
        break;
    }
    case TypeId::Date:
        put_le(out, static_cast<uint64_t>(temporal(v).days), 3);
        break;
    case TypeId::Time: {
        auto tm = temporal(v);
        put_le(out, static_cast<uint64_t>(tm.ticks / pow10(7 - t.scale)), time_bytes(t.scale));
        break;
    }
    case TypeId::DateTime2: {
        auto tm = temporal(v);
        put_le(out, static_cast<uint64_t>(tm.ticks / pow10(7 - t.scale)), time_bytes(t.scale));
        put_le(out, static_cast<uint64_t>(tm.days), 3);
        break;
    }
    case TypeId::DateTimeOffset: {
        // Stored in UTC, followed by the offset in minutes.
        auto tm = temporal(v);
        int64_t ticks = tm.ticks - static_cast<int64_t>(tm.offset_minutes) * 600000000LL;
        int64_t days = tm.days;
        const int64_t day = 864000000000LL;
        while (ticks < 0) {
            ticks += day;
            --days;
        }
        while (ticks >= day) {
            ticks -= day;
            ++days;
        }
        put_le(out, static_cast<uint64_t>(ticks / pow10(7 - t.scale)), time_bytes(t.scale));
        put_le(out, static_cast<uint64_t>(days), 3);
        put_le(out, static_cast<uint64_t>(static_cast<int64_t>(tm.offset_minutes)), 2);
        break;
    }
    case TypeId::DateTime: {
        // Ticks of 1/300 s since midnight first, then days since 1900-01-01 (both int32).
        auto tm = temporal(v);
        int64_t ticks = (tm.ticks * 3 + 50000) / 100000;
        int64_t days = tm.days - kDays1900;
        if (ticks >= 300LL * 86400) {
            ticks -= 300LL * 86400;
            ++days;
        }
        put_le(out, static_cast<uint64_t>(ticks), 4);
        put_le(out, static_cast<uint64_t>(days), 4);
        break;
    }
    case TypeId::SmallDateTime: {
        auto tm = temporal(v);
        put_le(out, static_cast<uint64_t>(tm.ticks / 600000000LL), 2);
        put_le(out, static_cast<uint64_t>(tm.days - kDays1900), 2);
        break;
    }
    case TypeId::UniqueIdentifier:
        out = guid_bytes(v.s);
        break;
    case TypeId::Char:
        out = tds::utf8_to_cp1252(v.s);
        out.resize(static_cast<size_t>(size), ' ');
        break;
    case TypeId::NChar: {
        out = tds::utf8_to_utf16le(v.s);
        while (out.size() < static_cast<size_t>(size))
            out += std::string(" \0", 2);
        out.resize(static_cast<size_t>(size));
        break;
    }
    case TypeId::Binary:
    case TypeId::Timestamp:
        out = v.s;
        out.resize(static_cast<size_t>(size), '\0');
        break;
    default:
        out.assign(static_cast<size_t>(std::max(size, 0)), '\0');
        break;
    }
    return out;
}

std::string encode_var(const SqlType &t, const Value &v) {
    switch (t.id) {
    case TypeId::VarChar:
    case TypeId::Text:
        return tds::utf8_to_cp1252(text_of(v));
    case TypeId::NVarChar:
    case TypeId::NText:
    case TypeId::Xml:
        return tds::utf8_to_utf16le(text_of(v));
    case TypeId::SqlVariant:
        return sql_variant_bytes(v);
    default:
        return v.s;
    }
}

RecordLayout make_layout(std::vector<PhysColumn> cols) {
    RecordLayout l;
    int offset = 4, var = 0;
    int bit_byte = 0, bits_used = 8;
    // The uniquifier is always the first entry of the variable-column array.
    for (const auto &c : cols)
        if (c.is_uniqueifier)
            var = 1;
    for (size_t i = 0; i < cols.size(); ++i) {
        auto &c = cols[i];
        c.partition_column_id = c.column_id;
        c.leaf_null_bit = static_cast<int>(i + 1);
        int size = fixed_size(c.type);
        if (c.is_uniqueifier) {
            c.leaf_offset = -1;
        } else if (size == 0) {
            c.leaf_offset = -(++var);
        } else if (size < 0) {
            // Bits share a byte, placed where the first bit column of the byte falls.
            if (bits_used == 8) {
                bit_byte = offset++;
                bits_used = 0;
            }
            c.leaf_offset = bit_byte;
            c.leaf_bit_position = bits_used++;
        } else {
            c.leaf_offset = offset;
            offset += size;
        }
    }
    l.cols = std::move(cols);
    l.fixed_end = offset;
    l.var_count = var;
    return l;
}

std::string encode_record(const RecordLayout &layout, const std::vector<ColumnInput> &inputs,
                          const EncodeOptions &opt) {
    const int n = opt.stored_columns < 0
                      ? static_cast<int>(layout.cols.size())
                      : std::min<int>(opt.stored_columns, static_cast<int>(layout.cols.size()));
    // Fixed part: as far as the stored fixed columns reach.
    int fend = 4;
    for (int i = 0; i < n; ++i) {
        const auto &c = layout.cols[static_cast<size_t>(i)];
        if (c.is_fixed())
            fend = std::max(fend, c.leaf_offset + std::max(fixed_size(c.type), 1));
    }
    std::string rec(static_cast<size_t>(fend), '\0');
    const size_t bitmap_len = static_cast<size_t>((n + 7) / 8);
    std::string bitmap(bitmap_len, '\0');
    struct Var {
        std::string bytes;
        bool complex = false, null = true;
        const PhysColumn *col = nullptr;
    };
    std::vector<Var> vars(static_cast<size_t>(layout.var_count));
    for (int i = 0; i < n; ++i) {
        const auto &c = layout.cols[static_cast<size_t>(i)];
        const ColumnInput &in = inputs[static_cast<size_t>(i)];
        const bool null = !in.raw && in.value.is_null();
        if (null)
            bitmap[static_cast<size_t>(i / 8)] |= static_cast<char>(1 << (i % 8));
        if (c.is_fixed()) {
            if (null)
                continue;
            if (fixed_size(c.type) < 0) {
                bool on = in.raw ? (!in.raw->empty() && ((*in.raw)[0] & 1)) : in.value.i != 0;
                if (on)
                    rec[static_cast<size_t>(c.leaf_offset)] |=
                        static_cast<char>(1 << c.leaf_bit_position);
                continue;
            }
            std::string b = in.raw ? *in.raw : encode_fixed(c.type, in.value);
            b.resize(static_cast<size_t>(fixed_size(c.type)), '\0');
            rec.replace(static_cast<size_t>(c.leaf_offset), b.size(), b);
        } else {
            auto &v = vars[static_cast<size_t>(-c.leaf_offset - 1)];
            v.col = &c;
            if (null)
                continue;
            v.null = false;
            if (in.raw) {
                v.bytes = *in.raw;
                v.complex = in.complex;
            } else if (c.is_uniqueifier) {
                v.bytes.clear();
                put_le(v.bytes, static_cast<uint64_t>(in.value.i), 4);
            } else {
                v.bytes = encode_var(c.type, in.value);
            }
        }
    }
    // Unused high bits of the last bitmap byte are whatever was in memory: garbage.
    if (n % 8 != 0 && bitmap_len > 0)
        bitmap.back() = static_cast<char>(static_cast<uint8_t>(bitmap.back()) |
                                          (opt.garbage & static_cast<uint8_t>(0xFF << (n % 8))));
    // text/ntext/image/xml always live off-row behind a 16-byte text pointer; (max) values over
    // 8000 bytes behind a LOB root; then, while the record exceeds 8060 bytes, the largest
    // variable values move off-row (row-overflow for varchar(n) & co, LOB for (max)).
    auto off = [&](Var &v) {
        const bool textptr = always_text_pointer(v.col->type);
        const int kind = (textptr || is_max_type(v.col->type)) ? 1 : 2;
        std::string ptr = opt.off_row ? opt.off_row->store(kind, textptr, v.bytes)
                                      : std::string(textptr ? 16 : 24, '\0');
        v.bytes = ptr;
        v.complex = true;
    };
    for (auto &v : vars)
        if (!v.null && !v.complex && v.col &&
            (always_text_pointer(v.col->type) ||
             (is_max_type(v.col->type) && v.bytes.size() > 8000)))
            off(v);
    size_t stored_vars = 0;
    for (size_t i = 0; i < vars.size(); ++i)
        if (!vars[i].null)
            stored_vars = i + 1;
    auto total = [&] {
        size_t t = rec.size() + 2 + bitmap_len + opt.version_tag.size();
        if (stored_vars)
            t += 2 + 2 * stored_vars;
        for (size_t i = 0; i < stored_vars; ++i)
            t += vars[i].bytes.size();
        return t;
    };
    while (total() > 8060) {
        Var *big = nullptr;
        for (size_t i = 0; i < stored_vars; ++i) {
            auto &v = vars[i];
            if (!v.null && !v.complex && v.col && !v.col->is_uniqueifier && v.bytes.size() > 24 &&
                (!big || v.bytes.size() > big->bytes.size()))
                big = &v;
        }
        if (!big)
            break;
        off(*big);
    }
    uint8_t status = 0x10;
    if (stored_vars)
        status |= 0x20;
    if (!opt.version_tag.empty())
        status |= 0x40;
    rec[0] = static_cast<char>(status);
    rec[1] = 0;
    set_le(rec, 2, static_cast<uint64_t>(fend), 2);
    put_le(rec, static_cast<uint64_t>(n), 2);
    rec += bitmap;
    if (stored_vars) {
        put_le(rec, stored_vars, 2);
        size_t end = rec.size() + 2 * stored_vars;
        for (size_t i = 0; i < stored_vars; ++i) {
            end += vars[i].bytes.size();
            put_le(rec, end | (vars[i].complex ? 0x8000 : 0), 2);
        }
        for (size_t i = 0; i < stored_vars; ++i)
            rec += vars[i].bytes;
    }
    rec += opt.version_tag;
    if (rec.size() < 9)
        rec.resize(9, '\0'); // room for a forwarding stub
    return rec;
}

int stored_column_count(const std::string &record) {
    if (record.size() < 4)
        return 0;
    size_t f = get_le(record, 2, 2);
    return static_cast<int>(get_le(record, f, 2));
}

std::optional<StoredColumn> stored_column(const RecordLayout &layout, const std::string &record,
                                          size_t col) {
    if (col >= layout.cols.size() || record.size() < 6)
        return std::nullopt;
    const auto &c = layout.cols[col];
    const size_t f = get_le(record, 2, 2);
    const int n = static_cast<int>(get_le(record, f, 2));
    if (c.leaf_null_bit > n)
        return std::nullopt;
    const size_t bitmap = f + 2, bitmap_len = static_cast<size_t>((n + 7) / 8);
    StoredColumn out;
    const int bit = c.leaf_null_bit - 1;
    out.null =
        (static_cast<uint8_t>(record[bitmap + static_cast<size_t>(bit / 8)]) >> (bit % 8)) & 1;
    if (c.is_fixed()) {
        int size = fixed_size(c.type);
        if (size < 0)
            out.bytes = std::string(
                1, static_cast<char>(
                       (record[static_cast<size_t>(c.leaf_offset)] >> c.leaf_bit_position) & 1));
        else
            out.bytes =
                record.substr(static_cast<size_t>(c.leaf_offset), static_cast<size_t>(size));
        return out;
    }
    if (!(static_cast<uint8_t>(record[0]) & 0x20))
        return std::nullopt;
    const size_t vpos = bitmap + bitmap_len;
    const size_t v = get_le(record, vpos, 2);
    const size_t idx = static_cast<size_t>(-c.leaf_offset);
    if (idx > v)
        return std::nullopt;
    size_t start = idx == 1 ? vpos + 2 + 2 * v : (get_le(record, vpos + 2 * (idx - 1), 2) & 0x7FFF);
    uint64_t e = get_le(record, vpos + 2 * idx, 2);
    out.complex = (e & 0x8000) != 0;
    size_t end = e & 0x7FFF;
    out.bytes = record.substr(start, end >= start ? end - start : 0);
    return out;
}

std::string encode_index_record(const std::vector<std::pair<SqlType, Value>> &parts) {
    std::string fixed, bitmap((parts.size() + 7) / 8, '\0');
    std::vector<std::string> vars;
    for (size_t i = 0; i < parts.size(); ++i) {
        const auto &[t, v] = parts[i];
        if (v.is_null())
            bitmap[i / 8] |= static_cast<char>(1 << (i % 8));
        int size = fixed_size(t);
        if (size < 0)
            fixed.push_back(static_cast<char>(v.is_null() ? 0 : (v.i != 0)));
        else if (size > 0)
            fixed +=
                v.is_null() ? std::string(static_cast<size_t>(size), '\0') : encode_fixed(t, v);
        else
            vars.push_back(v.is_null() ? std::string() : encode_var(t, v));
    }
    std::string rec(1, static_cast<char>(vars.empty() ? 0x16 : 0x36));
    rec += fixed;
    put_le(rec, parts.size(), 2);
    rec += bitmap;
    if (!vars.empty()) {
        put_le(rec, vars.size(), 2);
        size_t end = rec.size() + 2 * vars.size();
        for (const auto &v : vars) {
            end += v.size();
            put_le(rec, end, 2);
        }
        for (const auto &v : vars)
            rec += v;
    }
    return rec;
}

} // namespace sim::sql
