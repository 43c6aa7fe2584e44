// NUL (0x00) is legal in SQL Server strings (NCHAR(0)) and in no PostgreSQL string: COPY refuses
// it. A task's nul_policy decides: 'fail' (the default) stops the task with the table, key and
// column named; 'strip' drops the NUL characters. Pure, unit-tested.
#pragma once

#include "error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dts::nul {

inline bool contains(std::string_view v) {
    return v.find('\0') != std::string_view::npos;
}
std::string strip(std::string_view v);

// "(a, b)=(1, x\0y)": a key for messages, NUL shown as \0; "(no key)" when there is none.
std::string describe_key(const std::vector<std::string> &columns,
                         const std::vector<std::optional<std::string>> &values);

// The error of nul_policy 'fail' (22021).
Error error(const std::string &task, const std::string &table, const std::string &column,
            const std::string &key);

} // namespace dts::nul
