// Read access to the simulator's transaction log (the "$log" table the row triggers and commits
// write): what sys.fn_dblog and CDC capture are built on.
#pragma once

#include "engine.hpp"

#include <sqlite3.h>

#include <string>
#include <vector>

namespace sim::sql {

struct LogRecord {
    std::string lsn; // binary(10), big-endian: VLF, block, slot
    int database_id = 0;
    int64_t xact_id = 0;
    std::string operation; // LOP_BEGIN_XACT, LOP_INSERT_ROWS, LOP_DELETE_ROWS, LOP_MODIFY_ROW,
                           // LOP_COMMIT_XACT
    int object_id = 0;
    std::vector<Value> before, after; // full row images in column_id order
    std::string time;
};

// Records of one database with lsn > after_lsn (empty: from the start), in LSN order.
std::vector<LogRecord> read_log(sqlite3 *db, int database_id, const std::string &after_lsn = {},
                                size_t limit = 0);
// Decodes a row image written by the sim_row() SQL function.
std::vector<Value> decode_row(const std::string &image);
// "00000027:000001a8:0003"
std::string lsn_text(const std::string &lsn);

} // namespace sim::sql
