// The simulator's statement cache (sql/sqlite_db.cpp): a reused statement must behave as a fresh
// one, and only the thread and connection that own the cache may reuse its statements.
#include "sql/sqlite_db.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <thread>

using namespace sim;
using namespace sim::sql;

namespace {

struct Db {
    sqlite3 *db = nullptr;
    Db() { sqlite3_open(":memory:", &db); }
    ~Db() { sqlite3_close(db); }
};

TEST(SimStmtCache, ReusesTheStatementResetWithItsBindingsCleared) {
    Db d;
    StmtCache cache(d.db);
    exec(d.db, "CREATE TABLE t(a INTEGER, b TEXT)");
    sqlite3_stmt *first = nullptr;
    {
        Stmt ins(d.db, "INSERT INTO t VALUES (?, ?)");
        ins.bind(1, int64_t{1}).bind(2, std::string("x"));
        ins.step();
        first = ins.get();
    }
    {
        // Same SQL: the same compiled statement, with no value left bound (NULL, as when fresh).
        Stmt ins(d.db, "INSERT INTO t VALUES (?, ?)");
        EXPECT_EQ(ins.get(), first);
        ins.bind(1, int64_t{2});
        ins.step();
    }
    Stmt q(d.db, "SELECT a, b IS NULL FROM t ORDER BY a");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int_col(0), 1);
    EXPECT_EQ(q.int_col(1), 0);
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int_col(0), 2);
    EXPECT_EQ(q.int_col(1), 1);
}

TEST(SimStmtCache, AStatementGivenBackMidScanDoesNotHoldTheReadOpen) {
    Db d;
    StmtCache cache(d.db);
    exec(d.db, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1), (2)");
    {
        Stmt q(d.db, "SELECT a FROM t");
        ASSERT_TRUE(q.step()); // one row of two: still running when it goes back
    }
    // A running statement would make SQLite refuse the schema change (table locked).
    exec(d.db, "DROP TABLE t");
}

TEST(SimStmtCache, AStatementInUseIsNotHandedOutTwice) {
    Db d;
    StmtCache cache(d.db);
    exec(d.db, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1), (2)");
    { Stmt warm(d.db, "SELECT a FROM t ORDER BY a"); }
    Stmt outer(d.db, "SELECT a FROM t ORDER BY a");
    ASSERT_TRUE(outer.step());
    Stmt inner(d.db, "SELECT a FROM t ORDER BY a"); // nested use of the same SQL
    EXPECT_NE(inner.get(), outer.get());
    ASSERT_TRUE(inner.step());
    EXPECT_EQ(inner.int_col(0), 1);
    ASSERT_TRUE(outer.step());
    EXPECT_EQ(outer.int_col(0), 2);
}

TEST(SimStmtCache, FollowsSchemaChanges) {
    Db d;
    StmtCache cache(d.db);
    exec(d.db, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1)");
    { Stmt q(d.db, "SELECT * FROM t"); }
    exec(d.db, "DROP TABLE t; CREATE TABLE t(a INTEGER, b INTEGER); INSERT INTO t VALUES (5, 6)");
    Stmt q(d.db, "SELECT * FROM t");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(sqlite3_column_count(q.get()), 2);
    EXPECT_EQ(q.int_col(1), 6);
}

TEST(SimStmtCache, OnlyTheOwningThreadAndConnectionReuse) {
    Db d, other;
    StmtCache cache(d.db);
    EXPECT_EQ(StmtCache::of(d.db), &cache);
    EXPECT_EQ(StmtCache::of(other.db), nullptr);
    StmtCache *seen = &cache;
    std::thread([&] { seen = StmtCache::of(d.db); }).join();
    EXPECT_EQ(seen, nullptr);
}

TEST(SimStmtCache, CachesOfOneThreadEndInAnyOrder) {
    Db a, b;
    auto ca = std::make_unique<StmtCache>(a.db);
    auto cb = std::make_unique<StmtCache>(b.db);
    ca.reset(); // not the last one made
    EXPECT_EQ(StmtCache::of(a.db), nullptr);
    EXPECT_EQ(StmtCache::of(b.db), cb.get());
    cb.reset();
    EXPECT_EQ(StmtCache::of(b.db), nullptr);
}

} // namespace
