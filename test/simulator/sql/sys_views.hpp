// Definitions of the sys.* and INFORMATION_SCHEMA views each simulated database exposes: their
// column names and SQL Server types (for result metadata) and their SQLite bodies.
#pragma once

#include "engine.hpp"

#include <string>
#include <vector>

namespace sim::sql {

struct ViewColumn {
    std::string name;
    SqlType type;
    bool nullable;
};

struct SysView {
    std::string schema; // "sys", "INFORMATION_SCHEMA", or "dbo" for msdb tables
    std::string name;
    std::vector<ViewColumn> columns;
    std::string body; // SQLite SELECT; "{D}" is replaced by the database_id, "{N}" by its name
    bool msdb_only = false;
};

const std::vector<SysView> &sys_views();
const SysView *find_sys_view(const std::string &schema, const std::string &name);

} // namespace sim::sql
