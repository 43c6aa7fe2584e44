// The sidecar's periodic operations work, in a thread of its own so that it never delays copying
// or applying: evaluates the alert rules (dts_check_alerts()), refreshes the lag gauges, and posts
// new alert rows to --alert-webhook (one at a time, with a time limit, retried with backoff).
#pragma once

#include "full_load.hpp"
#include "options.hpp"

#include <atomic>

namespace sidecar {

// Runs until `shutdown`; every failure is logged and retried on the next round.
void run_operations(const Options &opts, const std::atomic<bool> &shutdown);

// A task's work stopped because the task was paused: records where it stopped (dts.events).
void note_paused(const Options &opts, const TaskRef &task);

} // namespace sidecar
