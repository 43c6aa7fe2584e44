// A neutral model of the WHERE clauses the FDW pushes to SQL Server, and its T-SQL text. The
// extension translates PostgreSQL expressions into this model (extension/src/deparse.cpp); the
// rendering and quoting live here so they are unit-tested without PostgreSQL.
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
        Like
    };
    Kind kind = Kind::Number;
    std::string text; // column name, literal text, or comparison operator (=, <>, <, <=, >, >=)
    std::vector<std::shared_ptr<RemoteExpr>> args;
};
using RemoteExprPtr = std::shared_ptr<RemoteExpr>;

std::string render(const RemoteExpr &e);

// SELECT [TOP (n)] <columns> FROM [schema].[table] [WHERE ...] [ORDER BY ...].
struct RemoteQuery {
    std::string schema, table;
    std::vector<std::string> columns; // empty: a constant, for SELECT with no column needed
    std::vector<RemoteExprPtr> where; // ANDed
    long limit = -1;
};
std::string render(const RemoteQuery &q);

} // namespace dts::tsql
