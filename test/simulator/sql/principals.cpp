#include "principals.hpp"

#include "errors.hpp"
#include "sqlite_db.hpp"

#include <strings.h>

namespace sim::sql {

namespace {

SqlType T(TypeId id, int32_t len = 0) {
    SqlType t;
    t.id = id;
    t.length = len;
    return t;
}
const SqlType kInt = T(TypeId::Int), kBit = T(TypeId::Bit), kName = T(TypeId::NVarChar, 128),
              kType1 = T(TypeId::Char, 1), kDesc = T(TypeId::NVarChar, 60),
              kDate = T(TypeId::DateTime), kSid = T(TypeId::VarBinary, 85),
              kVariant = T(TypeId::SqlVariant);

const char *const kServerRoles[] = {"sysadmin",     "securityadmin", "serveradmin", "setupadmin",
                                    "processadmin", "diskadmin",     "dbcreator",   "bulkadmin"};
// Fixed database roles with their documented principal_id.
const std::pair<const char *, int> kDbRoles[] = {
    {"db_owner", 16384},      {"db_accessadmin", 16385},    {"db_securityadmin", 16386},
    {"db_ddladmin", 16387},   {"db_backupoperator", 16389}, {"db_datareader", 16390},
    {"db_datawriter", 16391}, {"db_denydatareader", 16392}, {"db_denydatawriter", 16393}};

struct ConfigDef {
    int id;
    const char *name;
    int64_t minimum, maximum, deflt;
    bool dynamic, advanced;
};
const ConfigDef kConfigs[] = {
    {101, "recovery interval (min)", 0, 32767, 0, true, true},
    {117, "remote access", 0, 1, 1, false, false},
    {518, "show advanced options", 0, 1, 0, true, false},
    {1538, "cost threshold for parallelism", 0, 32767, 5, true, true},
    {1539, "max degree of parallelism", 0, 32767, 0, true, true},
    {1543, "min server memory (MB)", 0, 2147483647, 0, true, true},
    {1544, "max server memory (MB)", 128, 2147483647, 2147483647, true, true},
    {1562, "clr enabled", 0, 1, 0, true, false},
    {1568, "default trace enabled", 0, 1, 1, true, true},
    {1576, "remote admin connections", 0, 1, 0, true, false},
    {1579, "backup compression default", 0, 1, 0, true, false},
    {16384, "Agent XPs", 0, 1, 0, true, true},
    {16390, "xp_cmdshell", 0, 1, 0, true, true},
    {16391, "Ad Hoc Distributed Queries", 0, 1, 0, true, true},
    {16396, "contained database authentication", 0, 1, 0, true, false},
};

bool cli_login(const ServerSettings &settings, const std::string &name) {
    for (const auto &l : settings.logins)
        if (strcasecmp(l.name.c_str(), name.c_str()) == 0)
            return true;
    return false;
}

bool stored_login(sqlite3 *db, const std::string &name) {
    Stmt q(db, "SELECT 1 FROM \"$logins\" WHERE name = ?");
    q.bind(1, name);
    return q.step();
}

bool login_exists(sqlite3 *db, const ServerSettings &settings, const std::string &name) {
    return cli_login(settings, name) || stored_login(db, name);
}

std::optional<int> user_id(sqlite3 *db, int database_id, const std::string &name) {
    for (const auto &[n, id] : {std::pair<const char *, int>{"dbo", 1}, {"guest", 2}})
        if (strcasecmp(n, name.c_str()) == 0)
            return id;
    Stmt q(db, "SELECT principal_id FROM \"$db_users\" WHERE database_id = ? AND name = ?");
    q.bind(1, database_id).bind(2, name);
    if (q.step())
        return static_cast<int>(q.int_col(0));
    return std::nullopt;
}

int64_t config_value(sqlite3 *db, int id, bool in_use, int64_t deflt) {
    Stmt q(db, in_use ? "SELECT value_in_use FROM \"$configurations\" WHERE configuration_id = ?"
                      : "SELECT value FROM \"$configurations\" WHERE configuration_id = ?");
    q.bind(1, id);
    return q.step() ? q.int_col(0) : deflt;
}

// sp_configure matches an option by a unique prefix of its name; advanced options only while
// 'show advanced options' is in use.
const ConfigDef *find_config(sqlite3 *db, const std::string &name) {
    const bool advanced = config_value(db, 518, true, 0) == 1;
    const ConfigDef *found = nullptr;
    int matches = 0;
    for (const auto &c : kConfigs) {
        if (c.advanced && !advanced)
            continue;
        if (strcasecmp(c.name, name.c_str()) == 0)
            return &c;
        if (strncasecmp(c.name, name.c_str(), name.size()) == 0) {
            found = &c;
            ++matches;
        }
    }
    if (matches == 1)
        return found;
    if (matches > 1)
        throw sql_error(15125, 1, 16,
                        "More than one configuration option matches '" + name +
                            "'. Be more specific.");
    throw sql_error(15123, 1, 16,
                    "The configuration option '" + name +
                        "' does not exist, or it may be an advanced option.");
}

std::string config_values_sql() {
    std::string v;
    for (const auto &c : kConfigs) {
        v += v.empty() ? "VALUES " : ", ";
        v += "(" + std::to_string(c.id) + ", " + ql(c.name) + ", " + std::to_string(c.minimum) +
             ", " + std::to_string(c.maximum) + ", " + std::to_string(c.deflt) + ", " +
             (c.dynamic ? "1" : "0") + ", " + (c.advanced ? "1" : "0") + ")";
    }
    return v;
}

} // namespace

void principals_bootstrap(sqlite3 *db, const ServerSettings &settings) {
    exec(db, "CREATE TABLE IF NOT EXISTS \"$logins\"(principal_id INTEGER PRIMARY KEY, name TEXT "
             "COLLATE SIM_CI UNIQUE, password TEXT, default_database TEXT, is_disabled INTEGER "
             "DEFAULT 0, from_command_line INTEGER DEFAULT 0, create_date TEXT, modify_date "
             "TEXT);"
             "CREATE TABLE IF NOT EXISTS \"$server_role_members\"(role TEXT COLLATE SIM_CI, "
             "member TEXT COLLATE SIM_CI, PRIMARY KEY(role, member));"
             "CREATE TABLE IF NOT EXISTS \"$db_users\"(database_id INTEGER, principal_id "
             "INTEGER, name TEXT COLLATE SIM_CI, login TEXT COLLATE SIM_CI, default_schema TEXT, "
             "create_date TEXT, modify_date TEXT, PRIMARY KEY(database_id, principal_id));"
             "CREATE TABLE IF NOT EXISTS \"$db_role_members\"(database_id INTEGER, role_id "
             "INTEGER, member_id INTEGER, PRIMARY KEY(database_id, role_id, member_id));"
             "CREATE TABLE IF NOT EXISTS \"$configurations\"(configuration_id INTEGER PRIMARY "
             "KEY, value INTEGER, value_in_use INTEGER)");
    // The --login logins as the catalogs list them (sa is principal 1).
    for (const auto &l : settings.logins) {
        Stmt up(db, "INSERT INTO \"$logins\"(principal_id, name, password, default_database, "
                    "from_command_line, create_date, modify_date) VALUES (CASE WHEN ?1 = 'sa' "
                    "THEN 1 ELSE (SELECT MAX(256, COALESCE(MAX(principal_id), 0) + 1) FROM "
                    "\"$logins\") END, ?1, ?2, ?3, 1, sim_now(), sim_now()) ON CONFLICT(name) DO "
                    "UPDATE SET password = ?2, from_command_line = 1");
        up.bind(1, l.name).bind(2, l.password).bind(3, l.default_database);
        up.step();
        if (l.sysadmin) {
            Stmt r(db, "INSERT OR IGNORE INTO \"$server_role_members\" VALUES ('sysadmin', ?)");
            r.bind(1, l.name);
            r.step();
        }
    }
}

void create_login(sqlite3 *db, const ServerSettings &settings, const std::string &name,
                  const LoginOptions &o) {
    if (login_exists(db, settings, name))
        throw sql_error(15025, 1, 16, "The server principal '" + name + "' already exists.");
    Stmt ins(db,
             "INSERT INTO \"$logins\"(principal_id, name, password, default_database, "
             "is_disabled, create_date, modify_date) SELECT MAX(256, COALESCE(MAX(principal_id), "
             "0) + 1), ?, ?, ?, ?, sim_now(), sim_now() FROM \"$logins\"");
    ins.bind(1, name).bind(2, o.password.value_or(""));
    ins.bind(3, o.default_database.value_or("master")).bind(4, o.disabled.value_or(false) ? 1 : 0);
    ins.step();
}

void alter_login(sqlite3 *db, const ServerSettings &settings, const std::string &name,
                 const LoginOptions &o) {
    if (!login_exists(db, settings, name))
        throw sql_error(15151, 1, 16,
                        "Cannot alter the login '" + name +
                            "', because it does not exist or you do not have permission.");
    auto set = [&](const char *col, const Value &v) {
        Stmt up(db, std::string("UPDATE \"$logins\" SET ") + col +
                        " = ?, modify_date = sim_now() WHERE name = ?");
        up.bind(1, v).bind(2, name);
        up.step();
    };
    if (o.password)
        set("password", Value::text(*o.password));
    if (o.default_database)
        set("default_database", Value::text(*o.default_database));
    if (o.disabled)
        set("is_disabled", Value::integer(*o.disabled ? 1 : 0));
    if (o.new_name) {
        set("name", Value::text(*o.new_name));
        Stmt r(db, "UPDATE \"$server_role_members\" SET member = ? WHERE member = ?");
        r.bind(1, *o.new_name).bind(2, name);
        r.step();
    }
}

void drop_login(sqlite3 *db, const ServerSettings &settings, const std::string &name) {
    if (!stored_login(db, name) || cli_login(settings, name))
        throw sql_error(15151, 1, 16,
                        "Cannot drop the login '" + name +
                            "', because it does not exist or you do not have permission.");
    for (const char *sql : {"DELETE FROM \"$logins\" WHERE name = ?",
                            "DELETE FROM \"$server_role_members\" WHERE member = ?"}) {
        Stmt d(db, sql);
        d.bind(1, name);
        d.step();
    }
}

std::optional<LoginDef> find_login(sqlite3 *db, const std::string &name) {
    Stmt q(db, "SELECT name, password, default_database, is_disabled, EXISTS (SELECT 1 FROM "
               "\"$server_role_members\" WHERE role = 'sysadmin' AND member = l.name) FROM "
               "\"$logins\" l WHERE name = ?");
    q.bind(1, name);
    if (!q.step())
        return std::nullopt;
    if (q.int_col(3))
        throw sql_error(18470, 1, 14,
                        "Login failed for user '" + name + "'. Reason: The account is disabled.");
    LoginDef l;
    l.name = q.text_col(0);
    l.password = q.text_col(1);
    l.default_database = q.text_col(2);
    l.sysadmin = q.int_col(4) != 0;
    return l;
}

void create_user(sqlite3 *db, const ServerSettings &settings, int database_id,
                 const std::string &name, const std::string &login, const std::string &schema) {
    if (user_id(db, database_id, name) || strcasecmp(name.c_str(), "public") == 0)
        throw sql_error(15023, 1, 16,
                        "User, group, or role '" + name +
                            "' already exists in the current database.");
    if (!login.empty()) {
        if (!login_exists(db, settings, login))
            throw sql_error(15007, 1, 16,
                            "'" + login + "' is not a valid login or you do not have permission.");
        Stmt q(db, "SELECT 1 FROM \"$db_users\" WHERE database_id = ? AND login = ?");
        q.bind(1, database_id).bind(2, login);
        if (q.step() || strcasecmp(login.c_str(), "sa") == 0)
            throw sql_error(15063, 1, 16,
                            "The login already has an account under a different user name.");
    }
    Stmt ins(db, "INSERT INTO \"$db_users\" SELECT ?1, MAX(5, COALESCE(MAX(principal_id), 0) + "
                 "1), ?2, ?3, ?4, sim_now(), sim_now() FROM \"$db_users\" WHERE database_id = ?1");
    ins.bind(1, database_id).bind(2, name);
    if (login.empty())
        ins.bind(3, Value::null());
    else
        ins.bind(3, login);
    ins.bind(4, schema);
    ins.step();
}

void alter_user(sqlite3 *db, int database_id, const std::string &name, const std::string &option,
                const std::string &value) {
    auto id = user_id(db, database_id, name);
    if (!id || *id < 5)
        throw sql_error(15151, 1, 16,
                        "Cannot alter the user '" + name +
                            "', because it does not exist or you do not have permission.");
    const char *col = option == "NAME" ? "name" : option == "LOGIN" ? "login" : "default_schema";
    Stmt up(db, std::string("UPDATE \"$db_users\" SET ") + col +
                    " = ?, modify_date = sim_now() WHERE database_id = ? AND principal_id = ?");
    up.bind(1, value).bind(2, database_id).bind(3, *id);
    up.step();
}

void drop_user(sqlite3 *db, int database_id, const std::string &name, bool if_exists) {
    auto id = user_id(db, database_id, name);
    if (!id || *id < 5) {
        if (if_exists && !id)
            return;
        throw sql_error(15151, 1, 16,
                        "Cannot drop the user '" + name +
                            "', because it does not exist or you do not have permission.");
    }
    for (const char *sql :
         {"DELETE FROM \"$db_users\" WHERE database_id = ? AND principal_id = ?",
          "DELETE FROM \"$db_role_members\" WHERE database_id = ? AND member_id = ?"}) {
        Stmt d(db, sql);
        d.bind(1, database_id).bind(2, *id);
        d.step();
    }
}

void alter_role_member(sqlite3 *db, int database_id, const std::string &role,
                       const std::string &member, bool add) {
    int role_id = 0;
    for (const auto &[n, id] : kDbRoles)
        if (strcasecmp(n, role.c_str()) == 0)
            role_id = id;
    if (!role_id)
        throw sql_error(15151, 1, 16,
                        "Cannot alter the role '" + role +
                            "', because it does not exist or you do not have permission.");
    auto id = user_id(db, database_id, member);
    if (!id)
        throw sql_error(15151, 1, 16,
                        "Cannot " + std::string(add ? "add" : "drop") + " the principal '" +
                            member + "', because it does not exist or you do not have permission.");
    Stmt up(db, add ? "INSERT OR IGNORE INTO \"$db_role_members\" VALUES (?, ?, ?)"
                    : "DELETE FROM \"$db_role_members\" WHERE database_id = ? AND role_id = ? AND "
                      "member_id = ?");
    up.bind(1, database_id).bind(2, role_id).bind(3, *id);
    up.step();
}

void alter_server_role_member(sqlite3 *db, const ServerSettings &settings, const std::string &role,
                              const std::string &member, bool add) {
    bool known = false;
    for (const char *r : kServerRoles)
        known = known || strcasecmp(r, role.c_str()) == 0;
    if (!known)
        throw sql_error(15151, 1, 16,
                        "Cannot alter the server role '" + role +
                            "', because it does not exist or you do not have permission.");
    if (!login_exists(db, settings, member))
        throw sql_error(15151, 1, 16,
                        "Cannot " + std::string(add ? "add" : "drop") + " the principal '" +
                            member + "', because it does not exist or you do not have permission.");
    std::string r = role;
    for (auto &c : r)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Stmt up(db, add ? "INSERT OR IGNORE INTO \"$server_role_members\" VALUES (?, ?)"
                    : "DELETE FROM \"$server_role_members\" WHERE role = ? AND member = ?");
    up.bind(1, r).bind(2, member);
    up.step();
}

std::pair<std::string, int64_t> config_set(sqlite3 *db, const std::string &name, int64_t value) {
    const ConfigDef *c = find_config(db, name);
    if (value < c->minimum || value > c->maximum)
        throw sql_error(15129, 1, 16,
                        "'" + std::to_string(value) +
                            "' is not a valid value for configuration "
                            "option '" +
                            c->name + "'.");
    const int64_t before = config_value(db, c->id, false, c->deflt);
    Stmt up(db, "INSERT INTO \"$configurations\" VALUES (?1, ?2, ?3) ON CONFLICT"
                "(configuration_id) DO UPDATE SET value = ?2");
    up.bind(1, c->id).bind(2, value).bind(3, c->deflt);
    up.step();
    return {c->name, before};
}

std::vector<ConfigRow> config_list(sqlite3 *db, const std::optional<std::string> &name) {
    std::vector<ConfigRow> out;
    const ConfigDef *only = name ? find_config(db, *name) : nullptr;
    const bool advanced = config_value(db, 518, true, 0) == 1;
    std::vector<const ConfigDef *> shown;
    for (const auto &c : kConfigs)
        if ((only && &c == only) || (!only && (advanced || !c.advanced)))
            shown.push_back(&c);
    std::sort(shown.begin(), shown.end(), [](const ConfigDef *a, const ConfigDef *b) {
        return strcasecmp(a->name, b->name) < 0;
    });
    for (const ConfigDef *c : shown)
        out.push_back({c->name, c->minimum, c->maximum, config_value(db, c->id, false, c->deflt),
                       config_value(db, c->id, true, c->deflt)});
    return out;
}

void config_reconfigure(sqlite3 *db) {
    // Static options ('remote access') take effect at the next restart: the simulator has no
    // such effect to wait for, so RECONFIGURE installs every configured value.
    exec(db, "UPDATE \"$configurations\" SET value_in_use = value");
}

std::optional<int> database_principal_id(sqlite3 *db, int database_id, const std::string &name) {
    for (const auto &[n, id] :
         {std::pair<const char *, int>{"public", 0}, {"INFORMATION_SCHEMA", 3}, {"sys", 4}})
        if (strcasecmp(n, name.c_str()) == 0)
            return id;
    for (const auto &[n, id] : kDbRoles)
        if (strcasecmp(n, name.c_str()) == 0)
            return id;
    return user_id(db, database_id, name);
}

std::optional<int> server_principal_id(sqlite3 *db, const std::string &name) {
    int id = 3;
    for (const char *r : kServerRoles) {
        if (strcasecmp(r, name.c_str()) == 0)
            return id;
        ++id;
    }
    if (strcasecmp(name.c_str(), "public") == 0)
        return 2;
    Stmt q(db, "SELECT principal_id FROM \"$logins\" WHERE name = ?");
    q.bind(1, name);
    if (q.step())
        return static_cast<int>(q.int_col(0));
    return std::nullopt;
}

std::optional<int> user_of_login(sqlite3 *db, int database_id, const std::string &login) {
    Stmt q(db, "SELECT principal_id FROM \"$db_users\" WHERE database_id = ? AND login = ?");
    q.bind(1, database_id).bind(2, login);
    if (q.step())
        return static_cast<int>(q.int_col(0));
    return std::nullopt;
}

void add_principal_views(std::vector<SysView> &v) {
    const std::string roles_sql = [] {
        std::string s;
        int id = 3;
        for (const char *r : kServerRoles) {
            s += " UNION ALL SELECT " + ql(r) + ", " + std::to_string(id) + ", CAST(char(" +
                 std::to_string(id) +
                 ") AS BLOB), 'R', 'SERVER_ROLE', 0, '2003-04-08 09:10:42.2870000', "
                 "'2003-04-08 09:10:42.2870000', NULL";
            ++id;
        }
        return s;
    }();
    std::string server_role_id = "CASE m.role";
    {
        int id = 3;
        for (const char *r : kServerRoles)
            server_role_id += " WHEN " + ql(r) + " THEN " + std::to_string(id++);
        server_role_id += " END";
    }
    v.push_back({"sys",
                 "server_principals",
                 {{"name", kName, false},
                  {"principal_id", kInt, false},
                  {"sid", kSid, true},
                  {"type", kType1, false},
                  {"type_desc", kDesc, true},
                  {"is_disabled", kBit, true},
                  {"create_date", kDate, false},
                  {"modify_date", kDate, false},
                  {"default_database_name", kName, true}},
                 "SELECT name, principal_id, CASE WHEN principal_id = 1 THEN x'01' ELSE "
                 "zeroblob(15) || CAST(char(principal_id % 256) AS BLOB) END AS sid, 'S' AS type, "
                 "'SQL_LOGIN' AS type_desc, is_disabled, create_date, modify_date, "
                 "default_database AS default_database_name FROM \"$logins\" UNION ALL SELECT "
                 "'public', 2, x'02', 'R', 'SERVER_ROLE', 0, '2003-04-08 09:10:42.2870000', "
                 "'2003-04-08 09:10:42.2870000', NULL" +
                     roles_sql});
    v.push_back({"sys",
                 "sql_logins",
                 {{"name", kName, false},
                  {"principal_id", kInt, false},
                  {"type", kType1, false},
                  {"type_desc", kDesc, true},
                  {"is_disabled", kBit, true},
                  {"create_date", kDate, false},
                  {"modify_date", kDate, false},
                  {"default_database_name", kName, true},
                  {"is_policy_checked", kBit, true},
                  {"is_expiration_checked", kBit, true}},
                 "SELECT name, principal_id, 'S' AS type, 'SQL_LOGIN' AS type_desc, is_disabled, "
                 "create_date, modify_date, default_database AS default_database_name, 0 AS "
                 "is_policy_checked, 0 AS is_expiration_checked FROM \"$logins\""});
    v.push_back({"sys",
                 "server_role_members",
                 {{"role_principal_id", kInt, false}, {"member_principal_id", kInt, false}},
                 "SELECT " + server_role_id +
                     " AS role_principal_id, l.principal_id AS "
                     "member_principal_id FROM \"$server_role_members\" m JOIN \"$logins\" l ON "
                     "l.name = m.member"});
    std::string db_roles;
    for (const auto &[n, id] : kDbRoles)
        db_roles += " UNION ALL SELECT " + ql(n) + ", " + std::to_string(id) +
                    ", 'R', 'DATABASE_ROLE', NULL, '2003-04-08 09:10:42.2870000', '2003-04-08 "
                    "09:10:42.2870000', 1, NULL, 1";
    v.push_back({"sys",
                 "database_principals",
                 {{"name", kName, false},
                  {"principal_id", kInt, false},
                  {"type", kType1, false},
                  {"type_desc", kDesc, true},
                  {"default_schema_name", kName, true},
                  {"create_date", kDate, false},
                  {"modify_date", kDate, false},
                  {"owning_principal_id", kInt, true},
                  {"sid", kSid, true},
                  {"is_fixed_role", kBit, false}},
                 "SELECT name, principal_id, type, type_desc, default_schema_name, create_date, "
                 "modify_date, owning_principal_id, sid, is_fixed_role FROM (SELECT 'public' AS "
                 "name, 0 AS principal_id, 'R' AS type, 'DATABASE_ROLE' AS type_desc, NULL AS "
                 "default_schema_name, '2003-04-08 09:10:42.2870000' AS create_date, '2003-04-08 "
                 "09:10:42.2870000' AS modify_date, 1 AS owning_principal_id, NULL AS sid, 0 AS "
                 "is_fixed_role UNION ALL SELECT 'dbo', 1, 'S', 'SQL_USER', 'dbo', "
                 "'2003-04-08 09:10:42.2870000', '2003-04-08 09:10:42.2870000', NULL, x'01', 0 "
                 "UNION ALL SELECT 'guest', 2, 'S', 'SQL_USER', 'guest', '2003-04-08 "
                 "09:10:42.2870000', '2003-04-08 09:10:42.2870000', NULL, x'00', 0 UNION ALL "
                 "SELECT 'INFORMATION_SCHEMA', 3, 'S', 'SQL_USER', NULL, '2009-04-13 "
                 "12:59:11.0970000', '2009-04-13 12:59:11.0970000', NULL, NULL, 0 UNION ALL "
                 "SELECT 'sys', 4, 'S', 'SQL_USER', NULL, '2009-04-13 12:59:11.0970000', "
                 "'2009-04-13 12:59:11.0970000', NULL, NULL, 0 UNION ALL SELECT u.name, "
                 "u.principal_id, 'S', 'SQL_USER', u.default_schema, u.create_date, "
                 "u.modify_date, NULL, CASE WHEN l.principal_id = 1 THEN x'01' WHEN "
                 "l.principal_id IS NULL THEN NULL ELSE zeroblob(15) || CAST(char(l.principal_id "
                 "% 256) AS BLOB) END, 0 FROM \"$db_users\" u LEFT JOIN \"$logins\" l ON l.name "
                 "= u.login WHERE u.database_id = {D}" +
                     db_roles + ")"});
    v.push_back({"sys",
                 "database_role_members",
                 {{"role_principal_id", kInt, false}, {"member_principal_id", kInt, false}},
                 "SELECT role_id AS role_principal_id, member_id AS member_principal_id FROM "
                 "\"$db_role_members\" WHERE database_id = {D} UNION ALL SELECT 16384, 1"});
    v.push_back({"sys",
                 "configurations",
                 {{"configuration_id", kInt, false},
                  {"name", T(TypeId::NVarChar, 35), false},
                  {"value", kVariant, true},
                  {"minimum", kVariant, true},
                  {"maximum", kVariant, true},
                  {"value_in_use", kVariant, true},
                  {"description", T(TypeId::NVarChar, 255), false},
                  {"is_dynamic", kBit, false},
                  {"is_advanced", kBit, false}},
                 "SELECT d.column1 AS configuration_id, d.column2 AS name, COALESCE(c.value, "
                 "d.column5) AS value, d.column3 AS minimum, d.column4 AS maximum, "
                 "COALESCE(c.value_in_use, d.column5) AS value_in_use, d.column2 AS description, "
                 "d.column6 AS is_dynamic, d.column7 AS is_advanced FROM (" +
                     config_values_sql() +
                     ") d LEFT JOIN \"$configurations\" c ON c.configuration_id = d.column1"});
}

} // namespace sim::sql
