#include "error.hpp"
#include "filter_probe.hpp"

#include <gtest/gtest.h>

using namespace dts::tsql;

TEST(FilterProbe, ColumnsTheFilterNames) {
    std::vector<std::string> cols = {"id", "Region", "amt", "n", "x]y", "note"};
    // 'note' inside a literal and N'...' are not names; case does not matter.
    EXPECT_EQ(filter_columns("[region] = N'EU' AND amt > 5 AND [x]]y] IS NULL OR c = 'note'", cols),
              (std::vector<size_t>{1, 2, 4}));
    EXPECT_EQ(filter_columns("\"ID\" > 1", cols), (std::vector<size_t>{0}));
    EXPECT_EQ(filter_columns("[n] = 1", cols), (std::vector<size_t>{3}));
}

TEST(FilterProbe, TypeSpecs) {
    EXPECT_EQ(type_spec({"c", "nvarchar", 80, 0, 0, ""}), "nvarchar(40)");
    EXPECT_EQ(type_spec({"c", "varchar", -1, 0, 0, ""}), "varchar(max)");
    EXPECT_EQ(type_spec({"c", "decimal", 9, 10, 2, ""}), "decimal(10, 2)");
    EXPECT_EQ(type_spec({"c", "datetime2", 8, 27, 7, ""}), "datetime2(7)");
    EXPECT_EQ(type_spec({"c", "int", 4, 10, 0, ""}), "int");
    EXPECT_EQ(type_spec({"c", "timestamp", 8, 0, 0, ""}), "binary(8)");
}

TEST(FilterProbe, TypedValues) {
    ProbeColumn s{"region", "nvarchar", 20, 0, 0, ""};
    EXPECT_EQ(typed_value(s, "it's"), "CAST(N'it''s' AS nvarchar(10))");
    EXPECT_EQ(typed_value(s, std::nullopt), "CAST(NULL AS nvarchar(10))");
    s.collation = "Latin1_General_CS_AS";
    EXPECT_EQ(typed_value(s, "EU"), "CAST(N'EU' AS nvarchar(10)) COLLATE Latin1_General_CS_AS");
    s.collation = "x; DROP TABLE t";
    EXPECT_THROW(typed_value(s, "EU"), dts::Error);
    EXPECT_EQ(typed_value({"b", "bit", 1, 1, 0, ""}, "true"), "CAST(1 AS bit)");
    EXPECT_EQ(typed_value({"b", "bit", 1, 1, 0, ""}, "false"), "CAST(0 AS bit)");
    EXPECT_EQ(typed_value({"v", "varbinary", 10, 0, 0, ""}, "\\x0aff"),
              "CAST(0x0aff AS varbinary(10))");
    EXPECT_THROW(typed_value({"v", "varbinary", 10, 0, 0, ""}, "\\x0g"), dts::Error);
    EXPECT_EQ(typed_value({"d", "datetime", 8, 23, 3, ""}, "2024-01-02 03:04:05.007"),
              "CAST(CAST(N'2024-01-02 03:04:05.007' AS datetime2(7)) AS datetime)");
    EXPECT_EQ(typed_value({"o", "datetimeoffset", 10, 34, 7, ""}, "2024-01-02 03:04:05.5+00"),
              "CAST(N'2024-01-02 03:04:05.5+00:00' AS datetimeoffset(7))");
    EXPECT_EQ(typed_value({"n", "decimal", 9, 10, 2, ""}, "-12.50"),
              "CAST(N'-12.50' AS decimal(10, 2))");
    EXPECT_THROW(typed_value({"g", "geography", -1, 0, 0, ""}, "x"), dts::Error);
}

TEST(FilterProbe, Query) {
    std::vector<ProbeColumn> cols = {{"region", "nvarchar", 20, 0, 0, ""},
                                     {"amt", "int", 4, 10, 0, ""}};
    EXPECT_EQ(filter_probe_sql("[region] = N'EU'", cols, {{"EU", "1"}, {std::nullopt, "2"}}),
              "SELECT [__dts_i] FROM (VALUES (0, CAST(N'EU' AS nvarchar(10)), CAST(N'1' AS int)), "
              "(1, CAST(NULL AS nvarchar(10)), CAST(N'2' AS int))) AS v([__dts_i], [region], "
              "[amt]) WHERE ([region] = N'EU')");
    EXPECT_THROW(filter_probe_sql("1 = 1", cols, {}), dts::Error);
}
