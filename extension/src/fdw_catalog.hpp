// What the FDW reads from PostgreSQL's catalogs: which SQL Server table a foreign table is, and
// how to connect for a (server, user) pair. All calls into PostgreSQL go through pg_call().
#pragma once

#include "pg_prelude.hpp"

#include "fdw_options.hpp"
#include "tds_connection.hpp"

#include <string>

extern "C" {
#include "nodes/pg_list.h"
}

namespace pgdts {

struct SourceTable {
    Oid server_oid = InvalidOid;
    std::string server_name;
    std::string database; // empty: the server's database
    std::string schema, table;
    std::string filter; // T-SQL search condition every scan applies (table option "filter")
};

struct ConnectionSettings {
    dts::tds::ServerOptions server;
    dts::tds::Credentials credentials;
};

SourceTable source_table(Oid relid);
// A table's filter is T-SQL its owner wrote; it runs with the source login of the querying role,
// so only when the owner already has that role's rights (superusers do). Throws 42501 otherwise.
void require_filter_author_rights(const SourceTable &t, Oid table_owner, Oid user,
                                  const char *relname);
std::string column_remote_name(Oid relid, int attnum);
ConnectionSettings connection_settings(Oid server_oid, Oid user_oid);
dts::fdw::OptionList to_list_public(List *options);

// Exclusive use of a cached connection for (server, user) while the lease lives. Connections are
// opened on first use, reused across queries, dropped when the server or user mapping changes,
// and closed at backend exit.
class ConnectionLease {
public:
    ConnectionLease(Oid server_oid, Oid user_oid);
    ~ConnectionLease();
    ConnectionLease(const ConnectionLease &) = delete;
    ConnectionLease &operator=(const ConnectionLease &) = delete;
    dts::tds::Connection &get();

private:
    void *slot_ = nullptr;
};
void install_connection_cache();

} // namespace pgdts
