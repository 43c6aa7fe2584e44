// Security principals and server configuration kept in the store: SQL logins made by CREATE
// LOGIN (besides the --login ones), database users, role memberships, and sp_configure values
// (configured and in use). Their catalog views: sys.server_principals, sys.sql_logins,
// sys.server_role_members, sys.database_principals, sys.database_role_members, sys.configurations.
#pragma once

#include "engine.hpp"
#include "sys_views.hpp"

#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace sim::sql {

void principals_bootstrap(sqlite3 *db, const ServerSettings &settings);

struct LoginOptions {
    std::optional<std::string> password;
    std::optional<std::string> default_database;
    std::optional<std::string> new_name;
    std::optional<bool> disabled;
};
void create_login(sqlite3 *db, const ServerSettings &settings, const std::string &name,
                  const LoginOptions &o);
void alter_login(sqlite3 *db, const ServerSettings &settings, const std::string &name,
                 const LoginOptions &o);
void drop_login(sqlite3 *db, const ServerSettings &settings, const std::string &name);
// A login as the store knows it (CREATE LOGIN, or --login with the server roles granted since);
// nullopt when unknown. Throws 18470 for a disabled one.
std::optional<LoginDef> find_login(sqlite3 *db, const std::string &name);

void create_user(sqlite3 *db, const ServerSettings &settings, int database_id,
                 const std::string &name, const std::string &login, const std::string &schema);
void alter_user(sqlite3 *db, int database_id, const std::string &name, const std::string &option,
                const std::string &value);
void drop_user(sqlite3 *db, int database_id, const std::string &name, bool if_exists);
void alter_role_member(sqlite3 *db, int database_id, const std::string &role,
                       const std::string &member, bool add);
void alter_server_role_member(sqlite3 *db, const ServerSettings &settings, const std::string &role,
                              const std::string &member, bool add);

struct ConfigRow {
    std::string name;
    int64_t minimum, maximum, value, value_in_use;
};
// sp_configure 'name', value: the option's full name and its configured value before.
std::pair<std::string, int64_t> config_set(sqlite3 *db, const std::string &name, int64_t value);
// sp_configure ['name']: the options shown (advanced ones after 'show advanced options' is 1).
std::vector<ConfigRow> config_list(sqlite3 *db, const std::optional<std::string> &name);
void config_reconfigure(sqlite3 *db);

void add_principal_views(std::vector<SysView> &v);

// USER_ID / DATABASE_PRINCIPAL_ID and SUSER_ID: principal ids by name (nullopt when unknown);
// the database user a login is mapped to.
std::optional<int> database_principal_id(sqlite3 *db, int database_id, const std::string &name);
std::optional<int> server_principal_id(sqlite3 *db, const std::string &name);
std::optional<int> user_of_login(sqlite3 *db, int database_id, const std::string &login);

} // namespace sim::sql
