// fn_dblog result rows (the columns of LogStream::columns_sql()) turned into the assembler's
// LogRow. A template over the result set so that the same code reads a live source connection
// (dts::tds::Connection) and a result set captured earlier and replayed from memory
// (bench/log_decode_bench.cpp): the benchmark measures the reader's own conversion, not a copy.
#pragma once

#include "error.hpp"
#include "log_fields.hpp"
#include "log_transactions.hpp"
#include "lsn.hpp"
#include "tds_connection.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sidecar {

// The columns of LogStream::columns_sql().
constexpr int kLogColumns = 17;

// Result sets of `src` (anything with Connection's next_result / column_count / column /
// next_row / data / length) appended to `out`. Adds the records read and the bytes of row data
// (RowLog Contents, Log Record) to `records` and `bytes`.
template <class Source>
void read_log_rows(Source &src, std::vector<dts::logrec::LogRow> &out, size_t &records,
                   size_t &bytes) {
    namespace lr = dts::logrec;
    auto bytes_at = [&](int i) {
        const uint8_t *p = src.data(i);
        return p ? std::string(reinterpret_cast<const char *>(p),
                               static_cast<size_t>(src.length(i)))
                 : std::string();
    };
    while (src.next_result()) {
        const int n = src.column_count();
        if (n < kLogColumns)
            continue;
        std::vector<dts::tds::ColumnDesc> desc;
        std::vector<bool> character;
        for (int i = 1; i <= n; ++i) {
            desc.push_back(src.column(i));
            character.push_back(dts::tds::is_string_type(desc.back().type));
        }
        // Columns read in place from the row buffer (text as it came, integers as numbers):
        // every record of the log passes here, so nothing is copied that the reader drops.
        std::string scratch;
        auto text = [&](int i) -> std::optional<std::string_view> {
            const uint8_t *p = src.data(i);
            if (!p)
                return std::nullopt;
            const auto k = static_cast<size_t>(i - 1);
            if (character[k])
                return std::string_view(reinterpret_cast<const char *>(p),
                                        static_cast<size_t>(src.length(i)));
            scratch = dts::tds::value_to_text(desc[k].type, p, src.length(i), desc[k].scale);
            return std::string_view(scratch);
        };
        auto number = [&](int i) -> long long {
            const uint8_t *p = src.data(i);
            if (!p)
                return 0;
            if (auto v = dts::tds::value_to_integer(desc[static_cast<size_t>(i - 1)].type, p,
                                                    src.length(i)))
                return *v;
            return std::stoll(std::string(*text(i)));
        };
        while (src.next_row()) {
            lr::LogRow r;
            auto lsn = text(1);
            auto parsed = lsn ? dts::Lsn::parse(*lsn) : std::nullopt;
            if (!parsed)
                throw dts::Error("XX000", "fn_dblog returned an unreadable [Current LSN]: " +
                                              std::string(lsn.value_or("NULL")));
            r.lsn = *parsed;
            r.op = lr::operation_from_code(number(2));
            r.context = lr::context_from_code(number(3));
            if (const auto xact_id = text(4)) {
                auto xact = lr::parse_transaction_id(*xact_id);
                if (!xact)
                    throw dts::Error("XX000", "fn_dblog returned an unreadable [Transaction ID]: " +
                                                  std::string(*xact_id) + " at LSN " +
                                                  r.lsn.to_log_string());
                r.xact = *xact;
            }
            r.alloc_unit = number(5);
            r.slot = static_cast<int>(number(6));
            r.offset = static_cast<int>(number(7));
            r.modify_size = static_cast<int>(number(8));
            r.num_elements = static_cast<int>(number(9));
            r.rc0 = bytes_at(10);
            r.rc1 = bytes_at(11);
            r.rc2 = bytes_at(12);
            r.log_record = bytes_at(13);
            r.compensation = text(14).value_or("").find("COMPENSATION") != std::string_view::npos;
            if (r.op == lr::Op::Begin)
                r.xact_name = text(15).value_or("");
            else if (r.op == lr::Op::Commit)
                r.end_time = text(16).value_or("");
            r.catalog = !text(17).value_or("").empty();
            ++records;
            bytes += r.rc0.size() + r.rc1.size() + r.rc2.size() + r.log_record.size();
            out.push_back(std::move(r));
        }
    }
}

} // namespace sidecar
