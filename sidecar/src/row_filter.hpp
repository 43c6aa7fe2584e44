// Row filters (dts_set_filter) on changes read from the transaction log: which after-images
// satisfy a table's filter, asked of SQL Server (common/filter_probe) so that the filter keeps
// SQL Server's own semantics. CDC changes carry the answer in their change query instead
// (cdc_reader.cpp).
#pragma once

#include "apply_writer.hpp"

#include "change_batch.hpp"
#include "filter_probe.hpp"
#include "tds_connection.hpp"

#include <string>
#include <vector>

namespace sidecar {

// The columns a table's filter names, as the probe types them, and their positions in the
// table's apply columns.
struct FilterProbe {
    std::vector<dts::tsql::ProbeColumn> columns;
    std::vector<size_t> positions;
};

// Reads the types of the columns `t.filter` names from the source's catalog (connection in the
// table's database).
FilterProbe filter_probe(dts::tds::Connection &src, const std::string &schema,
                         const std::string &table, const TableChanges &t);

// Whether each row (values in t.columns order) satisfies t.filter, evaluated by SQL Server in
// queries of up to dts::tsql::kProbeRows rows. Errors name the table and the filter.
std::vector<bool> rows_inside(dts::tds::Connection &src, const TableChanges &t,
                              const FilterProbe &probe,
                              const std::vector<const dts::changes::Values *> &rows);

} // namespace sidecar
