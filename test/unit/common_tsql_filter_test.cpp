#include "error.hpp"
#include "tsql_filter.hpp"

#include <gtest/gtest.h>

using dts::tsql::require_search_condition;
using dts::tsql::search_condition_error;

TEST(TsqlFilter, AcceptsSearchConditions) {
    for (const char *f :
         {"[amount] > 50", "[region] = N'EU' AND [id] > 100",
          "id IN (SELECT id FROM dbo.keep WHERE k = 'a;b')",
          "[name] LIKE N'%--x%' OR [c] = 'it''s ) ; /*'", "[x]]y] = 1",
          "\"quoted\"\"id\" IS NOT NULL", "((a = 1) OR (b = 2))\n  AND c <> 1e5", "[update] = 1",
          "updated_at > '2024-01-01'", "settled = 1 AND insertion_no > 0"})
        EXPECT_EQ(search_condition_error(f), std::nullopt) << f;
}

TEST(TsqlFilter, RejectsEverythingThatIsNotOneCondition) {
    for (const char *f :
         {"", "   ", "1=1; DROP TABLE x", "1=1 -- rest", "1=1 /* x */",
          // The review's exploit: close the WHERE's parenthesis and append statements.
          "1=0) CREATE TABLE shop.dbo.pwned (who nvarchar(50)) INSERT INTO shop.dbo.pwned "
          "SELECT SUSER_NAME() SELECT 1 AS id, N'x' AS v WHERE (1=1",
          "1=1) EXEC xp_cmdshell 'id' SELECT 1 WHERE (1=1", "(1=1", "1=1)", "a = 'open",
          "[open = 1", "\"open = 1", "1=1 WAITFOR DELAY '00:00:10'",
          "id IN (SELECT a FROM OPENROWSET('SQLNCLI', 'x', 'EXEC y'))",
          "EXISTS (SELECT * FROM OPENQUERY(srv, 'DELETE t'))", "a = 1\x01",
          "1=1 insert into t values (1)", "1=1 SHUTDOWN"})
        EXPECT_NE(search_condition_error(f), std::nullopt) << f;
}

TEST(TsqlFilter, RequireNamesTheObject) {
    try {
        require_search_condition("1=1) DROP TABLE t SELECT 1 WHERE (1=1", "filter of dbo.orders");
        FAIL() << "no error";
    } catch (const dts::Error &e) {
        EXPECT_EQ(e.sqlstate, "22023");
        EXPECT_NE(std::string(e.what()).find("filter of dbo.orders"), std::string::npos);
        EXPECT_FALSE(e.hint.empty());
    }
}
