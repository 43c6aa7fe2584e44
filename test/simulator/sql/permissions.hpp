// Object permissions: GRANT / DENY / REVOKE on a table or view, kept per database in
// "$db_permissions" and shown by sys.database_permissions (class 1, OBJECT_OR_COLUMN), and the
// check the statements that read or write a table make.
//
// The simulator's users are not given permissions one by one: what is not denied is allowed
// (as before object permissions existed, every user may do anything), so a GRANT is recorded
// and shown but decides nothing. A DENY binds like SQL Server's: it reaches a user directly,
// through a fixed database role the user is a member of, or through public; it never binds the
// database owner (dbo, which every sysadmin member is in each database) nor a sysadmin member.
// Members of db_denydatareader / db_denydatawriter are denied SELECT / INSERT, UPDATE, DELETE
// on every table. Not modelled: column permissions, schema and database permissions, the SELECT
// an UPDATE or DELETE with a WHERE clause needs, and ownership chains other than a view's own
// (all objects belong to dbo, so a view's base tables are never checked).
#pragma once

#include "catalog.hpp"
#include "sys_views.hpp"

#include <string>
#include <vector>

struct sqlite3;

namespace sim::sql {

// The sys.database_permissions type codes ("SL  ", ...) of a permission word of GRANT / DENY /
// REVOKE on a table or view (ALL: the ANSI-92 ones); throws for a word that names none.
std::vector<std::string> object_permission_types(const std::string &word);

// state: 'G' GRANT, 'W' GRANT WITH GRANT OPTION, 'D' DENY, 'R' REVOKE (removes the entry).
void set_object_permission(sqlite3 *db, int database_id, int object_id, const std::string &type,
                           int grantee, char state, int grantor);

// Throws error 229 when the database principal `principal` is denied `perm` (SELECT, INSERT,
// UPDATE or DELETE) on `t`. The caller leaves out sysadmin members and dbo.
void check_object_permission(sqlite3 *db, const TableMeta &t, const char *perm, int principal);

void add_permission_views(std::vector<SysView> &v);

} // namespace sim::sql
