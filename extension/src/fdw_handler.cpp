// The pg_dts foreign data wrapper: planning, scanning, EXPLAIN and IMPORT FOREIGN SCHEMA. Every
// callback is a thin wrapper around pg_entry(); the work happens in C++ with PostgreSQL calls
// through pg_call().
#include "deparse.hpp"
#include "fdw_catalog.hpp"
#include "fdw_plan.hpp"
#include "pg_boundary.hpp"
#include "value_datum.hpp"

#include "source_catalog.hpp"
#include "tsql_quote.hpp"
#include "type_mapping.hpp"

extern "C" {
#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

#include <sybdb.h>

DTS_SQL_FUNCTION(dts_fdw_handler)

namespace pgdts {

namespace {

template <typename Body> void entry(Body &&body) {
    pg_entry([&]() -> Datum {
        try {
            body();
        } catch (const dts::Error &e) {
            // A cancelled remote batch: let PostgreSQL report why (statement_timeout, cancel).
            if (e.sqlstate == "57014")
                pg_call([]() { CHECK_FOR_INTERRUPTS(); });
            throw;
        }
        return static_cast<Datum>(0);
    });
}

struct DtsScanState {
    std::string sql;
    List *params = NIL;       // ExprStates of a parameterized scan's values
    std::vector<int> attnums; // result column i+1 -> attribute number
    Oid server_oid = InvalidOid, user_oid = InvalidOid;
    std::unique_ptr<ConnectionLease> lease;
    dts::tds::Connection *conn = nullptr;
    bool started = false, done = false;
    std::vector<int> types, scales;
    std::vector<bool> fast;         // per result column: converted without text
    std::vector<int> char_limit;    // per result column: varchar(n) limit checked per value
    std::vector<bool> row_fast;     // per result column, this row: fast conversion applies
    std::vector<std::string> texts; // reused per row for the text path
    std::vector<const uint8_t *> data;
    std::vector<int> lengths;
    std::vector<Oid> pgtypes; // per attribute
    Relation rel = nullptr;
    int converting = -1; // attribute index being converted, for the error context
    FmgrInfo *in_funcs = nullptr;
    Oid *ioparams = nullptr;
    int32 *typmods = nullptr;
    MemoryContext row_cxt = nullptr;
};

void free_scan(void *arg) {
    auto *s = static_cast<DtsScanState *>(arg);
    // A scan ended early (LIMIT, error, cancel): stop the remote batch so the connection is
    // clean for the next query.
    if (s->conn && s->started && !s->done)
        s->conn->cancel();
    delete s;
}

std::string explain_sql(ForeignScan *plan) {
    return strVal(linitial(plan->fdw_private));
}

} // namespace

} // namespace pgdts

using namespace pgdts;

extern "C" {

static void dts_GetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid) {
    entry([&] { plan_rel_size(root, baserel, foreigntableid); });
}

static void dts_GetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid) {
    entry([&] { plan_paths(root, baserel, foreigntableid); });
}

static ForeignScan *dts_GetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
                                       ForeignPath *best_path, List *tlist, List *scan_clauses,
                                       Plan *outer_plan) {
    ForeignScan *result = nullptr;
    entry([&] {
        result =
            plan_scan(root, baserel, foreigntableid, best_path, tlist, scan_clauses, outer_plan);
    });
    return result;
}

static void dts_BeginForeignScan(ForeignScanState *node, int eflags) {
    entry([&] {
        if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
            return;
        auto *plan = reinterpret_cast<ForeignScan *>(node->ss.ps.plan);
        auto *s = new DtsScanState();
        MemoryContextCallback *cb = static_cast<MemoryContextCallback *>(
            pg_call([]() { return palloc0(sizeof(MemoryContextCallback)); }));
        cb->func = free_scan;
        cb->arg = s;
        pg_call([&]() { MemoryContextRegisterResetCallback(CurrentMemoryContext, cb); });
        node->fdw_state = s;
        s->sql = strVal(linitial(plan->fdw_private));
        s->params = init_remote_params(node);
        ListCell *lc;
        foreach (lc, static_cast<List *>(lsecond(plan->fdw_private)))
            s->attnums.push_back(lfirst_int(lc));
        Relation rel = node->ss.ss_currentRelation;
        s->rel = rel;
        Oid relid = RelationGetRelid(rel);
        SourceTable src = source_table(relid);
        s->server_oid = src.server_oid;
        RangeTblEntry *rte = exec_rt_fetch(plan->scan.scanrelid, node->ss.ps.state);
        Oid user = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
        s->user_oid = user;
        require_filter_author_rights(src, rel->rd_rel->relowner, user,
                                     RelationGetRelationName(rel));
        TupleDesc desc = RelationGetDescr(rel);
        s->pgtypes.assign(static_cast<size_t>(desc->natts), InvalidOid);
        s->in_funcs = static_cast<FmgrInfo *>(
            pg_call([&]() { return palloc0(sizeof(FmgrInfo) * desc->natts); }));
        s->ioparams =
            static_cast<Oid *>(pg_call([&]() { return palloc0(sizeof(Oid) * desc->natts); }));
        s->typmods =
            static_cast<int32 *>(pg_call([&]() { return palloc0(sizeof(int32) * desc->natts); }));
        for (int i = 0; i < desc->natts; ++i) {
            Form_pg_attribute a = TupleDescAttr(desc, i);
            if (a->attisdropped)
                continue;
            Oid infunc;
            pg_call([&]() {
                getTypeInputInfo(a->atttypid, &infunc, &s->ioparams[i]);
                fmgr_info(infunc, &s->in_funcs[i]);
            });
            s->typmods[i] = a->atttypmod;
            s->pgtypes[i] = a->atttypid;
        }
        s->row_cxt = pg_call([]() {
            return AllocSetContextCreate(CurrentMemoryContext, "pg_dts row", ALLOCSET_SMALL_SIZES);
        });
        s->lease = std::make_unique<ConnectionLease>(s->server_oid, s->user_oid);
        s->conn = &s->lease->get();
    });
}

// Names the column whose value PostgreSQL rejected, as postgres_fdw does.
static void conversion_error_context(void *arg) {
    auto *s = static_cast<DtsScanState *>(arg);
    if (s->converting < 0 || !s->rel)
        return;
    TupleDesc desc = RelationGetDescr(s->rel);
    errcontext("column \"%s\" of foreign table \"%s\"",
               NameStr(TupleDescAttr(desc, s->converting)->attname),
               RelationGetRelationName(s->rel));
}

static TupleTableSlot *dts_IterateForeignScan(ForeignScanState *node) {
    TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
    entry([&] {
        auto *s = static_cast<DtsScanState *>(node->fdw_state);
        pg_call([&]() { ExecClearTuple(slot); });
        if (s->done)
            return;
        if (!s->started) {
            s->conn->execute(remote_sql(node, s->params));
            s->started = true;
            if (!s->conn->next_result()) {
                s->done = true;
                return;
            }
            for (int i = 1; i <= s->conn->column_count(); ++i) {
                auto d = s->conn->column(i);
                s->types.push_back(d.type);
                s->scales.push_back(d.scale);
            }
            const size_t n = s->attnums.size();
            s->fast.assign(n, false);
            s->char_limit.assign(n, -1);
            s->row_fast.assign(n, false);
            s->texts.assign(n, std::string());
            s->data.assign(n, nullptr);
            s->lengths.assign(n, 0);
            for (size_t k = 0; k < n && k < s->types.size(); ++k) {
                int att = s->attnums[k] - 1;
                s->fast[k] =
                    has_fast_datum(s->types[k], s->pgtypes[att], s->typmods[att], s->scales[k]);
                s->char_limit[k] = fast_char_limit(s->pgtypes[att], s->typmods[att]);
            }
        }
        if (!s->conn->next_row()) {
            s->conn->drain();
            s->done = true;
            return;
        }
        const size_t ncols = s->attnums.size();
        // C++ side: the text of the values that need an input function.
        for (size_t k = 0; k < ncols; ++k) {
            int col = static_cast<int>(k) + 1;
            s->data[k] = s->conn->data(col);
            s->lengths[k] = s->data[k] ? s->conn->length(col) : 0;
            s->row_fast[k] =
                s->fast[k] && (s->char_limit[k] < 0 ||
                               utf8_length(s->data[k], s->lengths[k]) <= s->char_limit[k]);
            if (s->data[k] && !s->row_fast[k])
                s->texts[k] =
                    dts::tds::value_to_text(s->types[k], s->data[k], s->lengths[k], s->scales[k]);
        }
        // PostgreSQL side, one guarded call per row and no C++ objects created inside it.
        pg_call([&]() {
            ErrorContextCallback errcb{error_context_stack, conversion_error_context, s};
            error_context_stack = &errcb;
            MemoryContextReset(s->row_cxt);
            MemoryContext old = MemoryContextSwitchTo(s->row_cxt);
            TupleDesc desc = slot->tts_tupleDescriptor;
            for (int i = 0; i < desc->natts; ++i) {
                slot->tts_values[i] = 0;
                slot->tts_isnull[i] = true;
            }
            for (size_t k = 0; k < ncols; ++k) {
                if (!s->data[k])
                    continue;
                int att = s->attnums[k] - 1;
                s->converting = att;
                if (s->row_fast[k]) {
                    slot->tts_values[att] =
                        fast_datum(s->types[k], s->data[k], s->lengths[k], s->pgtypes[att]);
                } else {
                    int n = 0;
                    const char *text =
                        server_string(s->texts[k].data(), static_cast<int>(s->texts[k].size()), &n);
                    slot->tts_values[att] =
                        InputFunctionCall(&s->in_funcs[att], const_cast<char *>(text),
                                          s->ioparams[att], s->typmods[att]);
                }
                slot->tts_isnull[att] = false;
            }
            MemoryContextSwitchTo(old);
            error_context_stack = errcb.previous;
        });
        pg_call([&]() { ExecStoreVirtualTuple(slot); });
    });
    return slot;
}

static void dts_ReScanForeignScan(ForeignScanState *node) {
    entry([&] {
        auto *s = static_cast<DtsScanState *>(node->fdw_state);
        if (s->started && !s->done)
            s->conn->cancel();
        s->started = s->done = false;
        s->types.clear();
        s->scales.clear();
    });
}

static void dts_EndForeignScan(ForeignScanState *node) {
    entry([&] {
        auto *s = static_cast<DtsScanState *>(node->fdw_state);
        if (s && s->started && !s->done) {
            s->conn->cancel();
            s->done = true;
        }
    });
}

static void dts_ExplainForeignScan(ForeignScanState *node, ExplainState *es) {
    entry([&] {
        if (!es->verbose)
            return;
        std::string sql = explain_sql(reinterpret_cast<ForeignScan *>(node->ss.ps.plan));
        pg_call([&]() { ExplainPropertyText("Remote SQL", sql.c_str(), es); });
    });
}

static int dts_IsForeignRelUpdatable(Relation) {
    return 0;
}

static List *dts_ImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

} // extern "C"

Datum dts_fdw_handler(PG_FUNCTION_ARGS) {
    (void)fcinfo;
    return pg_entry([&]() -> Datum {
        FdwRoutine *r = pg_call([]() { return makeNode(FdwRoutine); });
        r->GetForeignRelSize = dts_GetForeignRelSize;
        r->GetForeignPaths = dts_GetForeignPaths;
        r->GetForeignPlan = dts_GetForeignPlan;
        r->BeginForeignScan = dts_BeginForeignScan;
        r->IterateForeignScan = dts_IterateForeignScan;
        r->ReScanForeignScan = dts_ReScanForeignScan;
        r->EndForeignScan = dts_EndForeignScan;
        r->ExplainForeignScan = dts_ExplainForeignScan;
        r->IsForeignRelUpdatable = dts_IsForeignRelUpdatable;
        r->ImportForeignSchema = dts_ImportForeignSchema;
        PG_RETURN_POINTER(r);
    });
}

// ---- IMPORT FOREIGN SCHEMA ----------------------------------------------------------------------

namespace pgdts {
namespace {

struct RemoteColumn {
    std::string table, name, type;
    int max_length, precision, scale;
    bool nullable;
};

List *import_schema(ImportForeignSchemaStmt *stmt, Oid server_oid) {
    ConnectionLease lease(server_oid, GetUserId());
    auto &conn = lease.get();
    ForeignServer *fs = pg_call([](Oid s) { return GetForeignServer(s); }, server_oid);
    std::string filter;
    if (stmt->list_type != FDW_IMPORT_SCHEMA_ALL) {
        std::string names;
        ListCell *lc;
        foreach (lc, stmt->table_list) {
            auto *rv = static_cast<RangeVar *>(lfirst(lc));
            names += (names.empty() ? "" : ", ") + dts::tsql::quote_literal(rv->relname);
        }
        filter = std::string(" AND t.name ") +
                 (stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT ? "NOT IN (" : "IN (") + names + ")";
    }
    // Alias types import as their base type (sys.types by user_type_id names the alias).
    conn.execute("SELECT t.name, c.name, " + dts::catalog::column_type_name() +
                 ", c.max_length, c.precision, c.scale, c.is_nullable FROM sys.tables t JOIN "
                 "sys.schemas s ON s.schema_id = t.schema_id JOIN sys.columns c ON c.object_id = "
                 "t.object_id " +
                 dts::catalog::column_type_joins() +
                 "WHERE s.name = " + dts::tsql::quote_literal(stmt->remote_schema) + filter +
                 " ORDER BY t.name, c.column_id");
    std::vector<RemoteColumn> cols;
    while (conn.next_result())
        while (conn.next_row()) {
            auto text = [&](int i) {
                const uint8_t *p = conn.data(i);
                return p ? dts::tds::value_to_text(conn.column(i).type, p, conn.length(i), 0)
                         : std::string();
            };
            // Names become SQL of this database: in its encoding.
            auto name = [&](int i) {
                const std::string v = text(i);
                int n = 0;
                const char *r = pg_call(
                    [&]() { return server_string(v.data(), static_cast<int>(v.size()), &n); });
                return std::string(r, static_cast<size_t>(n));
            };
            cols.push_back({name(1), name(2), text(3), std::stoi(text(4)), std::stoi(text(5)),
                            std::stoi(text(6)), text(7) == "true" || text(7) == "1"});
        }
    if (cols.empty()) {
        conn.execute("SELECT COUNT(*) FROM sys.schemas WHERE name = " +
                     dts::tsql::quote_literal(stmt->remote_schema));
        bool exists = false;
        while (conn.next_result())
            while (conn.next_row())
                exists = conn.data(1) && dts::tds::value_to_text(conn.column(1).type, conn.data(1),
                                                                 conn.length(1), 0) != "0";
        if (!exists)
            throw dts::Error(
                "HV00Q",
                "schema \"" + std::string(stmt->remote_schema) +
                    "\" does not exist on SQL Server \"" + fs->servername + "\"",
                {}, "Check the schema name; SQL Server schemas are listed in sys.schemas.");
    }
    List *commands = NIL;
    auto qi = [](const std::string &s) {
        return std::string(pg_call([](const char *x) { return quote_identifier(x); }, s.c_str()));
    };
    auto ql = [](const std::string &s) {
        return std::string(pg_call([](const char *x) { return quote_literal_cstr(x); }, s.c_str()));
    };
    for (size_t i = 0; i < cols.size();) {
        const std::string table = cols[i].table;
        std::string defs;
        for (; i < cols.size() && cols[i].table == table; ++i) {
            const auto &c = cols[i];
            auto m = dts::map_type({c.type, c.max_length, c.precision, c.scale});
            if (m.pg_type.empty()) {
                std::string msg =
                    "column \"" + c.name + "\" of table \"" + table + "\" skipped: " + m.note;
                pg_call([&]() { ereport(NOTICE, (errmsg_internal("%s", msg.c_str()))); });
                continue;
            }
            defs += (defs.empty() ? "" : ", ") + qi(c.name) + " " + m.pg_type +
                    (c.nullable ? "" : " NOT NULL");
        }
        if (defs.empty())
            continue;
        std::string sql = "CREATE FOREIGN TABLE " + qi(stmt->local_schema) + "." + qi(table) +
                          " (" + defs + ") SERVER " + qi(fs->servername) +
                          " OPTIONS (schema_name " + ql(stmt->remote_schema) + ", table_name " +
                          ql(table) + ")";
        commands = pg_call([&]() { return lappend(commands, pstrdup(sql.c_str())); });
    }
    return commands;
}

} // namespace
} // namespace pgdts

extern "C" {
static List *dts_ImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid) {
    List *out = NIL;
    entry([&] { out = import_schema(stmt, serverOid); });
    return out;
}
}
