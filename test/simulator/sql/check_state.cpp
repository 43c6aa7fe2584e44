#include "check_state.hpp"

#include "codegen.hpp"
#include "errors.hpp"
#include "parser.hpp"
#include "sqlite_db.hpp"

#include <strings.h>

#include <cctype>

namespace sim::sql {

namespace {

struct CheckRow {
    int object_id;
    std::string name;
    int parent_column_id;
    std::string definition;
    bool disabled;
};

std::vector<CheckRow> checks_of(sqlite3 *db, const TableMeta &t) {
    std::vector<CheckRow> out;
    Stmt q(db, "SELECT c.object_id, o.name, c.parent_column_id, c.definition, c.is_disabled FROM "
               "\"$check_constraints\" c JOIN \"$objects\" o ON o.database_id = c.database_id AND "
               "o.object_id = c.object_id WHERE c.database_id = ? AND o.parent_object_id = ? "
               "ORDER BY c.object_id");
    q.bind(1, t.database_id).bind(2, t.object_id);
    while (q.step())
        out.push_back({static_cast<int>(q.int_col(0)), q.text_col(1),
                       static_cast<int>(q.int_col(2)), q.text_col(3), q.int_col(4) != 0});
    return out;
}

// The SQLite expression of a stored definition, over t's columns.
std::string sqlite_expr(const std::string &definition, const TableMeta &t) {
    auto parsed = parse_batch("SELECT " + definition);
    return translate_table_expr(*parsed.at(0)->select->items.at(0).expr, t.columns).sql;
}

[[noreturn]] void conflict(const std::string &verb, const std::string &name, const TableMeta &t,
                           int column_id) {
    std::string col;
    for (const auto &c : t.columns)
        if (c.column_id == column_id)
            col = ", column '" + c.name + "'";
    throw sql_error(547, 0, 16,
                    "The " + verb + " statement conflicted with the CHECK constraint \"" + name +
                        "\". The conflict occurred in database \"" + t.db + "\", table \"" +
                        t.schema + "." + t.name + "\"" + col + ".");
}

void check_rows(sqlite3 *db, const TableMeta &t, const CheckRow &c) {
    Stmt q(db, "SELECT 1 FROM " + qi(t.sqlite_name) + " WHERE NOT (" +
                   sqlite_expr(c.definition, t) + ") LIMIT 1");
    if (q.step())
        conflict("ALTER TABLE", c.name, t, c.parent_column_id);
}

} // namespace

void check_state_bootstrap(sqlite3 *db) {
    exec(db, "CREATE TABLE IF NOT EXISTS \"$check_constraints\"(database_id INTEGER, object_id "
             "INTEGER, parent_column_id INTEGER, definition TEXT, is_disabled INTEGER DEFAULT 0, "
             "is_not_trusted INTEGER DEFAULT 0, PRIMARY KEY(database_id, object_id))");
}

void add_check_constraint(sqlite3 *db, const TableMeta &t, int oid, const std::string &name,
                          int column_id, const Expr &e, bool check_existing) {
    // As SQL Server shows it: the condition in one pair of parentheses, "([q]>(0))".
    std::string definition = render_tsql(e);
    if (definition.empty() || definition[0] != '(' || definition.back() != ')')
        definition = "(" + definition + ")";
    // The expression must make sense over the table's columns (207 otherwise).
    translate_table_expr(e, t.columns);
    Stmt ins(db, "INSERT INTO \"$check_constraints\" VALUES (?, ?, ?, ?, 0, ?)");
    ins.bind(1, t.database_id).bind(2, oid).bind(3, column_id).bind(4, definition);
    ins.bind(5, check_existing ? 0 : 1);
    ins.step();
    if (check_existing)
        check_rows(db, t, {oid, name, column_id, definition, false});
}

std::vector<std::string> enabled_check_clauses(sqlite3 *db, const TableMeta &t) {
    std::vector<std::string> out;
    for (const auto &c : checks_of(db, t))
        if (!c.disabled)
            out.push_back(" CONSTRAINT \"chk$" + std::to_string(c.object_id) + "\" CHECK (" +
                          sqlite_expr(c.definition, t) + ")");
    return out;
}

bool is_check_clause(const std::string &element) {
    size_t i = element.find_first_not_of(" \t\r\n");
    return i != std::string::npos && element.compare(i, 16, "CONSTRAINT \"chk$") == 0;
}

std::vector<std::string> check_constraint_names(sqlite3 *db, const TableMeta &t,
                                                const std::vector<std::string> &names) {
    std::vector<std::string> out;
    for (const auto &c : checks_of(db, t)) {
        bool chosen = names.empty();
        for (const auto &n : names)
            chosen = chosen || strcasecmp(n.c_str(), c.name.c_str()) == 0;
        if (chosen)
            out.push_back(c.name);
    }
    return out;
}

std::vector<std::string> enabled_check_constraint_names(sqlite3 *db, const TableMeta &t) {
    std::vector<std::string> out;
    for (const auto &c : checks_of(db, t))
        if (!c.disabled)
            out.push_back(c.name);
    return out;
}

void set_checks_enabled(sqlite3 *db, const DatabaseMeta &, const TableMeta &t,
                        const std::vector<std::string> &names, bool enable, bool check_existing) {
    for (const auto &c : checks_of(db, t)) {
        bool chosen = false;
        for (const auto &n : names)
            chosen = chosen || strcasecmp(n.c_str(), c.name.c_str()) == 0;
        if (!chosen)
            continue;
        if (enable && check_existing)
            check_rows(db, t, c);
        Stmt up(db, "UPDATE \"$check_constraints\" SET is_disabled = ?1, is_not_trusted = CASE "
                    "WHEN ?1 THEN 1 WHEN ?2 THEN 0 ELSE is_not_trusted END WHERE database_id = ?3 "
                    "AND object_id = ?4");
        up.bind(1, enable ? 0 : 1).bind(2, enable && check_existing ? 1 : 0);
        up.bind(3, t.database_id).bind(4, c.object_id);
        up.step();
    }
}

void drop_check_constraint(sqlite3 *db, int database_id, int object_id) {
    Stmt del(db, "DELETE FROM \"$check_constraints\" WHERE database_id = ? AND object_id = ?");
    del.bind(1, database_id).bind(2, object_id);
    del.step();
}

std::optional<SqlError> check_violation(sqlite3 *db, const std::string &msg, const TableMeta &t,
                                        const std::string &verb) {
    const std::string prefix = "CHECK constraint failed: chk$";
    size_t at = msg.find(prefix);
    if (at == std::string::npos)
        return std::nullopt;
    const int oid = std::atoi(msg.c_str() + at + prefix.size());
    for (const auto &c : checks_of(db, t))
        if (c.object_id == oid) {
            try {
                conflict(verb, c.name, t, c.parent_column_id);
            } catch (const SqlError &e) {
                return e;
            }
        }
    return sql_error(547, 0, 16,
                     "The " + verb + " statement conflicted with a CHECK constraint of table \"" +
                         t.schema + "." + t.name + "\".");
}

} // namespace sim::sql
