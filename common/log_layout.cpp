#include "log_layout.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace dts::logrec {

namespace {

[[noreturn]] void fail(const PhysColumn &c, const std::string &why) {
    throw DecodeError("layout: " + describe(c) + ": " + why);
}

const char *unsupported_type_name(int type) {
    switch (type) {
    case 34:
        return "image (16-byte text pointer to LOB pages)";
    case 35:
        return "text (16-byte text pointer to LOB pages)";
    case 99:
        return "ntext (16-byte text pointer to LOB pages)";
    case 98:
        return "sql_variant";
    case 240:
        return "CLR type (hierarchyid, geometry or geography)";
    case 241:
        return "xml (binary XML storage format)";
    default:
        return nullptr;
    }
}

int time_bytes(const PhysColumn &c) {
    if (c.scale < 0 || c.scale > 7)
        fail(c, "fractional-second scale " + std::to_string(c.scale) + " outside 0..7");
    return c.scale <= 2 ? 3 : c.scale <= 4 ? 4 : 5;
}

bool starts_with_ci(const std::string &s, const std::string &prefix) {
    if (s.size() < prefix.size())
        return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

bool contains_ci(const std::string &s, const std::string &part) {
    std::string a = s, b = part;
    for (auto *t : {&a, &b})
        for (char &ch : *t)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return a.find(b) != std::string::npos;
}

} // namespace

std::string describe(const PhysColumn &c) {
    const std::string where = "(partition column " + std::to_string(c.partition_column_id) + ")";
    if (c.is_uniqueifier)
        return "uniquifier " + where;
    if (c.is_dropped)
        return "dropped column " + where;
    return "column '" + c.name + "' " + where;
}

bool is_cp1252_collation(const std::string &collation) {
    if (contains_ci(collation, "_UTF8"))
        return false;
    // SQL collations name their code page: "_CP1_" is 1252 (SQL_Latin1_General_CP1_CI_AS,
    // SQL_Danish_Pref_CP1_CI_AS ...); CP1250, CP437, CP850 ... are other code pages.
    if (starts_with_ci(collation, "SQL_"))
        return contains_ci(collation, "_CP1_");
    // Windows collations: the designators on code page 1252 (a conservative list; any other
    // collation is refused rather than decoded with the wrong code page).
    static const char *const designators[] = {
        "Latin1_General_", "Danish_Norwegian_",    "Finnish_Swedish_",
        "French_",         "German_PhoneBook_",    "Icelandic_",
        "Modern_Spanish_", "Traditional_Spanish_", "Norwegian_100_"};
    return std::any_of(std::begin(designators), std::end(designators),
                       [&](const char *d) { return starts_with_ci(collation, d); });
}

int fixed_size(const PhysColumn &c) {
    int size = 0;
    switch (c.system_type_id) {
    case 48:  // tinyint
    case 104: // bit (the byte shared by up to 8 bit columns)
        size = 1;
        break;
    case 52: // smallint
        size = 2;
        break;
    case 56:  // int
    case 59:  // real
    case 122: // smallmoney
    case 58:  // smalldatetime
        size = 4;
        break;
    case 127: // bigint
    case 60:  // money
    case 62:  // float
    case 61:  // datetime
    case 189: // timestamp / rowversion
        size = 8;
        break;
    case 106: // decimal
    case 108: // numeric
        if (c.precision < 1 || c.precision > 38)
            fail(c, "decimal precision " + std::to_string(c.precision) + " outside 1..38");
        if (c.scale < 0 || c.scale > c.precision)
            fail(c, "decimal scale " + std::to_string(c.scale) + " outside 0..precision");
        size = c.precision <= 9 ? 5 : c.precision <= 19 ? 9 : c.precision <= 28 ? 13 : 17;
        break;
    case 40: // date
        size = 3;
        break;
    case 41: // time(n)
        size = time_bytes(c);
        break;
    case 42: // datetime2(n)
        size = time_bytes(c) + 3;
        break;
    case 43: // datetimeoffset(n)
        size = time_bytes(c) + 5;
        break;
    case 36: // uniqueidentifier
        size = 16;
        break;
    case 175: // char(n)
    case 173: // binary(n)
    case 239: // nchar(n)
        if (c.max_length < 1 || c.max_length > 8000 ||
            (c.system_type_id == 239 && c.max_length % 2))
            fail(c, "fixed length of " + std::to_string(c.max_length) + " bytes is impossible");
        return c.max_length;
    case 167: // varchar
    case 231: // nvarchar
    case 165: // varbinary
        if (c.max_length != -1 && (c.max_length < 1 || c.max_length > 8000 ||
                                   (c.system_type_id == 231 && c.max_length % 2)))
            fail(c, "maximum length of " + std::to_string(c.max_length) + " bytes is impossible");
        return 0;
    default:
        if (const char *n = unsupported_type_name(c.system_type_id))
            fail(c, std::string("type ") + n + " is not supported by the log decoder");
        fail(c, "system type id " + std::to_string(c.system_type_id) +
                    " is not supported by the log decoder");
    }
    if (c.max_length != 0 && c.max_length != size)
        fail(c, "max_length " + std::to_string(c.max_length) + " but the type occupies " +
                    std::to_string(size) + " bytes");
    return size;
}

void Layout::validate_once() const {
    if (!valid_)
        validate();
}

void Layout::validate() const {
    valid_ = false;
    const int n = static_cast<int>(columns.size());
    std::set<int> null_bits, var_slots;
    std::map<int, const PhysColumn *> keys;
    struct Span {
        int from, to;
        const PhysColumn *c;
    };
    std::vector<Span> spans;                          // live non-bit fixed columns
    std::map<int, std::set<int>> bit_bytes;           // byte offset -> bit positions in use
    std::map<int, const PhysColumn *> bit_byte_owner; // for messages
    int prev_id = -1;
    for (const PhysColumn &c : columns) {
        if (c.partition_column_id <= prev_id)
            fail(c, "columns are not in increasing partition_column_id order");
        prev_id = c.partition_column_id;
        if (c.is_sparse)
            fail(c, "sparse columns (stored in a sparse vector) are not supported");
        if (c.leaf_null_bit < 1 || c.leaf_null_bit > n)
            fail(c, "NULL bit " + std::to_string(c.leaf_null_bit) + " outside 1.." +
                        std::to_string(n));
        if (!null_bits.insert(c.leaf_null_bit).second)
            fail(c, "NULL bit " + std::to_string(c.leaf_null_bit) + " used twice");
        if (c.leaf_offset == 0)
            fail(c, "leaf_offset 0 (neither fixed nor variable)");
        if (c.leaf_offset < 0 && !var_slots.insert(-c.leaf_offset).second)
            fail(c, "variable slot " + std::to_string(-c.leaf_offset) + " used twice");
        if (c.leaf_offset > 0 && c.leaf_offset < 4)
            fail(c, "fixed data at offset " + std::to_string(c.leaf_offset) +
                        " overlaps the record header");
        if (c.key_ordinal < 0)
            fail(c, "negative key ordinal");
        if (c.is_dropped) {
            if (c.key_ordinal > 0)
                fail(c, "a dropped column cannot be a key column");
            continue;
        }
        if (c.is_uniqueifier) {
            if (c.system_type_id != 56 || c.leaf_offset > 0)
                fail(c, "a uniquifier must be a variable-length int");
        } else {
            const int size = fixed_size(c);
            if (size > 0 && c.leaf_offset < 0)
                fail(c, "fixed-length type stored in the variable part (vardecimal storage?) is "
                        "not supported");
            if (size == 0 && c.leaf_offset > 0)
                fail(c, "variable-length type at a fixed offset");
            if (c.system_type_id == 104) {
                if (c.leaf_bit_position < 0 || c.leaf_bit_position > 7)
                    fail(c,
                         "bit position " + std::to_string(c.leaf_bit_position) + " outside 0..7");
                if (!bit_bytes[c.leaf_offset].insert(c.leaf_bit_position).second)
                    fail(c, "bit " + std::to_string(c.leaf_bit_position) + " of byte " +
                                std::to_string(c.leaf_offset) + " used twice");
                bit_byte_owner[c.leaf_offset] = &c;
            } else if (size > 0) {
                spans.push_back({c.leaf_offset, c.leaf_offset + size, &c});
            }
            if ((c.system_type_id == 175 || c.system_type_id == 167) &&
                !is_cp1252_collation(c.collation_name))
                fail(c, "collation '" + c.collation_name +
                            "' is not known to use code page 1252 (only 1252 is decoded)");
        }
        if (c.key_ordinal > 0 && !keys.emplace(c.key_ordinal, &c).second)
            fail(c, "key ordinal " + std::to_string(c.key_ordinal) + " used twice");
    }
    int expect = 1;
    for (int slot : var_slots)
        if (slot != expect++)
            throw DecodeError("layout: variable slots are not 1.." +
                              std::to_string(var_slots.size()) + " (slot " + std::to_string(slot) +
                              " present)");
    expect = 1;
    for (const auto &[ordinal, c] : keys)
        if (ordinal != expect++)
            fail(*c, "key ordinals are not 1.." + std::to_string(keys.size()));
    for (const auto &[byte, owner] : bit_byte_owner)
        spans.push_back({byte, byte + 1, owner});
    std::sort(spans.begin(), spans.end(),
              [](const Span &a, const Span &b) { return a.from < b.from; });
    for (size_t i = 1; i < spans.size(); ++i)
        if (spans[i].from < spans[i - 1].to)
            fail(*spans[i].c, "fixed bytes [" + std::to_string(spans[i].from) + "," +
                                  std::to_string(spans[i].to) + ") overlap " +
                                  describe(*spans[i - 1].c));
    valid_ = true;
}

std::optional<size_t> fixed_data_end(const Layout &layout) {
    size_t end = 4;
    for (const PhysColumn &c : layout.columns) {
        if (c.leaf_offset <= 0)
            continue;
        const int size = c.is_dropped ? c.max_length : fixed_size(c);
        if (size <= 0)
            return std::nullopt;
        end = std::max(end, static_cast<size_t>(c.leaf_offset + size));
    }
    return end;
}

} // namespace dts::logrec
