// The FDW's option validator and the lookup of server / user-mapping / table options.
#include "fdw_catalog.hpp"

#include "pg_boundary.hpp"

extern "C" {
#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

DTS_SQL_FUNCTION(dts_fdw_validator)

namespace pgdts {

namespace {
dts::fdw::OptionList to_list(List *options) {
    dts::fdw::OptionList out;
    ListCell *cell;
    foreach (cell, options) {
        auto *def = static_cast<DefElem *>(lfirst(cell));
        const char *value = pg_call([](DefElem *d) { return defGetString(d); }, def);
        out.emplace_back(def->defname, value);
    }
    return out;
}
} // namespace

dts::fdw::OptionList to_list_public(List *options) {
    return to_list(options);
}

SourceTable source_table(Oid relid) {
    SourceTable t;
    ForeignTable *ft = pg_call([](Oid r) { return GetForeignTable(r); }, relid);
    ForeignServer *fs = pg_call([](Oid s) { return GetForeignServer(s); }, ft->serverid);
    t.server_oid = ft->serverid;
    t.server_name = fs->servername;
    for (const auto &[k, v] : to_list(ft->options)) {
        if (k == "schema_name")
            t.schema = v;
        if (k == "table_name")
            t.table = v;
        if (k == "database_name")
            t.database = v;
        if (k == "filter")
            t.filter = v;
    }
    if (t.schema.empty())
        t.schema = "dbo";
    if (t.table.empty())
        t.table = pg_call([](Oid r) { return get_rel_name(r); }, relid);
    return t;
}

void require_filter_author_rights(const SourceTable &t, Oid table_owner, Oid user,
                                  const char *relname) {
    if (t.filter.empty() || user == table_owner ||
        pg_call([](Oid o, Oid u) { return has_privs_of_role(o, u); }, table_owner, user))
        return;
    auto name = [](Oid role) {
        return std::string(pg_call([](Oid r) { return GetUserNameFromId(r, false); }, role));
    };
    const std::string owner = name(table_owner), querying = name(user);
    throw dts::Error("42501",
                     "foreign table \"" + std::string(relname) +
                         "\" has a filter written by role \"" + owner +
                         "\", which may not run with the source login of role \"" + querying + "\"",
                     {},
                     "Query it as " + owner + ", or let a role with the rights of " + querying +
                         " (or a superuser) own the table.");
}

std::string column_remote_name(Oid relid, int attnum) {
    List *opts =
        pg_call([](Oid r, int a) { return GetForeignColumnOptions(r, static_cast<AttrNumber>(a)); },
                relid, attnum);
    for (const auto &[k, v] : to_list(opts))
        if (k == "column_name")
            return v;
    return pg_call([](Oid r, int a) { return get_attname(r, static_cast<AttrNumber>(a), false); },
                   relid, attnum);
}

ConnectionSettings connection_settings(Oid server_oid, Oid user_oid) {
    ForeignServer *fs = pg_call([](Oid s) { return GetForeignServer(s); }, server_oid);
    UserMapping *um =
        pg_call([](Oid u, Oid s) { return GetUserMapping(u, s); }, user_oid, server_oid);
    ConnectionSettings c;
    c.server = dts::fdw::server_options(fs->servername, to_list(fs->options));
    c.credentials = dts::fdw::credentials(fs->servername, to_list(um->options));
    return c;
}

} // namespace pgdts

Datum dts_fdw_validator(PG_FUNCTION_ARGS) {
    return pgdts::pg_entry([&]() -> Datum {
        Datum raw = PG_GETARG_DATUM(0);
        Oid catalog = PG_GETARG_OID(1);
        List *options = pgdts::pg_call([](Datum d) { return untransformRelOptions(d); }, raw);
        using dts::fdw::OptionContext;
        OptionContext where = catalog == ForeignServerRelationId  ? OptionContext::Server
                              : catalog == UserMappingRelationId  ? OptionContext::UserMapping
                              : catalog == ForeignTableRelationId ? OptionContext::Table
                              : catalog == AttributeRelationId    ? OptionContext::Column
                                                                  : OptionContext::Wrapper;
        for (const auto &[name, value] : pgdts::to_list_public(options))
            dts::fdw::validate_option(where, name, value);
        PG_RETURN_VOID();
    });
}
