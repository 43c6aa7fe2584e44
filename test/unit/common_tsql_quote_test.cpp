#include "tsql_quote.hpp"

#include <gtest/gtest.h>

using namespace dts::tsql;

TEST(TsqlQuote, IdentifiersAreBracketedWithClosingBracketDoubled) {
    EXPECT_EQ(quote_ident("orders"), "[orders]");
    EXPECT_EQ(quote_ident("we]ird[name"), "[we]]ird[name]");
    EXPECT_EQ(quote_ident("a b.c"), "[a b.c]");
    EXPECT_EQ(quote_ident(""), "[]");
}

TEST(TsqlQuote, LiteralsAreUnicodeWithQuotesDoubled) {
    EXPECT_EQ(quote_literal("O'Brien"), "N'O''Brien'");
    EXPECT_EQ(quote_literal("日本 😀"), "N'日本 😀'");
    EXPECT_EQ(quote_literal("''"), "N''''''");
    EXPECT_EQ(quote_literal("x]"), "N'x]'");
}

TEST(TsqlQuote, MultipartNames) {
    EXPECT_EQ(quote_name("shop", "dbo", "orders"), "[shop].[dbo].[orders]");
    EXPECT_EQ(quote_name("", "sales", "t"), "[sales].[t]");
    EXPECT_EQ(quote_name("", "", "t"), "[t]");
    EXPECT_EQ(quote_name("db", "", "t"), "[db]..[t]");
}

TEST(TsqlQuote, ObjectLiteralQuotesTheNameThenTheLiteral) {
    EXPECT_EQ(object_literal("dbo", "orders"), "N'[dbo].[orders]'");
    EXPECT_EQ(object_literal("it's", "a]b"), "N'[it''s].[a]]b]'");
}
