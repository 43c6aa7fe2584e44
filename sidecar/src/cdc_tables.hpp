// The CDC side of a task's tables in one source database: which capture instances hold their
// changes from which LSN, which columns each captures, and how a table's rows are applied. Also
// the source-side changes the incremental stage makes on its own: a new capture instance after
// ALTER TABLE adds columns, CDC on a table created at the source that joins the task.
#pragma once

#include "apply_writer.hpp"
#include "full_load.hpp"
#include "pg_connection.hpp"
#include "row_filter.hpp"

#include "capture_verdict.hpp"
#include "lsn.hpp"
#include "tds_connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sidecar {

struct CaptureInstance {
    std::string name;
    int64_t change_table = 0;         // cdc.change_tables.object_id
    dts::Lsn start;                   // cdc.change_tables.start_lsn
    std::vector<std::string> columns; // captured columns
    std::vector<int> ordinals;        // their column_ordinal (bit in __$update_mask)
};

enum class TableKind { Synced, Heartbeat, DdlHistory };

struct CdcTable {
    TableKind kind = TableKind::Synced;
    // Captured from the transaction log (dts.tables.capture = 'log'; the log-mode heartbeat
    // table), not by a capture instance.
    bool log = false;
    std::string schema, table;
    std::vector<CaptureInstance> instances; // oldest first
    std::optional<dts::Lsn> read_from;      // joined during the incremental stage: read from here
    int64_t object_id = 0;                  // the source table's (captured tables)
    // The capture instances the reader last read from (dts.tables.capture_seen; nullopt: none
    // kept yet), and the position after which CDC was found disabled (capture_lost_after).
    std::optional<std::vector<dts::capture::Seen>> seen;
    std::optional<dts::Lsn> lost_after;
    TableChanges apply; // destination side (Synced); columns = destination's
    // Whole-row tables: columns of large types ((max), xml, text/ntext/image), whose unchanged
    // values CDC leaves out of update before-images.
    std::vector<std::string> large_columns;
    // Log-captured tables with a row filter: the columns the filter names, typed for the probe.
    FilterProbe probe;
};

// The task's tables in database `db`, plus pg_dts's heartbeat and DDL history tables when CDC
// tracks them (log mode: the heartbeat table dbo.dts_log_heart_beat, read from the log). A table
// captured with CDC may have no capture instance (disabled at the source): the reader's capture
// check reports it. Tables stopped by that check (dts.tables.incremental_error), and tables the
// task's selection no longer takes (dts_remove_objects on a stopped task), are left out.
std::vector<CdcTable> load_cdc_tables(PgConnection &pg, dts::tds::Connection &src,
                                      const TaskRef &task, const std::string &db);

// How a source table is named in messages, events and kept state: db.schema.table.
inline std::string source_table_name(const std::string &db, const std::string &schema,
                                     const std::string &table) {
    return db + "." + schema + "." + table;
}

// An LSN as query_text() returns binary(10): bytea's \x hex text. nullopt for NULL or other text.
std::optional<dts::Lsn> lsn_from_text(const std::optional<std::string> &text);

// The instances as dts.tables.capture_seen keeps them.
std::vector<dts::capture::Seen> seen_of(const std::vector<CaptureInstance> &instances);

// Capture instances of one source table, oldest first (empty: not tracked).
std::vector<CaptureInstance> capture_instances(dts::tds::Connection &src, const std::string &schema,
                                               const std::string &table);

// The columns of `t` that capture instance `ci` delivers, as t.apply with only those columns
// (a column added at the destination before its capture instance exists is left untouched).
TableChanges columns_for(const CdcTable &t, const CaptureInstance &ci);

// Columns of the destination table that the source table has but capture instance `ci` does not
// capture (created with @captured_column_list): changes read through it would leave them NULL or
// at their default. Asks the source only when `ci` misses some destination column.
std::vector<std::string> uncaptured_columns(dts::tds::Connection &src, const CdcTable &t,
                                            const CaptureInstance &ci);

// After ALTER TABLE at `position`: when the newest capture instance misses source columns,
// creates one that captures them all (dropping the oldest of two first, which `position` must
// have passed). Returns whether the changes after `position` came through an instance without
// all columns (one was created here, or the user created it after the DDL): then only a copy
// brings the new columns' values.
bool refresh_capture_instance(dts::tds::Connection &src, const CdcTable &t,
                              const dts::Lsn &position);

// CDC on a table created at the source (idempotent); returns the capture start LSN.
dts::Lsn enable_capture(PgConnection &pg, dts::tds::Connection &src, const TaskRef &task,
                        const std::string &db, const std::string &schema, const std::string &table);

} // namespace sidecar
