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
