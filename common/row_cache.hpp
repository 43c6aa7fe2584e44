// The log reader's row cache: the last image of each key the log brought in earlier windows, so
// an update of a recently changed row is completed without asking the destination
// (docs/log-reader.md). Every change of the log is put here, so the layout is chosen for that:
// one open-addressing index per generation, and each row packed into one string with its key (a
// put is one allocation, or none when it overwrites an image that fits; a NULL and an empty
// string stay distinct). Rows are unpacked only when a lookup finds them. Two generations bound
// the memory: when the newer one is full, the older one goes.
#pragma once

#include "change_batch.hpp"
#include "lsn.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dts::logrec {

// A clustered key as one string, for the row cache and the reader's maps: each value
// length-prefixed, so that two different keys never give the same string whatever bytes their
// values hold (NULL and the empty string differ too).
std::string key_string(const changes::Values &key);

class RowCache {
public:
    // `max_bytes` bounds both generations together (keys and values, with a per-value overhead).
    explicit RowCache(size_t max_bytes) : max_bytes_(max_bytes) {}

    // The image of `key` in table `table` into `row`, and whether the record it came from was
    // shown to have the table layout's format (put's format_shown); false when the cache does not
    // know the key.
    bool find(size_t table, std::string_view key, changes::Values &row, bool &format_shown) const;
    // `row` is the image of `key` as of the transaction committed at `commit`. format_shown: the
    // row on the source's page has the layout's format (dts::logrec::patch_with_base). The cache
    // holds images of one layout only: a layout change starts a new reader, and a new cache.
    void put(size_t table, std::string_view key, const Lsn &commit, const changes::Values &row,
             bool format_shown);
    // The key's state is unknown (or the row is gone): later lookups ask elsewhere.
    void erase(size_t table, std::string_view key);
    // Drops the images of transactions committed at or after `from` (a window taken, not
    // applied); a key whose newer image goes is forgotten in both generations, since the image it
    // replaced may have been a later one than the older generation's.
    // Returns how many images went.
    size_t forget_from(const Lsn &from);
    void clear();
    // The hash the cache files (table, key) under; callers keeping sets of keys use it too.
    static uint64_t hash(size_t table, std::string_view key);
    size_t size() const { return now_.live + old_.live; }
    size_t older_size() const { return old_.live; } // images in the generation that goes next
    // How many times the newer generation became the older one (each drops the older's images).
    size_t rotations() const { return rotations_; }
    size_t bytes() const { return now_.bytes + old_.bytes; }

private:
    struct Entry {
        uint64_t hash = 0;
        size_t table = 0;
        Lsn commit;
        uint32_t key_size = 0;
        bool live = false;
        bool format_shown = false;
        std::string data; // the key, then the row: per value a 4-byte length (NULL: ~0u), bytes
    };
    struct Generation {
        // A slot holds an entry's index + 1 (0: empty, kTombstone: erased) beside its hash, which
        // a probe compares first: one cache line per probe, in an index far larger than the cache.
        struct Slot {
            uint64_t hash = 0;
            uint32_t entry = 0;
        };
        std::vector<Slot> slots;
        std::vector<Entry> entries;
        size_t live = 0, bytes = 0, used = 0; // used: slots not empty (live or tombstone)

        // The slot holding `key`'s entry, or npos.
        size_t slot_of(uint64_t h, size_t table, std::string_view key) const;
        Entry *lookup(uint64_t h, size_t table, std::string_view key);
        void remove(size_t slot); // and its bytes
        // Room for one more entry: rebuilds the index (dropping erased entries) when full.
        void make_room();
        void place(uint64_t h, uint32_t entry);
        void reset();
    };
    static size_t footprint(std::string_view key, const changes::Values &row);
    static size_t stored(const Entry &e); // footprint() of what `e` holds

    size_t max_bytes_;
    Generation now_, old_;
    Lsn max_commit_; // of the images held: forget_from() past it has nothing to do
    size_t rotations_ = 0;
};

} // namespace dts::logrec
