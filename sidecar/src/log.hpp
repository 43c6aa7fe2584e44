// Structured log lines: `ts=... level=... msg="..." key=value ...`, one event per line on stderr,
// so that journald and log shippers can parse them.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

namespace sidecar::log {

enum class Level { Debug, Info, Warning, Error };

void set_level(const std::string &name);
void write(Level level, const std::string &msg,
           std::initializer_list<std::pair<const char *, std::string>> fields = {});

inline void info(const std::string &msg,
                 std::initializer_list<std::pair<const char *, std::string>> f = {}) {
    write(Level::Info, msg, f);
}
inline void warning(const std::string &msg,
                    std::initializer_list<std::pair<const char *, std::string>> f = {}) {
    write(Level::Warning, msg, f);
}
inline void error(const std::string &msg,
                  std::initializer_list<std::pair<const char *, std::string>> f = {}) {
    write(Level::Error, msg, f);
}

} // namespace sidecar::log
