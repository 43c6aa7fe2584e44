#include "row_decoder.hpp"

#include "value_text.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

namespace dts::logrec {

namespace {

constexpr int64_t kDays0001To1900 = 693595; // date 1900-01-01 as days since 0001-01-01
constexpr int64_t kMaxDate = 3652058;       // 9999-12-31 as days since 0001-01-01

uint64_t le(std::string_view b, size_t at, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | static_cast<uint8_t>(b[at + i]);
    return v;
}

std::string hex2(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", v & 0xff);
    return buf;
}

[[noreturn]] void fail_at(const char *what, size_t byte, const PhysColumn *c,
                          const std::string &why) {
    std::string m = std::string(what) + " byte " + std::to_string(byte);
    if (c)
        m += ", " + describe(*c);
    throw DecodeError(m + ": " + why);
}

// Bad value bytes: the message of column_text with the column and byte position in front.
std::string value_at(const char *what, size_t byte, const PhysColumn &c, std::string_view bytes) {
    try {
        return column_text(c, bytes);
    } catch (const DecodeError &e) {
        fail_at(what, byte, &c, e.what());
    }
}

// Unicode code points of code page 1252's 0x80..0x9F; 0 = no character.
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void put_utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | cp >> 6);
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | cp >> 12);
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | cp >> 18);
        out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
        out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string cp1252_to_utf8(std::string_view b) {
    std::string out;
    out.reserve(b.size());
    for (size_t i = 0; i < b.size(); ++i) {
        const uint8_t ch = static_cast<uint8_t>(b[i]);
        uint32_t cp = ch;
        if (ch == 0)
            throw DecodeError("character 0x00 at text byte " + std::to_string(i) +
                              " cannot be stored in PostgreSQL text");
        if (ch >= 0x80 && ch <= 0x9F) {
            cp = kCp1252High[ch - 0x80];
            if (cp == 0)
                throw DecodeError("byte " + hex2(ch) + " at text byte " + std::to_string(i) +
                                  " has no character in code page 1252");
        }
        put_utf8(out, cp);
    }
    return out;
}

std::string utf16le_to_utf8(std::string_view b) {
    if (b.size() % 2)
        throw DecodeError("UTF-16 text of odd length " + std::to_string(b.size()));
    std::string out;
    out.reserve(b.size());
    for (size_t i = 0; i < b.size(); i += 2) {
        uint32_t u = static_cast<uint32_t>(le(b, i, 2));
        if (u == 0)
            throw DecodeError("character U+0000 at text byte " + std::to_string(i) +
                              " cannot be stored in PostgreSQL text");
        if (u >= 0xDC00 && u <= 0xDFFF)
            throw DecodeError("unpaired low surrogate at text byte " + std::to_string(i));
        if (u >= 0xD800 && u <= 0xDBFF) {
            const uint32_t lo = i + 3 < b.size() ? static_cast<uint32_t>(le(b, i + 2, 2)) : 0;
            if (lo < 0xDC00 || lo > 0xDFFF)
                throw DecodeError("unpaired high surrogate at text byte " + std::to_string(i));
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        }
        put_utf8(out, u);
    }
    return out;
}

uint64_t pow10(int n) {
    uint64_t v = 1;
    while (n-- > 0)
        v *= 10;
    return v;
}

// time(n) bytes → 100 ns ticks since midnight, range-checked.
uint64_t time_ticks(std::string_view b, size_t at, size_t n, int scale) {
    const uint64_t units = le(b, at, n);
    if (units >= 86400 * pow10(scale))
        throw DecodeError("time of " + std::to_string(units) + " units of 10^-" +
                          std::to_string(scale) + " s is past midnight");
    return units * pow10(7 - scale);
}

int64_t date_days_1900(std::string_view b, size_t at) {
    const int64_t days = static_cast<int64_t>(le(b, at, 3));
    if (days > kMaxDate)
        throw DecodeError("date of " + std::to_string(days) + " days is after 9999-12-31");
    return days - kDays0001To1900;
}

int time_size(int scale) {
    return scale <= 2 ? 3 : scale <= 4 ? 4 : 5;
}

} // namespace

std::string column_text(const PhysColumn &c, std::string_view b) {
    if (c.is_uniqueifier) {
        if (b.size() != 4)
            throw DecodeError("a uniquifier of " + std::to_string(b.size()) + " bytes (not 4)");
        return std::to_string(static_cast<int32_t>(le(b, 0, 4)));
    }
    const int size = fixed_size(c);
    if (size > 0 && b.size() != static_cast<size_t>(size))
        throw DecodeError(std::to_string(b.size()) + " bytes for a value of " +
                          std::to_string(size));
    if (size == 0 && c.max_length > 0 && b.size() > static_cast<size_t>(c.max_length))
        throw DecodeError(std::to_string(b.size()) + " bytes exceed the maximum length " +
                          std::to_string(c.max_length));
    switch (c.system_type_id) {
    case 48:
        return std::to_string(static_cast<uint8_t>(b[0]));
    case 52:
        return std::to_string(static_cast<int16_t>(le(b, 0, 2)));
    case 56:
        return std::to_string(static_cast<int32_t>(le(b, 0, 4)));
    case 127:
        return std::to_string(static_cast<int64_t>(le(b, 0, 8)));
    case 104:
        return text::boolean((static_cast<uint8_t>(b[0]) >> c.leaf_bit_position & 1) != 0);
    case 106:
    case 108: {
        const uint8_t sign = static_cast<uint8_t>(b[0]);
        if (sign > 1)
            throw DecodeError("decimal sign byte " + hex2(sign) + " (not 0 or 1)");
        unsigned __int128 mag = 0;
        for (size_t i = b.size(); i-- > 1;)
            mag = mag << 8 | static_cast<uint8_t>(b[i]);
        unsigned __int128 limit = 1;
        for (int i = 0; i < c.precision; ++i)
            limit *= 10;
        if (mag >= limit)
            throw DecodeError("decimal magnitude has more than " + std::to_string(c.precision) +
                              " digits");
        return text::scaled(sign == 0 && mag != 0, mag, c.scale);
    }
    case 60:
        return text::money(static_cast<int64_t>(le(b, 0, 8)));
    case 122:
        return text::money(static_cast<int32_t>(le(b, 0, 4)));
    case 59: {
        float v;
        const uint32_t bits = static_cast<uint32_t>(le(b, 0, 4));
        std::memcpy(&v, &bits, 4);
        if (!std::isfinite(v))
            throw DecodeError("real that is not a finite number");
        return text::real(v);
    }
    case 62: {
        double v;
        const uint64_t bits = le(b, 0, 8);
        std::memcpy(&v, &bits, 8);
        if (!std::isfinite(v))
            throw DecodeError("float that is not a finite number");
        return text::double_(v);
    }
    case 40:
        return text::date(date_days_1900(b, 0));
    case 41:
        return text::time(time_ticks(b, 0, b.size(), c.scale));
    case 42: {
        const size_t t = static_cast<size_t>(time_size(c.scale));
        const uint64_t ticks = time_ticks(b, 0, t, c.scale);
        return text::date(date_days_1900(b, t)) + " " + text::time(ticks);
    }
    case 43: {
        const size_t t = static_cast<size_t>(time_size(c.scale));
        const uint64_t ticks = time_ticks(b, 0, t, c.scale);
        const int64_t days = date_days_1900(b, t);
        const int16_t offset = static_cast<int16_t>(le(b, t + 3, 2));
        if (offset < -840 || offset > 840)
            throw DecodeError("datetimeoffset offset of " + std::to_string(offset) +
                              " minutes outside -14:00..+14:00");
        return text::datetimeoffset_utc(days, ticks);
    }
    case 61: {
        const int32_t ticks = static_cast<int32_t>(le(b, 0, 4));
        const int32_t days = static_cast<int32_t>(le(b, 4, 4));
        if (ticks < 0 || ticks >= 300 * 86400)
            throw DecodeError("datetime time of " + std::to_string(ticks) +
                              " ticks outside one day");
        if (days < -53690 || days > 2958463)
            throw DecodeError("datetime date of " + std::to_string(days) +
                              " days outside 1753-01-01..9999-12-31");
        return text::datetime(days, static_cast<uint32_t>(ticks));
    }
    case 58: {
        const uint32_t minutes = static_cast<uint32_t>(le(b, 0, 2));
        if (minutes >= 1440)
            throw DecodeError("smalldatetime time of " + std::to_string(minutes) +
                              " minutes outside one day");
        return text::smalldatetime(static_cast<int64_t>(le(b, 2, 2)), minutes);
    }
    case 36:
        return text::uuid(reinterpret_cast<const uint8_t *>(b.data()));
    case 175:
    case 167:
        return cp1252_to_utf8(b);
    case 239:
    case 231:
        return utf16le_to_utf8(b);
    case 173:
    case 165:
    case 189:
        return text::bytea_hex(reinterpret_cast<const uint8_t *>(b.data()), b.size());
    default:
        throw DecodeError("system type id " + std::to_string(c.system_type_id) +
                          " is not supported by the log decoder");
    }
}

DecodedRow decode_record(const Layout &layout, std::string_view rec, bool may_be_cut) {
    static const char *const R = "record";
    layout.validate_once();
    if (rec.size() < 9)
        fail_at(R, 0, nullptr,
                "record of " + std::to_string(rec.size()) +
                    " bytes is shorter than the 9-byte minimum of a data record");
    DecodedRow row;
    const uint8_t a = static_cast<uint8_t>(rec[0]);
    const int type = a >> 1 & 7;
    static const char *const names[] = {"primary",    "forwarded",     "forwarding stub",
                                        "index",      "blob fragment", "ghost index",
                                        "ghost data", "ghost version"};
    if (type != 0 && type != 6)
        fail_at(R, 0, nullptr,
                "status A " + hex2(a) + ": record type " + std::to_string(type) + " (" +
                    names[type] + " record) is not a primary data record");
    if (!(a & 0x10))
        fail_at(R, 0, nullptr, "status A " + hex2(a) + " has no NULL bitmap (sparse-only table?)");
    row.ghost = type == 6;
    row.versioned = (a & 0x40) != 0;
    size_t end = rec.size();
    // A cut record lost its tail, versioning tag included.
    if (row.versioned && !may_be_cut) {
        if (end < 14 + 7)
            fail_at(R, 0, nullptr,
                    "versioned record of " + std::to_string(end) +
                        " bytes cannot hold a 14-byte versioning tag");
        end -= 14;
    }
    const size_t F = le(rec, 2, 2);
    if (F < 4 || F + 2 > end)
        fail_at(R, 2, nullptr,
                "fixed-data end " + std::to_string(F) + " outside the record of " +
                    std::to_string(end) + " bytes");
    const size_t N = le(rec, F, 2);
    if (N > layout.columns.size())
        fail_at(R, F, nullptr,
                "column count " + std::to_string(N) + " is larger than the layout's " +
                    std::to_string(layout.columns.size()) + " columns");
    const size_t bitmap = F + 2, nb = (N + 7) / 8;
    size_t pos = bitmap + nb;
    if (pos > end)
        fail_at(R, bitmap, nullptr,
                "NULL bitmap of " + std::to_string(nb) + " bytes runs past the end of the record");
    size_t V = 0, offsets = 0;
    if (a & 0x20) {
        if (pos + 2 > end)
            fail_at(R, pos, nullptr, "variable column count runs past the end of the record");
        V = le(rec, pos, 2);
        offsets = pos + 2;
        pos = offsets + 2 * V;
        if (pos > end)
            fail_at(R, offsets, nullptr,
                    std::to_string(V) + " variable column offsets run past the end of the record");
    }
    size_t var_slots = 0;
    for (const PhysColumn &c : layout.columns)
        var_slots += c.leaf_offset < 0;
    if (V > var_slots)
        fail_at(R, offsets - 2, nullptr,
                "record holds " + std::to_string(V) + " variable columns, the layout only " +
                    std::to_string(var_slots));
    // Variable column k (1-based) spans [var_begin[k-1], var_end[k-1]).
    std::vector<size_t> var_begin(V), var_end(V);
    std::vector<bool> complex(V);
    size_t prev = pos;
    for (size_t k = 0; k < V; ++k) {
        const size_t raw = le(rec, offsets + 2 * k, 2), e = raw & 0x7FFF;
        if (e < prev)
            fail_at(R, offsets + 2 * k, nullptr,
                    "variable column " + std::to_string(k + 1) + " ends at " + std::to_string(e) +
                        ", before its start " + std::to_string(prev) + " (offsets decrease)");
        if (e > end && may_be_cut) {
            row.cut = true;
        } else if (e > end) {
            fail_at(R, offsets + 2 * k, nullptr,
                    "variable column " + std::to_string(k + 1) + " ends at " + std::to_string(e) +
                        ", past the end of the record (" + std::to_string(end) + " bytes)");
        }
        var_begin[k] = prev;
        var_end[k] = e;
        complex[k] = (raw & 0x8000) != 0;
        prev = e;
    }
    const size_t natural = prev + (row.versioned ? 14 : 0);
    if (may_be_cut && natural > rec.size())
        row.cut = true;
    if (!row.cut && natural != rec.size() && !(natural < 9 && rec.size() == 9))
        fail_at(R, prev, nullptr,
                "the columns end at byte " + std::to_string(prev) + " but the record has " +
                    std::to_string(end) + " bytes" + (row.versioned ? " before its tag" : ""));

    row.values.resize(layout.columns.size());
    row.cells.assign(layout.columns.size(), Cell::Value);
    for (size_t i = 0; i < layout.columns.size(); ++i) {
        const PhysColumn &c = layout.columns[i];
        Value &v = row.values[i];
        const size_t bit = static_cast<size_t>(c.leaf_null_bit) - 1;
        if (bit >= N) { // added after this record was written
            if (c.leaf_offset < 0 && static_cast<size_t>(-c.leaf_offset) <= V)
                fail_at(R, offsets - 2, &c,
                        "variable slot stored for a column beyond the column count " +
                            std::to_string(N));
            if (c.leaf_offset > 0 && !c.is_dropped &&
                static_cast<size_t>(c.leaf_offset) + static_cast<size_t>(fixed_size(c)) <= F)
                fail_at(R, static_cast<size_t>(c.leaf_offset), &c,
                        "fixed data stored for a column beyond the column count " +
                            std::to_string(N));
            if (c.is_uniqueifier)
                v = "0";
            else if (c.is_dropped)
                continue;
            else if (c.default_value)
                v = c.default_value;
            else if (!c.is_nullable)
                fail_at(R, F, &c,
                        "NOT NULL column absent from the record (column count " +
                            std::to_string(N) + ") and without a default");
            continue;
        }
        const bool is_null = (static_cast<uint8_t>(rec[bitmap + bit / 8]) >> (bit % 8) & 1) != 0;
        if (c.is_dropped)
            continue;
        if (is_null && !c.is_nullable && !c.is_uniqueifier)
            fail_at(R, bitmap + bit / 8, &c, "NULL bit set on a NOT NULL column");
        if (c.leaf_offset > 0) {
            const size_t off = static_cast<size_t>(c.leaf_offset);
            const size_t size = static_cast<size_t>(fixed_size(c));
            if (off + size > F)
                fail_at(R, off, &c,
                        "fixed data [" + std::to_string(off) + "," + std::to_string(off + size) +
                            ") runs past the end of fixed data " + std::to_string(F));
            if (!is_null)
                v = value_at(R, off, c, rec.substr(off, size));
            continue;
        }
        const size_t k = static_cast<size_t>(-c.leaf_offset);
        if (k > V) { // trailing variable columns are not stored
            if (c.is_uniqueifier)
                v = "0";
            else if (!is_null)
                fail_at(R, offsets ? offsets - 2 : pos, &c,
                        "NULL bit clear but the record stores only " + std::to_string(V) +
                            " variable columns");
            continue;
        }
        if (var_end[k - 1] > end) { // cut off by fn_dblog: the value is not in the record
            if (c.is_uniqueifier)
                fail_at(R, std::min(var_begin[k - 1], end), &c, "the uniquifier is cut off");
            if (!is_null)
                row.cells[i] = Cell::Cut;
            continue;
        }
        const size_t from = var_begin[k - 1], len = var_end[k - 1] - from;
        if (is_null) {
            if (len != 0 || complex[k - 1])
                fail_at(R, from, &c, "NULL but holds " + std::to_string(len) + " bytes");
            if (c.is_uniqueifier)
                v = "0";
            continue;
        }
        if (complex[k - 1]) {
            if (c.is_uniqueifier)
                fail_at(R, from, &c, "a uniquifier cannot be a complex (off-row) column");
            // In-row pointer to LOB or row-overflow data: 16-byte text pointer, 24-byte
            // row-overflow pointer or inline LOB root of 24..72 bytes (12 per extra link).
            if (!(len == 16 || (len >= 24 && len <= 72 && len % 12 == 0)))
                fail_at(R, from, &c,
                        "complex column of " + std::to_string(len) +
                            " bytes is no LOB or row-overflow pointer");
            row.cells[i] = Cell::OffRow;
            continue;
        }
        if (c.is_uniqueifier && len == 0) {
            v = "0";
            continue;
        }
        v = value_at(R, from, c, rec.substr(from, len));
    }
    const auto fixed_end = fixed_data_end(layout);
    row.layout_format = N == layout.columns.size() && fixed_end && F == *fixed_end;
    return row;
}

std::vector<Value> decode_clustered_key(const Layout &layout, std::string_view rc2) {
    static const char *const K = "clustered key (RowLog Contents 2)";
    layout.validate_once();
    std::vector<const PhysColumn *> keys;
    for (const PhysColumn &c : layout.columns)
        if (c.key_ordinal > 0)
            keys.push_back(&c);
    if (keys.empty())
        throw DecodeError("clustered key: the layout has no key columns");
    std::sort(keys.begin(), keys.end(), [](const PhysColumn *x, const PhysColumn *y) {
        return x->key_ordinal < y->key_ordinal;
    });
    if (rc2.empty())
        fail_at(K, 0, nullptr, "empty");
    const uint8_t a = static_cast<uint8_t>(rc2[0]);
    if (a != 0x16 && a != 0x36)
        fail_at(K, 0, nullptr,
                "status " + hex2(a) + " (only index records 0x16 and 0x36 are decoded)");
    std::vector<Value> values(keys.size());
    std::vector<size_t> var_keys; // indexes into keys, in key order
    size_t pos = 1;
    for (size_t i = 0; i < keys.size(); ++i) {
        const PhysColumn &c = *keys[i];
        if (c.leaf_offset < 0) {
            var_keys.push_back(i);
            continue;
        }
        if (c.system_type_id == 104)
            fail_at(K, pos, &c, "bit key columns are not supported");
        const size_t size = static_cast<size_t>(fixed_size(c));
        if (pos + size > rc2.size())
            fail_at(K, pos, &c,
                    "key column runs past the end of the " + std::to_string(rc2.size()) +
                        "-byte record");
        values[i] = value_at(K, pos, c, rc2.substr(pos, size));
        pos += size;
    }
    if (pos + 2 > rc2.size())
        fail_at(K, pos, nullptr, "column count runs past the end of the record");
    const size_t N = le(rc2, pos, 2);
    if (N != keys.size())
        fail_at(K, pos, nullptr,
                "column count " + std::to_string(N) + ", the clustered key has " +
                    std::to_string(keys.size()) + " columns");
    pos += 2;
    const size_t nb = (N + 7) / 8;
    if (pos + nb > rc2.size())
        fail_at(K, pos, nullptr, "NULL bitmap runs past the end of the record");
    for (size_t bit = 0; bit < N; ++bit)
        if (static_cast<uint8_t>(rc2[pos + bit / 8]) >> (bit % 8) & 1)
            fail_at(K, pos + bit / 8, nullptr,
                    "NULL bit " + std::to_string(bit + 1) +
                        " set: NULL key columns are not supported");
    pos += nb;
    size_t V = 0;
    if (a == 0x36) {
        if (pos + 2 > rc2.size())
            fail_at(K, pos, nullptr, "variable column count runs past the end of the record");
        V = le(rc2, pos, 2);
        pos += 2;
        if (V == 0 || V > var_keys.size())
            fail_at(K, pos - 2, nullptr,
                    std::to_string(V) + " variable columns, the key has " +
                        std::to_string(var_keys.size()));
    }
    // Variable key columns not stored: only a trailing uniquifier of value 0.
    for (size_t j = V; j < var_keys.size(); ++j) {
        const PhysColumn &c = *keys[var_keys[j]];
        if (!c.is_uniqueifier)
            fail_at(K, pos, &c,
                    "variable-length key column missing from the record (status " + hex2(a) + ", " +
                        std::to_string(V) + " variable columns stored)");
        values[var_keys[j]] = "0";
    }
    const size_t offsets = pos;
    pos += 2 * V;
    if (pos > rc2.size())
        fail_at(K, offsets, nullptr, "variable column offsets run past the end of the record");
    size_t prev = pos;
    for (size_t j = 0; j < V; ++j) {
        const PhysColumn &c = *keys[var_keys[j]];
        const size_t raw = le(rc2, offsets + 2 * j, 2), e = raw & 0x7FFF;
        if (raw & 0x8000)
            fail_at(K, offsets + 2 * j, &c, "off-row (complex) key column");
        if (e < prev || e > rc2.size())
            fail_at(K, offsets + 2 * j, &c,
                    "ends at " + std::to_string(e) + ", outside [" + std::to_string(prev) + "," +
                        std::to_string(rc2.size()) + "]");
        if (c.is_uniqueifier && e == prev)
            values[var_keys[j]] = "0";
        else
            values[var_keys[j]] = value_at(K, prev, c, rc2.substr(prev, e - prev));
        prev = e;
    }
    if (prev != rc2.size())
        fail_at(K, prev, nullptr,
                "the key ends at byte " + std::to_string(prev) + " but the record has " +
                    std::to_string(rc2.size()) + " bytes");
    return values;
}

ModifyColumns parse_modify_columns(std::string_view rc0, std::string_view rc1,
                                   std::string_view log_record, int num_elements) {
    static const char *const M = "LOP_MODIFY_COLUMNS";
    if (rc0.empty() || rc0.size() % 4)
        fail_at(M, 0, nullptr,
                "RowLog Contents 0 of " + std::to_string(rc0.size()) +
                    " bytes is no array of 4-byte offset pairs");
    const size_t R = rc0.size() / 4;
    if (rc1.size() != 2 * R)
        fail_at(M, 0, nullptr,
                "RowLog Contents 1 of " + std::to_string(rc1.size()) + " bytes for " +
                    std::to_string(R) + " ranges (expected 2 per range)");
    const size_t n = num_elements > 0 ? static_cast<size_t>(num_elements) : 0;
    const bool as_elements = n == 4 + 2 * R;
    if (n != 4 && !as_elements)
        fail_at(M, 0, nullptr,
                std::to_string(num_elements) + " elements for " + std::to_string(R) +
                    " ranges (expected 4 or " + std::to_string(4 + 2 * R) + ")");
    constexpr size_t kCount = 0x3E, kLengths = 0x40;
    auto align4 = [](size_t x) { return (x + 3) & ~size_t{3}; };
    if (log_record.size() < kLengths + 2 * n)
        fail_at(M, 0, nullptr,
                "Log Record of " + std::to_string(log_record.size()) +
                    " bytes is shorter than its header and element lengths");
    if (le(log_record, kCount, 2) != n)
        fail_at(M, kCount, nullptr,
                "Log Record element count " + std::to_string(le(log_record, kCount, 2)) +
                    ", Num Elements " + std::to_string(n));
    std::vector<size_t> at(n), len(n);
    size_t pos = align4(kLengths + 2 * n);
    for (size_t e = 0; e < n; ++e) {
        len[e] = le(log_record, kLengths + 2 * e, 2);
        at[e] = pos;
        pos += align4(len[e]);
        if (at[e] + len[e] > log_record.size())
            fail_at(M, at[e], nullptr,
                    "element " + std::to_string(e) + " runs past the end of the Log Record");
    }
    if (log_record.substr(at[0], len[0]) != rc0 || log_record.substr(at[1], len[1]) != rc1)
        fail_at(M, at[0], nullptr,
                "Log Record elements 0 and 1 are not RowLog Contents 0 and 1 (layout not "
                "understood)");
    ModifyColumns mc;
    std::vector<ByteRange> &out = mc.ranges;
    out.resize(R);
    mc.after_offsets.resize(R);
    size_t data = at[3] + align4(len[3]);
    for (size_t i = 0; i < R; ++i) {
        ByteRange &r = out[i];
        r.offset = static_cast<uint16_t>(le(rc0, 4 * i, 2));
        const uint16_t after_off = static_cast<uint16_t>(le(rc0, 4 * i + 2, 2));
        const size_t old_len = le(rc1, 2 * i, 2);
        size_t new_len;
        size_t old_at, new_at;
        if (as_elements) {
            old_at = at[4 + 2 * i];
            new_at = at[5 + 2 * i];
            new_len = len[5 + 2 * i];
            if (len[4 + 2 * i] != old_len)
                fail_at(M, old_at, nullptr,
                        "range " + std::to_string(i + 1) + ": old value of " +
                            std::to_string(len[4 + 2 * i]) + " bytes, RowLog Contents 1 says " +
                            std::to_string(old_len));
        } else {
            old_at = data;
            new_at = data + align4(old_len);
            if (new_at > log_record.size())
                fail_at(M, old_at, nullptr,
                        "range " + std::to_string(i + 1) +
                            ": old value runs past the end of the Log Record");
            if (i + 1 < R) {
                // Its length change is the growth of the shift from this range to the next.
                const long grow = (static_cast<long>(le(rc0, 4 * i + 6, 2)) -
                                   static_cast<long>(le(rc0, 4 * i + 4, 2))) -
                                  (static_cast<long>(after_off) - static_cast<long>(r.offset));
                if (static_cast<long>(old_len) + grow < 0)
                    fail_at(M, 4 * i + 4, nullptr,
                            "range " + std::to_string(i + 2) +
                                ": offsets before/after imply a negative length for range " +
                                std::to_string(i + 1));
                new_len = static_cast<size_t>(static_cast<long>(old_len) + grow);
            } else {
                // The rest of the record: the new value and its padding, so its length is
                // never certain. Taken as the old length when the rest allows it.
                mc.last_after_exact = false;
                new_len = log_record.size() - new_at;
                if (new_len == align4(old_len))
                    new_len = old_len;
            }
            if (new_at + new_len > log_record.size())
                fail_at(M, new_at, nullptr,
                        "range " + std::to_string(i + 1) +
                            ": new value runs past the end of the Log Record");
            data = new_at + align4(new_len);
        }
        r.before = std::string(log_record.substr(old_at, old_len));
        r.after = std::string(log_record.substr(new_at, new_len));
        mc.after_offsets[i] = after_off;
        if (i > 0) {
            const ByteRange &p = out[i - 1];
            if (r.offset < p.offset + p.before.size())
                fail_at(M, 4 * i, nullptr,
                        "range " + std::to_string(i + 1) + " at " + std::to_string(r.offset) +
                            " overlaps or precedes the range before it");
            // The shift of this range = the length changes of the ranges before it.
            const long shift =
                static_cast<long>(mc.after_offsets[i - 1]) - static_cast<long>(p.offset) +
                (static_cast<long>(p.after.size()) - static_cast<long>(p.before.size()));
            if (static_cast<long>(after_off) - static_cast<long>(r.offset) != shift)
                fail_at(M, 4 * i, nullptr,
                        "range " + std::to_string(i + 1) + ": offsets before/after " +
                            std::to_string(r.offset) + "/" + std::to_string(after_off) +
                            " do not match the length changes of the ranges before it");
        } else if (after_off != r.offset) {
            fail_at(M, 0, nullptr,
                    "range 1: offsets before/after " + std::to_string(r.offset) + "/" +
                        std::to_string(after_off) + " differ with no range before it");
        }
    }
    return mc;
}

std::vector<ByteRange> modify_columns_ranges(std::string_view rc0, std::string_view rc1,
                                             std::string_view log_record, int num_elements) {
    return parse_modify_columns(rc0, rc1, log_record, num_elements).ranges;
}

namespace {

// ---- Text → on-disk bytes (the inverse of column_text, for patch_with_base) -----------------

// An encoded before value: its bytes, and which of them the text does not determine (taken from
// the record when covered; an uncovered one makes a partial change undecidable).
struct Encoded {
    std::string bytes;
    std::vector<bool> uncertain;
};

void put_le(std::string &out, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i, v >>= 8)
        out += static_cast<char>(v & 0xff);
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// "-"? digits: a plain decimal integer in [lo, hi].
std::optional<int64_t> parse_int(std::string_view s, int64_t lo, int64_t hi) {
    const bool neg = !s.empty() && s[0] == '-';
    if (!all_digits(neg ? s.substr(1) : s))
        return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi)
        return std::nullopt;
    return v;
}

// "-"? digits ("." digits)?: sign and magnitude in units of 10^-scale. More decimals than the
// scale only when the extra ones are 0 (PostgreSQL's unconstrained numeric may show them).
std::optional<std::pair<bool, unsigned __int128>> parse_decimal(std::string_view s, int scale) {
    const bool neg = !s.empty() && s[0] == '-';
    if (neg)
        s.remove_prefix(1);
    const size_t dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac)))
        return std::nullopt;
    while (frac.size() > static_cast<size_t>(scale)) {
        if (frac.back() != '0')
            return std::nullopt;
        frac.remove_suffix(1);
    }
    std::string_view significant =
        whole.substr(std::min(whole.find_first_not_of('0'), whole.size()));
    if (significant.size() + static_cast<size_t>(scale) > 38)
        return std::nullopt; // more than 38 digits: no decimal, money or smallmoney value
    unsigned __int128 m = 0;
    for (char ch : significant)
        m = m * 10 + static_cast<unsigned>(ch - '0');
    for (int i = 0; i < scale; ++i)
        m = m * 10 +
            (static_cast<size_t>(i) < frac.size() ? static_cast<unsigned>(frac[i] - '0') : 0);
    return std::make_pair(neg, m);
}

// Days from 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr int64_t kDays0001To1970 = 719162;

// ISO "YYYY-MM-DD" (years 0001..9999) → days since 0001-01-01.
std::optional<int64_t> parse_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s.substr(0, 4)) ||
        !all_digits(s.substr(5, 2)) || !all_digits(s.substr(8, 2)))
        return std::nullopt;
    const int y = std::stoi(std::string(s.substr(0, 4)));
    const unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(5, 2))));
    const unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(8, 2))));
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return std::nullopt;
    return days_from_civil(y, m, d) + kDays0001To1970;
}

// "HH:MM:SS" with an optional fraction of 1..6 digits (PostgreSQL drops trailing zeros, the
// decoder writes 6) → microseconds since midnight, below 24:00:00.
std::optional<uint64_t> parse_time(std::string_view s) {
    if (s.size() < 8 || s[2] != ':' || s[5] != ':' || !all_digits(s.substr(0, 2)) ||
        !all_digits(s.substr(3, 2)) || !all_digits(s.substr(6, 2)))
        return std::nullopt;
    const uint64_t h = static_cast<uint64_t>(std::stoi(std::string(s.substr(0, 2))));
    const uint64_t mi = static_cast<uint64_t>(std::stoi(std::string(s.substr(3, 2))));
    const uint64_t se = static_cast<uint64_t>(std::stoi(std::string(s.substr(6, 2))));
    if (h > 23 || mi > 59 || se > 59)
        return std::nullopt;
    uint64_t us = 0;
    if (s.size() > 8) {
        const std::string_view f = s.substr(9);
        if (s[8] != '.' || f.size() > 6 || !all_digits(f))
            return std::nullopt;
        for (size_t i = 0; i < 6; ++i)
            us = us * 10 + (i < f.size() ? static_cast<uint64_t>(f[i] - '0') : 0);
    }
    return ((h * 60 + mi) * 60 + se) * 1000000 + us;
}

// "YYYY-MM-DD HH:MM:SS[.f]" → days since 0001-01-01 and microseconds.
std::optional<std::pair<int64_t, uint64_t>> parse_timestamp(std::string_view s) {
    if (s.size() < 19 || s[10] != ' ')
        return std::nullopt;
    auto d = parse_date(s.substr(0, 10));
    auto t = parse_time(s.substr(11));
    if (!d || !t)
        return std::nullopt;
    return std::make_pair(*d, *t);
}

int hexval(char ch) {
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

// UTF-8 → code points; nullopt for malformed, overlong or surrogate sequences.
std::optional<std::vector<uint32_t>> utf8_code_points(std::string_view s) {
    std::vector<uint32_t> out;
    for (size_t i = 0; i < s.size();) {
        const uint8_t b = static_cast<uint8_t>(s[i]);
        size_t n;
        uint32_t cp;
        if (b < 0x80) {
            n = 1;
            cp = b;
        } else if (b >= 0xC2 && b <= 0xDF) {
            n = 2;
            cp = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            n = 3;
            cp = b & 0x0F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            n = 4;
            cp = b & 0x07;
        } else {
            return std::nullopt;
        }
        if (i + n > s.size())
            return std::nullopt;
        for (size_t k = 1; k < n; ++k) {
            const uint8_t c = static_cast<uint8_t>(s[i + k]);
            if ((c & 0xC0) != 0x80)
                return std::nullopt;
            cp = cp << 6 | (c & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return std::nullopt;
        out.push_back(cp);
        i += n;
    }
    return out;
}

// Fixed-width text: the code units of `cps` with trailing blanks trimmed, padded with blanks to
// `units` (blank padding is what char(n)/nchar(n) store, so the trimmed text has one form).
void trim_blanks(std::vector<uint32_t> &cps) {
    while (!cps.empty() && cps.back() == 0x20)
        cps.pop_back();
}

std::optional<std::string> encode_cp1252(std::string_view text, size_t n) {
    auto cps = utf8_code_points(text);
    if (!cps)
        return std::nullopt;
    trim_blanks(*cps);
    std::string out;
    for (uint32_t cp : *cps) {
        if (cp == 0)
            return std::nullopt;
        if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
            out += static_cast<char>(cp);
            continue;
        }
        const auto *hit = std::find(std::begin(kCp1252High), std::end(kCp1252High), cp);
        if (cp < 0x100 || hit == std::end(kCp1252High))
            return std::nullopt; // not in code page 1252 (U+0080..U+009F included)
        out += static_cast<char>(0x80 + (hit - std::begin(kCp1252High)));
    }
    if (out.size() > n)
        return std::nullopt;
    out.append(n - out.size(), ' ');
    return out;
}

std::optional<std::string> encode_utf16(std::string_view text, size_t n) {
    auto cps = utf8_code_points(text);
    if (!cps)
        return std::nullopt;
    trim_blanks(*cps);
    std::string out;
    for (uint32_t cp : *cps) {
        if (cp == 0)
            return std::nullopt;
        if (cp >= 0x10000) {
            put_le(out, 0xD800 + ((cp - 0x10000) >> 10), 2);
            put_le(out, 0xDC00 + ((cp - 0x10000) & 0x3FF), 2);
        } else {
            put_le(out, cp, 2);
        }
    }
    if (out.size() > n)
        return std::nullopt;
    while (out.size() < n)
        put_le(out, 0x20, 2);
    return out;
}

// The on-disk bytes of a fixed-length (non-bit) column holding `text`, or nullopt when the text
// does not parse or does not determine them exactly.
std::optional<Encoded> encode_fixed(const PhysColumn &c, std::string_view text) {
    const size_t size = static_cast<size_t>(fixed_size(c));
    Encoded e;
    e.uncertain.assign(size, false);
    std::string &b = e.bytes;
    switch (c.system_type_id) {
    case 48:
    case 52:
    case 56:
    case 127: {
        const int bits = static_cast<int>(size) * 8;
        const int64_t lo = c.system_type_id == 48 ? 0
                           : bits == 64           ? INT64_MIN
                                                  : -(int64_t{1} << (bits - 1));
        const int64_t hi = c.system_type_id == 48 ? 255
                           : bits == 64           ? INT64_MAX
                                                  : (int64_t{1} << (bits - 1)) - 1;
        auto v = parse_int(text, lo, hi);
        if (!v)
            return std::nullopt;
        put_le(b, static_cast<uint64_t>(*v), size);
        break;
    }
    case 106:
    case 108: {
        auto v = parse_decimal(text, c.scale);
        if (!v)
            return std::nullopt;
        unsigned __int128 limit = 1;
        for (int i = 0; i < c.precision; ++i)
            limit *= 10;
        if (v->second >= limit)
            return std::nullopt;
        b += static_cast<char>(v->first ? 0 : 1);
        unsigned __int128 m = v->second;
        for (size_t i = 1; i < size; ++i, m >>= 8)
            b += static_cast<char>(static_cast<uint8_t>(m));
        if (v->second == 0)
            e.uncertain[0] = true; // 0 reads the same with either sign byte
        break;
    }
    case 60:
    case 122: {
        auto v = parse_decimal(text, 4);
        if (!v)
            return std::nullopt;
        const unsigned __int128 lim =
            size == 8 ? (static_cast<unsigned __int128>(1) << 63) : (unsigned __int128){1} << 31;
        if (v->second > lim || (!v->first && v->second == lim))
            return std::nullopt;
        const uint64_t mag = static_cast<uint64_t>(v->second);
        put_le(b, v->first ? ~mag + 1 : mag, size);
        break;
    }
    case 59: {
        float f;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), f);
        if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(f))
            return std::nullopt;
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        put_le(b, bits, 4);
        break;
    }
    case 62: {
        double d;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
        if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(d))
            return std::nullopt;
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        put_le(b, bits, 8);
        break;
    }
    case 40: {
        auto d = parse_date(text);
        if (!d)
            return std::nullopt;
        put_le(b, static_cast<uint64_t>(*d), 3);
        break;
    }
    case 41:
    case 42: {
        if (c.scale > 6)
            return std::nullopt; // the 7th digit is not in the text
        std::optional<uint64_t> us;
        int64_t days = 0;
        if (c.system_type_id == 41) {
            us = parse_time(text);
        } else if (auto ts = parse_timestamp(text)) {
            days = ts->first;
            us = ts->second;
        }
        if (!us)
            return std::nullopt;
        const uint64_t unit = pow10(6 - c.scale);
        if (*us % unit)
            return std::nullopt;
        put_le(b, *us / unit, static_cast<size_t>(time_size(c.scale)));
        if (c.system_type_id == 42)
            put_le(b, static_cast<uint64_t>(days), 3);
        break;
    }
    case 61: {
        auto ts = parse_timestamp(text);
        if (!ts || ts->second % 1000)
            return std::nullopt;
        const int64_t days = ts->first - kDays0001To1900;
        const uint64_t ms = ts->second / 1000;
        if (days < -53690 || days > 2958463)
            return std::nullopt;
        // The 1/300 s tick shown as these milliseconds ((10 t + 1) / 3 is strictly increasing:
        // at most one tick does).
        std::optional<uint64_t> tick;
        for (uint64_t t = ms * 3 / 10 > 0 ? ms * 3 / 10 - 1 : 0; t <= ms * 3 / 10 + 2; ++t)
            if (t < 300 * 86400 && (t * 10 + 1) / 3 == ms)
                tick = t;
        if (!tick)
            return std::nullopt;
        put_le(b, *tick, 4);
        put_le(b, static_cast<uint64_t>(days), 4);
        break;
    }
    case 58: {
        auto ts = parse_timestamp(text);
        if (!ts || ts->second % 60000000)
            return std::nullopt;
        const int64_t days = ts->first - kDays0001To1900;
        if (days < 0 || days > 0xFFFF)
            return std::nullopt;
        put_le(b, ts->second / 60000000, 2);
        put_le(b, static_cast<uint64_t>(days), 2);
        break;
    }
    case 36: {
        if (text.size() != 36)
            return std::nullopt;
        std::string raw;
        for (size_t i = 0; i < 36; i += 2) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (text[i] != '-')
                    return std::nullopt;
                ++i;
            }
            const int hi = hexval(text[i]), lo = hexval(text[i + 1]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            raw += static_cast<char>(hi << 4 | lo);
        }
        if (raw.size() != 16)
            return std::nullopt;
        const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
        for (int i : order)
            b += raw[static_cast<size_t>(i)];
        break;
    }
    case 175: {
        auto s = encode_cp1252(text, size);
        if (!s)
            return std::nullopt;
        b = *s;
        break;
    }
    case 239: {
        auto s = encode_utf16(text, size);
        if (!s)
            return std::nullopt;
        b = *s;
        break;
    }
    case 173:
    case 189: {
        if (text.size() != 2 + 2 * size || text.substr(0, 2) != "\\x")
            return std::nullopt;
        for (size_t i = 2; i < text.size(); i += 2) {
            const int hi = hexval(text[i]), lo = hexval(text[i + 1]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            b += static_cast<char>(hi << 4 | lo);
        }
        break;
    }
    default: // datetimeoffset: the offset is not in the text
        return std::nullopt;
    }
    if (b.size() != size)
        return std::nullopt;
    return e;
}

std::optional<bool> parse_bool(std::string_view s) {
    if (s == "t" || s == "true")
        return true;
    if (s == "f" || s == "false")
        return false;
    return std::nullopt;
}

// patch_from_ranges without a base (before == nullptr), patch_with_base with one.
std::optional<Patch> patch_impl(const Layout &layout, const std::vector<ByteRange> &ranges,
                                const std::vector<const Value *> *before, bool format_shown) {
    layout.validate_once();
    if (before && before->size() != layout.columns.size())
        throw DecodeError("base row of " + std::to_string(before->size()) +
                          " values for a layout of " + std::to_string(layout.columns.size()) +
                          " columns");
    // The fixed-data area that every record of the table has (all of the layout's when the
    // base row's own record was shown to have the layout's format).
    const auto layout_end = fixed_data_end(layout);
    if (!layout_end)
        return std::nullopt; // a dropped column of unknown size: the fixed area is unknown
    size_t fixed_end = *layout_end, trusted_end = SIZE_MAX;
    if (!format_shown)
        for (const PhysColumn &c : layout.columns)
            if (c.leaf_offset > 0 && c.default_value && !c.is_dropped)
                trusted_end = std::min(trusted_end, static_cast<size_t>(c.leaf_offset));
    // The column count and NULL bitmap follow the fixed area, where the layout puts them only in
    // a record that holds the layout's whole fixed area: one written before a fixed column was
    // added (ALTER TABLE ADD, metadata only) has a shorter one, and there the layout's count and
    // bitmap bytes are its variable part, which may happen to look like them. Catalog facts do not
    // prove a record's format (they are read now, the record may be older; dates and NOT NULL
    // rules have exceptions): the row does. A range may run into the header only when the base
    // row, the row as it was at the record (whose columns follow the source's DDL in log order),
    // has a value for a column that ends the fixed area, so the record stores it, or when the
    // caller shows the row's format (format_shown: the row came from an insert record with the
    // layout's column count and fixed-area end, changed in place since). The range must then
    // cover the column count, the layout's and unchanged (a variable column added later: a
    // smaller count). Columns added with a default cut the trusted area: never then, unless the
    // format is shown.
    const size_t ncols = layout.columns.size();
    const size_t bitmap = fixed_end + 2, bitmap_end = bitmap + (ncols + 7) / 8;
    // 0-based NULL bit -> column index (validate(): each bit in 1..ncols, used once).
    std::vector<size_t> by_null_bit(ncols);
    bool last_stored = false;
    for (size_t i = 0; i < ncols; ++i) {
        const PhysColumn &c = layout.columns[i];
        by_null_bit[static_cast<size_t>(c.leaf_null_bit - 1)] = i;
        if (c.leaf_offset <= 0 || c.is_dropped ||
            static_cast<size_t>(c.leaf_offset + fixed_size(c)) != fixed_end)
            continue;
        const Value *v = before ? (*before)[i] : nullptr;
        last_stored = last_stored || (v && *v);
    }
    const bool header_usable = trusted_end == SIZE_MAX && (last_stored || format_shown);
    fixed_end = std::min(fixed_end, trusted_end);
    const size_t range_end = header_usable ? bitmap_end : fixed_end;
    // Owner of each fixed byte: -1 none (dropped column or gap), else the column index; bit bytes
    // are listed separately.
    std::vector<int> owner(fixed_end, -1);
    std::map<size_t, std::vector<size_t>> bits; // byte -> bit columns
    for (size_t i = 0; i < layout.columns.size(); ++i) {
        const PhysColumn &c = layout.columns[i];
        if (c.leaf_offset <= 0 || c.is_dropped)
            continue;
        const size_t off = static_cast<size_t>(c.leaf_offset);
        if (c.system_type_id == 104) {
            bits[off].push_back(i);
            continue;
        }
        for (size_t b = off; b < off + static_cast<size_t>(fixed_size(c)) && b < fixed_end; ++b)
            owner[b] = static_cast<int>(i);
    }
    // The covered bytes of the fixed area (and of the header after it), before and after.
    std::vector<bool> covered(range_end);
    std::string old_bytes(range_end, '\0'), new_bytes(range_end, '\0');
    std::vector<const ByteRange *> sorted;
    for (const ByteRange &r : ranges)
        sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(),
              [](const ByteRange *x, const ByteRange *y) { return x->offset < y->offset; });
    size_t prev_end = 0;
    for (const ByteRange *rp : sorted) {
        const ByteRange &r = *rp;
        if (r.offset < prev_end)
            throw DecodeError("update ranges overlap at record byte " + std::to_string(r.offset));
        prev_end = r.offset + r.before.size();
        if (r.before.size() != r.after.size() || r.before.empty())
            return std::nullopt;
        const size_t from = r.offset, to = from + r.before.size();
        if (from < 4 || to > range_end)
            return std::nullopt;
        for (size_t b = from; b < to; ++b) {
            covered[b] = true;
            old_bytes[b] = r.before[b - from];
            new_bytes[b] = r.after[b - from];
        }
    }
    auto base_of = [&](size_t i) -> const Value * { return before ? (*before)[i] : nullptr; };
    // NULL bits the ranges show, per column: -1 not shown, else 0 / 1 before and after.
    std::vector<int> null_before(ncols, -1), null_after(ncols, -1);
    if (std::any_of(covered.begin() + static_cast<std::ptrdiff_t>(fixed_end), covered.end(),
                    [](bool c) { return c; })) {
        const size_t F = bitmap - 2;
        auto count = [&](const std::string &b) {
            return static_cast<size_t>(static_cast<uint8_t>(b[F])) |
                   static_cast<size_t>(static_cast<uint8_t>(b[F + 1])) << 8;
        };
        if (!covered[F] || !covered[F + 1] || count(old_bytes) != ncols ||
            count(new_bytes) != ncols)
            return std::nullopt; // the record's column count is not shown to be the layout's
        for (size_t b = bitmap; b < bitmap_end; ++b) {
            if (!covered[b])
                continue;
            for (size_t k = 0; k < 8; ++k) {
                const size_t bit = (b - bitmap) * 8 + k;
                if (bit >= ncols) { // the last byte's unused bits may hold anything: not read,
                    if ((static_cast<uint8_t>(old_bytes[b]) ^ static_cast<uint8_t>(new_bytes[b])) >>
                        k)
                        return std::nullopt; // but one changing is not explained
                    break;
                }
                const size_t i = by_null_bit[bit];
                const PhysColumn &c = layout.columns[i];
                const int was = static_cast<uint8_t>(old_bytes[b]) >> k & 1,
                          is = static_cast<uint8_t>(new_bytes[b]) >> k & 1;
                if (c.is_dropped) {
                    if (was != is)
                        return std::nullopt;
                    continue;
                }
                if (const Value *v = base_of(i); v && !*v != (was == 1))
                    return std::nullopt; // the base is not the row the record changed
                if ((is || was) && !c.is_nullable && !c.is_uniqueifier)
                    return std::nullopt; // a NOT NULL column's bit set: not a record of this row
                if (was != is && c.leaf_offset <= 0)
                    return std::nullopt; // variable-length data changes with it
                null_before[i] = was;
                null_after[i] = is;
            }
        }
    }
    // A column whose NULL bit changes: NULL now (its bytes are left as they were), or a value
    // that the after bytes must show whole.
    auto turns = [&](size_t i) { return null_after[i] >= 0 && null_after[i] != null_before[i]; };
    std::vector<bool> turned(ncols, false);
    Patch patch;
    for (size_t b = 4; b < fixed_end; ++b) {
        if (!covered[b])
            continue;
        const uint8_t x = static_cast<uint8_t>(old_bytes[b]),
                      y = static_cast<uint8_t>(new_bytes[b]);
        if (auto it = bits.find(b); it != bits.end()) {
            uint8_t live = 0;
            for (size_t i : it->second) {
                const int p = layout.columns[i].leaf_bit_position;
                live = static_cast<uint8_t>(live | 1u << p);
                const bool was = (x >> p & 1) != 0, is = (y >> p & 1) != 0;
                if (turns(i)) {
                    if (const Value *v = base_of(i); v && *v) {
                        if (auto bv = parse_bool(**v); bv && *bv != was)
                            return std::nullopt; // the base is not the row the record changed
                    }
                    patch.set.emplace_back(i, null_after[i] ? Value() : text::boolean(is));
                    turned[i] = true;
                    continue;
                }
                if (null_after[i] == 1) { // NULL before and after
                    if (was != is)
                        return std::nullopt;
                    continue;
                }
                if (const Value *v = base_of(i)) {
                    if (!*v) {
                        if (was != is)
                            return std::nullopt; // a NULL column's bit changed: not this row
                    } else if (auto bv = parse_bool(**v); bv && *bv != was) {
                        return std::nullopt; // the base is not the row the record changed
                    }
                }
                if (was != is)
                    patch.set.emplace_back(i, text::boolean(is));
            }
            if ((x ^ y) & ~live)
                return std::nullopt; // a bit no live column owns changed
        } else if (owner[b] < 0 && x != y) {
            return std::nullopt; // bytes of no live column changed
        }
    }
    for (size_t i = 0; i < layout.columns.size(); ++i) {
        const PhysColumn &c = layout.columns[i];
        if (c.leaf_offset <= 0 || c.is_dropped || c.system_type_id == 104)
            continue;
        const size_t off = static_cast<size_t>(c.leaf_offset);
        const size_t size = static_cast<size_t>(fixed_size(c));
        // Only the fixed area's bytes are a fixed column's (a range may run on into the header).
        auto cov = [&](size_t b) { return b < fixed_end && covered[b]; };
        bool any = false, all = true, changed = false;
        for (size_t b = off; b < off + size; ++b) {
            any = any || cov(b);
            all = all && cov(b);
            changed = changed || (cov(b) && old_bytes[b] != new_bytes[b]);
        }
        if (turns(i) && null_after[i] == 0) {
            if (!all)
                return std::nullopt; // a value not shown whole
            patch.set.emplace_back(i,
                                   value_at("update range", off, c, new_bytes.substr(off, size)));
            turned[i] = true;
            continue;
        }
        if (!any && !turns(i))
            continue;
        if (null_after[i] == 1 && !turns(i)) { // NULL before and after
            if (changed)
                return std::nullopt;
            continue;
        }
        std::optional<Encoded> enc;
        if (const Value *v = base_of(i)) {
            if (!*v) {
                if (changed)
                    return std::nullopt; // a NULL column's bytes changed: not this row
                continue;
            }
            enc = encode_fixed(c, **v);
            if (enc)
                for (size_t k = 0; k < size; ++k)
                    if (cov(off + k) && !enc->uncertain[k] && enc->bytes[k] != old_bytes[off + k])
                        return std::nullopt; // the base is not the row the record changed
        }
        if (turns(i)) { // to NULL; the bytes checked above, when the base is known
            patch.set.emplace_back(i, Value());
            turned[i] = true;
            continue;
        }
        if (!changed)
            continue;
        std::string value;
        if (all) {
            value = new_bytes.substr(off, size);
        } else {
            if (!enc)
                return std::nullopt; // partly covered and its other bytes unknown
            for (size_t k = 0; k < size; ++k)
                if (enc->uncertain[k] && !cov(off + k))
                    return std::nullopt;
            value = enc->bytes;
            for (size_t k = 0; k < size; ++k)
                if (cov(off + k))
                    value[k] = new_bytes[off + k];
        }
        patch.set.emplace_back(i, value_at("update range", off, c, value));
    }
    for (size_t i = 0; i < ncols; ++i) {
        if (!turns(i) || turned[i])
            continue;
        if (null_after[i] == 0)
            return std::nullopt; // a bit column turning non-NULL whose byte is not shown
        patch.set.emplace_back(i, Value());
    }
    std::sort(patch.set.begin(), patch.set.end(),
              [](const auto &x, const auto &y) { return x.first < y.first; });
    return patch;
}

} // namespace

std::optional<Patch> patch_from_ranges(const Layout &layout, const std::vector<ByteRange> &ranges) {
    return patch_impl(layout, ranges, nullptr, false);
}

std::optional<Patch> patch_with_base(const Layout &layout, const std::vector<ByteRange> &ranges,
                                     const std::vector<Value> &before,
                                     const std::vector<bool> &known, bool format_shown) {
    if (before.size() != layout.columns.size() || known.size() != layout.columns.size())
        throw DecodeError("base row of " + std::to_string(before.size()) + " values and " +
                          std::to_string(known.size()) + " known flags for a layout of " +
                          std::to_string(layout.columns.size()) + " columns");
    std::vector<const Value *> base(before.size());
    for (size_t i = 0; i < before.size(); ++i)
        base[i] = known[i] ? &before[i] : nullptr;
    return patch_impl(layout, ranges, &base, format_shown);
}

std::optional<Patch> patch_with_base(const Layout &layout, const std::vector<ByteRange> &ranges,
                                     const std::vector<const Value *> &before, bool format_shown) {
    return patch_impl(layout, ranges, &before, format_shown);
}

} // namespace dts::logrec
