#include "change_batch.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace dts::changes {

namespace {
// The final state of one key in the batch: its row (upsert) or nothing (delete).
struct Final {
    const Values *row = nullptr; // nullptr: the key is gone
    size_t order = 0;            // first time the key was seen: keeps the output stable
    bool fresh = false;
};

// Keys are looked up through pointers into the changes: nothing is copied per change.
struct KeyHash {
    size_t operator()(const Values *k) const {
        size_t h = k->size();
        for (const Value &v : *k)
            h = h * 1000003 ^ (v ? std::hash<std::string>{}(*v) : 0x9e3779b97f4a7c15ULL);
        return h;
    }
};
struct KeyEq {
    bool operator()(const Values *a, const Values *b) const { return *a == *b; }
};
} // namespace

void apply_filter(Change &&ch, bool inside, std::vector<Change> &out) {
    if (ch.op == Op::Delete || inside) {
        out.push_back(std::move(ch));
        return;
    }
    if (ch.op == Op::Insert)
        return;
    // An update leaving the filter: the key (the before image for whole-row tables) goes.
    Change del;
    del.commit_lsn = ch.commit_lsn;
    del.seqval = ch.seqval;
    del.op = Op::Delete;
    if (!ch.old_key.empty() && ch.old_key != ch.key) {
        del.key = std::move(ch.old_key);
        out.push_back(del);
    }
    del.key = std::move(ch.key);
    out.push_back(std::move(del));
}

Compacted compact(const std::vector<Change> &changes, const DmlSelection &dml) {
    std::unordered_map<const Values *, Final, KeyHash, KeyEq> finals;
    finals.reserve(changes.size());
    size_t order = 0;
    // The state of a key; `inserting`: the change that first meets the key inserts it.
    auto state = [&](const Values &key, bool inserting) -> Final & {
        auto [it, seen_first] = finals.try_emplace(&key);
        if (seen_first) {
            it->second.order = order++;
            it->second.fresh = inserting && dml.del;
        }
        return it->second;
    };
    for (const Change &c : changes) {
        switch (c.op) {
        case Op::Insert:
            if (!dml.insert)
                continue;
            state(c.key, true).row = &c.row;
            break;
        case Op::Update:
            if (!dml.update)
                continue;
            if (!c.old_key.empty() && c.old_key != c.key) {
                // The row moved: its old key is gone (a delete even when deletes are not
                // selected: the row itself still exists, under its new key).
                state(c.old_key, false).row = nullptr;
            }
            state(c.key, false).row = &c.row;
            break;
        case Op::Delete:
            if (!dml.del)
                continue;
            state(c.key, false).row = nullptr;
            break;
        }
    }
    std::vector<std::pair<const Values *, const Final *>> ordered;
    ordered.reserve(finals.size());
    for (const auto &kv : finals)
        ordered.emplace_back(kv.first, &kv.second);
    std::sort(ordered.begin(), ordered.end(),
              [](const auto &a, const auto &b) { return a.second->order < b.second->order; });
    Compacted out;
    out.changes_in = changes.size();
    for (const auto &[key, f] : ordered) {
        if (f->row)
            out.upserts.push_back({f->row, f->fresh});
        else
            out.deletes.push_back(key); // even when inserted in the batch: see Upsert::fresh
    }
    return out;
}

} // namespace dts::changes
