#include "chunk_plan.hpp"

#include <algorithm>

namespace dts::chunks {

std::vector<Range> split(int64_t min_key, int64_t max_key, int64_t estimated_rows,
                         int64_t rows_per_chunk) {
    if (rows_per_chunk < 1)
        rows_per_chunk = 1;
    const int64_t count =
        std::clamp<int64_t>((estimated_rows + rows_per_chunk - 1) / rows_per_chunk, 1, 100000);
    if (count == 1 || max_key <= min_key)
        return {Range{}};
    // Width computed in unsigned arithmetic: max - min may exceed INT64_MAX.
    const uint64_t span = static_cast<uint64_t>(max_key) - static_cast<uint64_t>(min_key);
    const uint64_t width = std::max<uint64_t>(1, span / static_cast<uint64_t>(count) + 1);
    std::vector<Range> out;
    std::optional<int64_t> lower;
    for (uint64_t off = width; off <= span; off += width) {
        int64_t bound = static_cast<int64_t>(static_cast<uint64_t>(min_key) + off);
        out.push_back(Range{lower, bound});
        lower = bound;
        if (off > UINT64_MAX - width)
            break;
    }
    out.push_back(Range{lower, std::nullopt});
    return out;
}

bool integer_key_type(const std::string &t) {
    return t == "int" || t == "bigint" || t == "smallint" || t == "tinyint";
}

} // namespace dts::chunks
