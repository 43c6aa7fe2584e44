#include "capture_verdict.hpp"

#include <algorithm>
#include <charconv>

namespace dts::capture {

Verdict judge(const std::vector<Seen> &known, const std::vector<Seen> &current, const Lsn &next,
              const std::optional<Lsn> &read_from, bool lost_before) {
    if (current.empty())
        return Verdict::Disabled;
    if (lost_before)
        return Verdict::Lost;
    const Lsn needed = read_from && next < *read_from ? *read_from : next;
    // An instance the reader knew that still exists has captured every change since it started
    // (cleanup only trims its oldest rows, which the retention check reports).
    const bool covered = std::any_of(current.begin(), current.end(), [&](const Seen &c) {
        return std::any_of(known.begin(), known.end(), [&](const Seen &k) {
            return k.change_table == c.change_table && k.start <= needed;
        });
    });
    if (!covered)
        return Verdict::Lost;
    auto ids = [](const std::vector<Seen> &v) {
        std::vector<int64_t> out;
        for (const auto &s : v)
            out.push_back(s.change_table);
        std::sort(out.begin(), out.end());
        return out;
    };
    return ids(known) == ids(current) ? Verdict::Same : Verdict::Reload;
}

std::string to_text(const Seen &s) {
    return std::to_string(s.change_table) + "@" + s.start.to_log_string();
}

std::optional<Seen> from_text(const std::string &text) {
    const auto at = text.find('@');
    if (at == std::string::npos || at == 0)
        return std::nullopt;
    Seen s;
    auto [p, ec] = std::from_chars(text.data(), text.data() + at, s.change_table);
    if (ec != std::errc() || p != text.data() + at)
        return std::nullopt;
    auto l = Lsn::parse(std::string_view(text).substr(at + 1));
    if (!l)
        return std::nullopt;
    s.start = *l;
    return s;
}

} // namespace dts::capture
