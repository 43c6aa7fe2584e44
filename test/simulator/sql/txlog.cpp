#include "txlog.hpp"

#include "sqlite_db.hpp"

#include <cstdio>
#include <cstring>

namespace sim::sql {

std::vector<Value> decode_row(const std::string &image) {
    std::vector<Value> out;
    size_t p = 0;
    auto u = [&](size_t n) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i)
            v |= static_cast<uint64_t>(static_cast<uint8_t>(image[p + i])) << (8 * i);
        p += n;
        return v;
    };
    while (p < image.size()) {
        auto kind = static_cast<Value::Kind>(image[p++]);
        switch (kind) {
        case Value::Kind::Int:
            out.push_back(Value::integer(static_cast<int64_t>(u(8))));
            break;
        case Value::Kind::Real: {
            uint64_t bits = u(8);
            double d;
            std::memcpy(&d, &bits, 8);
            out.push_back(Value::real(d));
            break;
        }
        case Value::Kind::Text:
        case Value::Kind::Blob: {
            size_t len = static_cast<size_t>(u(4));
            std::string s = image.substr(p, len);
            p += len;
            out.push_back(kind == Value::Kind::Text ? Value::text(s) : Value::blob(s));
            break;
        }
        default:
            out.push_back(Value::null());
        }
    }
    return out;
}

std::vector<LogRecord> read_log(sqlite3 *db, int database_id, const std::string &after_lsn,
                                size_t limit) {
    Stmt q(db, "SELECT lsn, database_id, xact_id, operation, object_id, row_before, row_after, "
               "log_time FROM \"$log\" WHERE database_id = ? AND lsn > ? ORDER BY lsn" +
                   std::string(limit ? " LIMIT " + std::to_string(limit) : ""));
    q.bind(1, database_id).bind(2, Value::blob(after_lsn));
    std::vector<LogRecord> out;
    while (q.step()) {
        LogRecord r;
        r.lsn = q.value_col(0).s;
        r.database_id = static_cast<int>(q.int_col(1));
        r.xact_id = q.int_col(2);
        r.operation = q.text_col(3);
        r.object_id = static_cast<int>(q.int_col(4));
        Value b = q.value_col(5), a = q.value_col(6);
        if (!b.is_null())
            r.before = decode_row(b.s);
        if (!a.is_null())
            r.after = decode_row(a.s);
        r.time = q.text_col(7);
        out.push_back(std::move(r));
    }
    return out;
}

std::string lsn_text(const std::string &lsn) {
    if (lsn.size() != 10)
        return {};
    auto b = [&](size_t i) { return static_cast<unsigned>(static_cast<uint8_t>(lsn[i])); };
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08x:%08x:%04x", b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3),
                  b(4) << 24 | b(5) << 16 | b(6) << 8 | b(7), b(8) << 8 | b(9));
    return buf;
}

} // namespace sim::sql
