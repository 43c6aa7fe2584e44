#include "source_settings.hpp"

#include "fdw_options.hpp"

namespace sidecar {

namespace {
dts::fdw::OptionList options(PgConnection &pg, const std::optional<std::string> &array) {
    dts::fdw::OptionList out;
    if (!array)
        return out;
    for (auto &r : pg.query_rows("SELECT split_part(o, '=', 1), substr(o, strpos(o, '=') + 1) "
                                 "FROM unnest($1::text[]) o",
                                 {array}))
        out.emplace_back(r[0].value_or(""), r[1].value_or(""));
    return out;
}
} // namespace

SourceSettings source_settings(PgConnection &pg, int64_t task_id) {
    auto r = pg.query_rows("SELECT server, server_options::text, mapping_options::text FROM "
                           "dts._source_connection($1)",
                           {std::to_string(task_id)});
    SourceSettings s;
    const std::string server = r.at(0)[0].value_or("");
    s.server = dts::fdw::server_options(server, options(pg, r[0][1]));
    s.credentials = dts::fdw::credentials(server, options(pg, r[0][2]));
    return s;
}

} // namespace sidecar
