// Thin RAII over sqlite3 handles. Errors raised by our registered functions come back as
// SqlError; other SQLite failures become SQL Server-style internal errors.
#pragma once

#include "engine.hpp"

#include <sqlite3.h>

#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace sim::sql {

// The prepared statements of one connection, kept for reuse by the thread that made the cache
// (a session's connection is used by its own thread only). Compiling SQL was most of a write's
// cost: the log emulation runs the same few catalog and page statements for every row. A cached
// statement behaves as a fresh one: it is reset with its bindings cleared when given back, and
// SQLite recompiles it by itself after a schema change. Statements of other connections or
// threads are prepared and finalized as before. Destroyed by the thread that made it, before the
// connection closes.
class StmtCache {
public:
    explicit StmtCache(sqlite3 *db);
    ~StmtCache();
    StmtCache(const StmtCache &) = delete;
    StmtCache &operator=(const StmtCache &) = delete;
    // The calling thread's cache of `db`, or nullptr.
    static StmtCache *of(sqlite3 *db);
    // An idle statement for `sql` (removed from the cache while in use), or nullptr.
    sqlite3_stmt *take(const std::string &sql);
    // Gives a statement back for later use (finalizes it when one for its SQL is idle already).
    void give(const std::string &sql, sqlite3_stmt *st);

private:
    static constexpr size_t kCapacity = 256; // SQL texts kept, least recently used go first
    sqlite3 *db_;
    StmtCache *outer_; // the thread's other caches (several sessions in one thread)
    std::list<std::pair<std::string, sqlite3_stmt *>> lru_; // most recent first
    std::unordered_map<std::string, decltype(lru_)::iterator> idle_;
};

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
    StmtCache *cache_ = nullptr;
    std::string sql_; // the cache's key (only when cache_)
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
