// Sends a batch of whole source transactions to the extension's apply engine (docs/apply.md):
// one destination transaction holding the staged rows of every table and the checkpoint.
#pragma once

#include "pg_connection.hpp"

#include "change_batch.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sidecar {

struct TableChanges {
    std::string target;                // quoted destination table
    std::vector<std::string> columns;  // destination columns, in the rows' order
    std::vector<size_t> key_positions; // positions of the key columns in `columns`; empty:
                                       // no key (whole-row apply)
    dts::changes::DmlSelection dml;
    std::vector<dts::changes::Change> changes; // in (commit LSN, seqval) order
};

struct Batch {
    int64_t task_id = 0;
    std::string source_db;
    dts::Lsn first_commit, last_commit;
    size_t transactions = 0;
    std::vector<TableChanges> tables;
};

// Applies the batch. False when the apply engine reports it applied already (nothing changes).
bool apply_batch(PgConnection &pg, const Batch &batch);

} // namespace sidecar
