// The one error type that pure C++ code throws. The PostgreSQL boundary (extension) turns it into
// ereport(ERROR) with the same SQLSTATE; the sidecar logs it. No PostgreSQL headers here.
#pragma once

#include <stdexcept>
#include <string>

namespace dts {

struct Error : std::runtime_error {
    // Five-character SQLSTATE, e.g. "08001" (cannot connect), "42P01" (undefined table).
    std::string sqlstate;
    std::string detail;
    std::string hint;

    Error(std::string state, const std::string &message, std::string detail_text = {},
          std::string hint_text = {})
        : std::runtime_error(message), sqlstate(std::move(state)), detail(std::move(detail_text)),
          hint(std::move(hint_text)) {}
};

} // namespace dts
