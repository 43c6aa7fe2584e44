// SQL Server's system compatibility views (sys.sysobjects, sysdatabases, syscolumns, sysindexes,
// sysaltfiles, sysusers): the SQL Server 2000 system tables as views over the catalogs, which old
// install scripts still query, also as dbo.name or plain name.
#pragma once

#include "sys_views.hpp"

#include <string>
#include <vector>

namespace sim::sql {

void add_compat_views(std::vector<SysView> &v);
// Whether `name` is a compatibility view, which an unqualified or dbo-qualified name reaches.
bool is_compat_view(const std::string &name);

} // namespace sim::sql
