// A libpq connection owned by RAII; every failure becomes a dts::Error with libpq's SQLSTATE.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

namespace sidecar {

class PgConnection {
public:
    explicit PgConnection(const std::string &conninfo);
    // Runs a query with text parameters; returns the rows as text (NULL as empty optional-less
    // string is not needed yet, so NULL is reported as an error by callers that care).
    std::vector<std::vector<std::string>> query(const std::string &sql,
                                                const std::vector<std::string> &params = {});
    PGconn *raw() const { return conn_.get(); }

private:
    struct Closer {
        void operator()(PGconn *c) const { PQfinish(c); }
    };
    std::unique_ptr<PGconn, Closer> conn_;
};

} // namespace sidecar
