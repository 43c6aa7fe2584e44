#include "catalog_diff.hpp"

#include <gtest/gtest.h>

using namespace dts::ddl;

namespace {
CatalogTable table(const char *name, std::vector<std::string> cols,
                   std::vector<std::string> idx = {}) {
    return {"dbo", name, std::move(cols), std::move(idx)};
}
std::string events(const std::vector<Event> &ev) {
    std::string out;
    for (const auto &e : ev)
        out += e.type + ":" + e.schema + "." + e.object + (e.target.empty() ? "" : "@" + e.target) +
               " ";
    return out;
}
} // namespace

TEST(CatalogDiff, NoChangeNoEvent) {
    Catalog c{{"dbo.a", table("a", {"id int"}, {"PK_a"})}};
    EXPECT_TRUE(diff(c, c).empty());
}

TEST(CatalogDiff, TablesCreatedAndDropped) {
    Catalog before{{"dbo.a", table("a", {"id int"})}, {"dbo.b", table("b", {"id int"})}};
    Catalog after{{"dbo.b", table("b", {"id int"})}, {"dbo.c", table("c", {"id int"})}};
    EXPECT_EQ(events(diff(before, after)), "DROP_TABLE:dbo.a CREATE_TABLE:dbo.c ");
}

TEST(CatalogDiff, ColumnsAndIndexes) {
    Catalog before{{"dbo.a", table("a", {"id int", "v varchar 10"}, {"PK_a", "ix_old"})}};
    Catalog after{{"dbo.a", table("a", {"id int", "v varchar 10", "w int"}, {"PK_a", "ix_new"})}};
    EXPECT_EQ(events(diff(before, after)),
              "ALTER_TABLE:dbo.a DROP_INDEX:dbo.ix_old@a CREATE_INDEX:dbo.ix_new@a ");
}

TEST(CatalogDiff, SnapshotTextRoundTrips) {
    Catalog c{{"dbo.a", table("a", {"id int 4 10 0 0", "note nvarchar 40 0 0 1"}, {"PK_a"})},
              {"we:ird.na\nme", {"we:ird", "na\nme", {"1:2 x"}, {}}},
              {"dbo.empty", table("empty", {})}};
    const std::string text = encode_catalog(c);
    const Catalog back = decode_catalog(text);
    ASSERT_EQ(back.size(), 3u);
    EXPECT_TRUE(diff(c, back).empty());
    EXPECT_EQ(back.at("we:ird.na\nme").columns, std::vector<std::string>{"1:2 x"});
    EXPECT_TRUE(decode_catalog("").empty());
    // Anything cut or altered is refused, never read as a smaller catalog.
    EXPECT_THROW(decode_catalog(text.substr(0, text.size() - 1)), std::invalid_argument);
    EXPECT_THROW(decode_catalog("3:dbo1:a"), std::invalid_argument);
    EXPECT_THROW(decode_catalog("x:dbo"), std::invalid_argument);
    EXPECT_THROW(decode_catalog("3:dbo1:a1:x"), std::invalid_argument);
}
