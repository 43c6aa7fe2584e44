// Planning of pg_dts foreign scans: what runs on SQL Server (columns, WHERE, ORDER BY, TOP, join
// parameters) and what PostgreSQL does itself. See fdw_plan.hpp for the plan's private layout.
#include "fdw_plan.hpp"

#include "deparse.hpp"
#include "fdw_catalog.hpp"
#include "pg_boundary.hpp"

#include "tsql_deparse.hpp"
#include "tsql_quote.hpp"

#include <algorithm>
#include <climits>
#include <utility>
#include <vector>

extern "C" {
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace pgdts {

namespace {

using dts::tsql::RemoteExprPtr;

// Cost model: one round trip to start, SQL Server reading the table, and the rows crossing the
// wire and being converted here.
constexpr double kStartupCost = 25.0;
constexpr double kRemoteRowCost = 0.0001; // per row SQL Server reads
constexpr double kTransferCost = 0.01;    // per row sent to us
constexpr double kRemoteSortCost = 0.001; // per row SQL Server sorts

// Planner state between GetForeignRelSize and GetForeignPlan; freed with the planner's memory.
struct RelPlanState {
    SourceTable source;
    double table_rows = 1000;
    std::vector<std::pair<RestrictInfo *, RemoteExprPtr>> remote; // WHERE sent to SQL Server
    List *local_conds = NIL; // RestrictInfo* evaluated here (including rechecks)
    List *params = NIL;      // query parameters ($n, initplan values) the WHERE uses
};

RelPlanState *state_of(RelOptInfo *rel) {
    return static_cast<RelPlanState *>(rel->fdw_private);
}

void free_state(void *arg) {
    delete static_cast<RelPlanState *>(arg);
}

List *append(List *l, void *p) {
    return pg_call([](List *list, void *x) { return lappend(list, x); }, l, p);
}

double estimate_rows(const SourceTable &t, Oid user) {
    ConnectionLease lease(t.server_oid, user);
    auto &conn = lease.get();
    std::string object = dts::tsql::quote_name(t.database, t.schema, t.table);
    // sys.partitions of the table's own database (object ids are per database).
    std::string partitions = t.database.empty()
                                 ? "sys.partitions"
                                 : dts::tsql::quote_ident(t.database) + ".sys.partitions";
    conn.execute("SELECT SUM(p.rows) FROM " + partitions + " p WHERE p.object_id = OBJECT_ID(" +
                 dts::tsql::quote_literal(object) + ") AND p.index_id IN (0, 1)");
    double rows = 1000;
    while (conn.next_result())
        while (conn.next_row())
            if (const uint8_t *p = conn.data(1))
                rows =
                    std::stod(dts::tds::value_to_text(conn.column(1).type, p, conn.length(1), 0));
    return rows > 0 ? rows : 1;
}

// Types that sort the same on SQL Server as here (strings do not: collations differ).
bool sorts_alike(Oid t) {
    switch (t) {
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case NUMERICOID:
    case FLOAT4OID:
    case FLOAT8OID:
    case BOOLOID:
    case DATEOID:
    case TIMESTAMPOID:
        return true;
    default:
        return false;
    }
}

// The ORDER BY keys for `pathkeys`, or false when one of them cannot be sorted by SQL Server.
bool order_items(RelOptInfo *rel, Oid relid, List *pathkeys,
                 std::vector<dts::tsql::OrderItem> &out) {
    ListCell *lc;
    foreach (lc, pathkeys) {
        auto *pk = static_cast<PathKey *>(lfirst(lc));
        EquivalenceClass *ec = pk->pk_eclass;
        if (ec->ec_has_volatile)
            return false;
        Var *var = nullptr;
        ListCell *mc;
        foreach (mc, ec->ec_members) {
            auto *em = static_cast<EquivalenceMember *>(lfirst(mc));
            Expr *e = em->em_expr;
            while (e && IsA(e, RelabelType))
                e = reinterpret_cast<RelabelType *>(e)->arg;
            if (bms_equal(em->em_relids, rel->relids) && e && IsA(e, Var) &&
                reinterpret_cast<Var *>(e)->varattno > 0 &&
                reinterpret_cast<Var *>(e)->varlevelsup == 0) {
                var = reinterpret_cast<Var *>(e);
                break;
            }
        }
        if (!var || !sorts_alike(var->vartype))
            return false;
        if (pk->pk_strategy != BTLessStrategyNumber && pk->pk_strategy != BTGreaterStrategyNumber)
            return false;
        Oid family = pg_call(
            [](Oid type) {
                Oid opclass = GetDefaultOpClass(type, BTREE_AM_OID);
                return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
            },
            var->vartype);
        if (family != pk->pk_opfamily)
            return false;
        bool not_null = pg_call(
            [](Oid r, AttrNumber a) {
                Relation rel = table_open(r, NoLock);
                bool nn = TupleDescAttr(RelationGetDescr(rel), a - 1)->attnotnull;
                table_close(rel, NoLock);
                return nn;
            },
            relid, var->varattno);
        out.push_back({column_remote_name(relid, var->varattno),
                       pk->pk_strategy == BTGreaterStrategyNumber, pk->pk_nulls_first, !not_null});
    }
    return !out.empty();
}

// TOP (n) is safe when this relation alone makes the query's rows (no join, grouping, DISTINCT,
// window or set-returning function: the planner's limit_tuples says so) and every WHERE clause
// runs on SQL Server. -1 otherwise.
long safe_limit(PlannerInfo *root, RelOptInfo *rel) {
    if (root->limit_tuples <= 0 || root->limit_tuples > static_cast<double>(INT_MAX))
        return -1;
    if (root->parse->limitOption != LIMIT_OPTION_COUNT || root->parse->rowMarks != NIL)
        return -1;
    if (bms_membership(root->all_baserels) != BMS_SINGLETON)
        return -1;
    if (state_of(rel)->local_conds != NIL)
        return -1;
    return static_cast<long>(root->limit_tuples);
}

// Path private data: [0] TOP n (-1: none), [1] 1 when the path is sorted on SQL Server.
List *path_private(long limit, bool sorted) {
    return pg_call([](long l, bool s) { return list_make2_int(static_cast<int>(l), s ? 1 : 0); },
                   limit, sorted);
}

void add_scan_path(PlannerInfo *root, RelOptInfo *rel, double rows, Cost extra_startup,
                   List *pathkeys, Relids required_outer, long limit) {
    double table_rows = state_of(rel)->table_rows;
    if (limit >= 0)
        rows = std::min(rows, static_cast<double>(limit));
    Cost startup = kStartupCost + extra_startup;
    Cost total = startup + table_rows * kRemoteRowCost + rows * (kTransferCost + cpu_tuple_cost);
    List *priv = path_private(limit, pathkeys != NIL);
    pg_call([&]() {
        ForeignPath *path = create_foreignscan_path(root, rel, nullptr, rows, startup, total,
                                                    pathkeys, required_outer, nullptr, priv);
        add_path(rel, reinterpret_cast<Path *>(path));
    });
}

// Any equivalence member that is a plain column of this relation.
bool is_own_column(PlannerInfo *, RelOptInfo *rel, EquivalenceClass *, EquivalenceMember *em,
                   void *) {
    Expr *e = em->em_expr;
    while (e && IsA(e, RelabelType))
        e = reinterpret_cast<RelabelType *>(e)->arg;
    return e && IsA(e, Var) && bms_is_member(reinterpret_cast<Var *>(e)->varno, rel->relids) &&
           reinterpret_cast<Var *>(e)->varattno > 0;
}

// Parameterized paths: for each join clause "column = outer expression" SQL Server can evaluate,
// a path that runs the scan once per outer row with the value bound (a nested loop's inner side).
void add_parameterized_paths(PlannerInfo *root, RelOptInfo *rel, Oid relid) {
    List *candidates = NIL;
    ListCell *lc;
    foreach (lc, rel->joininfo) {
        auto *ri = static_cast<RestrictInfo *>(lfirst(lc));
        if (pg_call([](RestrictInfo *r, RelOptInfo *b) { return join_clause_is_movable_to(r, b); },
                    ri, rel))
            candidates = append(candidates, ri);
    }
    if (rel->has_eclass_joins) {
        List *implied = pg_call([&]() {
            return generate_implied_equalities_for_column(root, rel, is_own_column, nullptr,
                                                          rel->lateral_referencers);
        });
        foreach (lc, implied)
            candidates = append(candidates, lfirst(lc));
    }
    List *infos = NIL;
    foreach (lc, candidates) {
        auto *ri = static_cast<RestrictInfo *>(lfirst(lc));
        List *params = NIL;
        bool recheck = false;
        if (!to_remote(ri->clause, rel, relid, recheck, &params) || params == NIL)
            continue;
        ParamPathInfo *ppi = pg_call([&]() -> ParamPathInfo * {
            Relids outer = bms_union(ri->clause_relids, rel->lateral_relids);
            outer = bms_del_members(outer, rel->relids);
            if (bms_is_empty(outer))
                return nullptr;
            return get_baserel_parampathinfo(root, rel, outer);
        });
        if (ppi && !list_member_ptr(infos, ppi))
            infos = append(infos, ppi);
    }
    foreach (lc, infos) {
        auto *ppi = static_cast<ParamPathInfo *>(lfirst(lc));
        add_scan_path(root, rel, ppi->ppi_rows, 0, NIL, ppi->ppi_req_outer, -1);
    }
}

} // namespace

void plan_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    auto *st = new RelPlanState();
    pg_call([&]() {
        auto *cb = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
        cb->func = free_state;
        cb->arg = st;
        MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
    });
    baserel->fdw_private = st;
    st->source = source_table(relid);
    List *remote_conds = NIL;
    ListCell *lc;
    foreach (lc, baserel->baserestrictinfo) {
        auto *ri = static_cast<RestrictInfo *>(lfirst(lc));
        bool recheck = false;
        auto remote = to_remote(ri->clause, baserel, relid, recheck, &st->params);
        if (remote) {
            st->remote.emplace_back(ri, remote);
            remote_conds = append(remote_conds, ri);
        }
        if (!remote || recheck)
            st->local_conds = append(st->local_conds, ri);
    }
    Oid user = OidIsValid(baserel->userid) ? baserel->userid : GetUserId();
    st->table_rows = estimate_rows(st->source, user);
    // Selectivity of what SQL Server filters, by PostgreSQL's own estimate.
    Selectivity sel =
        pg_call([](PlannerInfo *r, List *q,
                   int rel) { return clauselist_selectivity(r, q, rel, JOIN_INNER, nullptr); },
                root, remote_conds, static_cast<int>(baserel->relid));
    baserel->rows = std::max(1.0, st->table_rows * sel);
}

void plan_paths(PlannerInfo *root, RelOptInfo *baserel, Oid relid) {
    long limit = safe_limit(root, baserel);
    // Unsorted: TOP only when the query has no ORDER BY either.
    add_scan_path(root, baserel, baserel->rows, 0, NIL, nullptr,
                  root->sort_pathkeys == NIL ? limit : -1);
    // Sorted on SQL Server, in the order the query wants; TOP when that order is its ORDER BY.
    std::vector<dts::tsql::OrderItem> items;
    if (root->query_pathkeys != NIL && order_items(baserel, relid, root->query_pathkeys, items)) {
        bool is_order_by = pg_call([](List *a, List *b) { return compare_pathkeys(a, b); },
                                   root->query_pathkeys, root->sort_pathkeys) == PATHKEYS_EQUAL;
        add_scan_path(root, baserel, baserel->rows, baserel->rows * kRemoteSortCost,
                      root->query_pathkeys, nullptr, is_order_by ? limit : -1);
    }
    add_parameterized_paths(root, baserel, relid);
}

ForeignScan *plan_scan(PlannerInfo *, RelOptInfo *baserel, Oid relid, ForeignPath *best_path,
                       List *tlist, List *scan_clauses, Plan *outer_plan) {
    RelPlanState *st = state_of(baserel);
    dts::tsql::RemoteQuery q;
    q.database = st->source.database;
    q.schema = st->source.schema;
    q.table = st->source.table;
    q.filter = st->source.filter;
    List *priv_in = best_path->fdw_private;
    q.limit = priv_in ? linitial_int(priv_in) : -1;
    if (priv_in && lsecond_int(priv_in) &&
        !order_items(baserel, relid, best_path->path.pathkeys, q.order_by))
        throw dts::Error("XX000", "pg_dts: sort keys of a planned path are no longer pushable");

    // WHERE: what GetForeignRelSize found sendable, plus a parameterized path's join clauses.
    List *params = pg_call([](List *l) { return list_copy(l); }, st->params);
    List *local = NIL;
    for (const auto &[ri, e] : st->remote) // in the query's order, as EXPLAIN shows them
        if (list_member_ptr(scan_clauses, ri))
            q.where.push_back(e);
    ListCell *lc;
    foreach (lc, scan_clauses) {
        auto *ri = static_cast<RestrictInfo *>(lfirst(lc));
        if (ri->pseudoconstant)
            continue; // the planner checks these once, above the scan
        bool local_too = list_member_ptr(st->local_conds, ri);
        bool known = std::any_of(st->remote.begin(), st->remote.end(),
                                 [&](const auto &p) { return p.first == ri; });
        if (!known && !local_too) {
            bool recheck = false;
            auto e = to_remote(ri->clause, baserel, relid, recheck, &params);
            if (e)
                q.where.push_back(e);
            local_too = !e || recheck;
        }
        if (local_too)
            local = append(local, ri);
    }

    // Columns the query needs: the target list and the locally evaluated clauses.
    Bitmapset *attrs = nullptr;
    pg_call([&]() {
        pull_varattnos(reinterpret_cast<Node *>(baserel->reltarget->exprs), baserel->relid, &attrs);
        ListCell *c;
        foreach (c, local)
            pull_varattnos(reinterpret_cast<Node *>(static_cast<RestrictInfo *>(lfirst(c))->clause),
                           baserel->relid, &attrs);
    });
    bool whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
    // Sized outside pg_call: no C++ allocation (and so no bad_alloc) inside its noexcept frame.
    const int natts = pg_call([&]() {
        Relation rel = table_open(relid, NoLock);
        const int n = RelationGetDescr(rel)->natts;
        table_close(rel, NoLock);
        return n;
    });
    std::vector<bool> dropped(static_cast<size_t>(natts));
    pg_call([&]() {
        Relation rel = table_open(relid, NoLock);
        TupleDesc desc = RelationGetDescr(rel);
        for (int i = 0; i < desc->natts && i < natts; ++i)
            dropped[static_cast<size_t>(i)] = TupleDescAttr(desc, i)->attisdropped;
        table_close(rel, NoLock);
    });
    List *retrieved = NIL;
    for (int att = 1; att <= static_cast<int>(dropped.size()); ++att) {
        if (dropped[att - 1] ||
            (!whole_row && !bms_is_member(att - FirstLowInvalidHeapAttributeNumber, attrs)))
            continue;
        q.columns.push_back(column_remote_name(relid, att));
        retrieved = pg_call([](List *l, int a) { return lappend_int(l, a); }, retrieved, att);
    }

    dts::tsql::SqlTemplate sql = dts::tsql::render_template(q);
    std::string shown = dts::tsql::render(q);
    List *priv =
        pg_call([&]() { return list_make2(makeString(pstrdup(shown.c_str())), retrieved); });
    if (params != NIL) {
        List *parts = NIL, *slots = NIL;
        for (const auto &p : sql.parts)
            parts = append(
                parts, pg_call([](const char *s) { return makeString(pstrdup(s)); }, p.c_str()));
        for (int n : sql.slots)
            slots = pg_call([](List *l, int v) { return lappend_int(l, v); }, slots, n);
        priv = append(append(priv, parts), slots);
    }
    List *local_exprs = pg_call([](List *l) { return extract_actual_clauses(l, false); }, local);
    return pg_call([&]() {
        return make_foreignscan(tlist, local_exprs, baserel->relid, params, priv, NIL, NIL,
                                outer_plan);
    });
}

List *init_remote_params(ForeignScanState *node) {
    auto *plan = reinterpret_cast<ForeignScan *>(node->ss.ps.plan);
    if (plan->fdw_exprs == NIL)
        return NIL;
    return pg_call(
        [&]() { return ExecInitExprList(plan->fdw_exprs, reinterpret_cast<PlanState *>(node)); });
}

std::string remote_sql(ForeignScanState *node, List *param_states) {
    auto *plan = reinterpret_cast<ForeignScan *>(node->ss.ps.plan);
    if (param_states == NIL || list_length(plan->fdw_private) < 4)
        return strVal(linitial(plan->fdw_private));
    dts::tsql::SqlTemplate t;
    ListCell *lc;
    foreach (lc, static_cast<List *>(lthird(plan->fdw_private)))
        t.parts.emplace_back(strVal(lfirst(lc)));
    foreach (lc, static_cast<List *>(lfourth(plan->fdw_private)))
        t.slots.push_back(lfirst_int(lc));
    std::vector<std::string> values;
    ExprContext *econtext = node->ss.ps.ps_ExprContext;
    ListCell *ec;
    forboth(lc, param_states, ec, plan->fdw_exprs) {
        bool isnull = false;
        Datum v = pg_call([&]() {
            MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
            Datum d = ExecEvalExpr(static_cast<ExprState *>(lfirst(lc)), econtext, &isnull);
            MemoryContextSwitchTo(old);
            return d;
        });
        values.push_back(literal_text(exprType(static_cast<Node *>(lfirst(ec))), v, isnull));
    }
    return dts::tsql::bind(t, values);
}

} // namespace pgdts
