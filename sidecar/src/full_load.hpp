// The full stage of one task: record the cutover LSN, plan every table into key-range chunks,
// copy the chunks in parallel (TDS -> COPY), each in one destination transaction together with
// its 'done' mark, then finish the tables and hand the task to the next stage.
#pragma once

#include "options.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace sidecar {

struct TaskRef {
    int64_t id = 0;
    std::string name;
};

// Polled between rows and chunks; true when the task was stopped or the sidecar is shutting down.
using StopCheck = std::function<bool()>;

// Returns true when the stage finished, false when it was stopped. Throws dts::Error; connection
// losses (source or destination) carry a class 08 SQLSTATE so the caller can retry them.
bool run_full_load(const Options &opts, const TaskRef &task, const StopCheck &stopped);

} // namespace sidecar
