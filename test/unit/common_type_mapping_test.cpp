#include "type_mapping.hpp"

#include <gtest/gtest.h>

using dts::map_type;
using dts::SourceType;
using dts::Support;

namespace {
std::string pg(const char *name, int max_length = 0, int precision = 0, int scale = 0) {
    return map_type(SourceType{name, max_length, precision, scale}).pg_type;
}
Support support(const char *name, int max_length = 0, int precision = 0, int scale = 0) {
    return map_type(SourceType{name, max_length, precision, scale}).support;
}
} // namespace

TEST(TypeMapping, IntegersAndExactNumerics) {
    EXPECT_EQ(pg("bit"), "boolean");
    EXPECT_EQ(pg("tinyint"), "smallint");
    EXPECT_EQ(pg("smallint"), "smallint");
    EXPECT_EQ(pg("int"), "integer");
    EXPECT_EQ(pg("bigint"), "bigint");
    EXPECT_EQ(pg("decimal", 17, 38, 10), "numeric(38,10)");
    EXPECT_EQ(pg("numeric", 5, 5, 0), "numeric(5,0)");
    EXPECT_EQ(pg("money", 8, 19, 4), "numeric(19,4)");
    EXPECT_EQ(pg("smallmoney", 4, 10, 4), "numeric(10,4)");
}

TEST(TypeMapping, FloatsFollowPrecision) {
    EXPECT_EQ(pg("real", 4, 24), "real");
    EXPECT_EQ(pg("float", 8, 53), "double precision");
    EXPECT_EQ(pg("float", 4, 24), "real");
}

TEST(TypeMapping, DateTimeFamily) {
    EXPECT_EQ(pg("date", 3, 10), "date");
    EXPECT_EQ(pg("time", 5, 16, 7), "time(6)");
    EXPECT_EQ(support("time", 5, 16, 7), Support::Narrowed);
    EXPECT_EQ(pg("time", 3, 8, 0), "time(0)");
    EXPECT_EQ(support("time", 3, 8, 0), Support::Exact);
    EXPECT_EQ(pg("datetime2", 8, 27, 7), "timestamp(6)");
    EXPECT_EQ(pg("datetime2", 7, 23, 3), "timestamp(3)");
    EXPECT_EQ(pg("datetime", 8, 23, 3), "timestamp(3)");
    EXPECT_EQ(pg("smalldatetime", 4, 16, 0), "timestamp(0)");
    EXPECT_EQ(pg("datetimeoffset", 10, 34, 7), "timestamptz(6)");
    EXPECT_EQ(support("datetimeoffset", 9, 30, 3), Support::Narrowed);
}

TEST(TypeMapping, CharacterLengthsComeFromBytes) {
    EXPECT_EQ(pg("char", 10), "character(10)");
    EXPECT_EQ(pg("nchar", 20), "character(10)");
    EXPECT_EQ(pg("varchar", 200), "character varying(200)");
    EXPECT_EQ(pg("nvarchar", 100), "character varying(50)");
    EXPECT_EQ(pg("varchar", -1), "text");
    EXPECT_EQ(pg("nvarchar", -1), "text");
    EXPECT_EQ(pg("text", 16), "text");
    EXPECT_EQ(pg("ntext", 16), "text");
    EXPECT_EQ(pg("sysname", 256), "character varying(128)");
}

TEST(TypeMapping, BinaryGuidXml) {
    EXPECT_EQ(pg("binary", 16), "bytea");
    EXPECT_EQ(pg("varbinary", -1), "bytea");
    EXPECT_EQ(pg("image", 16), "bytea");
    EXPECT_EQ(pg("uniqueidentifier", 16), "uuid");
    EXPECT_EQ(pg("xml", -1), "xml");
}

TEST(TypeMapping, TypesDtsDoesNotSync) {
    EXPECT_EQ(support("timestamp", 8), Support::FdwOnly);
    EXPECT_EQ(support("hierarchyid", 892), Support::FdwOnly);
    EXPECT_EQ(support("geometry", -1), Support::FdwOnly);
    EXPECT_EQ(support("geography", -1), Support::FdwOnly);
    EXPECT_EQ(support("sql_variant", 8016), Support::Unsupported);
    auto unknown = map_type(SourceType{"cursor", 0, 0, 0});
    EXPECT_EQ(unknown.support, Support::Unsupported);
    EXPECT_NE(unknown.note.find("cursor"), std::string::npos);
}
