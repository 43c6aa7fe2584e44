#include "change_batch.hpp"

#include <algorithm>
#include <map>

namespace dts::changes {

namespace {
// The final state of one key in the batch: its row (upsert) or nothing (delete).
struct Final {
    bool present = false;
    Values row;
    size_t order = 0; // first time the key was seen: keeps the output stable
};
} // namespace

Compacted compact(const std::vector<Change> &changes, const DmlSelection &dml) {
    std::map<Values, Final> finals;
    size_t order = 0;
    auto state = [&](const Values &key) -> Final & {
        auto [it, fresh] = finals.try_emplace(key);
        if (fresh)
            it->second.order = order++;
        return it->second;
    };
    for (const Change &c : changes) {
        switch (c.op) {
        case Op::Insert:
            if (!dml.insert)
                continue;
            state(c.key) = {true, c.row, state(c.key).order};
            break;
        case Op::Update:
            if (!dml.update)
                continue;
            if (!c.old_key.empty() && c.old_key != c.key) {
                // The row moved: its old key is gone (a delete even when deletes are not
                // selected: the row itself still exists, under its new key).
                Final &old = state(c.old_key);
                old.present = false;
                old.row.clear();
            }
            state(c.key) = {true, c.row, state(c.key).order};
            break;
        case Op::Delete:
            if (!dml.del)
                continue;
            {
                Final &f = state(c.key);
                f.present = false;
                f.row.clear();
            }
            break;
        }
    }
    Compacted out;
    out.changes_in = changes.size();
    std::vector<std::pair<size_t, const std::pair<const Values, Final> *>> ordered;
    ordered.reserve(finals.size());
    for (const auto &kv : finals)
        ordered.emplace_back(kv.second.order, &kv);
    std::sort(ordered.begin(), ordered.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &[o, kv] : ordered) {
        (void)o;
        if (kv->second.present)
            out.upserts.push_back(kv->second.row);
        else
            out.deletes.push_back(kv->first);
    }
    return out;
}

} // namespace dts::changes
