// SPI from C++: one connection per object (SPI_connect/SPI_finish), queries with text
// parameters, results copied out as std::string. Every SPI call runs under pg_call().
#pragma once

#include "pg_prelude.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgdts {

class Spi {
public:
    using Value = std::optional<std::string>;
    using Row = std::vector<Value>;

    Spi();
    ~Spi();
    Spi(const Spi &) = delete;
    Spi &operator=(const Spi &) = delete;

    // Parameters are text ($1, $2, ...; cast them in the SQL: $1::bigint). NULL as nullopt.
    std::vector<Row> query(const std::string &sql, const std::vector<Value> &params = {});
    // Runs a statement; returns the rows it processed.
    uint64_t execute(const std::string &sql, const std::vector<Value> &params = {});

private:
    uint64_t run(const std::string &sql, const std::vector<Value> &params, bool read_only);
    bool connected_ = false;
};

// Returns `lines` as the rows of a set-returning function with one text column.
Datum return_text_rows(FunctionCallInfo fcinfo, const std::vector<std::string> &lines);

} // namespace pgdts
