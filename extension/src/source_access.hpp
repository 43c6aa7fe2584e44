// Who may send T-SQL to a pg_dts foreign server outside the FDW, and with which connection
// settings: superusers, the server's owner, and (where allowed) dts_admin members holding a user
// mapping for it.
#pragma once

#include "fdw_catalog.hpp"

#include <string>

namespace pgdts {

struct SourceServer {
    Oid oid = InvalidOid;
    std::string name;
};

// The pg_dts server of that name; errors when it is missing, of another wrapper, or the current
// user may not use it this way.
SourceServer source_server(const std::string &name, bool allow_dts_admin);

} // namespace pgdts
