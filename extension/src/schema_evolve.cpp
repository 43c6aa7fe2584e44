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
        // NOT NULL only with a default: the destination's rows need a value for the new column.
        auto def =
            dts::ddl::column_definition(c, !c.nullable && c.default_definition.has_value(), notes);
        for (const auto &n : notes)
            out.push_back("-- " + n);
        if (def)
            run("ALTER TABLE " + target + " ADD COLUMN IF NOT EXISTS " + *def);
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
