#include "deparse.hpp"

#include <cstdio>

#include "fdw_catalog.hpp"
#include "pg_boundary.hpp"

extern "C" {
#include "access/transam.h"
#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace pgdts {

namespace {

using dts::tsql::RemoteExpr;
using dts::tsql::RemoteExprPtr;

RemoteExprPtr node(RemoteExpr::Kind k, std::string text = {}) {
    auto e = std::make_shared<RemoteExpr>();
    e->kind = k;
    e->text = std::move(text);
    return e;
}

bool is_string_type(Oid t) {
    return t == TEXTOID || t == VARCHAROID || t == BPCHAROID;
}

// Types whose PostgreSQL text form SQL Server reads back as the same value.
// Types whose cross-type comparisons SQL Server resolves differently: it converts the constant
// to the column's type (a timestamp compared with a date column loses its time, 0.1 compared
// with a real column is read as real), where PostgreSQL compares in the wider type.
bool converted_differently(Oid t) {
    return t == DATEOID || t == TIMESTAMPOID || t == TIMESTAMPTZOID || t == TIMEOID ||
           t == FLOAT4OID || t == FLOAT8OID;
}

bool sendable_type(Oid t) {
    switch (t) {
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case NUMERICOID:
    case FLOAT4OID:
    case FLOAT8OID:
    case BOOLOID:
    case TEXTOID:
    case VARCHAROID:
    case BPCHAROID:
    case DATEOID:
    case TIMESTAMPOID:
        return true;
    default:
        return false;
    }
}

struct Ctx {
    RelOptInfo *rel;
    Oid relid;
    List **params = nullptr; // where execution-time values are collected; nullptr: none allowed
    bool recheck = false;
    bool negated = false;  // under an odd number of NOTs
    bool param_ok = false; // operand of an equality, where a parameter may stand
};

RemoteExprPtr convert(Node *n, Ctx &c);
RemoteExprPtr condition(Node *n, Ctx &c);

RemoteExprPtr literal(Const *k) {
    if (k->constisnull || !sendable_type(k->consttype))
        return nullptr;
    // Dates and timestamps in ISO 8601 whatever DateStyle is; SQL Server reads these forms the
    // same under every DATEFORMAT.
    if (k->consttype == DATEOID) {
        DateADT d = DatumGetDateADT(k->constvalue);
        if (DATE_NOT_FINITE(d))
            return nullptr;
        int y, m, day;
        j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
        if (y < 1)
            return nullptr;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, day);
        return node(RemoteExpr::Kind::String, buf);
    }
    if (k->consttype == TIMESTAMPOID) {
        Timestamp ts = DatumGetTimestamp(k->constvalue);
        if (TIMESTAMP_NOT_FINITE(ts))
            return nullptr;
        struct pg_tm tm;
        fsec_t fsec;
        if (timestamp2tm(ts, nullptr, &tm, &fsec, nullptr, nullptr) != 0 || tm.tm_year < 1)
            return nullptr;
        char buf[48];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year, tm.tm_mon,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (fsec == 0)
            return node(RemoteExpr::Kind::String, buf);
        // A string with more than three fractional digits does not convert to datetime (the
        // column's type wins in a comparison); as datetime2 it compares exactly with every
        // date/time type. Only digits and punctuation are pasted.
        char typed[96];
        std::snprintf(typed, sizeof typed, "CAST('%s.%06d' AS datetime2(7))", buf,
                      static_cast<int>(fsec));
        return node(RemoteExpr::Kind::Number, typed);
    }
    Oid out;
    bool varlena;
    pg_call([](Oid t, Oid *o, bool *v) { getTypeOutputInfo(t, o, v); }, k->consttype, &out,
            &varlena);
    std::string text =
        pg_call([](Oid o, Datum d) { return OidOutputFunctionCall(o, d); }, out, k->constvalue);
    switch (k->consttype) {
    case BOOLOID:
        return node(RemoteExpr::Kind::Bool, text == "t" ? "true" : "false");
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case NUMERICOID:
        return node(RemoteExpr::Kind::Number, text);
    case FLOAT4OID:
    case FLOAT8OID:
        if (text == "NaN" || text == "Infinity" || text == "-Infinity")
            return nullptr;
        return node(RemoteExpr::Kind::Number, text);
    default:
        // Strings, and dates/timestamps in ISO form, which SQL Server converts implicitly.
        return node(RemoteExpr::Kind::String, text);
    }
}

// A value SQL Server gets at execution: a column of the outer side of a parameterized join, or a
// query parameter. Only as an operand of "=" (not under NOT): a value SQL Server cannot hold is
// then bound as NULL, which matches no row there, exactly as no SQL Server row can equal it here.
RemoteExprPtr param(Node *n, Ctx &c) {
    if (!c.params || !c.param_ok || c.negated || !sendable_type(exprType(n)))
        return nullptr;
    int index = 0, i = 0;
    ListCell *lc;
    foreach (lc, *c.params) {
        ++i;
        if (pg_call([](void *a, void *b) { return equal(a, b); }, lfirst(lc), n))
            index = i;
    }
    if (!index) {
        *c.params = pg_call([](List *l, Node *x) { return lappend(l, x); }, *c.params, n);
        index = list_length(*c.params);
    }
    return node(RemoteExpr::Kind::Param, std::to_string(index));
}

RemoteExprPtr column(Var *v, Ctx &c) {
    if (v->varlevelsup != 0)
        return nullptr;
    if (!bms_is_member(static_cast<int>(v->varno), c.rel->relids))
        return param(reinterpret_cast<Node *>(v), c);
    if (v->varattno <= 0 || !sendable_type(v->vartype))
        return nullptr;
    return node(RemoteExpr::Kind::Column, column_remote_name(c.relid, v->varattno));
}

RemoteExprPtr compare(OpExpr *op, Ctx &c) {
    if (list_length(op->args) != 2 || op->opno >= FirstNormalObjectId)
        return nullptr;
    const char *name = pg_call([](Oid o) { return get_opname(o); }, op->opno);
    std::string o = name ? name : "";
    if (o != "=" && o != "<>" && o != "<" && o != "<=" && o != ">" && o != ">=" && o != "~~")
        return nullptr;
    Node *l = static_cast<Node *>(linitial(op->args));
    Node *r = static_cast<Node *>(lsecond(op->args));
    // SQL Server compares strings under its collation (usually case- and trailing-space-
    // insensitive) and orders them differently: "=" and LIKE then accept a superset of the rows
    // PostgreSQL accepts, and are sent *and* re-checked here; anything else on strings (<>, <,
    // a negation) could drop rows PostgreSQL keeps and stays local.
    const Oid lt = exprType(l), rt = exprType(r);
    if (lt != rt && (converted_differently(lt) || converted_differently(rt)))
        return nullptr;
    bool strings = is_string_type(lt) || is_string_type(rt);
    if (strings && (c.negated || (o != "=" && o != "~~")))
        return nullptr;
    c.param_ok = o == "=";
    auto le = convert(l, c);
    auto re = le ? convert(r, c) : nullptr;
    c.param_ok = false;
    if (!le || !re)
        return nullptr;
    if (strings)
        c.recheck = true;
    if (o == "~~") {
        // T-SQL reads '[' as a character class and '\' as an ordinary character; PostgreSQL
        // reads '[' literally and '\' as the escape. SQL Server would then return fewer rows
        // than the local recheck wants, which nothing could restore: such patterns (and
        // patterns that are not constants) stay local.
        if (re->kind != RemoteExpr::Kind::String ||
            re->text.find_first_of("[\\") != std::string::npos)
            return nullptr;
        auto e = node(RemoteExpr::Kind::Like);
        e->args = {le, re};
        return e;
    }
    auto e = node(RemoteExpr::Kind::Compare, o);
    e->args = {le, re};
    return e;
}

// T-SQL has no boolean columns: a bit column used as a condition must be compared.
RemoteExprPtr condition(Node *n, Ctx &c) {
    if (n && IsA(n, Var) && reinterpret_cast<Var *>(n)->vartype == BOOLOID) {
        auto col = convert(n, c);
        if (!col)
            return nullptr;
        auto e = node(RemoteExpr::Kind::Compare, "=");
        e->args = {col, node(RemoteExpr::Kind::Bool, "true")};
        return e;
    }
    return convert(n, c);
}

RemoteExprPtr convert(Node *n, Ctx &c) {
    if (!n)
        return nullptr;
    switch (nodeTag(n)) {
    case T_Var:
        return column(reinterpret_cast<Var *>(n), c);
    case T_Const:
        return literal(reinterpret_cast<Const *>(n));
    case T_Param:
        return param(n, c);
    case T_RelabelType:
        return convert(reinterpret_cast<Node *>(reinterpret_cast<RelabelType *>(n)->arg), c);
    case T_OpExpr:
        return compare(reinterpret_cast<OpExpr *>(n), c);
    case T_BoolExpr: {
        auto *b = reinterpret_cast<BoolExpr *>(n);
        auto e = node(b->boolop == AND_EXPR  ? RemoteExpr::Kind::And
                      : b->boolop == OR_EXPR ? RemoteExpr::Kind::Or
                                             : RemoteExpr::Kind::Not);
        bool negated = c.negated;
        c.negated = b->boolop == NOT_EXPR ? !negated : negated;
        ListCell *lc;
        foreach (lc, b->args) {
            auto a = condition(static_cast<Node *>(lfirst(lc)), c);
            if (!a) {
                c.negated = negated;
                return nullptr;
            }
            e->args.push_back(a);
        }
        c.negated = negated;
        return e;
    }
    case T_NullTest: {
        auto *t = reinterpret_cast<NullTest *>(n);
        if (t->argisrow)
            return nullptr;
        auto a = convert(reinterpret_cast<Node *>(t->arg), c);
        if (!a)
            return nullptr;
        auto e = node(t->nulltesttype == IS_NULL ? RemoteExpr::Kind::IsNull
                                                 : RemoteExpr::Kind::IsNotNull);
        e->args = {a};
        return e;
    }
    case T_ScalarArrayOpExpr: {
        auto *s = reinterpret_cast<ScalarArrayOpExpr *>(n);
        const char *name = pg_call([](Oid o) { return get_opname(o); }, s->opno);
        if (!s->useOr || !name || std::string(name) != "=" || list_length(s->args) != 2)
            return nullptr;
        auto lhs = convert(static_cast<Node *>(linitial(s->args)), c);
        Node *arr = static_cast<Node *>(lsecond(s->args));
        if (!lhs || !IsA(arr, Const) || reinterpret_cast<Const *>(arr)->constisnull)
            return nullptr;
        Const *ac = reinterpret_cast<Const *>(arr);
        Oid elemtype = pg_call([](Oid t) { return get_element_type(t); }, ac->consttype);
        if (!sendable_type(elemtype))
            return nullptr;
        int16 elmlen;
        bool elmbyval;
        char elmalign;
        pg_call([](Oid t, int16 *l, bool *b, char *a) { get_typlenbyvalalign(t, l, b, a); },
                elemtype, &elmlen, &elmbyval, &elmalign);
        Datum *elems;
        bool *nulls;
        int count;
        if (is_string_type(elemtype) && c.negated)
            return nullptr;
        pg_call([&]() {
            ArrayType *array = DatumGetArrayTypeP(ac->constvalue);
            deconstruct_array(array, elemtype, elmlen, elmbyval, elmalign, &elems, &nulls, &count);
        });
        auto e = node(RemoteExpr::Kind::In);
        e->args.push_back(lhs);
        for (int i = 0; i < count; ++i) {
            if (nulls[i])
                return nullptr;
            Const k{};
            k.xpr.type = T_Const;
            k.consttype = elemtype;
            k.constvalue = elems[i];
            k.constisnull = false;
            auto v = literal(&k);
            if (!v)
                return nullptr;
            e->args.push_back(v);
        }
        if (is_string_type(elemtype))
            c.recheck = true;
        return e;
    }
    default:
        return nullptr;
    }
}

} // namespace

dts::tsql::RemoteExprPtr to_remote(Expr *expr, RelOptInfo *rel, Oid relid, bool &recheck,
                                   List **params) {
    Ctx c{rel, relid, params};
    int before = params ? list_length(*params) : 0;
    auto e = condition(reinterpret_cast<Node *>(expr), c);
    recheck = c.recheck;
    if (!e && params && list_length(*params) > before)
        *params = pg_call([](List *l, int n) { return list_truncate(l, n); }, *params, before);
    return e;
}

std::string literal_text(Oid type, Datum value, bool isnull) {
    if (isnull)
        return "NULL";
    Const k{};
    k.xpr.type = T_Const;
    k.consttype = type;
    k.constvalue = value;
    auto e = literal(&k);
    return e ? dts::tsql::render(*e) : "NULL";
}

} // namespace pgdts
