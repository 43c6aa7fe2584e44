#include "row_cache.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

namespace dts::logrec {

namespace {
constexpr uint32_t kEmpty = 0, kTombstone = ~0u;
constexpr uint32_t kNull = ~0u; // the length that marks a NULL value
constexpr size_t kMinSlots = 1024;
constexpr size_t npos = static_cast<size_t>(-1);

void pack(std::string &out, std::string_view key, const changes::Values &row) {
    size_t n = key.size();
    for (const auto &v : row)
        n += 4 + (v ? v->size() : 0);
    out.resize(n); // keeps the capacity of an image it overwrites
    char *p = out.data();
    std::memcpy(p, key.data(), key.size());
    p += key.size();
    for (const auto &v : row) {
        const uint32_t len = v ? static_cast<uint32_t>(v->size()) : kNull;
        std::memcpy(p, &len, 4);
        p += 4;
        if (v) {
            std::memcpy(p, v->data(), v->size());
            p += v->size();
        }
    }
}

void unpack(std::string_view data, changes::Values &row) {
    row.clear();
    const char *p = data.data(), *end = data.data() + data.size();
    while (p < end) {
        uint32_t len;
        std::memcpy(&len, p, 4);
        p += 4;
        if (len == kNull) {
            row.emplace_back();
        } else {
            row.emplace_back(std::in_place, p, len);
            p += len;
        }
    }
}
} // namespace

std::string key_string(const changes::Values &key) {
    std::string out;
    for (const auto &v : key) {
        if (!v) {
            out += '\x02';
            continue;
        }
        // The length in 7-bit groups, low first, the high bit marking "more" (prefix-free: the
        // string parses back one way); one byte for the short values keys mostly hold.
        out += '\x01';
        for (size_t n = v->size();; n >>= 7) {
            out += static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
            if (n <= 0x7f)
                break;
        }
        out += *v;
    }
    return out;
}

uint64_t RowCache::hash(size_t table, std::string_view key) {
    uint64_t h = std::hash<std::string_view>{}(key) + table * 0x9e3779b97f4a7c15ull;
    h ^= h >> 33; // spread the table's bits into the low bits that pick the slot
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

size_t RowCache::footprint(std::string_view key, const changes::Values &row) {
    // The packed data, the entry and its share of the index.
    size_t n = key.size() + sizeof(Entry) + 4 * sizeof(Generation::Slot);
    for (const auto &v : row)
        n += 4 + (v ? v->size() : 0);
    return n;
}

size_t RowCache::Generation::slot_of(uint64_t h, size_t table, std::string_view key) const {
    if (slots.empty())
        return npos;
    const size_t mask = slots.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const auto [sh, s] = slots[i];
        if (s == kEmpty)
            return npos;
        if (s != kTombstone && sh == h) {
            const Entry &e = entries[s - 1];
            if (e.table == table && std::string_view(e.data).substr(0, e.key_size) == key)
                return i;
        }
    }
}

RowCache::Entry *RowCache::Generation::lookup(uint64_t h, size_t table, std::string_view key) {
    const size_t i = slot_of(h, table, key);
    return i == npos ? nullptr : &entries[slots[i].entry - 1];
}

size_t RowCache::stored(const Entry &e) {
    return footprint({}, {}) + e.data.size();
}

void RowCache::Generation::remove(size_t slot) {
    Entry &e = entries[slots[slot].entry - 1];
    bytes -= std::min(bytes, stored(e));
    e.live = false;
    std::string().swap(e.data);
    slots[slot].entry = kTombstone;
    --live;
}

void RowCache::Generation::place(uint64_t h, uint32_t entry) {
    const size_t mask = slots.size() - 1;
    size_t i = h & mask;
    while (slots[i].entry != kEmpty)
        i = (i + 1) & mask;
    slots[i] = {h, entry + 1};
    ++used;
}

void RowCache::Generation::make_room() {
    if ((used + 1) * 2 <= slots.size() && entries.size() + 1 < kTombstone)
        return;
    // At most a quarter full after the rebuild, so that the next one is far off.
    const size_t capacity = std::max(kMinSlots, std::bit_ceil((live + 1) * 4));
    std::vector<Entry> keep;
    keep.reserve(capacity / 2);
    for (Entry &e : entries)
        if (e.live)
            keep.push_back(std::move(e));
    entries = std::move(keep);
    slots.assign(capacity, Slot{});
    used = 0;
    for (size_t i = 0; i < entries.size(); ++i)
        place(entries[i].hash, static_cast<uint32_t>(i));
}

void RowCache::Generation::reset() {
    slots.clear();
    entries.clear();
    live = bytes = used = 0;
}

bool RowCache::find(size_t table, std::string_view key, changes::Values &row,
                    bool &format_shown) const {
    const uint64_t h = hash(table, key);
    for (const Generation *g : {&now_, &old_})
        if (const size_t i = g->slot_of(h, table, key); i != npos) {
            const Entry &e = g->entries[g->slots[i].entry - 1];
            unpack(std::string_view(e.data).substr(e.key_size), row);
            format_shown = e.format_shown;
            return true;
        }
    return false;
}

void RowCache::put(size_t table, std::string_view key, const Lsn &commit,
                   const changes::Values &row, bool format_shown) {
    const uint64_t h = hash(table, key);
    const size_t size = footprint(key, row);
    Entry *e = now_.lookup(h, table, key);
    if (!e && now_.bytes + size > max_bytes_ / 2) {
        old_ = std::move(now_); // the older generation goes
        now_.reset();
        ++rotations_;
    }
    if (!e) {
        now_.make_room();
        now_.entries.emplace_back();
        e = &now_.entries.back();
        e->hash = h;
        e->table = table;
        e->key_size = static_cast<uint32_t>(key.size());
        e->live = true;
        now_.place(h, static_cast<uint32_t>(now_.entries.size() - 1));
        ++now_.live;
    } else {
        now_.bytes -= std::min(now_.bytes, stored(*e));
    }
    e->commit = commit;
    e->format_shown = format_shown;
    pack(e->data, key, row);
    now_.bytes += size;
    if (max_commit_ < commit)
        max_commit_ = commit;
}

void RowCache::erase(size_t table, std::string_view key) {
    const uint64_t h = hash(table, key);
    for (Generation *g : {&now_, &old_})
        if (const size_t i = g->slot_of(h, table, key); i != npos)
            g->remove(i);
}

size_t RowCache::forget_from(const Lsn &from) {
    if (max_commit_ < from)
        return 0;
    size_t dropped = 0;
    auto drop = [&dropped](Generation &g, size_t slot) {
        ++dropped;
        g.remove(slot);
    };
    // A newer image that goes may have replaced one in between that was applied: the older
    // generation's image of that key is then stale, so the key becomes unknown.
    for (size_t i = 0; i < now_.slots.size(); ++i) {
        const uint32_t s = now_.slots[i].entry;
        if (s == kEmpty || s == kTombstone || now_.entries[s - 1].commit < from)
            continue;
        const Entry &e = now_.entries[s - 1];
        if (const size_t o =
                old_.slot_of(e.hash, e.table, std::string_view(e.data).substr(0, e.key_size));
            o != npos)
            drop(old_, o);
        drop(now_, i);
    }
    for (size_t i = 0; i < old_.slots.size(); ++i) {
        const uint32_t s = old_.slots[i].entry;
        if (s != kEmpty && s != kTombstone && !(old_.entries[s - 1].commit < from))
            drop(old_, i);
    }
    max_commit_ = from.prev();
    return dropped;
}

void RowCache::clear() {
    now_.reset();
    old_.reset();
}

} // namespace dts::logrec
