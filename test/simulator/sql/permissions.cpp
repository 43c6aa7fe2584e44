#include "permissions.hpp"

#include "errors.hpp"
#include "sqlite_db.hpp"

#include <strings.h>

namespace sim::sql {

namespace {

struct PermissionDef {
    const char *name, *type;
};
// Tables and views; ALL grants, denies or revokes every one of them.
const PermissionDef kObjectPermissions[] = {{"SELECT", "SL  "},
                                            {"INSERT", "IN  "},
                                            {"UPDATE", "UP  "},
                                            {"DELETE", "DL  "},
                                            {"REFERENCES", "RF  "}};

const char *type_of(const char *perm) {
    for (const auto &p : kObjectPermissions)
        if (strcasecmp(p.name, perm) == 0)
            return p.type;
    return nullptr;
}

const int kDenyDataReader = 16392, kDenyDataWriter = 16393;

} // namespace

std::vector<std::string> object_permission_types(const std::string &word) {
    std::vector<std::string> out;
    if (strcasecmp(word.c_str(), "ALL") == 0) {
        for (const auto &p : kObjectPermissions)
            out.push_back(p.type);
        return out;
    }
    if (const char *t = type_of(word.c_str())) {
        out.push_back(t);
        return out;
    }
    throw sql_error(50000, 1, 16,
                    "The simulator keeps the permissions SELECT, INSERT, UPDATE, DELETE and "
                    "REFERENCES on tables and views ('" +
                        word + "' is not one of them).");
}

void set_object_permission(sqlite3 *db, int database_id, int object_id, const std::string &type,
                           int grantee, char state, int grantor) {
    if (state == 'R') {
        Stmt d(db, "DELETE FROM \"$db_permissions\" WHERE database_id = ? AND major_id = ? AND "
                   "grantee = ? AND type = ?");
        d.bind(1, database_id).bind(2, object_id).bind(3, grantee).bind(4, type);
        d.step();
        return;
    }
    // One state per principal and permission: a DENY replaces a GRANT and the other way round.
    Stmt up(db, "INSERT INTO \"$db_permissions\" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON "
                "CONFLICT(database_id, major_id, grantee, type) DO UPDATE SET state = ?5, "
                "grantor = ?6");
    up.bind(1, database_id).bind(2, object_id).bind(3, grantee).bind(4, type);
    up.bind(5, std::string(1, state)).bind(6, grantor);
    up.step();
}

void check_object_permission(sqlite3 *db, const TableMeta &t, const char *perm, int principal) {
    if (t.system_view)
        return;
    const char *type = type_of(perm);
    const bool read = strcasecmp(perm, "SELECT") == 0;
    Stmt q(db, "SELECT 1 FROM \"$db_permissions\" WHERE database_id = ?1 AND major_id = ?2 AND "
               "type = ?3 AND state = 'D' AND (grantee IN (?4, 0) OR grantee IN (SELECT role_id "
               "FROM \"$db_role_members\" WHERE database_id = ?1 AND member_id = ?4)) UNION ALL "
               "SELECT 1 FROM \"$db_role_members\" WHERE database_id = ?1 AND member_id = ?4 AND "
               "role_id = ?5");
    q.bind(1, t.database_id).bind(2, t.object_id).bind(3, type).bind(4, principal);
    q.bind(5, read ? kDenyDataReader : kDenyDataWriter);
    if (q.step())
        throw sql_error(229, 5, 14,
                        std::string("The ") + perm + " permission was denied on the object '" +
                            t.name + "', database '" + t.db + "', schema '" + t.schema + "'.");
}

void add_permission_views(std::vector<SysView> &v) {
    const SqlType i{TypeId::Int, 0, 0, 0}, tiny{TypeId::TinyInt, 0, 0, 0},
        c4{TypeId::Char, 4, 0, 0}, c1{TypeId::Char, 1, 0, 0}, desc{TypeId::NVarChar, 60, 0, 0},
        name{TypeId::NVarChar, 128, 0, 0};
    std::string names = "CASE p.type";
    for (const auto &d : kObjectPermissions)
        names += " WHEN " + ql(d.type) + " THEN " + ql(d.name);
    names += " END";
    v.push_back({"sys",
                 "database_permissions",
                 {{"class", tiny, false},
                  {"class_desc", desc, true},
                  {"major_id", i, false},
                  {"minor_id", i, false},
                  {"grantee_principal_id", i, false},
                  {"grantor_principal_id", i, false},
                  {"type", c4, false},
                  {"permission_name", name, true},
                  {"state", c1, false},
                  {"state_desc", desc, true}},
                 "SELECT 1 AS class, 'OBJECT_OR_COLUMN' AS class_desc, p.major_id, 0 AS minor_id, "
                 "p.grantee AS grantee_principal_id, p.grantor AS grantor_principal_id, p.type, " +
                     names +
                     " AS permission_name, p.state, CASE p.state WHEN 'D' THEN 'DENY' WHEN 'W' "
                     "THEN 'GRANT_WITH_GRANT_OPTION' ELSE 'GRANT' END AS state_desc FROM "
                     "\"$db_permissions\" p WHERE p.database_id = {D}"});
}

} // namespace sim::sql
