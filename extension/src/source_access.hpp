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

// The connection settings for work done for a pg_dts task whose owner is `owner`: the owner's
// user mapping (or PUBLIC), whoever runs it — the owner (or a member of it), the sidecar's login
// (a dts_sidecar member) or a superuser. So the schema stage, the precheck and DDL applied by the
// sidecar reach the source as the task's own login, never as the caller's; the credentials stay
// inside the backend. Errors name the task's owner and the grant or mapping missing.
ConnectionSettings task_connection_settings(const std::string &server, const std::string &owner);

} // namespace pgdts
