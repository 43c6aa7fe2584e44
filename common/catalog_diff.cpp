#include "catalog_diff.hpp"

#include <algorithm>

namespace dts::ddl {

namespace {
bool has(const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}
} // namespace

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
