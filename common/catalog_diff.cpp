#include "catalog_diff.hpp"

#include <algorithm>
#include <charconv>

namespace dts::ddl {

namespace {
bool has(const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

void put(std::string &out, std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
}

void put_list(std::string &out, const std::vector<std::string> &v) {
    put(out, std::to_string(v.size()));
    for (const auto &s : v)
        put(out, s);
}

struct Reader {
    std::string_view text;
    size_t pos = 0;

    std::string get() {
        const size_t colon = text.find(':', pos);
        size_t n = 0;
        if (colon == std::string_view::npos ||
            std::from_chars(text.data() + pos, text.data() + colon, n).ptr != text.data() + colon ||
            colon == pos || n > text.size() - colon - 1)
            throw std::invalid_argument("catalog snapshot: malformed field at byte " +
                                        std::to_string(pos));
        pos = colon + 1 + n;
        return std::string(text.substr(colon + 1, n));
    }
    std::vector<std::string> get_list() {
        const std::string count = get();
        size_t n = 0;
        if (std::from_chars(count.data(), count.data() + count.size(), n).ptr !=
                count.data() + count.size() ||
            count.empty() || n > text.size())
            throw std::invalid_argument("catalog snapshot: malformed count before byte " +
                                        std::to_string(pos));
        std::vector<std::string> out;
        for (size_t i = 0; i < n; ++i)
            out.push_back(get());
        return out;
    }
};
} // namespace

std::string encode_catalog(const Catalog &c) {
    std::string out;
    for (const auto &[key, t] : c) {
        put(out, t.schema);
        put(out, t.table);
        put_list(out, t.columns);
        put_list(out, t.indexes);
    }
    return out;
}

Catalog decode_catalog(std::string_view text) {
    Catalog out;
    Reader r{text};
    while (r.pos < text.size()) {
        CatalogTable t;
        t.schema = r.get();
        t.table = r.get();
        t.columns = r.get_list();
        t.indexes = r.get_list();
        out[t.schema + "." + t.table] = std::move(t);
    }
    return out;
}

std::vector<Event> diff(const Catalog &before, const Catalog &after) {
    std::vector<Event> out;
    for (const auto &[key, b] : before)
        if (!after.count(key))
            out.push_back({"DROP_TABLE", b.schema, b.table, ""});
    for (const auto &[key, a] : after) {
        auto it = before.find(key);
        if (it == before.end()) {
            out.push_back({"CREATE_TABLE", a.schema, a.table, ""});
            continue;
        }
        const CatalogTable &b = it->second;
        if (a.columns != b.columns)
            out.push_back({"ALTER_TABLE", a.schema, a.table, ""});
        for (const auto &i : b.indexes)
            if (!has(a.indexes, i))
                out.push_back({"DROP_INDEX", a.schema, i, a.table});
        for (const auto &i : a.indexes)
            if (!has(b.indexes, i))
                out.push_back({"CREATE_INDEX", a.schema, i, a.table});
    }
    return out;
}

} // namespace dts::ddl
