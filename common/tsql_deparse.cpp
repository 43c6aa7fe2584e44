#include "tsql_deparse.hpp"

#include "error.hpp"
#include "tsql_filter.hpp"
#include "tsql_quote.hpp"

namespace dts::tsql {

namespace {

// Accumulates text, starting a new part at each parameter.
struct Out {
    SqlTemplate t{{std::string()}, {}};
    void add(const std::string &s) { t.parts.back() += s; }
    void param(const std::string &number) {
        t.slots.push_back(std::stoi(number));
        t.parts.emplace_back();
    }
};

void emit(const RemoteExpr &e, Out &o) {
    using K = RemoteExpr::Kind;
    auto joined = [&](const char *sep) {
        o.add("(");
        for (size_t i = 0; i < e.args.size(); ++i) {
            if (i)
                o.add(sep);
            emit(*e.args[i], o);
        }
        o.add(")");
    };
    switch (e.kind) {
    case K::Column:
        o.add(quote_ident(e.text));
        return;
    case K::Number:
        o.add(e.text);
        return;
    case K::String:
        o.add(quote_literal(e.text));
        return;
    case K::Bool:
        o.add(e.text == "true" ? "1" : "0");
        return;
    case K::Param:
        o.param(e.text);
        return;
    case K::Compare:
    case K::Like:
        o.add("(");
        emit(*e.args[0], o);
        o.add(e.kind == K::Like ? " LIKE " : " " + e.text + " ");
        emit(*e.args[1], o);
        o.add(")");
        return;
    case K::And:
        joined(" AND ");
        return;
    case K::Or:
        joined(" OR ");
        return;
    case K::Not:
        o.add("(NOT ");
        emit(*e.args[0], o);
        o.add(")");
        return;
    case K::IsNull:
    case K::IsNotNull:
        o.add("(");
        emit(*e.args[0], o);
        o.add(e.kind == K::IsNull ? " IS NULL)" : " IS NOT NULL)");
        return;
    case K::In:
        o.add("(");
        emit(*e.args[0], o);
        o.add(" IN (");
        for (size_t i = 1; i < e.args.size(); ++i) {
            if (i > 1)
                o.add(", ");
            emit(*e.args[i], o);
        }
        o.add("))");
        return;
    }
    o.add("(1 = 1)");
}

std::string placeholders(const SqlTemplate &t) {
    std::vector<std::string> names;
    for (int n : t.slots)
        if (n > static_cast<int>(names.size()))
            names.resize(static_cast<size_t>(n));
    for (size_t i = 0; i < names.size(); ++i)
        names[i] = "@P" + std::to_string(i + 1);
    return bind(t, names);
}

} // namespace

std::string render(const RemoteExpr &e) {
    Out o;
    emit(e, o);
    return placeholders(o.t);
}

SqlTemplate render_template(const RemoteQuery &q) {
    Out o;
    o.add("SELECT ");
    if (q.limit >= 0)
        o.add("TOP (" + std::to_string(q.limit) + ") ");
    if (q.columns.empty()) {
        o.add("NULL");
    } else {
        for (size_t i = 0; i < q.columns.size(); ++i)
            o.add((i ? ", " : "") + quote_ident(q.columns[i]));
    }
    o.add(" FROM " + quote_name(q.database, q.schema, q.table));
    if (!q.filter.empty()) {
        // Checked again where it is sent: the option may predate the validator.
        require_search_condition(q.filter,
                                 "the filter of " + quote_name(q.database, q.schema, q.table));
        o.add(" WHERE (" + q.filter + ")");
    }
    for (size_t i = 0; i < q.where.size(); ++i) {
        o.add(i || !q.filter.empty() ? " AND " : " WHERE ");
        emit(*q.where[i], o);
    }
    for (size_t i = 0; i < q.order_by.size(); ++i) {
        const OrderItem &k = q.order_by[i];
        o.add(i ? ", " : " ORDER BY ");
        std::string col = quote_ident(k.column);
        // SQL Server's own placement: NULLs first ascending, last descending.
        if (k.nullable && k.nulls_first == k.descending)
            o.add("CASE WHEN " + col + " IS NULL THEN " +
                  (k.nulls_first ? "0 ELSE 1" : "1 ELSE 0") + " END, ");
        o.add(col + (k.descending ? " DESC" : " ASC"));
    }
    return o.t;
}

std::string bind(const SqlTemplate &t, const std::vector<std::string> &values) {
    std::string sql = t.parts.empty() ? std::string() : t.parts[0];
    for (size_t i = 0; i < t.slots.size(); ++i) {
        size_t n = static_cast<size_t>(t.slots[i]);
        if (n < 1 || n > values.size())
            throw Error("XX000",
                        "no value for parameter " + std::to_string(n) + " of a remote query");
        sql += values[n - 1];
        sql += t.parts[i + 1];
    }
    return sql;
}

std::string render(const RemoteQuery &q) {
    return placeholders(render_template(q));
}

} // namespace dts::tsql
