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

struct Upsert {
    const Values *row; // the full row to insert or overwrite
    // The key's first change in the batch inserted it: the key did not exist at the source
    // before, so a destination in step with the source does not have it either and a plain
    // INSERT will do (the apply engine falls back to an upsert when it does have it).
    bool fresh = false;
};

// Points into the changes given to compact(): valid as long as they are.
struct Compacted {
    std::vector<const Values *> deletes; // keys to delete
    std::vector<Upsert> upserts;
    size_t changes_in = 0; // for statistics
};

// Which operations a table takes (dts_set_dml); the others are dropped before compaction.
struct DmlSelection {
    bool insert = true, update = true, del = true;
};

// A table's row filter (dts_set_filter) on one change, given whether its after image satisfies
// the filter (`inside`; not asked for deletes): appends what the destination must get instead.
// An insert outside is dropped; an update that leaves the filter deletes the row (at its old key
// too when the update moved it); one inside stays an update, which upserts the full after image
// whether or not the row was inside before; deletes stay.
void apply_filter(Change &&ch, bool inside, std::vector<Change> &out);

// Changes must be in (commit_lsn, seqval) order. Keys are compared by value; NULL equals NULL.
// Nothing is fresh when deletes are not selected: the destination keeps keys the source deleted,
// and the source may insert them again.
Compacted compact(const std::vector<Change> &changes, const DmlSelection &dml = {});

} // namespace dts::changes
