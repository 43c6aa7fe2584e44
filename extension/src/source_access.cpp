#include "source_access.hpp"

#include "pg_boundary.hpp"

extern "C" {
#include "catalog/pg_authid.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

namespace pgdts {

SourceServer source_server(const std::string &name, bool allow_dts_admin) {
    ForeignServer *fs =
        pg_call([](const char *n) { return GetForeignServerByName(n, true); }, name.c_str());
    if (!fs)
        throw dts::Error("42704", "server \"" + name + "\" does not exist", {},
                         "CREATE SERVER ... FOREIGN DATA WRAPPER pg_dts defines a SQL Server.");
    std::string handler = pg_call(
        [](Oid fdw) -> const char * {
            ForeignDataWrapper *w = GetForeignDataWrapper(fdw);
            const char *n = OidIsValid(w->fdwhandler) ? get_func_name(w->fdwhandler) : nullptr;
            return n ? n : "";
        },
        fs->fdwid);
    if (handler != "dts_fdw_handler")
        throw dts::Error("HV00A", "server \"" + name + "\" is not a pg_dts server", {},
                         "T-SQL goes only to servers of the pg_dts foreign data wrapper.");
    bool allowed = pg_call(
        [](Oid owner, Oid server, bool admin_ok) {
            if (superuser() || owner == GetUserId())
                return true;
            if (!admin_ok)
                return false;
            Oid admin = get_role_oid("dts_admin", true);
            return OidIsValid(admin) && has_privs_of_role(GetUserId(), admin) &&
                   pg_foreign_server_aclcheck(server, GetUserId(), ACL_USAGE) == ACLCHECK_OK;
        },
        fs->owner, fs->serverid, allow_dts_admin);
    if (!allowed)
        throw dts::Error(
            "42501", "permission denied to run T-SQL on server \"" + name + "\"", {},
            allow_dts_admin
                ? "Superusers, the server's owner, and dts_admin members with USAGE on the "
                  "server may."
                : "Only superusers and the owner of the server may call dts_source_exec().");
    return {fs->serverid, name};
}

} // namespace pgdts
