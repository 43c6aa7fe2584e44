// A libpq connection owned by RAII; every failure becomes a dts::Error with libpq's SQLSTATE
// (connection losses as class 08, so callers can tell them from data errors).
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sidecar {

class PgConnection {
public:
    using Value = std::optional<std::string>;
    using Row = std::vector<Value>;

    explicit PgConnection(const std::string &conninfo);
    // Runs a statement with text parameters; returns its rows as text (NULL as nullopt).
    std::vector<Row> query_rows(const std::string &sql, const std::vector<Value> &params = {});
    // Same, for callers that treat NULL as an empty string.
    std::vector<std::vector<std::string>> query(const std::string &sql,
                                                const std::vector<std::string> &params = {});
    void exec(const std::string &sql, const std::vector<Value> &params = {});

    // COPY ... FROM STDIN: begin, put data (buffered by libpq), end (or abort with a message).
    void copy_begin(const std::string &sql);
    void copy_put(const std::string &data);
    void copy_end();
    void copy_abort(const std::string &why) noexcept;

    // LISTEN support: waits up to `timeout_ms` for input, then returns the channel payloads
    // that arrived.
    std::vector<std::string> wait_notifications(int timeout_ms);

    bool healthy() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
    bool in_transaction() const { return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE; }
    PGconn *raw() const { return conn_.get(); }

private:
    [[noreturn]] void fail(PGresult *res, const std::string &what);
    struct Closer {
        void operator()(PGconn *c) const { PQfinish(c); }
    };
    std::unique_ptr<PGconn, Closer> conn_;
};

} // namespace sidecar
