#include "copy_text.hpp"

namespace dts::copy {

void append_field(std::string &out, std::string_view value) {
    size_t start = 0;
    for (size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        const char *esc = nullptr;
        switch (c) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            continue;
        }
        out.append(value.data() + start, i - start);
        out += esc;
        start = i + 1;
    }
    out.append(value.data() + start, value.size() - start);
}

} // namespace dts::copy
