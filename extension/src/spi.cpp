#include "spi.hpp"

#include "pg_boundary.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

namespace pgdts {

Spi::Spi() {
    pg_call([]() {
        if (SPI_connect() != SPI_OK_CONNECT)
            elog(ERROR, "pg_dts: SPI_connect failed");
    });
    connected_ = true;
}

Spi::~Spi() {
    if (!connected_)
        return;
    try {
        pg_call([]() { SPI_finish(); });
    } catch (...) {
        // An aborting transaction releases SPI itself.
    }
}

uint64_t Spi::run(const std::string &sql, const std::vector<Value> &params, bool read_only) {
    const int n = static_cast<int>(params.size());
    std::vector<Oid> types(params.size(), TEXTOID);
    std::vector<Datum> values(params.size());
    std::vector<char> nulls(params.size(), ' ');
    return pg_call([&]() -> uint64_t {
        for (int i = 0; i < n; ++i) {
            if (params[i])
                values[i] = PointerGetDatum(cstring_to_text_with_len(
                    params[i]->data(), static_cast<int>(params[i]->size())));
            else
                nulls[i] = 'n';
        }
        int rc = SPI_execute_with_args(sql.c_str(), n, types.data(), values.data(), nulls.data(),
                                       read_only, 0);
        // Not left to SPI_finish: a caller running many statements (copying a table's values in
        // chunks) would hold every chunk's parameters until then.
        for (int i = 0; i < n; ++i)
            if (nulls[i] == ' ')
                pfree(DatumGetPointer(values[i]));
        if (rc < 0)
            elog(ERROR, "pg_dts: SPI failed (%s) running: %s", SPI_result_code_string(rc),
                 sql.c_str());
        return SPI_processed;
    });
}

std::vector<Spi::Row> Spi::query(const std::string &sql, const std::vector<Value> &params) {
    uint64_t rows = run(sql, params, false);
    std::vector<Row> out;
    out.reserve(rows);
    const int cols = pg_call([]() { return SPI_tuptable ? SPI_tuptable->tupdesc->natts : 0; });
    for (uint64_t r = 0; r < rows; ++r) {
        Row row;
        for (int c = 1; c <= cols; ++c) {
            char *v = pg_call(
                [](uint64_t rr, int cc) {
                    return SPI_getvalue(SPI_tuptable->vals[rr], SPI_tuptable->tupdesc, cc);
                },
                r, c);
            row.push_back(v ? Value(std::string(v)) : Value());
        }
        out.push_back(std::move(row));
    }
    return out;
}

uint64_t Spi::execute(const std::string &sql, const std::vector<Value> &params) {
    return run(sql, params, false);
}

Datum return_text_rows(FunctionCallInfo fcinfo, const std::vector<std::string> &lines) {
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    pg_call([&]() { InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC); });
    for (const auto &l : lines)
        pg_call([&]() {
            Datum v =
                PointerGetDatum(cstring_to_text_with_len(l.data(), static_cast<int>(l.size())));
            bool null = false;
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &null);
        });
    return static_cast<Datum>(0);
}

} // namespace pgdts
