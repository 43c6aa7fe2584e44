#include "key_filter.hpp"

namespace dts {

namespace {

// Two bit positions from one hash: the hash itself and a remix of it (so hashes that differ
// only in their high bits still land apart).
uint64_t second(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

} // namespace

KeyFilter::KeyFilter(size_t bits) {
    size_t n = 64;
    while (n < bits)
        n <<= 1;
    words_.assign(n / 64, 0);
    mask_ = n - 1;
}

void KeyFilter::add(uint64_t hash) {
    for (uint64_t b : {hash & mask_, second(hash) & mask_})
        words_[b >> 6] |= uint64_t{1} << (b & 63);
}

bool KeyFilter::may_contain(uint64_t hash) const {
    for (uint64_t b : {hash & mask_, second(hash) & mask_})
        if (!(words_[b >> 6] & (uint64_t{1} << (b & 63))))
            return false;
    return true;
}

} // namespace dts
