// PostgreSQL COPY text format: one line per row, tab-separated, \N for NULL, backslash escapes
// for the characters that would end a field or a row. Pure, unit-tested.
#pragma once

#include <string>
#include <string_view>

namespace dts::copy {

// Appends `value` escaped as one COPY text field.
void append_field(std::string &out, std::string_view value);
inline void append_null(std::string &out) {
    out += "\\N";
}

} // namespace dts::copy
