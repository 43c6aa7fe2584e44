#include "log_fields.hpp"

namespace dts::logrec {

namespace {

// Exactly "hhhh:hhhhhhhh".
std::optional<uint64_t> hex_4_8(std::string_view t) {
    if (t.size() != 13 || t[4] != ':')
        return std::nullopt;
    uint64_t v = 0;
    for (size_t i = 0; i < t.size(); ++i) {
        if (i == 4)
            continue;
        const char c = t[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return std::nullopt;
        v = v << 4 | static_cast<uint64_t>(d);
    }
    return v;
}

} // namespace

std::optional<uint64_t> parse_page_id(std::string_view text) {
    return hex_4_8(text);
}

std::optional<uint64_t> parse_transaction_id(std::string_view text) {
    return hex_4_8(text);
}

} // namespace dts::logrec
