// Schema evolution during the incremental stage: after ALTER TABLE, CREATE INDEX or DROP INDEX at
// the source (a row of dbo.dts_cdc_ddl_history, applied at its LSN by dts._apply_ddl), the
// destination table is brought in line with the source table as the catalog shows it now:
// missing columns are added, columns the source no longer has are dropped (only from tables the
// schema stage created), missing indexes are created and a dropped index is dropped. Runs in the
// apply transaction, so the change and the checkpoint commit together.
#include "schema_sync.hpp"

#include "pg_boundary.hpp"

#include "pg_quote.hpp"
#include "schema_ddl.hpp"
#include "source_access.hpp"
#include "tds_connection.hpp"
#include "tsql_quote.hpp"
#include "type_mapping.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

#include <algorithm>
#include <set>
#include <string>
#include <vector>

DTS_SQL_FUNCTION(dts_evolve_table)

namespace pgdts {
namespace {

// The existing rows' values of column `c`, which the source just added with a default: the
// source's non-NULL values as of now, copied by key into the destination's rows (where the column
// is NULL after ADD COLUMN). Later changes of those rows come with the stream as usual.
void copy_existing_values(Spi &spi, const Task &task, const TaskTable &t,
                          const dts::catalog::Table &source, const std::string &target,
                          const dts::catalog::Column &c, std::vector<std::string> &out) {
    if (spi.query("SELECT EXISTS (SELECT FROM " + target + ")").front()[0] != "t")
        return;
    const std::vector<std::string> key = dts::ddl::primary_key_columns(source, t.target);
    if (key.empty()) {
        out.push_back("-- column " + c.name +
                      ": the existing rows keep NULL whatever the "
                      "source holds (no key to match them by); re-sync the table if it matters");
        return;
    }
    std::vector<std::string> names = key, types;
    names.push_back(c.name);
    for (const auto &n : names) {
        auto r = spi.query("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                           "attrelid = $1::regclass AND attname = $2 AND NOT attisdropped",
                           {target, n});
        if (r.empty() || !r[0][0])
            throw dts::Error("42703", "column " + n + " of " + target + " is missing", {},
                             "The destination table no longer matches the source; re-sync it.");
        types.push_back(*r[0][0]);
    }
    std::string select, join;
    for (size_t i = 0; i < names.size(); ++i)
        select += std::string(i ? ", " : "") + dts::tsql::quote_ident(names[i]);
    for (size_t i = 0; i < key.size(); ++i)
        join += std::string(i ? " AND " : "") + "t." + dts::pg::quote_ident(key[i]) + " = v.k" +
                std::to_string(i) + "::" + types[i];
    const std::string tsql = "SELECT " + select + " FROM " +
                             dts::tsql::quote_name("", t.schema, t.table) + " WHERE " +
                             dts::tsql::quote_ident(c.name) + " IS NOT NULL";
    // Chunks of rows as one UPDATE ... FROM (VALUES ...), every value a text parameter.
    constexpr size_t kChunk = 500;
    std::vector<std::optional<std::string>> params;
    uint64_t copied = 0;
    auto flush = [&] {
        if (params.empty())
            return;
        std::string values, cols;
        const size_t width = names.size(), rows = params.size() / width;
        for (size_t r = 0; r < rows; ++r) {
            values += r ? ", (" : "(";
            for (size_t i = 0; i < width; ++i)
                values += std::string(i ? ", " : "") + "$" + std::to_string(r * width + i + 1);
            values += ")";
        }
        for (size_t i = 0; i < key.size(); ++i)
            cols += "k" + std::to_string(i) + ", ";
        copied += spi.execute("UPDATE " + target + " AS t SET " + dts::pg::quote_ident(c.name) +
                                  " = v.val::" + types.back() + " FROM (VALUES " + values +
                                  ") AS v(" + cols + "val) WHERE " + join,
                              params);
        params.clear();
    };
    ConnectionSettings settings = task_connection_settings(task.server, task.owner);
    settings.server.database = t.db;
    dts::tds::Connection conn(settings.server, settings.credentials);
    conn.query_rows(tsql, [&](const std::vector<dts::tds::ColumnDesc> &,
                              std::vector<std::optional<std::string>> &row) {
        for (auto &v : row)
            params.push_back(std::move(v));
        if (params.size() >= kChunk * names.size())
            flush();
    });
    flush();
    out.push_back("-- column " + c.name + ": " + std::to_string(copied) +
                  " existing rows given the source's values");
}

// Returns the statements run, and notes (prefixed "-- ") for what was left out.
std::vector<std::string> evolve_table(const std::string &task_id, const std::string &db,
                                      const std::string &schema, const std::string &table,
                                      const std::optional<std::string> &dropped_index) {
    Spi spi;
    Task task = load_task(spi, task_id, std::vector<std::string>{db, schema, table});
    if (task.tables.empty())
        throw dts::Error("42P01", "source table " + db + "." + schema + "." + table +
                                      " is not synced by pg_dts task " + task_id);
    const TaskTable &t = task.tables.front();
    auto sources = read_sources(task);
    const dts::catalog::Table &source = find_source(sources, t);
    const std::string target = dts::pg::qualified(t.target.schema, t.target.table);
    std::vector<std::string> out;
    auto run = [&](const std::string &sql) {
        spi.execute(sql);
        out.push_back(sql);
    };

    std::set<std::string> present;
    for (const auto &r : spi.query("SELECT attname FROM pg_attribute WHERE attrelid = "
                                   "$1::regclass AND attnum > 0 AND NOT attisdropped",
                                   {target}))
        present.insert(*r[0]);
    std::set<std::string> at_source;
    for (const auto &c : source.columns) {
        at_source.insert(c.name);
        if (present.count(c.name))
            continue;
        if (c.user_defined) {
            out.push_back("-- column " + c.name + " has a user-defined type (" + c.type.name +
                          "): not added; add it by hand if it is wanted");
            continue;
        }
        std::vector<std::string> notes;
        const auto wanted = c.default_definition
                                ? dts::ddl::translate_default(*c.default_definition, c.type)
                                : std::nullopt;
        if (!c.default_definition ||
            (!c.nullable && wanted && wanted->find('(') == std::string::npos)) {
            // No default: SQL Server's existing rows hold NULL (a NOT NULL column can only be
            // added to an empty table). NOT NULL with a constant: they hold it (PostgreSQL stores
            // it once, no rewrite). The destination's rows the same.
            auto def = dts::ddl::column_definition(c, c.default_definition.has_value(), notes);
            for (const auto &n : notes)
                out.push_back("-- " + n);
            if (def)
                run("ALTER TABLE " + target + " ADD COLUMN IF NOT EXISTS " + *def);
            continue;
        }
        // Otherwise SQL Server's existing rows hold NULL (a nullable column without WITH VALUES),
        // the default (WITH VALUES) or a value per row (NOT NULL with NEWID() or GETDATE()): the
        // catalog does not say which, the source's rows do. Added empty, then copied.
        dts::catalog::Column bare = c;
        bare.default_definition.reset();
        auto def = dts::ddl::column_definition(bare, false, notes);
        for (const auto &n : notes)
            out.push_back("-- " + n);
        if (!def)
            continue;
        run("ALTER TABLE " + target + " ADD COLUMN IF NOT EXISTS " + *def);
        const std::string column =
            "ALTER TABLE " + target + " ALTER COLUMN " + dts::pg::quote_ident(c.name);
        copy_existing_values(spi, task, t, source, target, c, out);
        if (wanted)
            run(column + " SET DEFAULT " + *wanted);
        else
            out.push_back("-- default " + *c.default_definition + " of column " + c.name +
                          " has no PostgreSQL translation and is left out");
        if (c.nullable)
            continue;
        if (!wanted) {
            out.push_back("-- column " + c.name +
                          " is NOT NULL at the source; left nullable (no "
                          "default to give rows the source no longer has)");
            continue;
        }
        // Rows the source deleted since are still here (the stream deletes them later).
        run("UPDATE " + target + " SET " + dts::pg::quote_ident(c.name) + " = DEFAULT WHERE " +
            dts::pg::quote_ident(c.name) + " IS NULL");
        run(column + " SET NOT NULL");
    }
    for (const auto &name : present) {
        if (at_source.count(name))
            continue;
        if (t.state != "created") {
            out.push_back("-- column " + name + " is gone at the source; kept in " + target +
                          ", which pg_dts did not create");
            continue;
        }
        run("ALTER TABLE " + target + " DROP COLUMN IF EXISTS " + dts::pg::quote_ident(name));
    }

    // Defaults follow the source: ADD CONSTRAINT ... DEFAULT and DROP CONSTRAINT fire the same
    // ALTER_TABLE. Only in tables the schema stage created (their defaults are pg_dts's), and only
    // where the destination column still has the mapped base type (a type changed at the source
    // is not evolved, and a default of the new type would fail the apply).
    if (t.state == "created")
        for (const auto &c : source.columns) {
            if (!present.count(c.name) || c.identity || c.computed || c.user_defined)
                continue;
            const std::string pg_type = dts::map_type(c.type).pg_type;
            auto current = [&]() -> std::optional<std::optional<std::string>> {
                auto rows = spi.query(
                    "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN "
                    "pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE "
                    "a.attrelid = $1::regclass AND a.attname = $2 AND a.attidentity = '' AND "
                    "a.attgenerated = '' AND a.atttypid = to_regtype($3)",
                    {target, c.name, pg_type});
                if (rows.empty())
                    return std::nullopt;
                return rows.front()[0];
            };
            auto before = current();
            if (!before)
                continue;
            const std::string column =
                "ALTER TABLE " + target + " ALTER COLUMN " + dts::pg::quote_ident(c.name);
            std::optional<std::string> wanted;
            if (c.default_definition)
                wanted = dts::ddl::translate_default(*c.default_definition, c.type);
            if (wanted) {
                const std::string sql = column + " SET DEFAULT " + *wanted;
                spi.execute(sql);
                if (current() != before)
                    out.push_back(sql); // reported only when it changed something
            } else if (*before) {
                if (c.default_definition &&
                    c.default_definition->find("NULL") == std::string::npos &&
                    c.default_definition->find("null") == std::string::npos)
                    out.push_back("-- default " + *c.default_definition + " of column " + c.name +
                                  " has no PostgreSQL translation; the destination's default " +
                                  **before + " is dropped");
                run(column + " DROP DEFAULT");
            }
        }

    if (dropped_index) {
        bool still = std::any_of(source.indexes.begin(), source.indexes.end(),
                                 [&](const auto &ix) { return ix.name == *dropped_index; });
        if (!still)
            run("DROP INDEX IF EXISTS " +
                dts::pg::qualified(t.target.schema,
                                   dts::ddl::object_name(t.target.table, *dropped_index)));
    }
    // Index statements of the schema stage are idempotent: what exists stays, what is new comes.
    dts::ddl::TableDdl ddl = ddl_for(task, t, source, detect_flavour(spi));
    for (const auto &s : ddl.after_create)
        if (s.rfind("CREATE ", 0) == 0) {
            auto quiet = spi.query("SELECT set_config('client_min_messages', 'warning', true)");
            spi.execute(s);
        }
    return out;
}

} // namespace
} // namespace pgdts

Datum dts_evolve_table(PG_FUNCTION_ARGS) {
    return pgdts::pg_entry([&]() -> Datum {
        using pgdts::pg_call;
        // The std::string is built outside pg_call: a C++ exception (bad_alloc) inside its
        // noexcept frame would terminate the backend.
        auto arg = [&](int i) -> std::optional<std::string> {
            const char *v = pg_call([&]() -> const char * {
                return PG_ARGISNULL(i) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(i));
            });
            if (!v)
                return std::nullopt;
            return std::string(v);
        };
        int64 id = pg_call([&]() { return PG_GETARG_INT64(0); });
        std::vector<std::string> lines =
            pgdts::evolve_table(std::to_string(id), arg(1).value_or(""), arg(2).value_or(""),
                                arg(3).value_or(""), arg(4));
        return pgdts::return_text_rows(fcinfo, lines);
    });
}
