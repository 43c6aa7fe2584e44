#include "pg_connection.hpp"

#include "error.hpp"

#include <poll.h>
#include <unistd.h>

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

// The destination string is expanded over defaults, so what the user set wins: a destination
// that accepts the connection and never answers, or a peer that vanished (failover onto a
// black-holed address), ends a connection attempt or a wait instead of hanging for the OS's
// two hours. client_encoding comes after it and always wins: what the sidecar sends is UTF-8
// (FreeTDS converts to it), and the server converts that to the database's encoding.
PGconn *connect(const std::string &conninfo) {
    // Which sidecar process a session belongs to, in pg_stat_activity (unless the user names it).
    static const std::string app = "dts-sidecar " + std::to_string(getpid());
    const char *keys[] = {"connect_timeout",
                          "keepalives",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "fallback_application_name",
                          "dbname",
                          "client_encoding",
                          nullptr};
    const char *values[] = {"10",   "1",    "30", "10", "3", app.c_str(), conninfo.c_str(),
                            "UTF8", nullptr};
    return PQconnectdbParams(keys, values, 1);
}
} // namespace

PgConnection::PgConnection(const std::string &conninfo) : conn_(connect(conninfo)) {
    if (!conn_)
        throw dts::Error("08001", "cannot allocate a libpq connection");
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw dts::Error("08001",
                         "cannot connect to the destination database: " +
                             trim_newline(PQerrorMessage(conn_.get())),
                         {}, "Check --destination / DTS_DESTINATION.");
    // Built-ins first and no schema anyone else can create in: a function planted in public or
    // a "$user" schema must never be called with the sidecar's rights (or see its parameters).
    exec("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false)");
}

void PgConnection::fail(PGresult *res, const std::string &what) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = trim_newline(res ? PQresultErrorMessage(res) : "");
    if (msg.empty())
        msg = trim_newline(PQerrorMessage(conn_.get()));
    // A broken connection has no SQLSTATE: report it as a connection failure.
    std::string code = state ? state : (healthy() ? "XX000" : "08006");
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : nullptr;
    throw dts::Error(code, msg, detail ? detail : what);
}

std::vector<PgConnection::Row> PgConnection::query_rows(const std::string &sql,
                                                        const std::vector<Value> &params) {
    std::vector<const char *> values;
    values.reserve(params.size());
    for (const auto &p : params)
        values.push_back(p ? p->c_str() : nullptr);
    Result res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
    ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
        fail(res.get(), sql.substr(0, 200));
    std::vector<Row> rows;
    for (int r = 0; r < PQntuples(res.get()); ++r) {
        auto &row = rows.emplace_back();
        for (int c = 0; c < PQnfields(res.get()); ++c)
            row.push_back(PQgetisnull(res.get(), r, c) ? Value()
                                                       : Value(PQgetvalue(res.get(), r, c)));
    }
    return rows;
}

std::vector<std::vector<std::string>> PgConnection::query(const std::string &sql,
                                                          const std::vector<std::string> &params) {
    std::vector<Value> p(params.begin(), params.end());
    std::vector<std::vector<std::string>> out;
    for (auto &r : query_rows(sql, p)) {
        auto &row = out.emplace_back();
        for (auto &v : r)
            row.push_back(v.value_or(""));
    }
    return out;
}

void PgConnection::exec(const std::string &sql, const std::vector<Value> &params) {
    query_rows(sql, params);
}

void PgConnection::copy_begin(const std::string &sql) {
    Result res(PQexec(conn_.get(), sql.c_str()));
    if (PQresultStatus(res.get()) != PGRES_COPY_IN)
        fail(res.get(), sql.substr(0, 200));
}

void PgConnection::copy_put(const std::string &data) {
    if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1)
        fail(nullptr, "sending COPY data");
}

void PgConnection::copy_end() {
    if (PQputCopyEnd(conn_.get(), nullptr) != 1)
        fail(nullptr, "ending COPY");
    Result res(PQgetResult(conn_.get()));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
        fail(res.get(), "COPY");
    while (PGresult *r = PQgetResult(conn_.get()))
        PQclear(r);
}

void PgConnection::copy_abort(const std::string &why) noexcept {
    if (PQputCopyEnd(conn_.get(), why.c_str()) == 1)
        while (PGresult *r = PQgetResult(conn_.get()))
            PQclear(r);
}

std::vector<std::string> PgConnection::wait_notifications(int timeout_ms) {
    pollfd p{PQsocket(conn_.get()), POLLIN, 0};
    if (p.fd >= 0 && ::poll(&p, 1, timeout_ms) > 0 && PQconsumeInput(conn_.get()) == 0)
        fail(nullptr, "waiting for notifications");
    std::vector<std::string> out;
    while (PGnotify *n = PQnotifies(conn_.get())) {
        out.emplace_back(n->extra ? n->extra : "");
        PQfreemem(n);
    }
    return out;
}

} // namespace sidecar
