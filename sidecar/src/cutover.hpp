// Where a task's change stream starts and resumes: the full stage's cutover LSN, and the
// incremental checkpoint that takes over from it. The checkpoint is the truth: once the
// incremental stage began, its absence is an error, never a reset.
#pragma once

#include "full_load.hpp"
#include "pg_connection.hpp"
#include "source_settings.hpp"

#include <string>
#include <vector>

namespace sidecar {

// Records the end of the source's log (and, for log capture, the oldest open transaction's begin)
// as the cutover of `db`, unless the task has one. Refuses when the task copied rows already:
// a cutover recorded after them would skip the changes made in between.
void record_cutover(PgConnection &pg, const TaskRef &task, const SourceSettings &src,
                    const std::string &db);

// Makes the incremental checkpoint of every database durable before the first change is read:
// from the cutover (tasks without a full stage record it now: they start at the current end of
// the log). Throws when the stage began before and a checkpoint is missing.
void start_incremental(PgConnection &pg, const TaskRef &task, const SourceSettings &src,
                       const std::vector<std::string> &databases);

} // namespace sidecar
