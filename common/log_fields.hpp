// fn_dblog's textual identifier columns as numbers. Both have the form "hhhh:hhhhhhhh" (4 and 8
// hex digits, either case): [Page ID] "0001:0000022e" = file 1, page 0x22e; [Transaction ID]
// "0000:000002d6". The number is (first group << 32) | second group. Anything else: nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dts::logrec {

// [Page ID]: (file << 32) | page.
std::optional<uint64_t> parse_page_id(std::string_view text);
inline uint16_t page_file(uint64_t page_id) {
    return static_cast<uint16_t>(page_id >> 32);
}
inline uint32_t page_number(uint64_t page_id) {
    return static_cast<uint32_t>(page_id);
}
// [Transaction ID]: (high << 32) | low.
std::optional<uint64_t> parse_transaction_id(std::string_view text);

} // namespace dts::logrec
