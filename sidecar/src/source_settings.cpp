#include "source_settings.hpp"

#include "fdw_options.hpp"

namespace sidecar {

SourceSettings source_settings(PgConnection &pg, int64_t task_id, int idle_timeout) {
    // The options are split into rows by the server, so the password only ever travels in a
    // result: sent back as a bind parameter, statement logging would print it.
    auto rows = pg.query_rows(
        "SELECT c.server, o.kind, pg_catalog.split_part(o.opt, '=', 1), "
        "pg_catalog.substr(o.opt, pg_catalog.strpos(o.opt, '=') + 1) "
        "FROM dts._source_connection($1) c LEFT JOIN LATERAL ("
        "SELECT 's' AS kind, x AS opt FROM pg_catalog.unnest(c.server_options) x UNION ALL "
        "SELECT 'm', x FROM pg_catalog.unnest(c.mapping_options) x) o ON true",
        {std::to_string(task_id)});
    const std::string server = rows.at(0)[0].value_or("");
    dts::fdw::OptionList server_opts, mapping_opts;
    for (auto &r : rows)
        if (r[1])
            (*r[1] == "s" ? server_opts : mapping_opts)
                .emplace_back(r[2].value_or(""), r[3].value_or(""));
    SourceSettings s;
    s.server = dts::fdw::server_options(server, server_opts);
    // A source that stops answering must not stall a task (or a worker) forever: the wait ends
    // as a connection failure, which the supervisor retries within the task's retry window.
    s.server.idle_timeout = idle_timeout;
    s.credentials = dts::fdw::credentials(server, mapping_opts);
    return s;
}

} // namespace sidecar
