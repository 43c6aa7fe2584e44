// The incremental stage from SQL Server CDC: per source database, read every capture instance of
// the task's tables from the checkpoint (or the full stage's cutover) up to
// sys.fn_cdc_get_max_lsn(), merge them in (commit LSN, seqval, operation) order, group whole source
// transactions into batches and hand them to the apply engine. Runs until stopped.
#pragma once

#include "full_load.hpp"

namespace sidecar {

// Returns when stopped (false). Throws dts::Error; connection losses carry class 08.
bool run_cdc_incremental(const Options &opts, const TaskRef &task, const StopCheck &stopped);

} // namespace sidecar
