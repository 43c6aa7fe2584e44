#include "fk_state.hpp"

#include "check_state.hpp"
#include "errors.hpp"
#include "sqlite_db.hpp"

#include <strings.h>

#include <cctype>

namespace sim::sql {

namespace {

// The top-level elements (column definitions and table constraints) of a CREATE TABLE text:
// `head` is everything up to and including the opening parenthesis.
struct TableText {
    std::string head;
    std::vector<std::string> elements;
};

TableText split_table_text(const std::string &sql) {
    TableText out;
    char quote = 0;
    int depth = 0;
    std::string cur;
    for (size_t i = 0; i < sql.size(); ++i) {
        char c = sql[i];
        if (quote) {
            (depth == 0 ? out.head : cur) += c;
            if (c == quote)
                quote = 0; // a doubled quote closes and reopens: same text either way
            continue;
        }
        if (c == '"' || c == '\'' || c == '`' || c == '[') {
            quote = c == '[' ? ']' : c;
            (depth == 0 ? out.head : cur) += c;
            continue;
        }
        if (c == '(') {
            if (depth++ == 0) {
                out.head += c;
                continue;
            }
        } else if (c == ')') {
            if (--depth == 0) {
                out.elements.push_back(cur);
                return out;
            }
        } else if (c == ',' && depth == 1) {
            out.elements.push_back(cur);
            cur.clear();
            continue;
        }
        (depth == 0 ? out.head : cur) += c;
    }
    throw sql_error(50000, 1, 16, "Cannot read the stored definition of a table.");
}

bool is_foreign_key_clause(const std::string &element) {
    size_t i = 0;
    while (i < element.size() && std::isspace(static_cast<unsigned char>(element[i])))
        ++i;
    return strncasecmp(element.c_str() + i, "FOREIGN KEY", 11) == 0;
}

std::string column_list(const std::vector<std::string> &cols) {
    std::string out;
    for (const auto &c : cols)
        out += (out.empty() ? "" : ", ") + qi(c);
    return "(" + out + ")";
}

// The rows of `t` whose foreign key `f` finds no referenced row (NULL in any column: no check).
bool has_orphans(sqlite3 *db, const TableMeta &t, const TableMeta &ref, const ForeignKeyInfo &f) {
    std::string notnull, match;
    for (size_t i = 0; i < f.columns.size(); ++i) {
        notnull += " AND c." + qi(f.columns[i]) + " IS NOT NULL";
        match += std::string(i ? " AND " : "") + "p." + qi(f.referenced_columns[i]) + " = c." +
                 qi(f.columns[i]);
    }
    Stmt q(db, "SELECT 1 FROM " + qi(t.sqlite_name) + " c WHERE 1 = 1" + notnull +
                   " AND NOT EXISTS (SELECT 1 FROM " + qi(ref.sqlite_name) + " p WHERE " + match +
                   ") LIMIT 1");
    return q.step();
}

// SQLite's procedure for constraint changes that leave the stored rows as they are: edit the
// schema text, bump the schema version so every connection re-reads it.
void write_table_text(sqlite3 *db, const TableMeta &t, const std::string &sql,
                      const std::string &rewritten) {
    if (rewritten == sql)
        return;
    int64_t version = 0;
    {
        Stmt v(db, "PRAGMA schema_version");
        v.step();
        version = v.int_col(0);
    }
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, nullptr);
    exec(db, "PRAGMA writable_schema = ON");
    try {
        Stmt up(db, "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?");
        up.bind(1, rewritten).bind(2, t.sqlite_name);
        up.step();
        exec(db, "PRAGMA schema_version = " + std::to_string(version + 1));
    } catch (...) {
        sqlite3_exec(db, "PRAGMA writable_schema = OFF", nullptr, nullptr, nullptr);
        throw;
    }
    exec(db, "PRAGMA writable_schema = OFF");
}

std::string table_text(sqlite3 *db, const TableMeta &t) {
    Stmt q(db, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?");
    q.bind(1, t.sqlite_name);
    return q.step() ? q.text_col(0) : std::string();
}

} // namespace

void rewrite_sqlite_column(sqlite3 *db, const TableMeta &t, const std::string &column,
                           const std::string &element) {
    const std::string sql = table_text(db, t);
    TableText text = split_table_text(sql);
    const std::string name = qi(column);
    std::string body;
    for (const auto &e : text.elements) {
        size_t i = e.find_first_not_of(" \t\r\n");
        const bool it = i != std::string::npos && e.compare(i, name.size(), name) == 0 &&
                        (i + name.size() == e.size() || e[i + name.size()] == ' ');
        body += (body.empty() ? "" : ",") + (it ? " " + element : e);
    }
    write_table_text(db, t, sql, text.head + body + ")");
}

void fk_state_bootstrap(sqlite3 *db) {
    for (const char *col : {"is_disabled", "is_not_trusted"}) {
        Stmt q(db, std::string("SELECT COUNT(*) FROM pragma_table_info('$foreign_keys') WHERE "
                               "name = '") +
                       col + "'");
        q.step();
        if (q.int_col(0) == 0)
            exec(db, std::string("ALTER TABLE \"$foreign_keys\" ADD COLUMN ") + col +
                         " INTEGER DEFAULT 0");
    }
}

void sync_sqlite_foreign_keys(sqlite3 *db, const TableMeta &t) {
    std::string sql;
    {
        Stmt q(db, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?");
        q.bind(1, t.sqlite_name);
        if (!q.step())
            return;
        sql = q.text_col(0);
    }
    TableText text = split_table_text(sql);
    std::string body;
    for (const auto &e : text.elements)
        if (!is_foreign_key_clause(e) && !is_check_clause(e))
            body += (body.empty() ? "" : ",") + e;
    for (const auto &c : enabled_check_clauses(db, t))
        body += "," + c;
    for (const auto &f : foreign_keys(db, t.database_id)) {
        if (f.parent_object_id != t.object_id || f.disabled || f.columns.empty())
            continue;
        auto ref = table_by_id(db, t.database_id, f.referenced_object_id);
        if (!ref)
            continue;
        FkActions a;
        a.on_delete = f.delete_action;
        a.on_update = f.update_action;
        body += ", FOREIGN KEY " + column_list(f.columns) + " REFERENCES " + qi(ref->sqlite_name) +
                " " + column_list(f.referenced_columns) + sqlite_fk_actions(a);
    }
    write_table_text(db, t, sql, text.head + body + ")");
}

void set_foreign_keys_enabled(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                              const std::vector<std::string> &names, bool enable,
                              bool check_existing) {
    std::vector<ForeignKeyInfo> chosen;
    auto all = foreign_keys(db, d.id);
    // CHECK constraints are enabled and disabled by the same statement.
    const auto checks = check_constraint_names(db, t, names);
    for (const auto &n : names) {
        bool found = false;
        for (const auto &f : all)
            if (f.parent_object_id == t.object_id && strcasecmp(f.name.c_str(), n.c_str()) == 0)
                found = true;
        for (const auto &c : checks)
            found = found || strcasecmp(c.c_str(), n.c_str()) == 0;
        if (!found)
            throw sql_error(4917, 0, 16, "Constraint '" + n + "' does not exist.");
    }
    set_checks_enabled(db, d, t, checks, enable, check_existing);
    for (const auto &f : all) {
        if (f.parent_object_id != t.object_id)
            continue;
        bool named = names.empty();
        for (const auto &n : names)
            named = named || strcasecmp(f.name.c_str(), n.c_str()) == 0;
        if (named)
            chosen.push_back(f);
    }
    for (const auto &f : chosen) {
        if (enable && check_existing) {
            auto ref = table_by_id(db, d.id, f.referenced_object_id);
            if (ref && has_orphans(db, t, *ref, f))
                throw sql_error(547, 0, 16,
                                "The ALTER TABLE statement conflicted with the FOREIGN KEY "
                                "constraint \"" +
                                    f.name + "\". The conflict occurred in database \"" + d.name +
                                    "\", table \"" + ref->schema + "." + ref->name +
                                    "\", column '" + f.referenced_columns.front() + "'.");
        }
        // Disabling makes a constraint not trusted, enabling WITH CHECK trusted again; enabling
        // WITH NOCHECK (the default for CHECK CONSTRAINT) leaves it as it was.
        Stmt up(db, "UPDATE \"$foreign_keys\" SET is_disabled = ?1, is_not_trusted = CASE WHEN "
                    "?1 THEN 1 WHEN ?2 THEN 0 ELSE is_not_trusted END WHERE database_id = ?3 AND "
                    "object_id = ?4");
        up.bind(1, enable ? 0 : 1).bind(2, enable && check_existing ? 1 : 0);
        up.bind(3, d.id).bind(4, f.object_id);
        up.step();
    }
    sync_sqlite_foreign_keys(db, t);
}

void foreign_keys_added(sqlite3 *db, const DatabaseMeta &d, const TableMeta &t,
                        const std::vector<std::string> &names, bool checked) {
    if (checked)
        return set_foreign_keys_enabled(db, d, t, names, true, true);
    for (const auto &f : foreign_keys(db, d.id))
        for (const auto &n : names)
            if (f.parent_object_id == t.object_id && strcasecmp(f.name.c_str(), n.c_str()) == 0) {
                Stmt up(db, "UPDATE \"$foreign_keys\" SET is_not_trusted = 1 WHERE database_id "
                            "= ? AND object_id = ?");
                up.bind(1, d.id).bind(2, f.object_id);
                up.step();
            }
    sync_sqlite_foreign_keys(db, t);
}

} // namespace sim::sql
