#include "tsql_deparse.hpp"

#include "tsql_quote.hpp"

namespace dts::tsql {

std::string render(const RemoteExpr &e) {
    using K = RemoteExpr::Kind;
    auto joined = [&](const char *sep) {
        std::string s;
        for (size_t i = 0; i < e.args.size(); ++i)
            s += (i ? sep : "") + render(*e.args[i]);
        return "(" + s + ")";
    };
    switch (e.kind) {
    case K::Column:
        return quote_ident(e.text);
    case K::Number:
        return e.text;
    case K::String:
        return quote_literal(e.text);
    case K::Bool:
        return e.text == "true" ? "1" : "0";
    case K::Compare:
        return "(" + render(*e.args[0]) + " " + e.text + " " + render(*e.args[1]) + ")";
    case K::And:
        return joined(" AND ");
    case K::Or:
        return joined(" OR ");
    case K::Not:
        return "(NOT " + render(*e.args[0]) + ")";
    case K::IsNull:
        return "(" + render(*e.args[0]) + " IS NULL)";
    case K::IsNotNull:
        return "(" + render(*e.args[0]) + " IS NOT NULL)";
    case K::In: {
        std::string s = render(*e.args[0]) + " IN (";
        for (size_t i = 1; i < e.args.size(); ++i)
            s += (i > 1 ? ", " : "") + render(*e.args[i]);
        return "(" + s + "))";
    }
    case K::Like:
        return "(" + render(*e.args[0]) + " LIKE " + render(*e.args[1]) + ")";
    }
    return "(1 = 1)";
}

std::string render(const RemoteQuery &q) {
    std::string sql = "SELECT ";
    if (q.limit >= 0)
        sql += "TOP (" + std::to_string(q.limit) + ") ";
    if (q.columns.empty()) {
        sql += "NULL";
    } else {
        for (size_t i = 0; i < q.columns.size(); ++i)
            sql += (i ? ", " : "") + quote_ident(q.columns[i]);
    }
    sql += " FROM " + quote_name("", q.schema, q.table);
    for (size_t i = 0; i < q.where.size(); ++i)
        sql += (i ? " AND " : " WHERE ") + render(*q.where[i]);
    return sql;
}

} // namespace dts::tsql
