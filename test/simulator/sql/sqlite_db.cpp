#include "sqlite_db.hpp"

#include "errors.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace sim::sql {

std::string qi(const std::string &ident) {
    std::string out = "\"";
    for (char c : ident) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string ql(const std::string &text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += '\'';
        out += c;
    }
    return out + "'";
}

void raise_sqlite(sqlite3 *db, int rc, const std::string &context) {
    std::string msg = sqlite3_errmsg(db);
    Message m;
    if (decode_error(msg, m))
        throw SqlError(m);
    int base = rc & 0xFF;
    if (std::getenv("SQLSIM_DEBUG"))
        std::fprintf(stderr, "sqlite error %d: %s [%s]\n", rc, msg.c_str(), context.c_str());
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
        throw sql_error(1222, 51, 16, "Lock request time out period exceeded.");
    if (base == SQLITE_INTERRUPT)
        throw sql_error(3617, 1, 25, "The query was cancelled.");
    throw sql_error(50000, 1, 16,
                    "simulator storage error: " + msg +
                        (context.empty() ? "" : " [" + context.substr(0, 300) + "]"));
}

namespace {
thread_local StmtCache *t_cache = nullptr;
}

StmtCache::StmtCache(sqlite3 *db) : db_(db), outer_(t_cache) {
    t_cache = this;
}

StmtCache::~StmtCache() {
    for (auto &e : lru_)
        sqlite3_finalize(e.second);
    for (StmtCache **p = &t_cache; *p; p = &(*p)->outer_)
        if (*p == this) {
            *p = outer_;
            break;
        }
}

StmtCache *StmtCache::of(sqlite3 *db) {
    for (StmtCache *c = t_cache; c; c = c->outer_)
        if (c->db_ == db)
            return c;
    return nullptr;
}

sqlite3_stmt *StmtCache::take(const std::string &sql) {
    auto it = idle_.find(sql);
    if (it == idle_.end())
        return nullptr;
    sqlite3_stmt *st = it->second->second;
    lru_.erase(it->second);
    idle_.erase(it);
    return st;
}

void StmtCache::give(const std::string &sql, sqlite3_stmt *st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (idle_.count(sql)) {
        sqlite3_finalize(st); // a nested use of the same SQL: one idle copy is enough
        return;
    }
    lru_.emplace_front(sql, st);
    idle_.emplace(sql, lru_.begin());
    if (lru_.size() > kCapacity) {
        idle_.erase(lru_.back().first);
        sqlite3_finalize(lru_.back().second);
        lru_.pop_back();
    }
}

Stmt::Stmt(sqlite3 *db, const std::string &sql) : db_(db), cache_(StmtCache::of(db)) {
    if (cache_ && (st_ = cache_->take(sql)) != nullptr) {
        sql_ = sql;
        return;
    }
    int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr);
    if (rc != SQLITE_OK)
        raise_sqlite(db, rc, sql);
    if (cache_)
        sql_ = sql;
}

Stmt::~Stmt() {
    if (cache_ && st_)
        cache_->give(sql_, st_);
    else
        sqlite3_finalize(st_);
}

bool Stmt::step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE) {
        // A finished statement must not count as pending: SQLite refuses COMMIT and schema
        // changes while statements are active.
        sqlite3_reset(st_);
        return false;
    }
    raise_sqlite(db_, rc);
}

Stmt &Stmt::bind(int i, const Value &v) {
    bind_value(st_, i, v);
    return *this;
}

std::string Stmt::text_col(int i) const {
    const unsigned char *t = sqlite3_column_text(st_, i);
    return t ? std::string(reinterpret_cast<const char *>(t),
                           static_cast<size_t>(sqlite3_column_bytes(st_, i)))
             : std::string();
}

Value Stmt::value_col(int i) const {
    return column_value(st_, i);
}

Value column_value(sqlite3_stmt *st, int i) {
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return Value::integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return Value::real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
        const char *t = reinterpret_cast<const char *>(sqlite3_column_text(st, i));
        return Value::text(std::string(t, static_cast<size_t>(sqlite3_column_bytes(st, i))));
    }
    case SQLITE_BLOB: {
        const char *b = static_cast<const char *>(sqlite3_column_blob(st, i));
        return Value::blob(
            std::string(b ? b : "", static_cast<size_t>(sqlite3_column_bytes(st, i))));
    }
    default:
        return Value::null();
    }
}

void bind_value(sqlite3_stmt *st, int i, const Value &v) {
    switch (v.kind) {
    case Value::Kind::Null:
        sqlite3_bind_null(st, i);
        break;
    case Value::Kind::Int:
        sqlite3_bind_int64(st, i, v.i);
        break;
    case Value::Kind::Real:
        sqlite3_bind_double(st, i, v.d);
        break;
    case Value::Kind::Text:
        sqlite3_bind_text(st, i, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
        break;
    case Value::Kind::Blob:
        sqlite3_bind_blob(st, i, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
        break;
    }
}

void wait_for_locks(sqlite3 *db, int ms) {
    const intptr_t limit = ms < 0 ? 600000 : ms;
    sqlite3_busy_handler(
        db,
        [](void *arg, int tries) {
            if (tries >= reinterpret_cast<intptr_t>(arg))
                return 0;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return 1;
        },
        reinterpret_cast<void *>(limit));
}

void configure_connection(sqlite3 *db) {
    wait_for_locks(db, 60000);
    exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -65536");
}

void exec(sqlite3 *db, const std::string &sql) {
    char *err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        sqlite3_free(err);
        raise_sqlite(db, rc, sql);
    }
}

std::string encode_error(const Message &m) {
    return std::string(kErrorPrefix) + std::to_string(m.number) + "|" + std::to_string(m.state) +
           "|" + std::to_string(m.severity) + "|" + m.text;
}

bool decode_error(const std::string &text, Message &m) {
    size_t at = text.find(kErrorPrefix);
    if (at == std::string::npos)
        return false;
    std::string rest = text.substr(at + std::string(kErrorPrefix).size());
    size_t a = rest.find('|'), b = rest.find('|', a + 1), c = rest.find('|', b + 1);
    if (a == std::string::npos || b == std::string::npos || c == std::string::npos)
        return false;
    m.number = std::stoi(rest.substr(0, a));
    m.state = static_cast<uint8_t>(std::stoi(rest.substr(a + 1, b - a - 1)));
    m.severity = static_cast<uint8_t>(std::stoi(rest.substr(b + 1, c - b - 1)));
    m.text = rest.substr(c + 1);
    return true;
}

} // namespace sim::sql
