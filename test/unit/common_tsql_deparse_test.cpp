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
