#include "nul_policy.hpp"

namespace dts::nul {

std::string strip(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v)
        if (c != '\0')
            out += c;
    return out;
}

std::string describe_key(const std::vector<std::string> &columns,
                         const std::vector<std::optional<std::string>> &values) {
    if (columns.empty())
        return "(no key)";
    std::string names, vals;
    for (size_t i = 0; i < columns.size(); ++i) {
        names += (i ? ", " : "") + columns[i];
        vals += i ? ", " : "";
        if (i >= values.size() || !values[i]) {
            vals += "NULL";
            continue;
        }
        for (char c : *values[i])
            if (c == '\0')
                vals += "\\0";
            else
                vals += c;
    }
    return "(" + names + ")=(" + vals + ")";
}

Error error(const std::string &task, const std::string &table, const std::string &column,
            const std::string &key) {
    return Error("22021",
                 "source table " + table + ": column \"" + column + "\" of the row with key " +
                     key + " holds a NUL character (0x00), which PostgreSQL strings cannot hold",
                 {},
                 "Remove it at the source, or let task \"" + task +
                     "\" drop NUL characters: SELECT dts_set_nul_policy('" + task +
                     "', 'strip'), then restart the task.");
}

} // namespace dts::nul
