#include "kept_layouts.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace dts::logrec {
namespace {

constexpr std::string_view kMagic = "pg_dts-log-layouts-1";

// Every field as "<length>:<bytes> ": names and defaults may hold any byte.
void put(std::string &out, std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
    out += ' ';
}

void put(std::string &out, int64_t n) {
    put(out, std::to_string(n));
}

class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}
    std::string_view field() {
        const size_t colon = text_.find(':', at_);
        if (colon == std::string_view::npos)
            fail("a field");
        size_t len = 0;
        const auto [end, ec] = std::from_chars(text_.data() + at_, text_.data() + colon, len);
        if (ec != std::errc() || end != text_.data() + colon || colon == at_)
            fail("a field length");
        if (text_.size() - colon - 1 < len + 1 || text_[colon + 1 + len] != ' ')
            fail("a field of " + std::to_string(len) + " bytes");
        std::string_view v = text_.substr(colon + 1, len);
        at_ = colon + 2 + len;
        return v;
    }
    int64_t number() {
        const std::string_view f = field();
        int64_t n = 0;
        const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), n);
        if (ec != std::errc() || end != f.data() + f.size() || f.empty())
            fail("a number");
        return n;
    }
    int integer() {
        const int64_t n = number();
        if (n < INT32_MIN || n > INT32_MAX)
            fail("a 32-bit number");
        return static_cast<int>(n);
    }
    size_t count() {
        const int64_t n = number();
        if (n < 0 || static_cast<uint64_t>(n) > text_.size())
            fail("a count");
        return static_cast<size_t>(n);
    }
    bool done() const { return at_ == text_.size(); }
    [[noreturn]] void fail(const std::string &what) const {
        throw std::invalid_argument("kept log layouts: expected " + what + " at byte " +
                                    std::to_string(at_));
    }

private:
    std::string_view text_;
    size_t at_ = 0;
};

} // namespace

std::string encode_layouts(const KeptLayouts &kept) {
    std::string out;
    put(out, kMagic);
    put(out, static_cast<int64_t>(kept.size()));
    for (const auto &[table, units] : kept) {
        put(out, table);
        put(out, static_cast<int64_t>(units.size()));
        for (const auto &[unit, layout] : units) {
            put(out, unit);
            put(out, static_cast<int64_t>(layout.columns.size()));
            for (const PhysColumn &c : layout.columns) {
                put(out, c.name);
                for (int n :
                     {c.partition_column_id, c.leaf_offset, c.leaf_null_bit, c.leaf_bit_position,
                      static_cast<int>(c.is_dropped), static_cast<int>(c.is_uniqueifier),
                      static_cast<int>(c.is_nullable), static_cast<int>(c.is_sparse),
                      c.system_type_id, c.max_length, c.precision, c.scale, c.key_ordinal})
                    put(out, n);
                put(out, c.default_value ? 1 : 0);
                if (c.default_value)
                    put(out, *c.default_value);
                put(out, c.collation_name);
            }
        }
    }
    return out;
}

KeptLayouts decode_layouts(std::string_view text) {
    Reader r(text);
    if (r.field() != kMagic)
        r.fail(std::string(kMagic));
    KeptLayouts kept;
    for (size_t t = r.count(); t > 0; --t) {
        auto &units = kept[std::string(r.field())];
        for (size_t u = r.count(); u > 0; --u) {
            const int64_t unit = r.number();
            Layout &layout = units[unit];
            for (size_t n = r.count(); n > 0; --n) {
                PhysColumn c;
                c.name = r.field();
                c.partition_column_id = r.integer();
                c.leaf_offset = r.integer();
                c.leaf_null_bit = r.integer();
                c.leaf_bit_position = r.integer();
                c.is_dropped = r.integer() != 0;
                c.is_uniqueifier = r.integer() != 0;
                c.is_nullable = r.integer() != 0;
                c.is_sparse = r.integer() != 0;
                c.system_type_id = r.integer();
                c.max_length = r.integer();
                c.precision = r.integer();
                c.scale = r.integer();
                c.key_ordinal = r.integer();
                if (r.integer() != 0)
                    c.default_value = std::string(r.field());
                c.collation_name = r.field();
                layout.columns.push_back(std::move(c));
            }
        }
    }
    if (!r.done())
        r.fail("the end");
    return kept;
}

std::optional<std::string> layout_change(const Layout &older, const Layout &newer) {
    auto find = [&](int id) -> const PhysColumn * {
        for (const PhysColumn &c : newer.columns)
            if (c.partition_column_id == id)
                return &c;
        return nullptr;
    };
    int last_bit = 0, last_slot = 0;
    for (const PhysColumn &o : older.columns) {
        last_bit = std::max(last_bit, o.leaf_null_bit);
        if (o.leaf_offset < 0)
            last_slot = std::max(last_slot, -o.leaf_offset);
        const PhysColumn *n = find(o.partition_column_id);
        const std::string what = describe(o);
        if (!n)
            return what + " is gone (the table was rebuilt)";
        auto differs = [&](const char *field, auto x, auto y) -> std::optional<std::string> {
            if (x == y)
                return std::nullopt;
            return what + ": " + field + " " + std::to_string(x) + " became " + std::to_string(y);
        };
        const bool variable = o.leaf_offset < 0;
        for (auto d :
             {differs("offset", o.leaf_offset, n->leaf_offset),
              differs("NULL bit", o.leaf_null_bit, n->leaf_null_bit),
              differs("bit position", o.leaf_bit_position, n->leaf_bit_position),
              differs("type", o.system_type_id, n->system_type_id),
              variable ? std::nullopt : differs("length", o.max_length, n->max_length),
              differs("precision", o.precision, n->precision), differs("scale", o.scale, n->scale),
              differs("key ordinal", o.key_ordinal, n->key_ordinal),
              differs("uniquifier", o.is_uniqueifier, n->is_uniqueifier)})
            if (d)
                return d;
        if (o.is_dropped && !n->is_dropped)
            return what + " is no longer dropped";
        // The same place holding another of the table's columns (a rebuild renumbering what is
        // left after DROP COLUMN): records written before would give its values to the wrong
        // column. A new name no column had is a rename, which changes no byte.
        if (!o.is_dropped && !n->is_dropped && o.name != n->name) {
            auto live = [](const Layout &l, const std::string &name) {
                return std::any_of(l.columns.begin(), l.columns.end(), [&](const PhysColumn &c) {
                    return !c.is_dropped && c.name == name;
                });
            };
            if (live(older, n->name) || live(newer, o.name))
                return what + " is now column '" + n->name + "'";
        }
        if (o.collation_name != n->collation_name)
            return what + ": collation " + o.collation_name + " became " + n->collation_name;
        if (o.default_value != n->default_value)
            return what + ": the value of records written before it was added changed";
    }
    const auto end = fixed_data_end(older);
    if (!end)
        return std::string("the kept layout has a dropped column of unknown size");
    for (const PhysColumn &n : newer.columns) {
        bool known = false;
        for (const PhysColumn &o : older.columns)
            known = known || o.partition_column_id == n.partition_column_id;
        if (known)
            continue;
        if (n.leaf_null_bit <= last_bit ||
            (n.leaf_offset > 0 && static_cast<size_t>(n.leaf_offset) < *end) ||
            (n.leaf_offset < 0 && -n.leaf_offset <= last_slot))
            return describe(n) + " was added inside the row, not after its columns";
    }
    return std::nullopt;
}

} // namespace dts::logrec
