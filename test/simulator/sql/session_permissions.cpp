// A session's object permissions: GRANT / DENY / REVOKE, the principal its statements are
// checked as (the login's user, or the user a DDL trigger WITH EXECUTE AS runs as), and the
// resolution of a module's EXECUTE AS when it is created. What is kept and checked, and what the
// simulator leaves out, is in permissions.hpp.
#include "codegen.hpp"
#include "errors.hpp"
#include "permissions.hpp"
#include "principals.hpp"
#include "session.hpp"
#include "sqlite_db.hpp"

#include <strings.h>

namespace sim::sql {

namespace {

const int kDbOwner = 16384, kDbSecurityAdmin = 16386, kFirstFixedRole = 16384;

bool role_member(sqlite3 *db, int database_id, int principal, int role) {
    Stmt q(db, "SELECT 1 FROM \"$db_role_members\" WHERE database_id = ? AND member_id = ? AND "
               "role_id = ?");
    q.bind(1, database_id).bind(2, principal).bind(3, role);
    return q.step();
}

} // namespace

std::optional<int> SqlSession::permission_principal(int database_id) const {
    if (exec_as_) // an impersonated user has no rights outside its database but guest's
        return exec_as_->first == database_id ? exec_as_->second : 2;
    if (login_.sysadmin)
        return std::nullopt;
    return user_of_login(db_, database_id, login_.name).value_or(2);
}

void SqlSession::check_permission(const TableMeta &t, const char *perm) {
    auto p = permission_principal(t.database_id);
    if (!p || *p == 1) // sysadmin members and dbo are not checked
        return;
    check_object_permission(db_, t, perm, *p);
}

void SqlSession::check_reads(CodegenContext &ctx) {
    if (login_.sysadmin && !exec_as_)
        return;
    ctx.on_read = [this](const TableMeta &t) { check_permission(t, "SELECT"); };
}

// GRANT / DENY / REVOKE permission [, ...] ON [OBJECT::]schema.object TO | FROM principal [, ...]
void SqlSession::do_permission(const Statement &s, ResultSink &sink) {
    const auto me = permission_principal(current_.id);
    // The object's owner (dbo here), db_owner and db_securityadmin members and sysadmin.
    if (me && *me != 1 && !role_member(db_, current_.id, *me, kDbOwner) &&
        !role_member(db_, current_.id, *me, kDbSecurityAdmin))
        throw sql_error(15151, 1, 16,
                        "Cannot find the object '" + s.table.back() +
                            "', because it does not exist or you do not have permission.");
    std::optional<TableMeta> t;
    if (s.table.size() <= 2) {
        try {
            CodegenContext ctx{db_, current_, nullptr, nullptr};
            Codegen g(ctx);
            t = g.resolve_table(s.table);
        } catch (const SqlError &) {
        }
    }
    if (!t || t->system_view || t->database_id != current_.id)
        throw sql_error(15151, 1, 16,
                        "Cannot find the object '" + s.table.back() +
                            "', because it does not exist or you do not have permission.");
    std::vector<std::string> types;
    for (const auto &word : s.columns)
        for (auto &ty : object_permission_types(word))
            types.push_back(ty);
    std::vector<int> grantees;
    for (const auto &parts : s.objects) {
        const std::string &name = parts.at(0);
        auto id = database_principal_id(db_, current_.id, name);
        if (!id)
            throw sql_error(15151, 1, 16,
                            "Cannot find the user '" + name +
                                "', because it does not exist or you do not have permission.");
        if (*id == 1 || *id == 3 || *id == 4 || (me && *id == *me))
            throw sql_error(15151, 1, 16,
                            "Cannot grant, deny, or revoke permissions to sa, dbo, entity owner, "
                            "information_schema, sys, or yourself.");
        if (*id >= kFirstFixedRole)
            throw sql_error(4617, 1, 16,
                            "Cannot grant, deny or revoke permissions to or from special roles.");
        grantees.push_back(*id);
    }
    const char state = s.name == "DENY"     ? 'D'
                       : s.name == "REVOKE" ? 'R'
                       : s.option_flag      ? 'W'
                                            : 'G';
    for (int grantee : grantees)
        for (const auto &ty : types)
            set_object_permission(db_, current_.id, t->object_id, ty, grantee, state,
                                  me.value_or(1));
    sink.end_statement(std::nullopt, false);
}

void SqlSession::resolve_execute_as(ModuleOptions &o, const DatabaseMeta &d, bool ddl_trigger) {
    if (!o.execute_as)
        return;
    if (*o.execute_as == ModuleOptions::kOwner) {
        if (ddl_trigger) // OWNER is for procedures, functions and DML triggers only
            throw sql_error(102, 1, 15, "Incorrect syntax near 'OWNER'.");
        return;
    }
    const auto creator = permission_principal(d.id);
    if (*o.execute_as == ModuleOptions::kSelf) {
        o.execute_as = creator.value_or(1);
        return;
    }
    if (*o.execute_as != ModuleOptions::kUser)
        return;
    const std::string &name = o.execute_as_user;
    auto id = database_principal_id(db_, d.id, name);
    // A user, not a role, public or a schema-owning built-in principal.
    if (!id || *id == 0 || *id == 3 || *id == 4 || *id >= kFirstFixedRole)
        throw sql_error(15151, 1, 16,
                        "Cannot find the user '" + name +
                            "', because it does not exist or you do not have permission.");
    // Naming another user takes IMPERSONATE on it, which dbo, db_owner members and sysadmin have.
    if (creator && *creator != 1 && *creator != *id && !role_member(db_, d.id, *creator, kDbOwner))
        throw sql_error(15517, 1, 16,
                        "Cannot execute as the database principal because the principal \"" + name +
                            "\" does not exist, this type of principal cannot be impersonated, "
                            "or you do not have permission.");
    o.execute_as = *id;
}

} // namespace sim::sql
