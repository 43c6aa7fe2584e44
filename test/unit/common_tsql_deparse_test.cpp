#include "error.hpp"
#include "tsql_deparse.hpp"

#include <gtest/gtest.h>

using namespace dts::tsql;

namespace {
RemoteExprPtr node(RemoteExpr::Kind k, std::string text = {},
                   std::vector<RemoteExprPtr> args = {}) {
    auto e = std::make_shared<RemoteExpr>();
    e->kind = k;
    e->text = std::move(text);
    e->args = std::move(args);
    return e;
}
} // namespace

TEST(TsqlDeparse, QuotesIdentifiersAndUnicodeLiterals) {
    using K = RemoteExpr::Kind;
    RemoteQuery q;
    q.schema = "dbo";
    q.table = "we]ird";
    q.columns = {"id", "na me"};
    q.where.push_back(
        node(K::Compare, "=", {node(K::Column, "na me"), node(K::String, "O'Brien 日本")}));
    q.where.push_back(node(K::Or, "",
                           {node(K::Compare, ">", {node(K::Column, "id"), node(K::Number, "10")}),
                            node(K::IsNull, "", {node(K::Column, "id")})}));
    EXPECT_EQ(render(q),
              "SELECT [id], [na me] FROM [dbo].[we]]ird] WHERE ([na me] = N'O''Brien 日本') "
              "AND (([id] > 10) OR ([id] IS NULL))");
}

TEST(TsqlDeparse, InNotBoolAndTop) {
    using K = RemoteExpr::Kind;
    RemoteQuery q;
    q.schema = "s";
    q.table = "t";
    q.limit = 5;
    q.where.push_back(node(
        K::Not, "",
        {node(K::In, "", {node(K::Column, "c"), node(K::Number, "1"), node(K::Number, "2")})}));
    q.where.push_back(node(K::Compare, "=", {node(K::Column, "flag"), node(K::Bool, "true")}));
    EXPECT_EQ(render(q),
              "SELECT TOP (5) NULL FROM [s].[t] WHERE (NOT ([c] IN (1, 2))) AND ([flag] = 1)");
}

TEST(TsqlDeparse, OrderByPlacesNullsLikePostgres) {
    RemoteQuery q;
    q.schema = "dbo";
    q.table = "t";
    q.columns = {"a"};
    q.limit = 10;
    q.order_by = {{"a", false, false, true},   // ASC NULLS LAST (PostgreSQL's default): CASE key
                  {"b", true, true, true},     // DESC NULLS FIRST (PostgreSQL's default): CASE key
                  {"c", false, true, true},    // ASC NULLS FIRST: SQL Server's own order
                  {"d", true, false, true},    // DESC NULLS LAST: SQL Server's own order
                  {"e", false, false, false}}; // NOT NULL column: no CASE key needed
    EXPECT_EQ(render(q), "SELECT TOP (10) [a] FROM [dbo].[t] ORDER BY CASE WHEN [a] IS NULL THEN 1 "
                         "ELSE 0 END, [a] ASC, CASE WHEN [b] IS NULL THEN 0 ELSE 1 END, [b] DESC, "
                         "[c] ASC, [d] DESC, [e] ASC");
}

TEST(TsqlDeparse, ParametersAreBoundAsLiteralsAtExecution) {
    using K = RemoteExpr::Kind;
    RemoteQuery q;
    q.schema = "dbo";
    q.table = "t";
    q.columns = {"id"};
    q.where.push_back(node(K::Compare, "=", {node(K::Column, "grp"), node(K::Param, "1")}));
    q.where.push_back(node(K::Or, "",
                           {node(K::Compare, ">", {node(K::Column, "id"), node(K::Param, "2")}),
                            node(K::Compare, "<", {node(K::Param, "1"), node(K::Number, "0")})}));
    EXPECT_EQ(render(q), "SELECT [id] FROM [dbo].[t] WHERE ([grp] = @P1) AND (([id] > @P2) OR "
                         "(@P1 < 0))");
    SqlTemplate t = render_template(q);
    ASSERT_EQ(t.parts.size(), 4u);
    EXPECT_EQ(t.slots, (std::vector<int>{1, 2, 1}));
    EXPECT_EQ(bind(t, {"7", "N'x'']'"}),
              "SELECT [id] FROM [dbo].[t] WHERE ([grp] = 7) AND (([id] > N'x'']') OR (7 < 0))");
    EXPECT_EQ(bind(t, {"NULL", "3"}),
              "SELECT [id] FROM [dbo].[t] WHERE ([grp] = NULL) AND (([id] > 3) OR (NULL < 0))");
    EXPECT_THROW(bind(t, {"1"}), dts::Error);
}

TEST(TsqlDeparse, LikeAndNullTests) {
    using K = RemoteExpr::Kind;
    auto e = node(K::And, "",
                  {node(K::Like, "", {node(K::Column, "name"), node(K::String, "A%")}),
                   node(K::IsNull, "", {node(K::Column, "city")}),
                   node(K::IsNotNull, "", {node(K::Column, "born")})});
    EXPECT_EQ(render(*e), "(([name] LIKE N'A%') AND ([city] IS NULL) AND ([born] IS NOT NULL))");
}
