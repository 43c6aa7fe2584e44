#include "pg_connection.hpp"

#include "error.hpp"

namespace sidecar {

namespace {
struct ResultCloser {
    void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultCloser>;

std::string trim_newline(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return s;
}
} // namespace

PgConnection::PgConnection(const std::string &conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (!conn_)
        throw dts::Error("08001", "cannot allocate a libpq connection");
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw dts::Error("08001",
                         "cannot connect to the destination database: " +
                             trim_newline(PQerrorMessage(conn_.get())),
                         {}, "Check --destination / DTS_DESTINATION.");
}

std::vector<std::vector<std::string>> PgConnection::query(const std::string &sql,
                                                          const std::vector<std::string> &params) {
    std::vector<const char *> values;
    values.reserve(params.size());
    for (const auto &p : params)
        values.push_back(p.c_str());
    Result res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
    ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
        throw dts::Error(state ? state : "XX000", trim_newline(PQresultErrorMessage(res.get())));
    }
    std::vector<std::vector<std::string>> rows;
    for (int r = 0; r < PQntuples(res.get()); ++r) {
        auto &row = rows.emplace_back();
        for (int c = 0; c < PQnfields(res.get()); ++c)
            row.emplace_back(PQgetvalue(res.get(), r, c));
    }
    return rows;
}

} // namespace sidecar
