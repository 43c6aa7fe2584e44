// One HTTP POST of a JSON body (libcurl), with a hard time limit: the alert thread calls it, never
// the threads that copy or apply.
#pragma once

#include <optional>
#include <string>

namespace sidecar {

// Posts `json` to `url`. nullopt on a 2xx answer; otherwise what went wrong (connection error,
// timeout, or the HTTP status), for the retry and the log.
std::optional<std::string> post_json(const std::string &url, const std::string &json,
                                     long timeout_ms);

} // namespace sidecar
