// The physical row layout of a log-captured source table, per allocation unit of its clustered
// index, as the source's catalog shows it now (sys.system_internals_partition_columns): what the
// log reader decodes row images with, and what the full stage keeps at its cutover so that a
// reader starting behind DDL run during the copy decodes the records before it with the layout
// they were written with.
#pragma once

#include "log_layout.hpp"
#include "tds_connection.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace sidecar {

// Why a table is not read from the log, and what to do instead (errors' hint).
inline constexpr const char *kLogRefuseHint =
    "Capture it with CDC (incremental_mode hybrid or cdc).";

// By allocation unit. Throws dts::Error naming `source_name` for a table the log reader cannot
// decode (no layout, no clustered index, compressed).
std::map<int64_t, dts::logrec::Layout> read_table_layouts(dts::tds::Connection &src,
                                                          const std::string &schema,
                                                          const std::string &table,
                                                          const std::string &source_name);

} // namespace sidecar
