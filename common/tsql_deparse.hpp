// A neutral model of the queries the FDW sends to SQL Server, and its T-SQL text. The extension
// translates PostgreSQL expressions into this model (extension/src/deparse.cpp); the rendering and
// quoting live here so they are unit-tested without PostgreSQL.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace dts::tsql {

struct RemoteExpr {
    enum class Kind {
        Column,
        Number,
        String,
        Bool,
        Compare,
        And,
        Or,
        Not,
        IsNull,
        IsNotNull,
        In,
        Like,
        Param // a value known only at execution (outer row of a join, $n); text = 1-based number
    };
    Kind kind = Kind::Number;
    std::string text; // column name, literal text, or comparison operator (=, <>, <, <=, >, >=)
    std::vector<std::shared_ptr<RemoteExpr>> args;
};
using RemoteExprPtr = std::shared_ptr<RemoteExpr>;

// The expression's text; parameters appear as @P1, @P2, ... (the form EXPLAIN shows).
std::string render(const RemoteExpr &e);

// One ORDER BY key. SQL Server sorts NULL lowest (first ascending, last descending); when the
// requested NULL placement differs and the column is nullable, a CASE key puts NULLs in place.
struct OrderItem {
    std::string column;
    bool descending = false;
    bool nulls_first = false;
    bool nullable = true;
};

// SELECT [TOP (n)] <columns> FROM [schema].[table] [WHERE ...] [ORDER BY ...].
struct RemoteQuery {
    std::string database; // empty: the connection's database
    std::string schema, table;
    std::string filter; // T-SQL search condition from the table definition, ANDed first
    std::vector<std::string> columns; // empty: a constant, for SELECT with no column needed
    std::vector<RemoteExprPtr> where; // ANDed
    std::vector<OrderItem> order_by;
    long limit = -1; // TOP (limit) when >= 0
};

// The query's text split around its parameters: parameter slots[i] goes between parts[i] and
// parts[i + 1], so parts.size() == slots.size() + 1. Values are bound at execution as T-SQL
// literals, after the plan (and this text) was made.
struct SqlTemplate {
    std::vector<std::string> parts;
    std::vector<int> slots; // 1-based parameter numbers
};
SqlTemplate render_template(const RemoteQuery &q);
// `values[n - 1]` is the T-SQL literal for parameter n (e.g. "42", "N'x'", "NULL").
std::string bind(const SqlTemplate &t, const std::vector<std::string> &values);

// The query's text with @P1, @P2, ... in place of parameters.
std::string render(const RemoteQuery &q);

} // namespace dts::tsql
