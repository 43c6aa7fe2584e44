// Translation of parsed T-SQL into SQLite SQL, with SQL Server's name resolution (databases,
// schemas, aliases, CTEs), its errors (207, 208, 209, 195) and static typing of every expression
// so that results carry SQL Server column types.
#pragma once

#include "ast.hpp"
#include "catalog.hpp"

#include <sqlite3.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace sim::sql {

struct Ty {
    SqlType t;
    bool known = false;
    bool nullable = true;
};

// What the translator needs from the session.
struct CodegenContext {
    sqlite3 *db = nullptr;
    DatabaseMeta current;
    std::map<std::string, SqlType> *variables = nullptr; // declared @variables (upper-case names)
    std::function<Value(const std::string &)> global;    // @@NAME -> value
    int depth = 0; // views being expanded around this query (SQL Server's nesting limit is 32)
    // Called with each table or view the query itself names (not those inside a view).
    std::function<void(const TableMeta &)> on_read = nullptr;
};

struct CompiledSelect {
    std::string sql;
    std::vector<ColumnInfo> columns;
    std::vector<bool> known; // per column: type known statically
};

class Codegen {
public:
    explicit Codegen(CodegenContext &ctx) : ctx_(ctx) {}
    CompiledSelect select(const Select &s);
    // An expression evaluated against one table (UPDATE SET / WHERE, DELETE WHERE).
    std::string expr_on_table(const Expr &e, const TableMeta &t, const std::string &alias,
                              Ty *type = nullptr);
    // UPDATE/DELETE with FROM: the table plus extra sources.
    void push_table_scope(const TableMeta &t, const std::string &alias);
    std::string from_list(const std::vector<TableRefPtr> &refs);
    std::string expr(const Expr &e, Ty *type = nullptr);
    void pop_scope();
    TableMeta resolve_table(const std::vector<std::string> &parts);
    std::string with_clause(const std::vector<Cte> &ctes);

    struct SourceCol {
        std::string name;
        Ty ty;
    };
    struct Source {
        std::string alias;
        std::vector<SourceCol> cols;
    };
    struct Scope {
        std::vector<Source> sources;
        std::vector<std::pair<std::string, std::string>> select_aliases; // ORDER BY aliases
    };
    struct CteDef {
        std::vector<SourceCol> cols;
    };

private:
    std::string core(const Select &s, std::vector<ColumnInfo> &cols, std::vector<bool> &known);
    std::string dm_db_log_stats(const TableRef &r, Scope &scope);
    std::string fn_dblog(const TableRef &r, Scope &scope);
    std::string cdc_changes(const TableRef &r, Scope &scope);
    std::string table_ref(const TableRef &r, Scope &scope);
    std::string column(const Expr &e, Ty *type);
    std::string function(const Expr &e, Ty *type);
    std::string binary(const Expr &e, Ty *type);
    CompiledSelect expand_view(const TableMeta &v);
    [[noreturn]] void user_function(const std::vector<std::string> &parts, bool table_valued);
    Ty infer(const Expr &e);
    const CteDef *find_cte(const std::string &name) const;

    CodegenContext &ctx_;
    std::deque<Scope> scopes_; // deque: references stay valid while subqueries push
    std::deque<std::map<std::string, CteDef>> ctes_;
    int unnamed_ = 0;
};

struct Translated {
    std::string sql;
    std::optional<SqlType> type;
};
// Computed column and default expressions: column references are bare names of `cols`.
Translated translate_table_expr(const Expr &e, const std::vector<ColumnMeta> &cols);
// T-SQL text of an expression, as sys.computed_columns.definition shows it.
std::string render_tsql(const Expr &e);

} // namespace sim::sql
