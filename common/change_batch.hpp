// A batch of row changes for one destination table, as the change readers (CDC, log) produce
// them, and its compaction before apply: within a batch the last change of a key decides, so a
// batch becomes at most one upsert or one delete per key, applied set-based. Pure, unit-tested.
#pragma once

#include "lsn.hpp"

#include <optional>
#include <string>
#include <vector>

namespace dts::changes {

using Value = std::optional<std::string>; // a column value as PostgreSQL input text; NULL
using Values = std::vector<Value>;

enum class Op : char {
    Insert = 'I',
    Update = 'U', // after image; old_key set when the update moved the row to another key
    Delete = 'D',
};

struct Change {
    Lsn commit_lsn; // of the source transaction
    Lsn seqval;     // order within the transaction (CDC __$seqval; log record LSN)
    Op op = Op::Insert;
    Values key;     // key column values (of the before image for deletes)
    Values row;     // every copied column (after image); empty for deletes
    Values old_key; // updates of key columns: the key the row had before
};

struct Compacted {
    std::vector<Values> deletes; // keys to delete
    std::vector<Values> upserts; // full rows to insert or overwrite
    size_t changes_in = 0;       // for statistics
};

// Which operations a table takes (dts_set_dml); the others are dropped before compaction.
struct DmlSelection {
    bool insert = true, update = true, del = true;
};

// Changes must be in (commit_lsn, seqval) order. Keys are compared by value; NULL equals NULL.
Compacted compact(const std::vector<Change> &changes, const DmlSelection &dml = {});

} // namespace dts::changes
