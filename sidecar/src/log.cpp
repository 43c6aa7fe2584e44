#include "log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sidecar::log {

namespace {
Level g_level = Level::Info;
std::mutex g_mutex;

const char *name_of(Level l) {
    switch (l) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warning:
        return "warning";
    case Level::Error:
        return "error";
    }
    return "info";
}

// Quotes a value when it has spaces, quotes or '=' so a line stays machine-splittable.
std::string quoted(const std::string &v) {
    if (!v.empty() && v.find_first_of(" \"=\t\n") == std::string::npos)
        return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c == '\n' ? ' ' : c;
    }
    return out + '"';
}
} // namespace

void set_level(const std::string &name) {
    g_level = name == "debug"     ? Level::Debug
              : name == "warning" ? Level::Warning
              : name == "error"   ? Level::Error
                                  : Level::Info;
}

void write(Level level, const std::string &msg,
           std::initializer_list<std::pair<const char *, std::string>> fields) {
    if (level < g_level)
        return;
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[80];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms.count()));
    std::string line = std::string("ts=") + ts + " level=" + name_of(level) + " msg=" + quoted(msg);
    for (const auto &[k, v] : fields)
        line += std::string(" ") + k + "=" + quoted(v);
    std::lock_guard lock(g_mutex);
    std::fprintf(stderr, "%s\n", line.c_str());
}

} // namespace sidecar::log
