// Server-level statements of a session: KILL, sp_configure / RECONFIGURE, and the security
// principals (CREATE / ALTER / DROP LOGIN and USER, ALTER [SERVER] ROLE ... MEMBER). Logins,
// users, role members and configuration values are kept in the store, so they outlive a restart
// as SQL Server's do.
#include "errors.hpp"
#include "principals.hpp"
#include "session.hpp"
#include "sessions.hpp"
#include "sqlite_db.hpp"

#include <strings.h>

#include <algorithm>

namespace sim::sql {

namespace {

Message info_message(int number, const std::string &text) {
    Message m;
    m.number = number;
    m.state = 1;
    m.severity = 0;
    m.text = text;
    return m;
}

std::string upper_text(std::string s) {
    for (auto &c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

// "[a].b.[c]" -> {"a", "b", "c"}
static std::vector<std::string> split_name(const std::string &s) {
    std::vector<std::string> out(1);
    bool bracket = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (bracket) {
            if (c == ']' && i + 1 < s.size() && s[i + 1] == ']')
                out.back() += ']', ++i;
            else if (c == ']')
                bracket = false;
            else
                out.back() += c;
        } else if (c == '[') {
            bracket = true;
        } else if (c == '.') {
            out.emplace_back();
        } else if (c != ' ') {
            out.back() += c;
        }
    }
    return out;
}

void SqlSession::do_server(const Statement &s, ResultSink &sink) {
    const std::string &what = s.name;
    if (what == "SP_RENAME") {
        static const char *const kParams[] = {"@OBJNAME", "@NEWNAME", "@OBJTYPE"};
        std::optional<std::string> arg[3];
        for (size_t i = 0; i < s.exec_args.size(); ++i) {
            const auto &[pname, e] = s.exec_args[i];
            size_t at = i;
            for (size_t k = 0; k < 3; ++k)
                if (upper_text(pname) == kParams[k])
                    at = k;
            if (at >= 3)
                throw sql_error(8145, 2, 16,
                                pname + " is not a parameter for procedure sp_rename.");
            Value v = eval(*e);
            if (!v.is_null())
                arg[at] = v.s;
        }
        if (!arg[0] || !arg[1])
            throw sql_error(201, 4, 16,
                            std::string("Procedure or function 'sp_rename' expects parameter '") +
                                (arg[0] ? "@newname" : "@objname") + "', which was not supplied.");
        const std::string type = upper_text(arg[2].value_or("OBJECT"));
        std::vector<std::string> parts = split_name(*arg[0]);
        const std::string new_name = *arg[1];
        if (type == "COLUMN" || type == "INDEX") {
            if (parts.size() < 2)
                throw sql_error(15248, 1, 11,
                                "Either the parameter @objname is ambiguous or the claimed "
                                "@objtype (" +
                                    type + ") is wrong.");
            const std::string last = parts.back();
            parts.pop_back();
            TableMeta t = table_for_write(parts);
            const DatabaseMeta d = database_of(parts);
            if (type == "COLUMN")
                rename_column(db_, d, t, last, new_name);
            else
                rename_index(db_, d, t, last, new_name);
        } else if (type == "OBJECT") {
            const DatabaseMeta d = database_of(parts);
            rename_object(db_, d, parts.size() >= 2 ? parts[parts.size() - 2] : "dbo", parts.back(),
                          new_name);
        } else {
            throw sql_error(50000, 1, 16,
                            "The simulator's sp_rename renames objects, columns and indexes (not " +
                                type + ").");
        }
        Message m = info_message(15477, "Caution: Changing any part of an object name could "
                                        "break scripts and stored procedures.");
        m.severity = 10;
        sink.message(m);
        sink.end_statement(std::nullopt, false);
        return;
    }
    if (what == "KILL") {
        Value v = eval(*s.exprs[0]);
        if (v.kind != Value::Kind::Int)
            throw sql_error(6112, 1, 16,
                            "Process ID " + v.s +
                                " is not a valid process ID. Choose a "
                                "number between 1 and 2048.");
        if (!login_.sysadmin)
            throw sql_error(6102, 1, 14,
                            "User does not have permission to use the KILL statement.");
        if (trancount_ > 0)
            throw sql_error(6115, 1, 16, "KILL command cannot be used inside user transactions.");
        if (v.i == spid_)
            throw sql_error(6104, 1, 16, "Cannot use KILL to kill your own process.");
        if (v.i <= 50 && v.i >= 1)
            throw sql_error(6107, 1, 14, "Only user processes can be killed.");
        if (v.i < 1 || v.i > 65535 || !session_kill(static_cast<uint16_t>(v.i)))
            throw sql_error(6106, 1, 16,
                            "Process ID " + std::to_string(v.i) + " is not an active process ID.");
        sink.end_statement(std::nullopt, false);
        return;
    }
    if (what == "RECONFIGURE") {
        if (!login_.sysadmin)
            throw sql_error(5812, 1, 14,
                            "You do not have permission to run the RECONFIGURE statement.");
        config_reconfigure(db_);
        sink.end_statement(std::nullopt, false);
        return;
    }
    // Principals: server-level ones need sysadmin (ALTER ANY LOGIN), database-level ones too
    // here (db_owner of the database or sysadmin on SQL Server; the simulator's users are not
    // mapped to database roles for permission checks).
    if (!login_.sysadmin)
        throw sql_error(15247, 1, 16, "User does not have permission to perform this action.");
    const std::string &principal = s.table.at(0);
    if (what == "CREATE LOGIN" || what == "ALTER LOGIN" || what == "DROP LOGIN") {
        LoginOptions o;
        for (const auto &[opt, e] : s.exec_args) {
            Value v = e ? eval(*e) : Value::null();
            if (opt == "PASSWORD")
                o.password = v.s;
            else if (opt == "DEFAULT_DATABASE")
                o.default_database = v.s;
            else if (opt == "NAME")
                o.new_name = v.s;
        }
        if (s.option_value == "ENABLE" || s.option_value == "DISABLE")
            o.disabled = s.option_value == "DISABLE";
        if (what == "CREATE LOGIN") {
            if (!s.option_value.empty())
                throw sql_error(50000, 1, 16,
                                "The simulator has SQL logins only (CREATE LOGIN ... FROM " +
                                    s.option_value + " is not supported).");
            if (!o.password)
                throw sql_error(102, 1, 15, "Incorrect syntax near '" + principal + "'.");
            create_login(db_, state_.settings, principal, o);
        } else if (what == "ALTER LOGIN") {
            alter_login(db_, state_.settings, principal, o);
        } else {
            drop_login(db_, state_.settings, principal);
        }
        sink.end_statement(std::nullopt, false);
        return;
    }
    if (what == "CREATE USER") {
        std::string login =
            s.columns.empty() ? (s.option_value.empty() ? principal : "") : s.columns[0];
        std::string schema = "dbo";
        for (const auto &[opt, e] : s.exec_args)
            if (opt == "DEFAULT_SCHEMA" && e)
                schema = eval(*e).s;
        create_user(db_, state_.settings, current_.id, principal, login, schema);
    } else if (what == "ALTER USER") {
        for (const auto &[opt, e] : s.exec_args)
            if (e && (opt == "DEFAULT_SCHEMA" || opt == "NAME" || opt == "LOGIN"))
                alter_user(db_, current_.id, principal, opt, eval(*e).s);
    } else if (what == "DROP USER") {
        drop_user(db_, current_.id, principal, s.if_exists);
    } else if (what == "ALTER ROLE") {
        if (!s.columns.empty())
            alter_role_member(db_, current_.id, principal, s.columns[0], s.option_value == "ADD");
    } else if (what == "ALTER SERVER ROLE") {
        if (!s.columns.empty())
            alter_server_role_member(db_, state_.settings, principal, s.columns[0],
                                     s.option_value == "ADD");
    } else {
        throw sql_error(102, 1, 15, "Incorrect syntax near '" + principal + "'.");
    }
    sink.end_statement(std::nullopt, false);
}

// sp_configure [[@configname =] 'name' [, [@configvalue =] value]]
void SqlSession::do_sp_configure(const Statement &s, ResultSink &sink) {
    std::optional<std::string> name;
    std::optional<Value> value;
    for (size_t i = 0; i < s.exec_args.size(); ++i) {
        const auto &[pname, e] = s.exec_args[i];
        Value v = eval(*e);
        const std::string p = upper_text(pname);
        if (p == "@CONFIGNAME" || (p.empty() && i == 0))
            name = v.is_null() ? std::optional<std::string>() : std::optional<std::string>(v.s);
        else if (p == "@CONFIGVALUE" || (p.empty() && i == 1))
            value = v;
        else
            throw sql_error(8145, 2, 16, pname + " is not a parameter for procedure sp_configure.");
    }
    if (value && !value->is_null()) {
        if (!login_.sysadmin)
            throw sql_error(15247, 1, 16, "User does not have permission to perform this action.");
        int64_t n = value->kind == Value::Kind::Int ? value->i : std::stoll(value->s);
        auto [shown, before] = config_set(db_, name.value_or(""), n);
        sink.message(info_message(15457, "Configuration option '" + shown + "' changed from " +
                                             std::to_string(before) + " to " + std::to_string(n) +
                                             ". Run the RECONFIGURE statement to install."));
        sink.end_statement(std::nullopt, false);
        return;
    }
    auto rows = config_list(db_, name);
    std::vector<ColumnInfo> cols = {
        {"name", SqlType{TypeId::NVarChar, 35, 0, 0}, false, false, false, {}},
        {"minimum", SqlType{TypeId::Int, 0, 0, 0}, false, false, false, {}},
        {"maximum", SqlType{TypeId::Int, 0, 0, 0}, false, false, false, {}},
        {"config_value", SqlType{TypeId::Int, 0, 0, 0}, false, false, false, {}},
        {"run_value", SqlType{TypeId::Int, 0, 0, 0}, false, false, false, {}}};
    sink.columns(cols);
    for (const auto &r : rows)
        if (!sink.row({Value::text(r.name), Value::integer(r.minimum), Value::integer(r.maximum),
                       Value::integer(r.value), Value::integer(r.value_in_use)}))
            return;
    sink.end_statement(static_cast<uint64_t>(rows.size()), false);
}

} // namespace sim::sql
