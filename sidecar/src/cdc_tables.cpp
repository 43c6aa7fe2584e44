#include "cdc_tables.hpp"

#include "log.hpp"

#include "error.hpp"
#include "pg_quote.hpp"
#include "tsql_filter.hpp"
#include "tsql_quote.hpp"

#include <algorithm>

namespace sidecar {

namespace {

using dts::Lsn;

std::vector<std::string> pg_array(PgConnection &pg, const std::optional<std::string> &literal) {
    std::vector<std::string> out;
    if (literal)
        for (auto &r : pg.query_rows("SELECT unnest($1::text[])", {literal}))
            out.push_back(r[0].value_or(""));
    return out;
}

std::vector<std::string> source_columns(dts::tds::Connection &src, const std::string &schema,
                                        const std::string &table) {
    std::vector<std::string> out;
    for (auto &r :
         src.query_text("SELECT c.name FROM sys.columns c WHERE c.object_id = "
                        "OBJECT_ID(" +
                        dts::tsql::object_literal(schema, table) + ") ORDER BY c.column_id")
             .rows)
        out.push_back(r[0].value_or(""));
    return out;
}

bool contains(const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

std::optional<dts::Lsn> lsn_from_text(const std::optional<std::string> &text) {
    if (!text || text->rfind("\\x", 0) != 0)
        return std::nullopt;
    return Lsn::parse("0x" + text->substr(2));
}

std::vector<dts::capture::Seen> seen_of(const std::vector<CaptureInstance> &instances) {
    std::vector<dts::capture::Seen> out;
    for (const auto &ci : instances)
        out.push_back({ci.change_table, ci.start});
    return out;
}

std::vector<CaptureInstance> capture_instances(dts::tds::Connection &src, const std::string &schema,
                                               const std::string &table) {
    std::vector<CaptureInstance> out;
    auto rows = src.query_text(
        "SELECT ct.capture_instance, ct.start_lsn, cc.column_name, cc.column_ordinal, "
        "ct.object_id FROM "
        "cdc.change_tables ct "
        "JOIN cdc.captured_columns cc ON cc.object_id = ct.object_id WHERE ct.source_object_id "
        "= OBJECT_ID(" +
        dts::tsql::object_literal(schema, table) +
        ") ORDER BY ct.create_date, ct.object_id, cc.column_ordinal");
    for (auto &r : rows.rows) {
        const std::string name = r[0].value_or("");
        if (out.empty() || out.back().name != name) {
            CaptureInstance ci;
            ci.name = name;
            ci.start = lsn_from_text(r[1]).value_or(Lsn{});
            ci.change_table = r[4] ? std::stoll(*r[4]) : 0;
            out.push_back(std::move(ci));
        }
        out.back().columns.push_back(r[2].value_or(""));
        out.back().ordinals.push_back(r[3] ? std::stoi(*r[3]) : 0);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto &a, const auto &b) { return a.start < b.start; });
    return out;
}

std::vector<CdcTable> load_cdc_tables(PgConnection &pg, dts::tds::Connection &src,
                                      const TaskRef &task, const std::string &db) {
    auto rows = pg.query_rows(
        "SELECT x.source_schema, x.source_table, x.target_schema, x.target_table, "
        "coalesce(s.primary_key, x.source_primary_key)::text, s.dml::text, x.incremental_from, "
        "x.capture = 'log', x.capture_seen::text, x.capture_lost_after, s.filter, (SELECT "
        "t.nul_policy = 'strip' FROM dts.tasks t WHERE t.task_id = x.task_id) FROM dts.tables x "
        "LEFT "
        "JOIN dts.table_settings s USING (task_id, source_db, source_schema, source_table) WHERE "
        "x.task_id = $1 AND x.source_db = $2 AND x.incremental_error IS NULL AND "
        "dts._selects(x.task_id, x.source_db, x.source_schema, x.source_table) ORDER BY 1, 2",
        {std::to_string(task.id), db});
    std::vector<CdcTable> out;
    for (auto &r : rows) {
        CdcTable c;
        c.schema = *r[0];
        c.table = *r[1];
        c.apply.source_name = source_table_name(db, c.schema, c.table);
        c.apply.strip_nul = r[11] == "t";
        c.apply.task_name = task.name;
        c.apply.target = dts::pg::qualified(*r[2], *r[3]);
        if (r[6])
            c.read_from = Lsn::parse(*r[6]);
        c.log = r[7] == "t";
        // A table dropped at the source loses its capture instances with it; its DROP TABLE row
        // is still ahead in the stream and removes it from the task.
        auto id =
            src.query_text("SELECT OBJECT_ID(" + dts::tsql::object_literal(c.schema, c.table) + ")")
                .rows.at(0)[0];
        if (!id)
            continue;
        c.object_id = std::stoll(*id);
        if (!c.log) {
            c.instances = capture_instances(src, c.schema, c.table);
            if (r[8]) {
                c.seen.emplace();
                for (const auto &e : pg_array(pg, r[8]))
                    if (auto seen = dts::capture::from_text(e))
                        c.seen->push_back(*seen);
            }
            if (r[9])
                c.lost_after = Lsn::parse(*r[9]);
        }
        for (auto &a : pg.query_rows("SELECT attname FROM pg_attribute WHERE attrelid = "
                                     "$1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY "
                                     "attnum",
                                     {c.apply.target}))
            c.apply.columns.push_back(*a[0]);
        for (const auto &k : pg_array(pg, r[4])) {
            auto it = std::find(c.apply.columns.begin(), c.apply.columns.end(), k);
            if (it != c.apply.columns.end())
                c.apply.key_positions.push_back(static_cast<size_t>(it - c.apply.columns.begin()));
        }
        if (c.apply.key_positions.empty())
            for (auto &l : src.query_text("SELECT c.name, CASE WHEN ty.name IN (N'text', N'ntext', "
                                          "N'image') THEN 1 ELSE 0 END FROM sys.columns c JOIN "
                                          "sys.types ty ON ty.user_type_id = c.system_type_id "
                                          "WHERE c.object_id = OBJECT_ID(" +
                                          dts::tsql::object_literal(c.schema, c.table) +
                                          ") AND (c.max_length = -1 OR ty.name IN (N'text', "
                                          "N'ntext', N'image', N'xml'))")
                               .rows) {
                c.large_columns.push_back(l[0].value_or(""));
                // text/ntext/image are NULL in every delete and update before-image.
                if (l[1] == "1")
                    c.apply.lob_columns.push_back(l[0].value_or(""));
            }
        if (r[10] && !r[10]->empty()) {
            // Checked again here, as before a full load: nothing else stands between a stored
            // filter and the source login.
            dts::tsql::require_search_condition(*r[10], "the row filter of " + c.apply.source_name);
            c.apply.filter = *r[10];
            if (c.log)
                c.probe = filter_probe(src, c.schema, c.table, c.apply);
        }
        auto dml = pg_array(pg, r[5]);
        if (!dml.empty())
            c.apply.dml = {contains(dml, "INSERT"), contains(dml, "UPDATE"),
                           contains(dml, "DELETE")};
        out.push_back(std::move(c));
    }
    const bool log_mode =
        pg.query_rows("SELECT incremental_mode = 'log' FROM dts.tasks WHERE task_id = $1",
                      {std::to_string(task.id)})
            .at(0)[0] == "t";
    if (log_mode) {
        // No CDC at the source in log mode: the heartbeat rows come through the log.
        CdcTable c;
        c.kind = TableKind::Heartbeat;
        c.log = true;
        c.schema = "dbo";
        c.table = "dts_log_heart_beat";
        c.apply.source_name = source_table_name(db, c.schema, c.table);
        c.apply.columns = {"task_name", "heartbeat", "sidecar"};
        c.apply.key_positions = {0};
        if (src.query_text("SELECT OBJECT_ID(N'dbo.dts_log_heart_beat')").rows.at(0)[0])
            out.push_back(std::move(c));
        else
            log::warning("heartbeat table dbo.dts_log_heart_beat missing: no lag figure",
                         {{"task", task.name}, {"db", db}, {"fix", "SELECT dts_prepare_source()"}});
        return out;
    }
    for (auto [kind, name] : {std::pair{TableKind::Heartbeat, "dts_sync_progress"},
                              std::pair{TableKind::DdlHistory, "dts_cdc_ddl_history"}}) {
        CdcTable c;
        c.kind = kind;
        c.schema = "dbo";
        c.table = name;
        c.apply.source_name = source_table_name(db, c.schema, c.table);
        c.instances = capture_instances(src, c.schema, c.table);
        if (c.instances.empty()) {
            log::warning(kind == TableKind::Heartbeat
                             ? "heartbeat table not tracked by CDC: no lag figure"
                             : "DDL history table not tracked by CDC: source DDL is not applied",
                         {{"task", task.name}, {"db", db}, {"fix", "SELECT dts_prepare_source()"}});
            continue;
        }
        c.apply.columns = c.instances.back().columns;
        out.push_back(std::move(c));
    }
    return out;
}

TableChanges columns_for(const CdcTable &t, const CaptureInstance &ci) {
    TableChanges out = t.apply;
    out.columns.clear();
    out.key_positions.clear();
    for (const auto &c : t.apply.columns)
        if (contains(ci.columns, c))
            out.columns.push_back(c);
    for (size_t k : t.apply.key_positions) {
        auto it = std::find(out.columns.begin(), out.columns.end(), t.apply.columns[k]);
        if (it == out.columns.end())
            throw dts::Error("55000", "key column " + t.apply.columns[k] + " of " +
                                          t.apply.source_name +
                                          " is not captured by CDC instance " + ci.name);
        out.key_positions.push_back(static_cast<size_t>(it - out.columns.begin()));
    }
    return out;
}

std::vector<std::string> uncaptured_columns(dts::tds::Connection &src, const CdcTable &t,
                                            const CaptureInstance &ci) {
    std::vector<std::string> out;
    for (const auto &c : t.apply.columns)
        if (!contains(ci.columns, c))
            out.push_back(c);
    if (out.empty())
        return out;
    // A destination column the source does not have (added at the destination only, or
    // dropped at the source) is not the instance's to carry.
    const auto source = source_columns(src, t.schema, t.table);
    std::erase_if(out, [&](const std::string &c) { return !contains(source, c); });
    return out;
}

bool refresh_capture_instance(dts::tds::Connection &src, const CdcTable &t,
                              const dts::Lsn &position) {
    auto instances = capture_instances(src, t.schema, t.table);
    if (instances.empty())
        return false;
    const auto columns = source_columns(src, t.schema, t.table);
    auto misses = [&](const CaptureInstance &ci) {
        return std::any_of(columns.begin(), columns.end(),
                           [&](const auto &c) { return !contains(ci.columns, c); });
    };
    if (!misses(instances.back())) {
        // The user created the instance with the new columns first: it starts after the DDL,
        // and what changed in between came through one without them, so a copy still has to
        // bring their values.
        const CaptureInstance *active = &instances.front();
        for (const auto &ci : instances)
            if (ci.start <= position)
                active = &ci;
        return misses(*active);
    }
    const std::string schema_lit = dts::tsql::quote_literal(t.schema);
    const std::string table_lit = dts::tsql::quote_literal(t.table);
    if (instances.size() >= 2) {
        // SQL Server keeps at most two capture instances per table.
        if (position < instances[1].start)
            throw dts::Error("55000",
                             "source table " + t.apply.source_name +
                                 " needs a new capture instance for its new columns, but it has "
                                 "two and the task still reads the older (" +
                                 instances[0].name + ")",
                             {}, "Let the task catch up, then it replaces the older one itself.");
        src.execute_all("EXEC sys.sp_cdc_disable_table @source_schema = " + schema_lit +
                        ", @source_name = " + table_lit +
                        ", @capture_instance = " + dts::tsql::quote_literal(instances[0].name));
    }
    std::string name;
    for (int k = 2; name.empty(); ++k) {
        std::string candidate = t.schema + "_" + t.table + "_" + std::to_string(k);
        if (std::none_of(instances.begin(), instances.end(),
                         [&](const auto &ci) { return ci.name == candidate; }))
            name = candidate;
    }
    src.execute_all("EXEC sys.sp_cdc_enable_table @source_schema = " + schema_lit +
                    ", @source_name = " + table_lit +
                    ", @role_name = NULL, @capture_instance = " + dts::tsql::quote_literal(name));
    log::info("new capture instance for the table's new columns",
              {{"table", t.apply.source_name}, {"capture_instance", name}});
    return true;
}

dts::Lsn enable_capture(PgConnection &pg, dts::tds::Connection &src, const TaskRef &task,
                        const std::string &db, const std::string &schema,
                        const std::string &table) {
    auto instances = capture_instances(src, schema, table);
    if (instances.empty()) {
        src.execute_all(
            "EXEC sys.sp_cdc_enable_table @source_schema = " + dts::tsql::quote_literal(schema) +
            ", @source_name = " + dts::tsql::quote_literal(table) + ", @role_name = NULL");
        // dts_cleanup_source() removes it with the rest.
        pg.exec("INSERT INTO dts.source_objects (task_id, source_db, kind, name, object_schema, "
                "object_table) VALUES ($1, $2, 'cdc_table', $3, $4, $5) ON CONFLICT DO NOTHING",
                {std::to_string(task.id), db, schema + "." + table, schema, table});
        instances = capture_instances(src, schema, table);
    }
    if (instances.empty())
        throw dts::Error("55000",
                         "cannot enable CDC on source table " + db + "." + schema + "." + table);
    return instances.front().start;
}

} // namespace sidecar
