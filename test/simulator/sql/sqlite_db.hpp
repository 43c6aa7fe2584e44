// Thin RAII over sqlite3 handles. Errors raised by our registered functions come back as
// SqlError; other SQLite failures become SQL Server-style internal errors.
#pragma once

#include "engine.hpp"

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

namespace sim::sql {

class Stmt {
public:
    Stmt(sqlite3 *db, const std::string &sql);
    ~Stmt();
    Stmt(const Stmt &) = delete;
    Stmt &operator=(const Stmt &) = delete;
    sqlite3_stmt *get() const { return st_; }
    // SQLITE_ROW -> true, SQLITE_DONE -> false; errors throw.
    bool step();
    void reset() { sqlite3_reset(st_); }
    Stmt &bind(int i, const Value &v);
    Stmt &bind(int i, int64_t v) {
        sqlite3_bind_int64(st_, i, v);
        return *this;
    }
    Stmt &bind(int i, const std::string &v) {
        sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    int64_t int_col(int i) const { return sqlite3_column_int64(st_, i); }
    std::string text_col(int i) const;
    Value value_col(int i) const;

private:
    sqlite3 *db_;
    sqlite3_stmt *st_ = nullptr;
};

// Executes statements without results; throws on error.
void exec(sqlite3 *db, const std::string &sql);

// How long a connection waits for another one's write lock (SQL Server's LOCK_TIMEOUT, in ms;
// negative: ten minutes). SQL Server wakes a waiter when the lock is released; SQLite's own busy
// timeout backs off to 100 ms sleeps, which against a steady stream of short writers starves the
// waiter. Retrying every millisecond comes close to the former.
void wait_for_locks(sqlite3 *db, int ms);

// Every connection to the store: waits a minute for locks, commits without syncing (the store is
// the simulator's scratch data; a killed simulator loses nothing in WAL mode, only a crash of the
// machine would) and caches 64 MiB of pages. Both settings are per connection.
void configure_connection(sqlite3 *db);
// Turns the current SQLite error on `db` (rc) into a SqlError.
[[noreturn]] void raise_sqlite(sqlite3 *db, int rc, const std::string &context = {});
Value column_value(sqlite3_stmt *st, int i);
void bind_value(sqlite3_stmt *st, int i, const Value &v);

// SQL quoting for the SQLite side.
std::string qi(const std::string &ident); // "ident"
std::string ql(const std::string &text);  // 'text'

} // namespace sim::sql
