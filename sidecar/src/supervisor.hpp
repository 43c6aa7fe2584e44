// The daemon loop: LISTENs on channel dts_task, re-reads the running tasks on every notification
// (and every --poll-seconds), runs each task's current stage in its own thread, stops the threads
// of tasks that were stopped, and retries connection failures within the task's retry window.
#pragma once

#include "options.hpp"

#include <atomic>

namespace sidecar {

// Runs until `shutdown` becomes true (SIGTERM/SIGINT); then stops every task's work at a chunk
// boundary (an unfinished chunk is rolled back) and returns.
int supervise(const Options &opts, const std::atomic<bool> &shutdown);

} // namespace sidecar
