// Splitting a table into key ranges for a parallel, resumable full load. Pure, unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dts::chunks {

struct Range {
    std::optional<int64_t> lower; // key >= lower; nullopt: unbounded
    std::optional<int64_t> upper; // key <  upper; nullopt: unbounded
};

// Ranges covering every possible key: the first is open below, the last open above, so rows
// inserted outside [min_key, max_key] while the copy runs are not missed. About `rows_per_chunk`
// rows each when the keys are spread evenly; one range when the table is small or empty.
std::vector<Range> split(int64_t min_key, int64_t max_key, int64_t estimated_rows,
                         int64_t rows_per_chunk);

// Whether a sys.types name is an integer type that split() can range over.
bool integer_key_type(const std::string &type_name);

} // namespace dts::chunks
