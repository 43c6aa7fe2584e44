#include "source_access.hpp"

#include "pg_boundary.hpp"

extern "C" {
#include "catalog/pg_authid.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace pgdts {

namespace {

ForeignServer *pg_dts_server(const std::string &name) {
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
    return fs;
}

bool member_of(Oid role, const char *group) {
    return pg_call(
        [](Oid r, const char *g) {
            Oid id = get_role_oid(g, true);
            return OidIsValid(id) && has_privs_of_role(r, id);
        },
        role, group);
}

std::string ident(const std::string &name) {
    return pg_call([](const char *n) { return quote_identifier(n); }, name.c_str());
}

} // namespace

SourceServer source_server(const std::string &name, bool allow_dts_admin) {
    ForeignServer *fs = pg_dts_server(name);
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

ConnectionSettings task_connection_settings(const std::string &server, const std::string &owner) {
    ForeignServer *fs = pg_dts_server(server);
    Oid owner_oid = pg_call([](const char *n) { return get_role_oid(n, true); }, owner.c_str());
    if (!OidIsValid(owner_oid))
        throw dts::Error(
            "42704", "the task's owner \"" + owner + "\" no longer exists", {},
            "A superuser gives the task a new owner: UPDATE dts.tasks SET owner = ...");
    const Oid caller = pg_call([]() { return GetUserId(); });
    const bool allowed =
        pg_call([](Oid c, Oid o) { return superuser_arg(c) || has_privs_of_role(c, o); }, caller,
                owner_oid) ||
        member_of(caller, "dts_sidecar");
    if (!allowed)
        throw dts::Error(
            "42501",
            "permission denied: role \"" +
                std::string(pg_call([](Oid c) { return GetUserNameFromId(c, false); }, caller)) +
                "\" may not reach the source as role \"" + owner + "\" (owner of the task)",
            {},
            "Only the task's owner (or a member of it), the sidecar's login (a "
            "dts_sidecar member) and superusers act for a task.");
    if (pg_call([](Oid s, Oid o) { return pg_foreign_server_aclcheck(s, o, ACL_USAGE); },
                fs->serverid, owner_oid) != ACLCHECK_OK)
        throw dts::Error(
            "42501", "the task's owner \"" + owner + "\" has no USAGE on server \"" + server + "\"",
            {}, "GRANT USAGE ON FOREIGN SERVER " + ident(server) + " TO " + ident(owner) + ";");
    const bool mapped = pg_call(
        [](Oid s, Oid o) {
            return SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(o),
                                         ObjectIdGetDatum(s)) ||
                   SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
                                         ObjectIdGetDatum(s));
        },
        fs->serverid, owner_oid);
    if (!mapped)
        throw dts::Error("42704",
                         "no user mapping for the task's owner \"" + owner + "\" on server \"" +
                             server + "\"",
                         {},
                         "CREATE USER MAPPING FOR " + ident(owner) + " SERVER " + ident(server) +
                             " OPTIONS (user '...', password '...');");
    return connection_settings(fs->serverid, owner_oid);
}

} // namespace pgdts
