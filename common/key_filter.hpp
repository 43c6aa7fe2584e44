// A fixed-size filter of key hashes (a Bloom filter): answers "maybe" for every key added and,
// rarely, for one never added; never "no" for one added. The log reader marks the keys of a large
// transaction it has already staged, whatever the transaction's size, in constant memory: a false
// "maybe" only sends a row to be re-read from the source, which is always right.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dts {

class KeyFilter {
public:
    // `bits` is rounded up to a power of two (at least 64).
    explicit KeyFilter(size_t bits = size_t{1} << 23);
    void add(uint64_t hash);
    bool may_contain(uint64_t hash) const;

private:
    std::vector<uint64_t> words_;
    uint64_t mask_; // bit index mask
};

} // namespace dts
